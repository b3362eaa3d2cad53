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
import {
  dayBucketSql,
  histogramComboConditions,
  histogramPercentile,
  rollupConditions,
  wholePeriods,
  type HistogramBin,
} from "./rollups.ts";

/** Minutes from receipt to an event, over the requests that have that event. */
export interface Durations {
  /** Requests that have the event. */
  requests: number;
  /**
   * Continuous percentiles (interpolated like PostgreSQL's percentile_cont) from the duration histograms, rounded to
   * 0.01 minute; null with no request. Within half a minute (below an hour) or 1% (above) of the exact figure.
   */
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

/** The counts of one group (overall, a bucket or a specialty) before its durations are added. */
interface Group {
  requests: number;
  met: number;
  late: number;
  pending: number;
  firstAction: HistogramBin[];
  outcome: HistogramBin[];
}

const emptyGroup = (): Group => ({ requests: 0, met: 0, late: 0, pending: 0, firstAction: [], outcome: [] });

const durationsOf = (bins: HistogramBin[]): Durations => ({
  requests: bins.reduce((s, b) => s + b.n, 0),
  medianMinutes: histogramPercentile(bins, 0.5),
  p90Minutes: histogramPercentile(bins, 0.9),
});

// Without an outcome: missed once the deadline has passed, pending until then (counted from the requests themselves).
const stats = (g: Group | undefined): TimingStats => {
  const r = g ?? emptyGroup();
  const noOutcome = r.requests - r.met - r.late;
  return {
    requests: r.requests,
    firstAction: durationsOf(r.firstAction),
    outcome: durationsOf(r.outcome),
    sla: slaFigures(r.met, r.late + noOutcome - r.pending, r.pending),
  };
};

/** SLA figures with their share. */
export function slaFigures(met: number, missed: number, pending: number): SlaFigures {
  return { met, missed, pending, share: met + missed > 0 ? met / (met + missed) : null };
}

/**
 * Timings of the requests received in the filter's range, from the daily rollups: counts and deadline figures from
 * report_counts, durations from the report_durations histograms (so percentiles are within the bins' width of the
 * exact ones: half a minute below an hour, 1% above), and the deadlines still ahead of `now` from the requests (only
 * those received in the last few days can have one).
 */
export async function timingsReport(db: Queryable, f: BucketedFilter, p0: { now: Date }): Promise<TimingsReport> {
  const groups = new Map<string, Group>();
  const group = (key: string): Group => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = emptyGroup()));
    return g;
  };
  const keyOf = (r: { g_bucket: number; g_specialty: number; bucket: string | null; specialty_code: string | null }) =>
    r.g_bucket === 0 ? `b:${r.bucket}` : r.g_specialty === 0 ? `s:${JSON.stringify(r.specialty_code)}` : "all";
  const names = new Map<string | null, string | null>();
  const specialtyOrder: (string | null)[] = [];

  {
    const { values, p } = params();
    const rows = await db.query<
      GroupKey & { specialty_name: string | null; requests: number; met: number; late: number }
    >(
      `WITH k AS (
         SELECT ${dayBucketSql("c.day", f, p)} AS bucket, c.specialty_code, c.specialty_name,
           sum(c.received) AS received, sum(c.sla_met) AS met, sum(c.sla_late) AS late
         FROM report_counts c WHERE ${rollupConditions(f, p, "c")}
         GROUP BY 1, 2, 3
       )
       SELECT GROUPING(bucket) AS g_bucket, GROUPING(specialty_code) AS g_specialty, bucket, specialty_code,
         max(specialty_name) FILTER (WHERE received <> 0) AS specialty_name, sum(received)::int AS requests,
         sum(met)::int AS met, sum(late)::int AS late
       FROM k GROUP BY GROUPING SETS ((), (bucket), (specialty_code))
       HAVING sum(received) <> 0
       ORDER BY specialty_code NULLS LAST`,
      values,
    );
    for (const r of rows) {
      Object.assign(group(keyOf(r)), { requests: r.requests, met: r.met, late: r.late });
      if (r.g_specialty === 0) {
        names.set(r.specialty_code, r.specialty_name);
        specialtyOrder.push(r.specialty_code);
      }
    }
  }
  {
    const { values, p } = params();
    const rows = await db.query<GroupKey & { pending: number }>(
      `SELECT GROUPING(bucket) AS g_bucket, GROUPING(sc) AS g_specialty, bucket, sc AS specialty_code,
         count(*)::int AS pending
       FROM (
         SELECT ${bucketSql("r.received_at", f, p)} AS bucket, r.appointment_specialty_code AS sc
         FROM appointment_requests r ${TIMINGS_JOIN_SQL}
         WHERE ${DEADLINE_AT_SQL} >= ${p(p0.now)} AND rt.outcome_at IS NULL AND ${receivedConditions(f, p)}
       ) x
       GROUP BY GROUPING SETS ((), (bucket), (sc))`,
      values,
    );
    for (const r of rows) group(keyOf(r)).pending = r.pending;
  }
  {
    const { values, p } = params();
    // Whole histograms, a few hundred rows for a year by week: per bucket over every specialty (part "b"), per
    // specialty over the range (part "s"), and the durations not yet compacted, which count for both (part "x").
    const rows = await db.query<{
      part: "b" | "s" | "x";
      bucket: string | null;
      specialty_code: string | null;
      metric: number;
      // The arrays as comma-separated text, read by addHistogramText (the drivers' array parsers are several times
      // slower).
      bins: string;
      ns: string;
      ms: string;
    }>(durationRowsSql(f, p), values);
    const sums = new Map<string, [BinSums, BinSums]>();
    const sumsOf = (key: string, metric: number): BinSums => {
      let s = sums.get(key);
      if (!s) sums.set(key, (s = [new BinSums(), new BinSums()]));
      return s[metric === 1 ? 0 : 1];
    };
    // The overall figures are the buckets' sums (every duration is in one bucket's rows).
    for (const r of rows) {
      const bucket = r.part === "s" ? null : sumsOf(`b:${r.bucket}`, r.metric);
      const specialty = r.part === "b" ? null : sumsOf(`s:${JSON.stringify(r.specialty_code)}`, r.metric);
      addHistogramText(r.bins, r.ns, r.ms, bucket, specialty);
    }
    const overall = [new BinSums(), new BinSums()] as const;
    for (const [key, pair] of [...sums]) {
      if (!key.startsWith("b:")) continue;
      overall[0].addSums(pair[0]);
      overall[1].addSums(pair[1]);
    }
    if (rows.length > 0) sums.set("all", [overall[0], overall[1]]);
    for (const [key, [firstAction, outcome]] of sums) {
      const g = group(key);
      g.firstAction = firstAction.bins();
      g.outcome = outcome.bins();
    }
  }

  const buckets = bucketsOf(f).map((b) => {
    const s = stats(groups.get(`b:${b.key}`));
    groups.delete(`b:${b.key}`);
    return { ...b, ...s };
  });
  const stray = [...groups.keys()].filter((k) => k.startsWith("b:") && groups.get(k)!.requests > 0);
  if (stray.length > 0) throw new Error(`timings: SQL buckets ${stray.join(", ")} are not buckets`);
  return {
    range: { ...resolveRange(f), unit: f.unit },
    asOf: p0.now,
    overall: stats(groups.get("all")),
    buckets,
    specialties: specialtyOrder.map((code) => ({
      specialtyCode: code,
      specialtyName: names.get(code) ?? null,
      ...stats(groups.get(`s:${JSON.stringify(code)}`)),
    })),
  };
}

