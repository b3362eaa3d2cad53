// Settling report (docs/settling.md): of the requests received in the range, per specialty of the linked appointment
// and overall — how many had their appointment pass before anyone acted ("appointment passed before action": the figure
// a service manager must see, split into already passed when received and passed while waiting), how many PKB already
// showed done (closed automatically), how many PKB showed moved or cancelled under a change request (flagged), how many
// repeats the patients sent, and how many were asked again after an outcome. Read from appointment_requests.
import type { Queryable } from "../store/db.ts";
import { params, receivedConditions, resolveRange, type ReportFilter, type ResolvedRange } from "./query.ts";

/** The settling figures of a set of requests. */
export interface SettlingFigures {
  /** Requests received in the range. */
  requests: number;
  /** Appointment passed before action: started before the request was received, or before any outcome. */
  passedBeforeAction: number;
  /** …of which it had already started when the request was received. */
  passedBeforeReceived: number;
  /** Closed automatically: PKB already showed the cancellation (outcome already_done_in_pkb, current). */
  alreadyDoneInPkb: number;
  /** Open requests PKB shows moved or cancelled since the change was asked for (flagged for a person). */
  flagged: number;
  /** Repeats: further requests the patients sent while the request was open (asked_count − 1, summed). */
  repeats: number;
  /** Asked again after an outcome: linked to an earlier done request about the same appointment. */
  askedAgain: number;
}

/** The report: overall and per specialty of the linked appointment (null: no linked appointment). */
export interface SettlingReport {
  range: ResolvedRange;
  overall: SettlingFigures;
  specialties: ({ specialtyCode: string | null; specialtyName: string | null } & SettlingFigures)[];
}

interface Row {
  g: number;
  specialty_code: string | null;
  specialty_name: string | null;
  requests: number;
  passed: number;
  passed_received: number;
  already_done: number;
  flagged: number;
  repeats: number;
  asked_again: number;
}

const figures = (r: Row | undefined): SettlingFigures => ({
  requests: r?.requests ?? 0,
  passedBeforeAction: r?.passed ?? 0,
  passedBeforeReceived: r?.passed_received ?? 0,
  alreadyDoneInPkb: r?.already_done ?? 0,
  flagged: r?.flagged ?? 0,
  repeats: r?.repeats ?? 0,
  askedAgain: r?.asked_again ?? 0,
});

/** The settling figures of the requests received in the filter's range (one statement, grouping sets). */
export async function settlingReport(db: Queryable, f: ReportFilter): Promise<SettlingReport> {
  const { values, p } = params();
  const rows = await db.query<Row>(
    `SELECT GROUPING(r.appointment_specialty_code) AS g, r.appointment_specialty_code AS specialty_code,
       max(r.appointment_specialty_display) AS specialty_name, count(*)::int AS requests,
       count(r.appointment_passed_at)::int AS passed,
       count(*) FILTER (WHERE r.appointment_passed_at IS NOT NULL AND r.appointment_start < r.received_at)::int
         AS passed_received,
       count(*) FILTER (WHERE r.outcome = 'already_done_in_pkb')::int AS already_done,
       count(*) FILTER (WHERE r.pkb_flag IS NOT NULL AND r.status <> 'done')::int AS flagged,
       coalesce(sum(r.asked_count - 1), 0)::int AS repeats,
       count(r.previous_request_id)::int AS asked_again
     FROM appointment_requests r WHERE ${receivedConditions(f, p)}
     GROUP BY GROUPING SETS ((), (r.appointment_specialty_code))
     ORDER BY specialty_code NULLS LAST`,
    values,
  );
  return {
    range: resolveRange(f),
    overall: figures(rows.find((r) => r.g === 1)),
    specialties: rows
      .filter((r) => r.g === 0)
      .map((r) => ({ specialtyCode: r.specialty_code, specialtyName: r.specialty_name, ...figures(r) })),
  };
}

/** Requests received in the range whose current outcome is already_done_in_pkb, per bucket key of receipt. */
export async function alreadyDoneByBucket(
  db: Queryable,
  f: ReportFilter & { unit: string; zone: string },
  bucketSqlOf: (column: string, p: (v: unknown) => string) => string,
): Promise<Map<string, number>> {
  const { values, p } = params();
  const rows = await db.query<{ bucket: string; n: number }>(
    `SELECT ${bucketSqlOf("r.received_at", p)}::text AS bucket, count(*)::int AS n FROM appointment_requests r
     WHERE ${receivedConditions(f, p)} AND r.outcome = 'already_done_in_pkb' GROUP BY 1`,
    values,
  );
  return new Map(rows.map((r) => [r.bucket, r.n]));
}
