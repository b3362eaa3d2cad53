// How fast requests are handled: time to first action and to outcome (median, 90th percentile) and the share handled
// within the deadline, overall, per bucket of receipt and per specialty.
import type { Queryable } from "../store/db.ts";
import {
  bucketsOf,
  bucketSql,
  DEADLINE_AT_SQL,
  TIMINGS_JOIN_SQL,
  params,
  receivedConditions,
  resolveRange,
  type Bucket,
  type BucketedFilter,
  type ResolvedRange,
} from "./query.ts";

/** Minutes from receipt to an event, over the requests that have that event. */
export interface Durations {
  /** Requests that have the event. */
  requests: number;
  /** Continuous percentiles (interpolated, PostgreSQL percentile_cont), rounded to 0.01 minute; null with no request. */
  medianMinutes: number | null;
  p90Minutes: number | null;
}

/** Handled within the deadline: met (outcome at or before it), missed (outcome after it, or none and it has passed). */
export interface SlaFigures {
  met: number;
  missed: number;
  /** No outcome yet and the deadline is still ahead (or is now): not counted either way. */
  pending: number;
  /** met / (met + missed); null when both are 0. */
  share: number | null;
}

export interface TimingStats {
  /** Requests received (in the range, matching the filters). */
  requests: number;
  firstAction: Durations;
  outcome: Durations;
  sla: SlaFigures;
}

export interface TimingsReport {
  range: ResolvedRange & { unit: BucketedFilter["unit"] };
  asOf: Date;
  overall: TimingStats;
  /** Per bucket of receipt, every bucket (empty ones with zero requests). */
  buckets: (Bucket & TimingStats)[];
  /** Per specialty code of the linked appointment (null: not linked), by code, nulls last. */
  specialties: ({ specialtyCode: string | null; specialtyName: string | null } & TimingStats)[];
}

interface Row {
  g_bucket: number;
  g_specialty: number;
  bucket: string | null;
  specialty_code: string | null;
  specialty_name: string | null;
  requests: number;
  fa_n: number;
  fa_p50: number | null;
  fa_p90: number | null;
  oc_n: number;
  oc_p50: number | null;
  oc_p90: number | null;
  met: number;
  missed: number;
  pending: number;
}

const stats = (r: Row | undefined): TimingStats => ({
  requests: r?.requests ?? 0,
  firstAction: { requests: r?.fa_n ?? 0, medianMinutes: r?.fa_p50 ?? null, p90Minutes: r?.fa_p90 ?? null },
  outcome: { requests: r?.oc_n ?? 0, medianMinutes: r?.oc_p50 ?? null, p90Minutes: r?.oc_p90 ?? null },
  sla: slaFigures(r?.met ?? 0, r?.missed ?? 0, r?.pending ?? 0),
});

/** SLA figures with their share. */
export function slaFigures(met: number, missed: number, pending: number): SlaFigures {
  return { met, missed, pending, share: met + missed > 0 ? met / (met + missed) : null };
}

/** SQL aggregates of the SLA over rows with columns `oc` (outcome at) and `dl` (deadline); `now` a placeholder. */
export const slaAggregatesSql = (now: string): string =>
  `count(*) FILTER (WHERE oc <= dl)::int AS met,
   count(*) FILTER (WHERE oc > dl OR (oc IS NULL AND dl < ${now}))::int AS missed,
   count(*) FILTER (WHERE oc IS NULL AND dl >= ${now})::int AS pending`;

/** Timings of the requests received in the filter's range, in one statement (grouping sets). */
export async function timingsReport(db: Queryable, f: BucketedFilter, p0: { now: Date }): Promise<TimingsReport> {
  const { values, p } = params();
  const pct = (q: number, col: string): string =>
    `round((percentile_cont(${q}) WITHIN GROUP (ORDER BY ${col}))::numeric, 2)`;
  const rows = await db.query<Row>(
    `WITH f AS (
       SELECT r.received_at, r.appointment_specialty_code AS sc, r.appointment_specialty_display AS sd,
         ${bucketSql("r.received_at", f, p)} AS bucket, rt.first_action_at AS fa, rt.outcome_at AS oc,
         ${DEADLINE_AT_SQL} AS dl
       FROM appointment_requests r ${TIMINGS_JOIN_SQL} WHERE ${receivedConditions(f, p)}
     ), m AS (
       SELECT f.*, extract(epoch FROM fa - received_at)::float8 / 60 AS fa_min,
         extract(epoch FROM oc - received_at)::float8 / 60 AS oc_min
       FROM f
     )
     SELECT GROUPING(bucket) AS g_bucket, GROUPING(sc) AS g_specialty, bucket, sc AS specialty_code,
       max(sd) AS specialty_name, count(*)::int AS requests,
       count(fa_min)::int AS fa_n, ${pct(0.5, "fa_min")} AS fa_p50, ${pct(0.9, "fa_min")} AS fa_p90,
       count(oc_min)::int AS oc_n, ${pct(0.5, "oc_min")} AS oc_p50, ${pct(0.9, "oc_min")} AS oc_p90,
       ${slaAggregatesSql(p(p0.now))}
     FROM m GROUP BY GROUPING SETS ((), (bucket), (sc))
     ORDER BY specialty_code NULLS LAST`,
    values,
  );
  const overall = rows.find((r) => r.g_bucket === 1 && r.g_specialty === 1);
  const perBucket = new Map(rows.filter((r) => r.g_bucket === 0).map((r) => [r.bucket, r]));
  const buckets = bucketsOf(f).map((b) => {
    const s = stats(perBucket.get(b.key));
    perBucket.delete(b.key);
    return { ...b, ...s };
  });
  if (perBucket.size > 0) throw new Error(`timings: SQL buckets ${[...perBucket.keys()].join(", ")} are not buckets`);
  return {
    range: { ...resolveRange(f), unit: f.unit },
    asOf: p0.now,
    overall: stats(overall),
    buckets,
    specialties: rows
      .filter((r) => r.g_specialty === 0)
      .map((r) => ({ specialtyCode: r.specialty_code, specialtyName: r.specialty_name, ...stats(r) })),
  };
}
