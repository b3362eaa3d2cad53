// Who handled what: per person, per team and overall, the requests received in the range that have an outcome —
// how many, minutes from receipt to the outcome (median, 90th percentile, exact), the share handled by the deadline,
// and the share whose patient was answered. A request is handled by whoever recorded its first outcome (the event
// that set request_timings.outcome_at). Per-person figures are for admins (everyone) and team leads (the requests of
// the teams they lead); other report readers see the team and overall figures only.
import type { Queryable } from "../store/db.ts";
import { params, receivedConditions, resolveRange, type ReportFilter, type ResolvedRange } from "./query.ts";

/** The figures of one group of handled requests. */
export interface HandledFigures {
  /** Requests with an outcome. */
  handled: number;
  /** Minutes from receipt to the outcome; null with no request. */
  medianMinutesToOutcome: number | null;
  p90MinutesToOutcome: number | null;
  /** Outcome at or before the deadline. */
  byDeadline: number;
  /** Patient answered ("patient answered" recorded). */
  answered: number;
  /** answered / handled; null when none handled. */
  answeredShare: number | null;
}

export interface PeopleReport {
  range: ResolvedRange;
  overall: HandledFigures;
  teams: ({ teamId: string | null; teamName: string | null } & HandledFigures)[];
  /** Null when the reader may not see per-person figures. */
  people: ({ userId: string | null; displayName: string } & HandledFigures)[] | null;
  /** Which teams' requests the per-person figures cover: null = every team; [] = none shown. */
  peopleTeams: string[] | null;
}

interface Row {
  g_team?: number;
  team_id: string | null;
  team_name: string | null;
  handler: string | null;
  display_name: string | null;
  handled: number;
  median: number | null;
  p90: number | null;
  by_deadline: number;
  answered: number;
}

const figures = (r: Row | undefined): HandledFigures => {
  const handled = r?.handled ?? 0;
  const answered = r?.answered ?? 0;
  const round = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 100) / 100);
  return {
    handled,
    medianMinutesToOutcome: round(r?.median),
    p90MinutesToOutcome: round(r?.p90),
    byDeadline: r?.by_deadline ?? 0,
    answered,
    answeredShare: handled > 0 ? answered / handled : null,
  };
};

/**
 * The report for the filter. `peopleTeams` restricts the per-person figures to those teams' requests (null: all;
 * undefined: no per-person figures at all).
 */
export async function peopleReport(
  db: Queryable,
  f: ReportFilter,
  access: { peopleTeams: string[] | null | undefined },
): Promise<PeopleReport> {
  // Each statement collects its own parameters (an unused one would have no type).
  const handledSql = (p: (v: unknown) => string): string => `WITH o AS (
       SELECT r.team_id, r.deadline_at, r.patient_answered_at, rt.outcome_at,
         extract(epoch FROM rt.outcome_at - r.received_at) / 60 AS minutes,
         (SELECT e.actor_user_id FROM request_events e
          WHERE e.request_id = r.id AND request_event_is_outcome(e.type, e.data) ORDER BY e.at, e.id LIMIT 1) AS handler
       FROM appointment_requests r JOIN request_timings rt ON rt.request_id = r.id
       WHERE rt.outcome_at IS NOT NULL AND ${receivedConditions(f, p)}
     )`;
  const aggregates = `count(*)::int AS handled,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY o.minutes) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY o.minutes) AS p90,
       count(*) FILTER (WHERE o.outcome_at <= o.deadline_at)::int AS by_deadline,
       count(o.patient_answered_at)::int AS answered`;
  const q1 = params();
  const rows = await db.query<Row>(
    `${handledSql(q1.p)}
     SELECT GROUPING(o.team_id) AS g_team, o.team_id, t.name AS team_name, ${aggregates}
     FROM o LEFT JOIN teams t ON t.id = o.team_id
     GROUP BY GROUPING SETS ((), (o.team_id, t.name))
     ORDER BY t.name NULLS LAST`,
    q1.values,
  );
  let people: Row[] = [];
  if (access.peopleTeams !== undefined) {
    const q2 = params();
    const scope = access.peopleTeams === null ? "true" : `o.team_id = ANY(${q2.p(access.peopleTeams)}::uuid[])`;
    people = await db.query<Row>(
      `${handledSql(q2.p)}
       SELECT o.handler, u.display_name, ${aggregates}
       FROM o LEFT JOIN users u ON u.id = o.handler
       WHERE ${scope}
       GROUP BY o.handler, u.display_name
       ORDER BY u.display_name NULLS LAST, o.handler`,
      q2.values,
    );
  }
  return {
    range: resolveRange(f),
    overall: figures(rows.find((r) => r.g_team === 1)),
    teams: rows.filter((r) => r.g_team === 0).map((r) => ({ teamId: r.team_id, teamName: r.team_name, ...figures(r) })),
    people:
      access.peopleTeams === undefined
        ? null
        : people.map((r) => ({
            userId: r.handler,
            displayName: r.display_name ?? (r.handler ? "Former user" : "Rebook (automatic)"),
            ...figures(r),
          })),
    peopleTeams: access.peopleTeams === undefined ? [] : access.peopleTeams,
  };
}
