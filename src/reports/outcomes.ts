// Outcomes breakdown: how the requests received in the range ended (or that they have no outcome yet), per bucket.
import type { Queryable } from "../store/db.ts";
import {
  bucketsOf,
  bucketSql,
  OUTCOMES,
  params,
  receivedConditions,
  resolveRange,
  type Bucket,
  type BucketedFilter,
  type Outcome,
  type ResolvedRange,
} from "./query.ts";

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

const zero = (): OutcomeCounts => ({ rebooked: 0, cancelled: 0, rejected: 0, needs_patient_contact: 0, none: 0 });

/** The current outcome (appointment_requests.outcome) of the requests received in range, per bucket of receipt. */
export async function outcomesReport(db: Queryable, f: BucketedFilter): Promise<OutcomesReport> {
  const { values, p } = params();
  const rows = await db.query<{ bucket: string; outcome: Outcome | null; n: number }>(
    `SELECT ${bucketSql("r.received_at", f, p)} AS bucket, r.outcome, count(*)::int AS n
     FROM appointment_requests r WHERE ${receivedConditions(f, p)} GROUP BY 1, 2`,
    values,
  );
  const total = zero();
  const buckets = bucketsOf(f).map((b) => ({ ...b, requests: 0, outcomes: zero() }));
  const byKey = new Map(buckets.map((b) => [b.key, b]));
  for (const r of rows) {
    const b = byKey.get(r.bucket);
    if (!b) throw new Error(`outcomes: SQL bucket ${r.bucket} is not a bucket of ${f.from}..${f.to} by ${f.unit}`);
    const key = r.outcome ?? "none";
    b.outcomes[key] += r.n;
    b.requests += r.n;
    total[key] += r.n;
  }
  return {
    range: { ...resolveRange(f), unit: f.unit },
    requests: buckets.reduce((s, b) => s + b.requests, 0),
    outcomes: total,
    buckets,
  };
}
