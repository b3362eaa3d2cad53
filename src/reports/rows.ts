// Row-level report data: one row per request received in the range, with its timings, outcome and deadline. The API
// reads keyset pages over (received_at, id); the export reads the whole range as one snapshot in chunks, so a year of
// rows streams and is never held in memory at once. No patient identifiers: only the request's own id.
import type { Db, Queryable } from "../store/db.ts";
import { decodeCursor, encodeCursor } from "../store/keyset.ts";
import type { MatchState, RequestStatus } from "../requests/vocabulary.ts";
import {
  DEADLINE_AT_SQL,
  TIMINGS_JOIN_SQL,
  params,
  receivedConditions,
  type Outcome,
  type ReportFilter,
  type RequestType,
} from "./query.ts";

/** One request as reports show it. Minutes are from receipt, to 0.01 minute. */
export interface ReportRow {
  id: string;
  receivedAt: Date;
  type: RequestType | null;
  status: RequestStatus;
  matchState: MatchState;
  specialtyCode: string | null;
  specialtyName: string | null;
  teamId: string | null;
  teamName: string | null;
  firstActionAt: Date | null;
  minutesToFirstAction: number | null;
  outcome: Outcome | null;
  outcomeAt: Date | null;
  minutesToOutcome: number | null;
  deadlineAt: Date;
  /** true: outcome by the deadline; false: outcome after it, or none and it has passed; null: none yet, not passed. */
  deadlineMet: boolean | null;
}

/** How rows are read: the instant deadlines are judged at. */
export interface RowsOptions {
  now: Date;
}

const SORT = "report_rows";

interface Row {
  id: string;
  key: string;
  received_at: Date;
  type: RequestType | null;
  status: ReportRow["status"];
  match_state: MatchState;
  specialty_code: string | null;
  specialty_name: string | null;
  team_id: string | null;
  team_name: string | null;
  first_action_at: Date | null;
  minutes_to_first_action: number | null;
  outcome: Outcome | null;
  outcome_at: Date | null;
  minutes_to_outcome: number | null;
  deadline_at: Date;
  deadline_met: boolean | null;
}

/**
 * The statement of the rows of `f`, oldest first (then by id): after `after` and at most `limit` of them when given
 * (a page), else all of them (an export).
 */
function rowsStatement(
  f: ReportFilter,
  now: Date,
  page: { after: { key: string | null; id: string } | null; limit: number } | null,
): { sql: string; values: unknown[] } {
  const { values, p } = params();
  const after = page?.after;
  const nowParam = p(now);
  const sql = `WITH f AS (
       SELECT r.id, r.received_at, r.received_at::text AS key, r.type, r.status, r.match_state,
         r.appointment_specialty_code AS specialty_code, r.appointment_specialty_display AS specialty_name,
         r.team_id, t.name AS team_name, r.outcome, rt.first_action_at AS first_action_at,
         rt.outcome_at AS outcome_at, ${DEADLINE_AT_SQL} AS deadline_at
       FROM appointment_requests r LEFT JOIN teams t ON t.id = r.team_id ${TIMINGS_JOIN_SQL}
       WHERE ${receivedConditions(f, p)}
         ${after ? `AND (r.received_at, r.id) > (${p(after.key)}::timestamptz, ${p(after.id)}::uuid)` : ""}
       ORDER BY r.received_at, r.id ${page ? `LIMIT ${p(page.limit + 1)}` : ""}
     )
     SELECT f.*,
       round(extract(epoch FROM first_action_at - received_at) / 60, 2) AS minutes_to_first_action,
       round(extract(epoch FROM outcome_at - received_at) / 60, 2) AS minutes_to_outcome,
       CASE WHEN outcome_at IS NOT NULL THEN outcome_at <= deadline_at
            WHEN deadline_at < ${nowParam} THEN false END AS deadline_met
     FROM f ORDER BY received_at, id`;
  return { sql, values };
}

const toReportRow = (r: Row): ReportRow => ({
  id: r.id,
  receivedAt: r.received_at,
  type: r.type,
  status: r.status,
  matchState: r.match_state,
  specialtyCode: r.specialty_code,
  specialtyName: r.specialty_name,
  teamId: r.team_id,
  teamName: r.team_name,
  firstActionAt: r.first_action_at,
  minutesToFirstAction: r.minutes_to_first_action,
  outcome: r.outcome,
  outcomeAt: r.outcome_at,
  minutesToOutcome: r.minutes_to_outcome,
  deadlineAt: r.deadline_at,
  deadlineMet: r.deadline_met,
});

/** One page of rows, oldest first (then by id); `nextCursor` null on the last page. */
export async function reportRowsPage(
  db: Queryable,
  f: ReportFilter,
  page: RowsOptions & { cursor: string | null; limit: number },
): Promise<{ items: ReportRow[]; nextCursor: string | null }> {
  const after = page.cursor ? decodeCursor(page.cursor, SORT) : null;
  const { sql, values } = rowsStatement(f, page.now, { after, limit: page.limit });
  const rows = await db.query<Row>(sql, values);
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  const last = items.at(-1);
  return {
    items: items.map(toReportRow),
    nextCursor: more && last ? encodeCursor({ sort: SORT, key: last.key, id: last.id }) : null,
  };
}

/**
 * Every row of the filter as the store stood when the first chunk was read, oldest first, in chunks of `chunk` rows
 * (Db.readSnapshot: a request changed, folded or received while the rows stream is shown once, as it was then; never
 * twice, left out or added). Close it early (`return()`) to end the read.
 */
export async function* streamReportRows(
  db: Db,
  f: ReportFilter,
  opts: RowsOptions & { chunk?: number },
): AsyncGenerator<ReportRow[]> {
  const { sql, values } = rowsStatement(f, opts.now, null);
  for await (const rows of db.readSnapshot<Row>(sql, values, { chunk: opts.chunk ?? 1000 })) {
    yield rows.map(toReportRow);
  }
}
