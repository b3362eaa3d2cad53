// Open backlog over time: how many requests were open at the end of each bucket, from the status history.
import { addDays, bucketStartDate, localDayStart } from "../domain/buckets.ts";
import { localDate } from "../domain/uk-time.ts";
import type { Queryable } from "../store/db.ts";
import {
  attributeConditions,
  bucketsOf,
  params,
  resolveRange,
  type Bucket,
  type BucketedFilter,
  type ResolvedRange,
} from "./query.ts";
import { assertRollupZone, dayBucketSql, rollupAttributeConditions } from "./rollups.ts";

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
 * Every receipt is +1, every change into done −1 and every change out of done +1. Whole UK days before today are
 * summed from the daily rollup (report_counts.backlog: every day before the range, then per bucket); today, up to
 * `now`, is read from the requests and the history themselves (one day's worth, through their indexes).
 */
export async function backlogReport(db: Queryable, f: BucketedFilter, now: Date): Promise<BacklogReport> {
  assertRollupZone(f);
  const range = resolveRange(f);
  const today = localDate(now, f.zone);
  // Whole days read from the rollup: those before today, up to the range's last.
  const rollupEnd = today <= f.to ? today : addDays(f.to, 1);
  const deltas = new Map<string | null, number>();
  const add = (key: string | null, n: number): void => void deltas.set(key, (deltas.get(key) ?? 0) + n);
  if (range.start.getTime() <= now.getTime()) {
    const { values, p } = params();
    const rows = await db.query<{ bucket: string | null; delta: number }>(
      `SELECT CASE WHEN c.day < ${p(f.from)}::date THEN NULL ELSE ${dayBucketSql("c.day", f, p)} END AS bucket,
         sum(c.backlog)::int AS delta
       FROM report_counts c
       WHERE c.day < ${p(rollupEnd)}::date AND ${rollupAttributeConditions(f, p, "c")}
       GROUP BY 1`,
      values,
    );
    for (const r of rows) add(r.bucket, r.delta);
    if (today >= f.from && today <= f.to) {
      add(bucketStartDate(today, f.unit), await todaysBacklogChange(db, f, localDayStart(today, f.zone), now));
    }
  }
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

/** The backlog's change from `start` to `now` (within today), from the requests and their moves into or out of done. */
async function todaysBacklogChange(db: Queryable, f: BucketedFilter, start: Date, now: Date): Promise<number> {
  const { values, p } = params();
  const s = p(start);
  const n = p(now);
  const attributes = attributeConditions(f, p);
  const [row] = await db.query<{ delta: number }>(
    `SELECT (SELECT count(*) FROM appointment_requests r
             WHERE r.received_at >= ${s} AND r.received_at < ${n} AND ${attributes})::int
       + (SELECT coalesce(sum(report_backlog_move(e.type, e.data)), 0)
          FROM request_events e JOIN appointment_requests r ON r.id = e.request_id
          WHERE e.type = 'status_changed' AND e.at >= ${s} AND e.at < ${n}
            AND coalesce(e.data->>'to' = 'done', false) <> coalesce(e.data->>'from' = 'done', false)
            AND ${attributes})::int AS delta`,
    values,
  );
  return row?.delta ?? 0;
}
