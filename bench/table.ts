// The benchmark's results as markdown tables ready for the README: one table per part, the machine's load average
// (1 minute, when the case started and when it ended) beside every row.
import type { BenchCase } from "./case.ts";

/** One case's outcome: its figures (units in the names) or why it failed. */
export interface CaseResult {
  case: BenchCase;
  figures: Record<string, number | string>;
  error?: string;
}

const fmt = (v: number | string | undefined): string =>
  v === undefined ? "—" : typeof v === "number" ? v.toLocaleString("en-GB") : v;
const per = (a: unknown, b: unknown, digits = 2): string =>
  typeof a === "number" && typeof b === "number" && b > 0 ? (a / b).toFixed(digits) : "—";
const load = (f: CaseResult["figures"]): string => `${fmt(f.load1)} → ${fmt(f.loadAfter1)}`;
const store = (e: string): string => (e === "pglite" ? "PGlite" : "PostgreSQL");
/** A case run with `--baseline`'s code names its revision. */
const revision = (c: BenchCase): string => ("revision" in c && c.revision ? `, code of ${c.revision}` : "");
/** A case whose process worked another backlog first says so (bench/pipeline.ts, `process: "warmed"`). */
const warmed = (c: BenchCase): boolean => "process" in c && c.process === "warmed";
const WARMED = "after a warm-up pass";
const inProcess = (c: BenchCase): string => (warmed(c) ? `, ${WARMED}` : "");
/** One of a case's runs with `--repeat` says which. */
const round = (c: BenchCase): string => ("round" in c && c.round ? `, run ${c.round.n} of ${c.round.of}` : "");

/** The median of a non-empty list. */
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
/** The median of runs' second-half rates, when every one of `runs` runs gave one; else null. */
const secondHalfMedian = (rates: number[], runs: number): number | null =>
  rates.length > 0 && rates.length === runs ? median(rates) : null;
const range = (xs: number[]): string => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;

/**
 * Lines for the one-pass cases run more than once or beside a baseline: per store and backlog, the median requests/s
 * of this code's runs and of the baseline's, their ratio, and each side's range; a single pair gives its two figures.
 */
export function pipelineMedians(pipeline: CaseResult[]): string[] {
  interface Group {
    engine: string;
    size: number;
    now: number[];
    before: number[];
    /** The same runs' rates over each pass's second half (bench/measure.ts, PassTimeline), where they give one. */
    nowSecondHalf: number[];
    beforeSecondHalf: number[];
    revision?: string;
    warmed: boolean;
  }
  const groups = new Map<string, Group>();
  for (const { case: c, figures: f, error } of pipeline) {
    const pc = c as { engine: string; size: number; mode?: string; revision?: string };
    if (error || pc.mode === "server" || typeof f.requestsPerSecond !== "number") continue;
    const key = `${pc.engine} ${pc.size} ${warmed(c)}`;
    const g = groups.get(key) ?? {
      engine: pc.engine,
      size: pc.size,
      warmed: warmed(c),
      now: [],
      before: [],
      nowSecondHalf: [],
      beforeSecondHalf: [],
    };
    groups.set(key, g);
    const secondHalf = typeof f.secondHalfRequestsPerSecond === "number" ? [f.secondHalfRequestsPerSecond] : [];
    if (pc.revision) {
      g.revision = pc.revision;
      g.before.push(f.requestsPerSecond);
      g.beforeSecondHalf.push(...secondHalf);
    } else {
      g.now.push(f.requestsPerSecond);
      g.nowSecondHalf.push(...secondHalf);
    }
  }
  const lines: string[] = [];
  for (const g of groups.values()) {
    if (g.now.length === 0 || (g.before.length === 0 && g.now.length < 2)) continue;
    const where = `- ${store(g.engine)}, ${fmt(g.size)}${g.warmed ? `, ${WARMED}` : ""}:`;
    // Shown whole (a median of an even number of runs may end in .5); the ratio is of the exact medians.
    const now = median(g.now);
    if (g.before.length === 0) {
      const half = secondHalfMedian(g.nowSecondHalf, g.now.length);
      lines.push(
        `${where} median ${fmt(Math.round(now))} requests/s (${range(g.now)} over ${g.now.length} runs)` +
          (half === null ? "" : `; over each pass's second half ${fmt(Math.round(half))}`),
      );
      continue;
    }
    const before = median(g.before);
    // Over each pass's second half (past the first poll's answer and a fresh process's warm-up), when every run of
    // both codes gave it.
    const nowHalf = secondHalfMedian(g.nowSecondHalf, g.now.length);
    const beforeHalf = secondHalfMedian(g.beforeSecondHalf, g.before.length);
    const halves =
      nowHalf !== null && beforeHalf !== null
        ? `; over each pass's second half ${per(nowHalf, beforeHalf, 1)}× ` +
          `(${fmt(Math.round(nowHalf))} against ${fmt(Math.round(beforeHalf))})`
        : "";
    lines.push(
      g.now.length === 1 && g.before.length === 1
        ? `${where} ${per(now, before, 1)}× the requests/s of ${g.revision} (${fmt(now)} against ${fmt(before)})${halves}`
        : `${where} ${per(now, before, 1)}× the requests/s of ${g.revision}, medians of alternated runs ` +
            `(${fmt(Math.round(now))} against ${fmt(Math.round(before))}; this code ${range(g.now)} over ${g.now.length} runs, ${g.revision} ` +
            `${range(g.before)} over ${g.before.length})${halves}`,
    );
  }
  return lines;
}

