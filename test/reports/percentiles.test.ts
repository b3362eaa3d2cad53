// Property: the timings report's medians and 90th percentiles, read from the duration histograms (report_durations as
// appended, report_histograms once compacted: per day, week and month),
// stay within one minute of PostgreSQL's exact percentile_cont below an hour and within 2% above, for any durations —
// from seconds to weeks, clustered or spread, some equal. (The report's exact figures in figures.test.ts hold exactly:
// there every bin holds one value, or equal ones.)
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compactReportRollups } from "../../src/reports/rollups.ts";
import { addHistogramText, BinSums, timingsReport } from "../../src/reports/timings.ts";
import { createTeam, createUser } from "../../src/store/people.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { clearRequests, seedRequest } from "./fixtures.ts";

const RECEIVED = Date.parse("2025-06-02T09:00:00Z");
// Minutes: seconds-scale, around an hour, hours, days, weeks; with repeats.
const minutesArb = fc.oneof(
  fc.double({ min: 0, max: 5, noNaN: true }),
  fc.double({ min: 0, max: 120, noNaN: true }),
  fc.double({ min: 50, max: 70, noNaN: true }),
  fc.double({ min: 60, max: 60 * 24 * 30, noNaN: true }),
  fc.constantFrom(1, 30, 59.99, 60, 61, 600, 1440),
);

const within = (estimate: number | null, exact: number | null): boolean => {
  if (estimate === null || exact === null) return estimate === exact;
  return exact < 60 ? Math.abs(estimate - exact) <= 1 : Math.abs(estimate - exact) <= 0.02 * exact;
};

describe.each(engines)("histogram percentiles on $name", (engine) => {
  let t: TestDb;
  let teamId: string;
  let userId: string;

  beforeAll(async () => {
    t = await engine.open();
    teamId = (await createTeam(t.db, { name: "Alpha" })).id;
    userId = (await createUser(t.db, { email: "c@trust.example", displayName: "C", role: "clerk" })).id;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("stay within a minute below an hour and 2% above of percentile_cont", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(minutesArb, { minLength: 1, maxLength: 30 }), async (minutes) => {
        await clearRequests(t.db);
        for (const [i, m] of minutes.entries()) {
          const received = RECEIVED + i * 1000; // all the same UK day
          await seedRequest(t.db, {
            receivedAt: new Date(received).toISOString(),
            type: "change",
            teamId,
            specialty: { code: "OPH", name: "Ophthalmology" },
            status: "open",
            matchState: "auto_linked",
            events: [
              { at: new Date(received + Math.round(m * 60_000)).toISOString(), type: "note_added", actor: userId },
            ],
          });
        }
        const [exact] = await t.db.query<{ p50: number; p90: number }>(
          `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m) AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY m) AS p90
           FROM (SELECT extract(epoch FROM rt.first_action_at - r.received_at)::float8 / 60 AS m
                 FROM appointment_requests r JOIN request_timings rt ON rt.request_id = r.id) x`,
        );
        // As appended (report_durations' fresh rows), then compacted into the day, week and month histograms.
        const june = { from: "2025-06-01", to: "2025-06-30", zone: "Europe/London" };
        const now = new Date("2026-01-01T00:00:00Z");
        const fresh = await timingsReport(t.db, { ...june, unit: "day" }, { now });
        await compactReportRollups(t.db);
        for (const report of [
          fresh,
          await timingsReport(t.db, { ...june, unit: "day" }, { now }),
          await timingsReport(t.db, { ...june, unit: "week" }, { now }),
          await timingsReport(t.db, { ...june, unit: "month" }, { now }),
        ]) {
          const fa = report.overall.firstAction;
          expect(fa.requests).toBe(minutes.length);
          expect(within(fa.medianMinutes, exact!.p50), `median ${fa.medianMinutes} vs ${exact!.p50}`).toBe(true);
          expect(within(fa.p90Minutes, exact!.p90), `p90 ${fa.p90Minutes} vs ${exact!.p90}`).toBe(true);
          expect(fa).toEqual(fresh.overall.firstAction);
        }
      }),
      { numRuns: 25 },
    );
    // 25 random histograms, each read five ways: longer than the default 30 s on a loaded machine.
  }, 180_000);
});

describe("reading a histogram row's text (addHistogramText)", () => {
  it("adds each bin to both sums, negative counts and sums included (a retracted duration not yet compacted)", () => {
    const a = new BinSums();
    const b = new BinSums();
    addHistogramText("-1,0,7,300", "2,1,-1,3", "0,15000,-210000,9000000000", a, b);
    addHistogramText("7", "2", "420000", a, new BinSums());
    expect(a.bins()).toEqual([
      { bin: -1, n: 2, ms: 0 },
      { bin: 0, n: 1, ms: 15_000 },
      { bin: 7, n: 1, ms: 210_000 },
      { bin: 300, n: 3, ms: 9_000_000_000 },
    ]);
    expect(b.bins().map((x) => x.bin)).toEqual([-1, 0, 7, 300]);
    addHistogramText("", "", "", a, b);
    expect(a.bins()).toHaveLength(4);
  });

  it("refuses text that is not a list of integers, and lists of different lengths", () => {
    const add = (bins: string, ns: string, ms: string) => () =>
      addHistogramText(bins, ns, ms, new BinSums(), new BinSums());
    expect(add("1,x", "1,1", "1,1")).toThrow(/not integers/);
    expect(add("1.5", "1", "1")).toThrow(/not integers/);
    expect(add("1,,2", "1,1,1", "1,1,1")).toThrow(/not integers/);
    expect(add("1", "1,2", "1")).toThrow(/differ in length/);
    expect(add("1,2", "1", "1,1")).toThrow(/not integers/);
    expect(add("-2", "1", "1")).toThrow(/not a bin/);
    expect(add("1,2,", "1,1", "1,1")).toThrow(/ends in a comma/);
  });
});
