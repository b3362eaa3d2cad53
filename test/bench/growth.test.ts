// How the table reports requests/s as the backlog grows (bench/table.ts): per store, a fresh process's one-pass runs
// and a warmed process's (one that worked another backlog first) apart, never mixed with a baseline's or the
// server's arrangement, and never one case's runs counted as another's.
import { describe, expect, it } from "vitest";
import type { BenchCase } from "../../bench/case.ts";
import type { PipelineCase } from "../../bench/pipeline.ts";
import { freshAndWarmed, rounds } from "../../bench/rounds.ts";
import { markdown, pipelineGrowth, pipelineMedians, type CaseResult } from "../../bench/table.ts";

const result = (c: BenchCase, requestsPerSecond: number): CaseResult => ({ case: c, figures: { requestsPerSecond } });
type Pass = { part: "pipeline" } & PipelineCase;
const pass = (engine: "postgres" | "pglite", size: number, warmed = false): Pass => ({
  part: "pipeline",
  engine,
  size,
  ...(warmed ? { process: "warmed" as const } : {}),
});

describe("growth with the backlog", () => {
  it("gives each store's rate per backlog, fresh and warmed processes apart, and the lowest over the highest", () => {
    const results = [
      result(pass("postgres", 2_000), 430),
      result(pass("postgres", 20_000), 680),
      result(pass("postgres", 100_000), 650),
      result(pass("postgres", 2_000, true), 660),
      result(pass("postgres", 20_000, true), 700),
      result(pass("postgres", 100_000, true), 640),
      result(pass("pglite", 2_000), 240),
      result(pass("pglite", 20_000), 400),
      // Not this code's one-pass rate: the baseline's and the server's loops. A backlog that failed is named, and no
      // ratio is taken over the backlogs that did not.
      result({ ...pass("postgres", 2_000), revision: "c547cec" }, 90),
      result({ ...pass("postgres", 20_000), mode: "server" }, 900),
      { case: pass("pglite", 100_000), figures: { load1: 1 }, error: "out of memory" },
    ];
    expect(pipelineGrowth(results)).toEqual([
      "- PostgreSQL, as the process's first work: 2,000 430, 20,000 680, 100,000 650 requests/s; lowest 0.63 of highest",
      "- PostgreSQL, after a warm-up pass: 2,000 660, 20,000 700, 100,000 640 requests/s; lowest 0.91 of highest",
      "- PGlite, as the process's first work: 2,000 240, 20,000 400, 100,000 failed requests/s",
    ]);
  });

  it("takes the median of a case's repeated runs, and says nothing for a store run at one backlog", () => {
    const repeated = [
      ...rounds(pass("postgres", 2_000, true), 3).map((c, i) => result(c, [600, 640, 700][i]!)),
      ...rounds(pass("postgres", 20_000, true), 2).map((c, i) => result(c, [700, 720][i]!)),
      result(pass("pglite", 2_000), 240),
    ];
    expect(pipelineGrowth(repeated)).toEqual([
      "- PostgreSQL, after a warm-up pass: 2,000 640, 20,000 710 requests/s; lowest 0.90 of highest",
    ]);
  });

  it("keeps a warmed process's repeated runs out of a fresh process's medians, and names them in the table", () => {
    const results = [
      ...rounds(pass("postgres", 2_000), 2).map((c, i) => result(c, [420, 440][i]!)),
      ...rounds(pass("postgres", 2_000, true), 2).map((c, i) => result(c, [650, 670][i]!)),
    ];
    expect(pipelineMedians(results)).toEqual([
      "- PostgreSQL, 2,000: median 430 requests/s (420–440 over 2 runs)",
      "- PostgreSQL, 2,000, after a warm-up pass: median 660 requests/s (650–670 over 2 runs)",
    ]);
    const table = markdown(results, {
      cpus: 2,
      at: new Date("2026-12-02T03:00:00Z"),
      node: "24.21.0",
      code: "290fa8d with uncommitted changes",
    });
    expect(table).toContain(
      "Benchmark of 2026-12-02T03:00Z (code at 290fa8d with uncommitted changes) on 2 cores, each case's process on Node 24.21.0.",
    );
    expect(table).toContain("| one pass, after a warm-up pass, run 2 of 2 | 670 |");
    // One backlog: nothing to say of growth.
    expect(table).not.toContain("**Growth with the backlog**");
    const grown = markdown([...results, result(pass("postgres", 20_000, true), 700)], {
      cpus: 2,
      at: new Date("2026-12-02T03:00:00Z"),
      node: "20.20.2",
    });
    expect(grown).toContain("**Growth with the backlog**");
    expect(grown).toContain(
      '"after a warm-up pass": the process first worked another 2,000-request backlog into another store, from the emulator then reset',
    );
    expect(grown).toContain(
      "- PostgreSQL, after a warm-up pass: 2,000 660, 20,000 700 requests/s; lowest 0.94 of highest\n",
    );
    // The warmed rows' peak memory is given from what the warm-up left resident.
    const withMemory = markdown(
      [{ case: pass("postgres", 2_000, true), figures: { requestsPerSecond: 660, peakRssMb: 197, rssBeforeMb: 189 } }],
      { cpus: 2, at: new Date("2026-12-02T03:00:00Z"), node: "20.20.2" },
    );
    expect(withMemory).toContain("| 197 (from 189) |");
  });

  it("runs each round's warmed case beside its fresh run (or baseline pair), alternating which goes first", () => {
    const c = pass("postgres", 2_000);
    const label = (x: PipelineCase): string =>
      `${x.process ?? (x.revision ? "baseline" : "fresh")}${x.round ? ` ${x.round.n}` : ""}`;
    expect(freshAndWarmed(c, 1).map(label)).toEqual(["fresh", "warmed"]);
    expect(freshAndWarmed(c, 3).map(label)).toEqual([
      "fresh 1",
      "warmed 1",
      "warmed 2",
      "fresh 2",
      "fresh 3",
      "warmed 3",
    ]);
    expect(freshAndWarmed(c, 2, "c547cec").map(label)).toEqual([
      "baseline 1",
      "fresh 1",
      "warmed 1",
      "warmed 2",
      "fresh 2",
      "baseline 2",
    ]);
  });
});