/**
 * Lines saying how requests/s changes with the backlog: per store and process (fresh, or warmed by another backlog
 * first), this code's one-pass rate at each backlog (the median of its runs) and, where two or more backlogs ran and
 * none failed, the lowest over the highest. A backlog whose every run failed is named, and no ratio is given without it.
 */
export function pipelineGrowth(pipeline: CaseResult[]): string[] {
  interface Rates {
    engine: string;
    warmed: boolean;
    bySize: Map<number, number[]>;
    failed: Set<number>;
  }
  const rates = new Map<string, Rates>();
  for (const { case: c, figures: f, error } of pipeline) {
    const pc = c as { engine: string; size: number; mode?: string; revision?: string };
    if (pc.mode === "server" || pc.revision) continue;
    const key = `${pc.engine} ${warmed(c)}`;
    const g: Rates = rates.get(key) ?? {
      engine: pc.engine,
      warmed: warmed(c),
      bySize: new Map<number, number[]>(),
      failed: new Set<number>(),
    };
    rates.set(key, g);
    if (error || typeof f.requestsPerSecond !== "number") g.failed.add(pc.size);
    else g.bySize.set(pc.size, [...(g.bySize.get(pc.size) ?? []), f.requestsPerSecond]);
  }
  const lines: string[] = [];
  for (const g of rates.values()) {
    const failed = [...g.failed].filter((size) => !g.bySize.has(size));
    if (g.bySize.size + failed.length < 2) continue;
    const sizes = [...new Set([...g.bySize.keys(), ...failed])].sort((a, b) => a - b);
    const medians = [...g.bySize.values()].map(median);
    const lowest = Math.min(...medians);
    const highest = Math.max(...medians);
    lines.push(
      `- ${store(g.engine)}, ${g.warmed ? WARMED : "as the process's first work"}: ` +
        sizes
          .map((size) => {
            const runs = g.bySize.get(size);
            return `${fmt(size)} ${runs ? fmt(Math.round(median(runs))) : "failed"}`;
          })
          .join(", ") +
        " requests/s" +
        (failed.length === 0 ? `; lowest ${per(lowest, highest)} of highest` : ""),
    );
  }
  return lines;
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)]
    .join("\n")
    .concat("\n");
}

