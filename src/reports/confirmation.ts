// PKB confirmation: how long recorded outcomes (rebooked, cancelled) took to show in PKB — median and 90th percentile
// minutes from the outcome to the check that found it — and the share confirmed within the limit
// (CONFIRM_WITHIN_HOURS), overall, per specialty and per team. Outcomes are those recorded in the filter's range (the
// request's current outcome), read from pkb_confirmations (kept with the request's history events).
import type { Queryable } from "../store/db.ts";
import { attributeConditions, params, resolveRange, type ReportFilter, type ResolvedRange } from "./query.ts";

/** Confirmation figures of a set of outcomes. */
export interface ConfirmationFigures {
  /** Outcomes that need confirming (rebooked or cancelled) recorded in the range. */
  outcomes: number;
  /** Shown in PKB, at any time. */
  confirmed: number;
  /** Confirmed at or before the limit. */
  withinLimit: number;
  /** Confirmed after the limit (a late confirmation). */
  late: number;
  /** Not shown in PKB and the limit has passed. */
  notConfirmed: number;
  /** Not shown yet and the limit is still ahead: not counted either way. */
  awaiting: number;
  /** Minutes from the outcome to its confirmation, over the confirmed ones (percentile_cont, 0.01 min); null: none. */
  medianMinutes: number | null;
  p90Minutes: number | null;
  /** withinLimit / (confirmed + notConfirmed); null when both are 0. */
  share: number | null;
}

/** The report: overall, per specialty of the linked appointment (null: none) and per team (null: no team). */
export interface ConfirmationReport {
  range: ResolvedRange;
  asOf: Date;
  overall: ConfirmationFigures;
  specialties: ({ specialtyCode: string | null; specialtyName: string | null } & ConfirmationFigures)[];
  teams: ({ teamId: string | null; teamName: string | null } & ConfirmationFigures)[];
}

interface Row {
  g_specialty: number;
  g_team: number;
  specialty_code: string | null;
  specialty_name: string | null;
  team_id: string | null;
  team_name: string | null;
  outcomes: number;
  confirmed: number;
  within_limit: number;
  not_confirmed: number;
  awaiting: number;
  p50: number | null;
  p90: number | null;
}

const figures = (r: Row | undefined): ConfirmationFigures => {
  const confirmed = r?.confirmed ?? 0;
  const within = r?.within_limit ?? 0;
  const notConfirmed = r?.not_confirmed ?? 0;
  return {
    outcomes: r?.outcomes ?? 0,
    confirmed,
    withinLimit: within,
    late: confirmed - within,
    notConfirmed,
    awaiting: r?.awaiting ?? 0,
    medianMinutes: r?.p50 ?? null,
    p90Minutes: r?.p90 ?? null,
    share: confirmed + notConfirmed > 0 ? within / (confirmed + notConfirmed) : null,
  };
};

/** Confirmation figures of the outcomes recorded in the filter's range (one statement, grouping sets). */
export async function confirmationReport(
  db: Queryable,
  f: ReportFilter,
  p0: { now: Date },
): Promise<ConfirmationReport> {
  const range = resolveRange(f);
  const { values, p } = params();
  const now = p(p0.now);
  const pct = (q: number): string => `round((percentile_cont(${q}) WITHIN GROUP (ORDER BY minutes))::numeric, 2)`;
  const rows = await db.query<Row>(
    `WITH o AS (
       SELECT r.appointment_specialty_code AS sc, r.appointment_specialty_display AS sd, r.team_id, t.name AS team_name,
         c.confirmed_at, c.due_at,
         extract(epoch FROM c.confirmed_at - c.outcome_at)::float8 / 60 AS minutes
       FROM pkb_confirmations c JOIN appointment_requests r ON r.id = c.request_id
         LEFT JOIN teams t ON t.id = r.team_id
       WHERE c.outcome_at >= ${p(range.start)} AND c.outcome_at < ${p(range.end)} AND ${attributeConditions(f, p)}
     )
     SELECT GROUPING(sc) AS g_specialty, GROUPING(team_id) AS g_team, sc AS specialty_code,
       max(sd) AS specialty_name, team_id, max(team_name) AS team_name, count(*)::int AS outcomes,
       count(confirmed_at)::int AS confirmed,
       count(*) FILTER (WHERE confirmed_at <= due_at)::int AS within_limit,
       count(*) FILTER (WHERE confirmed_at IS NULL AND due_at < ${now})::int AS not_confirmed,
       count(*) FILTER (WHERE confirmed_at IS NULL AND due_at >= ${now})::int AS awaiting,
       ${pct(0.5)} AS p50, ${pct(0.9)} AS p90
     FROM o GROUP BY GROUPING SETS ((), (sc), (team_id))
     ORDER BY specialty_code NULLS LAST, team_name NULLS LAST, team_id`,
    values,
  );
  return {
    range,
    asOf: p0.now,
    overall: figures(rows.find((r) => r.g_specialty === 1 && r.g_team === 1)),
    specialties: rows
      .filter((r) => r.g_specialty === 0)
      .map((r) => ({ specialtyCode: r.specialty_code, specialtyName: r.specialty_name, ...figures(r) })),
    teams: rows.filter((r) => r.g_team === 0).map((r) => ({ teamId: r.team_id, teamName: r.team_name, ...figures(r) })),
  };
}