/**
 * The histograms of the filter's range as (part, bucket, specialty_code, metric, bins, ns, ms), from report_histograms
 * (migrations 0020 and 0024). Per bucket: one row per bucket wholly inside the range and metric, and the day
 * histograms of the partial buckets at the range's edges. Per specialty: its month histograms of the months wholly
 * inside the range and its day histograms of the rest. With a specialty chosen, its rows per bucket serve both
 * ("x"); with none, the buckets read the histograms over every specialty ("b") and the specialties their own ("s").
 * Plus the report_durations rows not yet compacted into them, for both ("x"). The team and type filters pick the
 * histograms of that team or type; without them, those of every team or type.
 */
function durationRowsSql(f: BucketedFilter, p: (v: unknown) => string): string {
  const dayBucket = dayBucketSql("h.period", f, p);
  const inRange = `h.period >= ${p(f.from)}::date AND h.period <= ${p(f.to)}::date`;
  // The rows of `unit`'s whole periods inside the range, and the days outside them.
  const periods = (part: "b" | "s" | "x", unit: BucketedFilter["unit"], bucket: (unitRow: boolean) => string) => {
    const combo = histogramComboConditions(f, p, "h", part === "b" ? "every" : "each");
    const select = (b: string, where: string) =>
      `SELECT '${part}' AS part, ${b} AS bucket, h.specialty_code, h.metric, array_to_string(h.bins, ',') AS bins,
         array_to_string(h.ns, ',') AS ns, array_to_string(h.ms, ',') AS ms
       FROM report_histograms h WHERE ${where} AND ${combo}`;
    const whole = wholePeriods(f.from, f.to, unit);
    if (!whole) return [select(bucket(false), `h.unit = 'day' AND ${inRange}`)];
    return [
      select(
        bucket(true),
        `h.unit = ${p(unit)} AND h.period >= ${p(whole.first)}::date AND h.period <= ${p(whole.last)}::date`,
      ),
      select(
        bucket(false),
        `h.unit = 'day' AND ${inRange} AND (h.period < ${p(whole.first)}::date OR h.period > ${p(whole.end)}::date)`,
      ),
    ];
  };
  const byBucket = (unitRow: boolean) => (unitRow ? "h.period" : dayBucket);
  const parts = f.specialtyCode
    ? periods("x", f.unit, byBucket)
    : [...periods("b", f.unit, byBucket), ...periods("s", "month", () => "NULL::date")];
  parts.push(
    `SELECT 'x' AS part, ${dayBucketSql("d.day", f, p)} AS bucket, d.specialty_code, d.metric, d.bin::text AS bins,
       d.n::text AS ns, d.ms::text AS ms
     FROM report_durations d WHERE d.fresh AND ${rollupConditions(f, p, "d")}`,
  );
  return parts.join("\nUNION ALL\n");
}

