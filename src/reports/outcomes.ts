// Outcomes breakdown: how the requests received in the range ended (or that they have no outcome yet), per bucket.
import type { Queryable } from "../store/db.ts";
import {
  bucketSql,
  bucketsOf,
  OUTCOMES,
  params,
  resolveRange,
  type Bucket,
  type BucketedFilter,
  type Outcome,
  type ResolvedRange,
} from "./query.ts";
import { dayBucketSql, rollupConditions } from "./rollups.ts";
import { alreadyDoneByBucket } from "./settling.ts";

/** Requests per outcome; `none` = no outcome recorded yet. */
export type OutcomeCounts = Record<Outcome | "none", number>;

export interface OutcomesReport {
  range: ResolvedRange & { unit: BucketedFilter["unit"] };
  requests: number;
  outcomes: OutcomeCounts;
  /** Per bucket of receipt, every bucket. */
  buckets: (Bucket & { requests: number; outcomes: OutcomeCounts })[];
}

/** Outcome keys in report order. */
export const OUTCOME_KEYS = [...OUTCOMES, "none"] as const;

const zero = (): OutcomeCounts => ({
  rebooked: 0,
  cancelled: 0,
  rejected: 0,
  needs_patient_contact: 0,
  already_done_in_pkb: 0,
  none: 0,
});

/** The current outcome (appointment_requests.outcome) of the requests received in range, per bucket of receipt, from
 * the daily rollup; "already done in PKB" (Rebook's own outcome, not in the rollup) is counted from the requests. */
export async function outcomesReport(db: Queryable, f: BucketedFilter): Promise<OutcomesReport> {
  const { values, p } = params();
  const rows = await db.query<{
    bucket: string;
    requests: number;
    rebooked: number;
    cancelled: number;
    rejected: number;
    needs_patient_contact: number;
  }>(
    `SELECT ${dayBucketSql("c.day", f, p)} AS bucket, sum(c.received)::int AS requests,
       sum(c.outcome_rebooked)::int AS rebooked, sum(c.outcome_cancelled)::int AS cancelled,
       sum(c.outcome_rejected)::int AS rejected, sum(c.outcome_needs_patient_contact)::int AS needs_patient_contact
     FROM report_counts c WHERE ${rollupConditions(f, p, "c")} GROUP BY 1`,
    values,
  );
  const alreadyDone = await alreadyDoneByBucket(db, f, (column, p2) => bucketSql(column, f, p2));
  const total = zero();
  const buckets = bucketsOf(f).map((b) => ({ ...b, requests: 0, outcomes: zero() }));
  const byKey = new Map(buckets.map((b) => [b.key, b]));
  for (const r of rows) {
    const b = byKey.get(r.bucket);
    if (!b) throw new Error(`outcomes: SQL bucket ${r.bucket} is not a bucket of ${f.from}..${f.to} by ${f.unit}`);
    const done = alreadyDone.get(String(r.bucket)) ?? 0;
    const counts: OutcomeCounts = {
      rebooked: r.rebooked,
      cancelled: r.cancelled,
      rejected: r.rejected,
      needs_patient_contact: r.needs_patient_contact,
      already_done_in_pkb: done,
      none: r.requests - r.rebooked - r.cancelled - r.rejected - r.needs_patient_contact - done,
    };
    for (const key of OUTCOME_KEYS) {
      b.outcomes[key] += counts[key];
      total[key] += counts[key];
    }
    b.requests += r.requests;
  }
  return {
    range: { ...resolveRange(f), unit: f.unit },
    requests: buckets.reduce((s, b) => s + b.requests, 0),
    outcomes: total,
    buckets,
  };
}