/** Markdown for every part that has results. */
export function markdown(
  results: CaseResult[],
  machine: { cpus: number; at: Date; node: string; code?: string },
): string {
  const out: string[] = [
    `Benchmark of ${machine.at.toISOString().slice(0, 16)}Z${machine.code ? ` (code at ${machine.code})` : ""} on ${machine.cpus} cores, each case's process on Node ${machine.node}. Load = the machine's 1-minute load average when the case started → when it ended.\n`,
  ];
  const failed = results.filter((r) => r.error);
  const of = (part: string) => results.filter((r) => r.case.part === part && !r.error);

  const pipeline = of("pipeline");
  if (pipeline.length > 0) {
    out.push(
      "**Pipeline** (one sync pass; the emulator in its own process)\n",
      table(
        [
          "store",
          "backlog",
          "run",
          "requests/s",
          "wall s",
          "first request done, s",
          "second half, requests/s",
          "Rebook CPU ms/request (of which threads beside the main one)",
          "PostgreSQL CPU ms/request",
          "emulator CPU ms/request",
          "statements/request",
          "rows read/request",
          "WAL kB/request",
          "peak RSS MiB",
          "right (lost / duplicated / wrong / stuck / in error)",
          "load",
        ],
        pipeline.map(({ case: c, figures: f }) => [
          store((c as { engine: string }).engine),
          fmt((c as { size: number }).size),
          `${(c as { mode?: string }).mode === "server" ? "server (both loops)" : "one pass"}${inProcess(c)}${revision(c)}${round(c)}`,
          fmt(f.requestsPerSecond),
          fmt(f.seconds),
          fmt(f.firstRequestSeconds),
          fmt(f.secondHalfRequestsPerSecond),
          typeof f.rebookOtherThreadsCpuMsPerRequest === "number"
            ? `${fmt(f.rebookCpuMsPerRequest)} (${fmt(f.rebookOtherThreadsCpuMsPerRequest)})`
            : fmt(f.rebookCpuMsPerRequest),
          typeof f.postgresCpuMs === "number" ? per(f.postgresCpuMs, f.requests) : "in process",
          f.emulatorCpuMsPerRequest === undefined ? "—" : fmt(f.emulatorCpuMsPerRequest),
          fmt(f.statementsPerRequest),
          // Rows PostgreSQL read from Rebook's tables (bench/postgres.ts, rowsRead): the issue's measure of growth.
          typeof f.rowsReadPerRequest === "number" ? fmt(f.rowsReadPerRequest) : "—",
          // PGlite's WAL is not measured (it writes it in Rebook's process, in its own files).
          typeof f.walKbPerRequest === "number" ? fmt(f.walKbPerRequest) : "—",
          // A warmed process's peak counts what the warm-up left resident: it is given from its RSS before the pass.
          warmed(c)
            ? `${fmt(f.peakRssMb)} (from ${fmt(f.rssBeforeMb)}${f.peakRssNotReset ? "; not reset after the warm-up" : ""})`
            : fmt(f.peakRssMb),
          f.truthRequests === undefined
            ? "—"
            : `${fmt(f.truthRequests)} requests: ${[f.lost, f.duplicated, f.wronglyMatched, f.stuck, f.inError].map(fmt).join(" / ")}`,
          load(f),
        ]),
      ),
    );
    // Before and after in one run (--baseline), and repeated runs (--repeat): medians per store and backlog.
    const ratios = pipelineMedians(pipeline);
    if (ratios.length > 0)
      out.push(
        "**Against the baseline, and repeated runs** (the baseline's runs beside this code's, same machine)\n",
        `${ratios.join("\n")}\n`,
      );
    const growth = pipelineGrowth(results.filter((r) => r.case.part === "pipeline"));
    if (growth.length > 0)
      out.push(
        "**Growth with the backlog** (this code's one-pass runs, medians where a case ran more than once; " +
          `"${WARMED}": the process first worked another 2,000-request backlog into another store, from the emulator ` +
          "then reset to the backlog measured, as a Rebook that has been running has, and PKB's servers; else the " +
          "pass is the process's first work after it starts, from an emulator just started)\n",
        `${growth.join("\n")}\n`,
      );
  }
  const latency = of("latency");
  if (latency.length > 0) {
    const base = latency.find((r) => r.figures.concurrency === 1)?.figures.requestsPerSecond;
    out.push(
      "**Under 50 ms of PKB latency** (PostgreSQL)\n",
      table(
        ["backlog", "concurrency", "requests/s", "wall s", "× concurrency 1", "load"],
        latency.map(({ case: c, figures: f }) => [
          fmt((c as { size: number }).size),
          fmt(f.concurrency),
          fmt(f.requestsPerSecond),
          fmt(f.seconds),
          per(f.requestsPerSecond, base, 1),
          load(f),
        ]),
      ),
    );
  }
  const reports = of("reports");
  if (reports.length > 0) {
    const cols: [string, string][] = [
      ["volume by day", "volumeDayMs"],
      ["volume by month", "volumeMonthMs"],
      ["backlog by day", "backlogDayMs"],
      ["timings by month", "timingsMonthMs"],
      ["timings by week", "timingsWeekMs"],
      ["timings by day, 1 month", "timingsDayOneMonthMs"],
      ["outcomes by month", "outcomesMonthMs"],
      ["summary", "summaryMs"],
      ["first 1,000 rows", "rowsFirstPage1000Ms"],
      ["all rows as CSV", "rowsAllStreamedMs"],
    ];
    out.push(
      "**Reports over a year** (ms: median / slowest of 7 calls, and in brackets the median CPU Rebook spent per call; " +
        "rows.csv streams every row)\n",
      table(
        ["store", "requests", ...cols.map(([h]) => h), "load"],
        reports.map(({ case: c, figures: f }) => [
          store((c as { engine: string }).engine),
          fmt(f.requests),
          ...cols.map(([, k]) => {
            const base = k.replace(/Ms$/, "");
            const max = f[`${base}MaxMs`];
            const cpu = f[`${base}CpuMs`];
            return `${fmt(f[k])}${max === undefined ? "" : ` / ${fmt(max)}`}${cpu === undefined ? "" : ` (${fmt(cpu)})`}`;
          }),
          load(f),
        ]),
      ),
    );
  }
  const worklist = of("worklist");
  if (worklist.length > 0) {
    out.push(
      "**Worklist over HTTP** (PostgreSQL; every page writes its audit entry)\n",
      table(
        [
          "requests",
          "1 client pages/s",
          "1 client p95 ms",
          "50 clients pages/s",
          "50 clients p95 ms",
          "50 clients: CPU ms/page (Rebook + PostgreSQL + clients)",
          "25 pages/s p95 ms",
          "load",
        ],
        worklist.map(({ figures: f }) => [
          fmt(f.requests),
          fmt(f.oneClientPagesPerSecond),
          fmt(f.oneClientP95Ms),
          fmt(f.clients50PagesPerSecond),
          fmt(f.clients50P95Ms),
          `${fmt(f.clients50RebookCpuMsPerPage)} + ${fmt(f.clients50PostgresCpuMsPerPage)} + ${fmt(f.clients50ClientsCpuMsPerPage)}`,
          fmt(f.paced25PerSecondP95Ms),
          load(f),
        ]),
      ),
    );
  }
  if (failed.length > 0) {
    out.push(`**Failed cases**: ${failed.map((r) => JSON.stringify(r.case)).join(", ")}\n`);
  }
  return out.join("\n");
}
