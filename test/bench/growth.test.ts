// How the table reports requests/s as the backlog grows (bench/table.ts): per store, a fresh process's one-pass runs
// and a running process's (one that worked another backlog first) apart, never mixed with a baseline's or the
// server's arrangement, and never one case's runs counted as another's.
import { describe, expect, it } from "vitest";
import type { BenchCase } from "../../bench/case.ts";
import { rounds } from "../../bench/rounds.ts";
import { markdown, pipelineGrowth, pipelineMedians, type CaseResult } from "../../bench/table.ts";

const result = (c: BenchCase, requestsPerSecond: number): CaseResult => ({ case: c, figures: { requestsPerSecond } });
const pass = (engine: "postgres" | "pglite", size: number, running = false): BenchCase => ({
  part: "pipeline",
  engine,
  size,
  ...(running ? { process: "running" as const } : {}),
});

describe("growth with the backlog", () => {
  it("gives each store's rate per backlog, fresh and running processes apart, and the lowest over the highest", () => {
    const results = [
      result(pass("postgres", 2_000), 430),
      result(pass("postgres", 20_000), 680),
      result(pass("postgres", 100_000), 650),
      result(pass("postgres", 2_000, true), 660),
      result(pass("postgres", 20_000, true), 700),
      result(pass("postgres", 100_000, true), 640),
      result(pass("pglite", 2_000), 240),
      result(pass("pglite", 20_000), 400),
      // Not this code's one-pass rate: the baseline's, the server's loops, and a case that failed.
      result({ ...pass("postgres", 2_000), revision: "c547cec" } as BenchCase, 90),
      result({ ...pass("postgres", 20_000), mode: "server" } as BenchCase, 900),
      { case: pass("pglite", 100_000), figures: { load1: 1 }, error: "out of memory" },
    ];
    expect(pipelineGrowth(results)).toEqual([
      "- PostgreSQL, in a fresh process: 2,000 430, 20,000 680, 100,000 650 requests/s; lowest 0.63 of highest",
      "- PostgreSQL, in a running process: 2,000 660, 20,000 700, 100,000 640 requests/s; lowest 0.91 of highest",
      "- PGlite, in a fresh process: 2,000 240, 20,000 400 requests/s; lowest 0.60 of highest",
    ]);
  });

  it("takes the median of a case's repeated runs, and says nothing for a store run at one backlog", () => {
    const repeated = [
      ...rounds(pass("postgres", 2_000, true), 3).map((c, i) => result(c, [600, 640, 700][i]!)),
      ...rounds(pass("postgres", 20_000, true), 2).map((c, i) => result(c, [700, 720][i]!)),
      result(pass("pglite", 2_000), 240),
    ];
    expect(pipelineGrowth(repeated)).toEqual([
      "- PostgreSQL, in a running process: 2,000 640, 20,000 710 requests/s; lowest 0.90 of highest",
    ]);
  });

  it("keeps a running process's repeated runs out of a fresh process's medians, and names them in the table", () => {
    const results = [
      ...rounds(pass("postgres", 2_000), 2).map((c, i) => result(c, [420, 440][i]!)),
      ...rounds(pass("postgres", 2_000, true), 2).map((c, i) => result(c, [650, 670][i]!)),
    ];
    expect(pipelineMedians(results)).toEqual([
      "- PostgreSQL, 2,000: median 430 requests/s (420–440 over 2 runs)",
      "- PostgreSQL, 2,000, in a running process: median 660 requests/s (650–670 over 2 runs)",
    ]);
    const table = markdown(results, { cpus: 2, at: new Date("2026-12-02T03:00:00Z") });
    expect(table).toContain("| one pass, in a running process, run 2 of 2 | 670 |");
    // One backlog: nothing to say of growth.
    expect(table).not.toContain("**Growth with the backlog**");
    const grown = markdown([...results, result(pass("postgres", 20_000, true), 700)], {
      cpus: 2,
      at: new Date("2026-12-02T03:00:00Z"),
    });
    expect(grown).toContain(
      "**Growth with the backlog** (this code's one-pass runs; medians where a case ran more than once)\n\n" +
        "- PostgreSQL, in a running process: 2,000 660, 20,000 700 requests/s; lowest 0.94 of highest\n",
    );
  });
});
