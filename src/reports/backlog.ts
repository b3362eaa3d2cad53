// Open backlog over time: how many requests were open at the end of each bucket, from the status history.
import type { Queryable } from "../store/db.ts";
import {
  attributeConditions,
  bucketsOf,
  bucketSql,
  params,
  resolveRange,
  type Bucket,
  type BucketedFilter,
  type ResolvedRange,
} from "./query.ts";

/** A bucket and the backlog at its end. */
export interface BacklogBucket extends Bucket {
  /** When the backlog was measured: the bucket's end, or `now` for the bucket in progress; null for a future bucket. */
  at: Date | null;
  /** Requests open at `at`; null for a bucket that has not started. */
  open: number | null;
}

export interface BacklogReport {
  range: ResolvedRange & { unit: BucketedFilter["unit"] };
  asOf: Date;
  buckets: BacklogBucket[];
}

/**
 * The backlog at each bucket end E: requests (matching the team, specialty and type filters) received before E that
 * were not done at E — their last status_changed event before E did not move them to done. Requests received before
 * the range count too: the backlog carries over. A request reopened after done counts again from the reopening.
 *
 * One statement: every receipt is +1, every change into done −1 and every change out of done +1; the changes are
 * summed per bucket (and before the range) and the buckets' running total is the backlog.
 */
export async function backlogReport(db: Queryable, f: BucketedFilter, now: Date): Promise<BacklogReport> {
  const range = resolveRange(f);
  const limit = new Date(Math.min(range.end.getTime(), now.getTime()));
  const { values, p } = params();
  const lim = p(limit);
  const rows = await db.query<{ bucket: string | null; delta: number }>(
    `WITH f AS (
       SELECT r.id, r.received_at FROM appointment_requests r
       WHERE r.received_at < ${lim} AND ${attributeConditions(f, p)}
     ), d AS (
       SELECT f.received_at AS t, 1 AS delta FROM f
       UNION ALL
       SELECT e.at, CASE WHEN e.data->>'to' = 'done' THEN -1 ELSE 1 END
       FROM f JOIN request_events e ON e.request_id = f.id
       WHERE e.type = 'status_changed' AND e.at < ${lim}
         AND coalesce(e.data->>'to' = 'done', false) <> coalesce(e.data->>'from' = 'done', false)
     )
     SELECT CASE WHEN d.t < ${p(range.start)} THEN NULL ELSE ${bucketSql("d.t", f, p)} END AS bucket,
       sum(d.delta)::int AS delta
     FROM d GROUP BY 1`,
    values,
  );
  const deltas = new Map(rows.map((r) => [r.bucket, r.delta]));
  let open = deltas.get(null) ?? 0;
  const known = new Set<string | null>([null]);
  const buckets = bucketsOf(f).map((b): BacklogBucket => {
    known.add(b.key);
    if (b.start.getTime() > now.getTime()) return { ...b, at: null, open: null };
    open += deltas.get(b.key) ?? 0;
    return { ...b, at: b.end.getTime() < now.getTime() ? b.end : now, open };
  });
  for (const key of deltas.keys()) {
    if (!known.has(key))
      throw new Error(`backlog: SQL bucket ${key} is not a bucket of ${f.from}..${f.to} by ${f.unit}`);
  }
  return { range: { ...range, unit: f.unit }, asOf: now, buckets };
}
