// Reading the report rollups (migration report_rollups): report_counts and report_durations, one row per UK day and key (team,
// specialty, type), appended by triggers and folded by compaction. Every reader sums, so the figures are the same
// whether the rows were compacted or not. Also: percentiles from the duration histograms.
import { addDays, bucketStartDate, type BucketUnit, type LocalDate } from "../domain/buckets.ts";
import { UK_ZONE } from "../domain/uk-time.ts";
import type { Queryable } from "../store/db.ts";
import type { BucketedFilter, ReportFilter } from "./query.ts";

/**
 * Folds the rollups' appended rows into one row per day and key (migration report_rollups, report_rollups_compact). Safe at any
 * time and from several processes (one compacts, the others return false at once); never changes a figure.
 */
export async function compactReportRollups(db: Queryable): Promise<boolean> {
  const [row] = await db.query<{ done: boolean }>("SELECT report_rollups_compact() AS done");
  return row?.done ?? false;
}

/** The rollups are kept per UK day: a report in another zone cannot be read from them. */
export function assertRollupZone(f: ReportFilter): void {
  if (f.zone !== UK_ZONE) throw new Error(`report rollups are kept per ${UK_ZONE} day, not per ${f.zone} day`);
}

/**
 * SQL conditions on a rollup table aliased `alias` (columns day, team_id, specialty_code, type): the filter's local
 * dates (both inclusive) and its team, specialty and type; parameters through `p`.
 */
export function rollupConditions(f: ReportFilter, p: (v: unknown) => string, alias: string): string {
  assertRollupZone(f);
  const c = [`${alias}.day >= ${p(f.from)}::date`, `${alias}.day <= ${p(f.to)}::date`];
  return [...c, rollupAttributeConditions(f, p, alias)].join(" AND ");
}

/** SQL conditions on a rollup table for the team, specialty and type filters only ("TRUE" when none). */
export function rollupAttributeConditions(f: ReportFilter, p: (v: unknown) => string, alias: string): string {
  const c: string[] = [];
  if (f.teamId === "none") c.push(`${alias}.team_id IS NULL`);
  else if (f.teamId) c.push(`${alias}.team_id = ${p(f.teamId)}::uuid`);
  if (f.specialtyCode === "none") c.push(`${alias}.specialty_code IS NULL`);
  else if (f.specialtyCode) c.push(`${alias}.specialty_code = ${p(f.specialtyCode)}`);
  if (f.type) c.push(`${alias}.type = ${p(f.type)}`);
  return c.length > 0 ? c.join(" AND ") : "TRUE";
}

/**
 * SQL conditions choosing, in report_histograms aliased `alias`, the histograms of the filter's team, type and
 * specialty: a team or type filter picks that team's (or no team's) histograms, no filter those of every team or type.
 * A specialty filter picks that specialty's; with none, `specialties` says which: "each" (one per specialty) or
 * "every" (over every specialty, migration 0024).
 */
export function histogramComboConditions(
  f: ReportFilter,
  p: (v: unknown) => string,
  alias: string,
  specialties: "each" | "every",
): string {
  assertRollupZone(f);
  const c: string[] = [];
  if (f.teamId === "none") c.push(`NOT ${alias}.all_teams AND ${alias}.team_id IS NULL`);
  else if (f.teamId) c.push(`NOT ${alias}.all_teams AND ${alias}.team_id = ${p(f.teamId)}::uuid`);
  else c.push(`${alias}.all_teams`);
  if (f.type) c.push(`NOT ${alias}.all_types AND ${alias}.type = ${p(f.type)}`);
  else c.push(`${alias}.all_types`);
  if (f.specialtyCode === "none") c.push(`NOT ${alias}.all_specialties AND ${alias}.specialty_code IS NULL`);
  else if (f.specialtyCode) c.push(`NOT ${alias}.all_specialties AND ${alias}.specialty_code = ${p(f.specialtyCode)}`);
  else c.push(specialties === "every" ? `${alias}.all_specialties` : `NOT ${alias}.all_specialties`);
  return c.join(" AND ");
}

/**
 * The periods of `unit` wholly inside the dates from..to (both inclusive): the first's and the last's first days, and
 * the last's last day; null when there is none (and always for days: a day histogram is a whole period already, so
 * callers read days as "partial" periods).
 */
export function wholePeriods(
  from: LocalDate,
  to: LocalDate,
  unit: BucketUnit,
): { first: LocalDate; last: LocalDate; end: LocalDate } | null {
  if (unit === "day") return null;
  const next = (d: LocalDate): LocalDate => bucketStartDate(addDays(d, unit === "week" ? 7 : 31), unit);
  const startOf = bucketStartDate(from, unit);
  const first = startOf === from ? from : next(startOf);
  const afterTo = addDays(to, 1);
  const last =
    bucketStartDate(afterTo, unit) === afterTo ? bucketStartDate(to, unit) : addDays(bucketStartDate(to, unit), -1);
  const lastStart = bucketStartDate(last, unit);
  if (lastStart < first) return null;
  return { first, last: lastStart, end: addDays(next(lastStart), -1) };
}

/** SQL for the bucket key (a date) of a rollup's `day` column: the day, its ISO week's Monday or its month's 1st. */
export function dayBucketSql(column: string, f: BucketedFilter, p: (v: unknown) => string): string {
  return `date_trunc(${p(f.unit)}, ${column}::timestamp)::date`;
}

/** One histogram bin: how many durations fell in it and their sum in milliseconds. Bins sort by duration. */
export interface HistogramBin {
  bin: number;
  n: number;
  ms: number;
}

/**
 * The continuous percentile `q` (0..1, as PostgreSQL's percentile_cont: interpolated between the two nearest ranks) of
 * the durations in `bins`, in minutes rounded to 0.01; null when there are none. Each value is taken as its bin's
 * mean, so a bin holding one value (or equal values) is exact, and otherwise the estimate is within the bin's width:
 * half a minute below an hour, 1% above (migration report_rollups, report_duration_bin).
 */
export function histogramPercentile(bins: readonly HistogramBin[], q: number): number | null {
  const sorted = [...bins].filter((b) => b.n > 0).sort((a, b) => a.bin - b.bin);
  const total = sorted.reduce((s, b) => s + b.n, 0);
  if (total === 0) return null;
  const h = q * (total - 1);
  const lo = Math.floor(h);
  const valueAt = (rank: number): number => {
    let seen = 0;
    for (const b of sorted) {
      seen += b.n;
      if (rank < seen) return b.ms / b.n / 60_000;
    }
    const last = sorted.at(-1)!;
    return last.ms / last.n / 60_000;
  };
  const a = valueAt(lo);
  const v = h > lo ? a + (h - lo) * (valueAt(lo + 1) - a) : a;
  return Math.sign(v) * (Math.round(Math.abs(v) * 100) / 100);
}