/**
 * A histogram being added up: counts and sums of milliseconds per bin, in typed arrays indexed by bin + 1 (bins ≥ −1),
 * grown by doubling.
 */
export class BinSums {
  private n = new Float64Array(256);
  private ms = new Float64Array(256);
  private size = 0;
  /** Adds `n` durations summing `ms` milliseconds to bin `bin`. */
  add(bin: number, n: number, ms: number): void {
    const at = bin + 1;
    if (at >= this.n.length || !(at >= 0) || !Number.isSafeInteger(at)) this.grow(at, bin);
    this.n[at]! += n;
    this.ms[at]! += ms;
    if (at >= this.size) this.size = at + 1;
  }
  private grow(at: number, bin: number): void {
    if (!Number.isSafeInteger(at) || at < 0 || at > 1_000_000) {
      throw new Error(`timings: histogram bin ${bin} is not a bin`);
    }
    let length = this.n.length;
    while (length <= at) length *= 2;
    const n = new Float64Array(length);
    const ms = new Float64Array(length);
    n.set(this.n);
    ms.set(this.ms);
    this.n = n;
    this.ms = ms;
  }
  /** Adds another histogram's sums. */
  addSums(o: BinSums): void {
    for (let at = 0; at < o.size; at++) if (o.n[at] !== 0 || o.ms[at] !== 0) this.add(at - 1, o.n[at]!, o.ms[at]!);
  }
  /** The bins holding durations, ascending. */
  bins(): HistogramBin[] {
    const out: HistogramBin[] = [];
    for (let at = 0; at < this.size; at++) {
      if (this.n[at] !== 0) out.push({ bin: at - 1, n: this.n[at]!, ms: this.ms[at]! });
    }
    return out;
  }
}

interface GroupKey {
  g_bucket: number;
  g_specialty: number;
  bucket: string | null;
  specialty_code: string | null;
}

/**
 * Adds one histogram row, its bins, counts and millisecond sums as comma-separated integers (array_to_string of
 * report_histograms' arrays, or one value each), to `a` and `b` (either may be null). Read in one pass over the three strings: a year by
 * week at 1,000,000 requests is ~360,000 bins, and splitting the text into arrays of strings and then of numbers cost
 * 83 ms of the report's ~180 ms of CPU, most of it garbage. Anything but an integer list is refused.
 */
export function addHistogramText(bins: string, ns: string, ms: string, a: BinSums | null, b: BinSums | null): void {
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < bins.length) {
    const bin = readInt(bins, i, "bins");
    i = readEnd + 1;
    const n = readInt(ns, j, "counts");
    j = readEnd + 1;
    const m = readInt(ms, k, "sums");
    k = readEnd + 1;
    a?.add(bin, n, m);
    b?.add(bin, n, m);
  }
  if (bins.endsWith(",") || ns.endsWith(",") || ms.endsWith(",")) {
    throw new Error("timings: a histogram's text ends in a comma");
  }
  if (j < ns.length || k < ms.length || (bins.length === 0) !== (ns.length === 0)) {
    throw new Error("timings: a histogram's bins, counts and sums differ in length");
  }
}

/** Where the last readInt stopped: the index of the comma after the number, or the text's length. */
let readEnd = 0;

/** The integer at `from` in a comma-separated list (sets readEnd); throws on anything else. */
function readInt(text: string, from: number, what: string): number {
  let i = from;
  let sign = 1;
  if (text.charCodeAt(i) === 45) {
    sign = -1;
    i++;
  }
  const first = i;
  let v = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) break;
    if (c < 48 || c > 57) throw new Error(`timings: histogram ${what} "${text.slice(0, 40)}" are not integers`);
    v = v * 10 + (c - 48);
  }
  if (i === first) throw new Error(`timings: histogram ${what} "${text.slice(0, 40)}" are not integers`);
  readEnd = i;
  return sign * v;
}
