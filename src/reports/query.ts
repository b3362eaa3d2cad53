// What every report query shares: the filter (local date range, team, specialty, type), the SQL that applies it, and
// the per-request timing definitions read from the request_events history (the source of truth for timings).
import {
  BUCKET_UNITS,
  enumerateBuckets,
  localRange,
  type Bucket,
  type BucketUnit,
  type LocalDate,
} from "../domain/buckets.ts";
import type { RequestType } from "../requests/vocabulary.ts";

export { BUCKET_UNITS, type Bucket, type BucketUnit };

// Request types a report can filter on (unparseable requests have no type), and outcomes: the request's vocabulary.
export { OUTCOMES, REQUEST_TYPES, type Outcome, type RequestType } from "../requests/vocabulary.ts";

/** The filter of every report. Dates are local calendar dates of `zone`, both inclusive. */
export interface ReportFilter {
  from: LocalDate;
  to: LocalDate;
  /** IANA zone of the dates and buckets (Europe/London). */
  zone: string;
  /** A team id, or "none" for requests no team owns. */
  teamId?: string;
  /** A specialty code of the linked appointment, or "none" for requests without one. */
  specialtyCode?: string;
  type?: RequestType;
}

/** A report filter with a bucket size. */
export interface BucketedFilter extends ReportFilter {
  unit: BucketUnit;
}

/** The filter's instants and buckets, as reports echo them. */
export interface ResolvedRange {
  from: LocalDate;
  to: LocalDate;
  zone: string;
  /** Instant `from` starts (inclusive). */
  start: Date;
  /** Instant the day after `to` starts (exclusive). */
  end: Date;
}

/** The instants a filter's local dates cover. */
export function resolveRange(f: ReportFilter): ResolvedRange {
  const { start, end } = localRange(f.from, f.to, f.zone);
  return { from: f.from, to: f.to, zone: f.zone, start, end };
}

/** Every bucket of the filter's range, empty ones included. */
export function bucketsOf(f: BucketedFilter): Bucket[] {
  return enumerateBuckets(f.from, f.to, f.unit, f.zone);
}

/** Collects positional parameters while a statement is built: `p(value)` returns "$n". */
export function params(): { values: unknown[]; p: (v: unknown) => string } {
  const values: unknown[] = [];
  return {
    values,
    p: (v) => {
      values.push(v);
      return `$${values.length}`;
    },
  };
}

/**
 * SQL conditions on `appointment_requests r` for the team, specialty and type filters (not the date range), each
 * joined with AND; "TRUE" when there are none. Values go in as parameters.
 */
export function attributeConditions(f: ReportFilter, p: (v: unknown) => string): string {
  const c: string[] = [];
  if (f.teamId === "none") c.push("r.team_id IS NULL");
  else if (f.teamId) c.push(`r.team_id = ${p(f.teamId)}::uuid`);
  if (f.specialtyCode === "none") c.push("r.appointment_specialty_code IS NULL");
  else if (f.specialtyCode) c.push(`r.appointment_specialty_code = ${p(f.specialtyCode)}`);
  if (f.type) c.push(`r.type = ${p(f.type)}`);
  return c.length > 0 ? c.join(" AND ") : "TRUE";
}

/** SQL conditions for requests received in the filter's range, plus the attribute filters. */
export function receivedConditions(f: ReportFilter, p: (v: unknown) => string): string {
  const { start, end } = resolveRange(f);
  // A range on received_at alone: the (received_at, id) index serves it.
  return `r.received_at >= ${p(start)} AND r.received_at < ${p(end)} AND ${attributeConditions(f, p)}`;
}

/** SQL for the local bucket key (a date) of `r.received_at`: date_trunc in the zone's wall-clock time. */
export function bucketSql(column: string, f: BucketedFilter, p: (v: unknown) => string): string {
  return `date_trunc(${p(f.unit)}, ${column} AT TIME ZONE ${p(f.zone)})::date`;
}

/**
 * Joins each request `r` to its timings `rt` (request_timings, kept from request_events by triggers, migration 0006):
 * - rt.first_action_at: the first history event made by a person (actor_user_id set): a claim or assignment by a
 *   user, a status change, an outcome, a note. The system's own events (received, matched, routed, auto-assigned) do
 *   not count.
 * - rt.outcome_at: the first outcome_recorded event or status change to done, whichever came first.
 * Both null when the request has neither.
 */
export const TIMINGS_JOIN_SQL = "LEFT JOIN request_timings rt ON rt.request_id = r.id";

/**
 * The deadline: appointment_requests.deadline_at, which the store keeps (migrations 0005 and 0016, trigger) by the
 * rule of workingDeadlineAt in src/domain/deadline.ts: the earlier of received + the SLA in the team's working time
 * (elapsed time for a team around the clock; paused while waiting for the patient) and, when linked, appointment
 * start − APPOINTMENT_LEAD_HOURS.
 */
export const DEADLINE_AT_SQL = "r.deadline_at";
