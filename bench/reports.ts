// Report query times on a year of generated data (bench/generate.ts), on embedded PGlite or PostgreSQL. Each query
// runs RUNS times after one warm-up; the figures are the median and the slowest milliseconds.
import { backlogReport } from "../src/reports/backlog.ts";
import { outcomesReport } from "../src/reports/outcomes.ts";
import type { BucketUnit, ReportFilter } from "../src/reports/query.ts";
import { reportRowsPage, streamReportRows } from "../src/reports/rows.ts";
import { summaryReport } from "../src/reports/summary.ts";
import { timingsReport } from "../src/reports/timings.ts";
import { volumeReport } from "../src/reports/volume.ts";
import { openPglite, type Db } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { seedYear } from "./generate.ts";
import { loadAverage, peakRssMb } from "./measure.ts";
import { freshPostgres } from "./postgres.ts";

const RUNS = 7;

/** One reports case. */
export interface ReportsCase {
  engine: "pglite" | "postgres";
  size: number;
}

/**
 * Median and slowest of RUNS timed calls after a warm-up, in ms, and the median of this process's CPU time per call
 * (Rebook's own work, which the machine's load does not inflate the way it inflates the wall time).
 */
export async function timed(
  fn: () => Promise<unknown>,
  runs = RUNS,
): Promise<{ p50: number; max: number; cpuP50: number }> {
  await fn();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]): number => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
  return { p50: median(times), max: Math.round(Math.max(...times)), cpuP50: median(cpu) };
}

/** Opens a fresh store of `engine`, migrated and seeded with `size` requests over 2025. */
export async function seededStore(
  engine: "pglite" | "postgres",
  size: number,
  opts: { max?: number } = {},
): Promise<{ db: Db; dispose: () => Promise<void>; seedMs: number; teams: string[]; url: string | null }> {
  const pgStore = engine === "postgres" ? await freshPostgres(opts) : null;
  const db = pgStore ? pgStore.db : await openPglite("memory://");
  await migrate(db);
  const t0 = performance.now();
  const teams = await seedYear(db, size);
  return {
    db,
    teams,
    url: pgStore?.url ?? null,
    seedMs: Math.round(performance.now() - t0),
    dispose: () => (pgStore ? pgStore.drop() : db.close()),
  };
}

/** Runs one case; the figures' units are in their names. */
export async function runReportsCase(c: ReportsCase): Promise<Record<string, number | string>> {
  const store = await seededStore(c.engine, c.size);
  const { db } = store;
  try {
    const [counts] = await db.query<{
      requests: number;
      events: number;
      countRows: number;
      durationRows: number;
      histogramRows: number;
    }>(
      `SELECT (SELECT count(*)::int FROM appointment_requests) AS requests,
         (SELECT count(*)::int FROM request_events) AS events,
         (SELECT count(*)::int FROM report_counts) AS "countRows",
         (SELECT count(*)::int FROM report_durations) AS "durationRows",
         (SELECT count(*)::int FROM report_histograms) AS "histogramRows"`,
    );
    const now = new Date("2026-01-15T12:00:00Z");
    const year: ReportFilter = { from: "2025-01-01", to: "2025-12-31", zone: "Europe/London" };
    const october = { from: "2025-10-01", to: "2025-10-31" };
    const by = (unit: BucketUnit) => ({ ...year, unit });
    const figures: Record<string, number | string> = {
      requests: counts?.requests ?? 0,
      events: counts?.events ?? 0,
      rollupCountRows: counts?.countRows ?? 0,
      rollupDurationRows: counts?.durationRows ?? 0,
      rollupHistogramRows: counts?.histogramRows ?? 0,
      seedMs: store.seedMs,
      load1: loadAverage()[0],
    };
    const queries: Record<string, () => Promise<unknown>> = {
      volumeDay: () => volumeReport(db, by("day")),
      volumeMonth: () => volumeReport(db, by("month")),
      volumeDayOneTeam: () => volumeReport(db, { ...by("day"), teamId: store.teams[0] }),
      volumeDayOneMonth: () => volumeReport(db, { ...by("day"), ...october }),
      backlogDay: () => backlogReport(db, by("day"), now),
      backlogMonth: () => backlogReport(db, by("month"), now),
      timingsMonth: () => timingsReport(db, by("month"), { now }),
      timingsWeek: () => timingsReport(db, by("week"), { now }),
      timingsDayOneMonth: () => timingsReport(db, { ...by("day"), ...october }, { now }),
      outcomesMonth: () => outcomesReport(db, by("month")),
      summary: () => summaryReport(db, year, { now }),
      rowsFirstPage1000: () => reportRowsPage(db, year, { now, cursor: null, limit: 1000 }),
    };
    for (const [name, fn] of Object.entries(queries)) {
      const t = await timed(fn);
      figures[`${name}Ms`] = t.p50;
      figures[`${name}MaxMs`] = t.max;
      figures[`${name}CpuMs`] = t.cpuP50;
      figures[`${name}Load1`] = loadAverage()[0];
    }
    // The whole year's rows, streamed in chunks of 1000 as rows.csv reads them (exact, from the requests).
    const t1 = performance.now();
    let rows = 0;
    for await (const chunk of streamReportRows(db, year, { now })) rows += chunk.length;
    figures.rowsAllStreamedMs = Math.round(performance.now() - t1);
    figures.rowsAll = rows;
    figures.peakRssMb = peakRssMb();
    figures.loadAfter1 = loadAverage()[0];
    return figures;
  } finally {
    await store.dispose();
  }
}
