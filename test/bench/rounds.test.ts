// `npm run bench -- --repeat N` (bench/rounds.ts, bench/table.ts): a case's runs alternate which code goes first
// beside a baseline, and the table gives medians and their ratio, not one pair's figures.
import { describe, expect, it } from "vitest";
import type { BenchCase } from "../../bench/case.ts";
import type { PipelineCase } from "../../bench/pipeline.ts";
import { parseRepeat, rounds } from "../../bench/rounds.ts";
import { pipelineMedians, markdown, type CaseResult } from "../../bench/table.ts";

const pass = { part: "pipeline" as const, engine: "postgres" as const, size: 20_000 };
const result = (c: BenchCase, requestsPerSecond: number): CaseResult => ({ case: c, figures: { requestsPerSecond } });

describe("repeated bench runs", () => {
  it("alternates which code runs first, and marks each run; one run is the case as before", () => {
    const runs: PipelineCase[] = rounds(pass, 3, "c547cec");
    expect(runs.map((r) => `${r.revision ?? "now"} ${r.round?.n}/${r.round?.of}`)).toEqual([
      "c547cec 1/3",
      "now 1/3",
      "now 2/3",
      "c547cec 2/3",
      "c547cec 3/3",
      "now 3/3",
    ]);
    expect(rounds(pass, 1, "c547cec")).toEqual([{ ...pass, revision: "c547cec" }, pass]);
    expect(rounds(pass, 2)).toEqual([
      { ...pass, round: { n: 1, of: 2 } },
      { ...pass, round: { n: 2, of: 2 } },
    ]);
    expect(rounds(pass, 1)).toEqual([pass]);
  });

  it("takes --repeat as a whole number from 1 to 20, and says so otherwise", () => {
    expect(parseRepeat(undefined)).toBe(1);
    expect(parseRepeat("3")).toBe(3);
    for (const bad of ["0", "2.5", "x", "21", ""]) expect(() => parseRepeat(bad)).toThrow(/1 to 20/);
  });

  it("gives the medians of alternated runs and their ratio, each side's range, and a lone pair's own figures", () => {
    const runs = rounds(pass, 3, "c547cec");
    const rates = [100, 480, 600, 90, 110, 520]; // baseline, now, now, baseline, baseline, now
    const small = rounds({ ...pass, size: 2_000 }, 1, "c547cec");
    const big = rounds({ ...pass, size: 100_000 }, 2);
    const results = [
      ...runs.map((c, i) => result(c, rates[i]!)),
      ...small.map((c, i) => result(c, [70, 300][i]!)),
      ...big.map((c, i) => result(c, [560, 540][i]!)),
      // A server-mode run and a failed run are left out of the medians.
      result({ ...pass, mode: "server" }, 1),
      { case: pass, figures: {}, error: "failed" },
    ];
    expect(pipelineMedians(results)).toEqual([
      "- PostgreSQL, 20,000: 5.2× the requests/s of c547cec, medians of alternated runs (520 against 100; this code " +
        "480–600 over 3 runs, c547cec 90–110 over 3)",
      "- PostgreSQL, 2,000: 4.3× the requests/s of c547cec (300 against 70)",
      "- PostgreSQL, 100,000: median 550 requests/s (540–560 over 2 runs)",
    ]);
    const table = markdown(results, { cpus: 2, at: new Date("2026-11-30T17:00:00Z"), node: "20.20.2" });
    expect(table).toContain("| one pass, code of c547cec, run 2 of 3 |");
    expect(table).toContain("5.2× the requests/s of c547cec, medians of alternated runs");
  });
});
