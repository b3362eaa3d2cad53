// Volume: requests received per local day, week or month, per specialty, team and type, summed from the daily rollup
// (report_counts), so a range costs its days and keys, not its requests.
import type { Queryable } from "../store/db.ts";
import {
  bucketsOf,
  params,
  resolveRange,
  type Bucket,
  type BucketedFilter,
  type RequestType,
  type ResolvedRange,
} from "./query.ts";
import { dayBucketSql, rollupConditions } from "./rollups.ts";

/** One non-empty cell: how many requests of one type, specialty and team a bucket received. */
export interface VolumeCell {
  /** The bucket's key (its local start date). */
  bucket: string;
  specialtyCode: string | null;
  specialtyName: string | null;
  teamId: string | null;
  teamName: string | null;
  /** null: the subject could not be read. */
  type: RequestType | null;
  requests: number;
}

/** A bucket with its totals (zero when nothing was received). */
export interface VolumeBucket extends Bucket {
  requests: number;
  change: number;
  cancel: number;
  /** Requests whose type could not be read. */
  unknownType: number;
}

export interface VolumeReport {
  range: ResolvedRange & { unit: BucketedFilter["unit"] };
  requests: number;
  buckets: VolumeBucket[];
  /** Non-empty cells, by bucket, specialty code, team name and type (nulls last). */
  cells: VolumeCell[];
}

/** Requests received in the filter's range, counted per bucket (on received_at in UK time), specialty, team, type. */
export async function volumeReport(db: Queryable, f: BucketedFilter): Promise<VolumeReport> {
  const { values, p } = params();
  // Keys are first summed with their specialty name, so the name shown is one that requests in the cell carry. The
  // rows come back as the cells themselves (a year by day is ~18,000 of them). Sorted on the date, codes in byte
  // order and the team's place by name: sorting the text forms by the database's collation was half the query's time.
  const cells = await db.query<VolumeCell>(
    `WITH k AS (
       SELECT ${dayBucketSql("c.day", f, p)} AS bucket, c.specialty_code, c.specialty_name, c.team_id, c.type,
         sum(c.received)::int AS n
       FROM report_counts c WHERE ${rollupConditions(f, p, "c")}
       GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.received) <> 0
     ), s AS (
       SELECT k.bucket, k.specialty_code, max(k.specialty_name) AS specialty_name, k.team_id, k.type,
         sum(k.n)::int AS n
       FROM k GROUP BY 1, 2, 4, 5
     )
     SELECT s.bucket::text AS bucket, s.specialty_code AS "specialtyCode", s.specialty_name AS "specialtyName",
       s.team_id AS "teamId", t.name AS "teamName", s.type, s.n AS requests
     FROM s LEFT JOIN (SELECT id, name, rank() OVER (ORDER BY name) AS place FROM teams) t ON t.id = s.team_id
     ORDER BY s.bucket, s.specialty_code COLLATE "C" NULLS LAST, t.place NULLS LAST, s.team_id NULLS LAST,
       s.type NULLS LAST`,
    values,
  );
  const buckets: VolumeBucket[] = bucketsOf(f).map((b) => ({
    ...b,
    requests: 0,
    change: 0,
    cancel: 0,
    unknownType: 0,
  }));
  const byKey = new Map(buckets.map((b) => [b.key, b]));
  for (const r of cells) {
    const b = byKey.get(r.bucket);
    // The SQL bucketing and the pure one must agree; a row outside every bucket is a bug, not data to drop.
    if (!b) throw new Error(`volume: SQL bucket ${r.bucket} is not a bucket of ${f.from}..${f.to} by ${f.unit}`);
    b.requests += r.requests;
    if (r.type === "change") b.change += r.requests;
    else if (r.type === "cancel") b.cancel += r.requests;
    else b.unknownType += r.requests;
  }
  return {
    range: { ...resolveRange(f), unit: f.unit },
    requests: buckets.reduce((s, b) => s + b.requests, 0),
    buckets,
    cells,
  };
}
