// The pass's shape over time (bench/measure.ts, PassTimeline) and how the table reports it (bench/table.ts): how long
// until the first request was done, and the rate over the pass's second half, past a fresh process's warm-up.
import { describe, expect, it } from "vitest";
import { PassTimeline } from "../../bench/measure.ts";
import type { BenchCase } from "../../bench/case.ts";
import { rounds } from "../../bench/rounds.ts";
import { markdown, pipelineMedians, type CaseResult } from "../../bench/table.ts";

describe("a pass's timeline", () => {
  it("gives the first request's time and the second half's rate, however many requests it holds", () => {
    // Started at 1,000 ms; the first request done at 1,600; then one every 2 ms for the first half (a slow start)
    // and one every 1 ms after: 10,000 requests, the second half's 5,000 in 5 s.
    const t = new PassTimeline(1_000);
    let now = 1_600;
    for (let i = 0; i < 10_000; i++) {
      t.done(now);
      now += i < 4_999 ? 2 : 1;
    }
    expect(t.figures()).toEqual({ firstRequestSeconds: 0.6, secondHalfRequestsPerSecond: 1_000 });
  });

  it("counts only the requests done after the half-way instant, so a batch finishing at once does not inflate it", () => {
    // 32 requests at 0 ms, then batches of 64 finishing together every 64 ms (1,000/s): 1,056 requests. The half-way
    // request (the 528th) is inside the batch at 512 ms; after it, 8 batches (512 requests) in 512 ms.
    const t = new PassTimeline(0);
    for (let i = 0; i < 32; i++) t.done(0);
    for (let k = 1; k <= 16; k++) for (let i = 0; i < 64; i++) t.done(64 * k);
    expect(t.figures().secondHalfRequestsPerSecond).toBe(1_000);
  });

  it("gives no rate for fewer than four requests, or for all done in one instant", () => {
    expect(new PassTimeline(0).figures()).toEqual({ firstRequestSeconds: null, secondHalfRequestsPerSecond: null });
    const few = new PassTimeline(0);
    for (const at of [5, 6, 7]) few.done(at);
    expect(few.figures()).toEqual({ firstRequestSeconds: 0.01, secondHalfRequestsPerSecond: null });
    const instant = new PassTimeline(0);
    for (let i = 0; i < 8; i++) instant.done(20);
    expect(instant.figures()).toEqual({ firstRequestSeconds: 0.02, secondHalfRequestsPerSecond: null });
  });

  it("reports both in the table and beside the medians, only when every run gave them", () => {
    const pass = { part: "pipeline" as const, engine: "postgres" as const, size: 20_000 };
    const result = (c: BenchCase, requestsPerSecond: number, secondHalf?: number): CaseResult => ({
      case: c,
      figures: {
        requestsPerSecond,
        ...(secondHalf === undefined ? {} : { secondHalfRequestsPerSecond: secondHalf, firstRequestSeconds: 1.2 }),
      },
    });
    const runs = rounds(pass, 2, "c547cec"); // baseline, now, now, baseline
    const halves = [130, 900, 950, 126];
    const withHalves = runs.map((c, i) => result(c, [125, 720, 740, 123][i]!, halves[i]));
    expect(pipelineMedians(withHalves)).toEqual([
      "- PostgreSQL, 20,000: 5.9× the requests/s of c547cec, medians of alternated runs (730 against 124; this code " +
        "720–740 over 2 runs, c547cec 123–125 over 2); over each pass's second half 7.2× (925 against 128)",
    ]);
    // A baseline whose runs gave no timeline: the whole passes' ratio only.
    const oldHarness = runs.map((c, i) =>
      result(c, [125, 720, 740, 123][i]!, "revision" in c && c.revision ? undefined : halves[i]),
    );
    expect(pipelineMedians(oldHarness)[0]).not.toContain("second half");
    const alone = rounds({ ...pass, size: 2_000 }, 2).map((c, i) => result(c, [480, 500][i]!, [700, 760][i]));
    expect(pipelineMedians(alone)).toEqual([
      "- PostgreSQL, 2,000: median 490 requests/s (480–500 over 2 runs); over each pass's second half 730",
    ]);
    const table = markdown(withHalves, { cpus: 2, at: new Date("2026-12-01T08:00:00Z"), node: "20.20.2" });
    expect(table).toContain("| first request done, s | second half, requests/s |");
    expect(table).toContain("| one pass, run 1 of 2 | 720 | — | 1.2 | 900 |");
  });

  it("gives PostgreSQL's rows read and WAL per request (neither for the embedded store) and Rebook's CPU beside the main thread", () => {
    const figures = { requestsPerSecond: 700, statementsPerRequest: 2.1, rebookCpuMsPerRequest: 1.1 };
    const table = markdown(
      [
        {
          case: { part: "pipeline", engine: "postgres", size: 20_000 },
          figures: {
            ...figures,
            rowsReadPerRequest: 29,
            walKbPerRequest: 13.9,
            rebookOtherThreadsCpuMsPerRequest: 0.25,
          },
        },
        {
          case: { part: "pipeline", engine: "pglite", size: 20_000 },
          figures: {
            ...figures,
            rowsReadPerRequest: "not measured (PGlite)",
            walKbPerRequest: "not measured (PGlite)",
          },
        },
      ],
      { cpus: 2, at: new Date("2026-12-02T09:00:00Z"), node: "20.20.2" },
    );
    expect(table).toContain("| statements/request | rows read/request | WAL kB/request | peak RSS MiB |");
    expect(table).toContain("| 2.1 | 29 | 13.9 |");
    // Rebook's CPU with its threads beside the main one (V8's compiler and collector), where measured.
    expect(table).toContain("| 1.1 (0.25) |");
    expect(table).toContain("| 1.1 | in process |");
    expect(table).toContain("| 2.1 | — | — |");
  });
});
