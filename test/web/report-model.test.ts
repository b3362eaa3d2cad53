// The reports page's pure parts: the view in the URL, range checks, bucket labels, durations and shares as text, and
// the volume split (every request in exactly one series, whatever the cells). Runs in both zones.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addYears,
  apiQuery,
  axisLabel,
  bucketTotals,
  durationScale,
  durationText,
  inUnit,
  MAX_SERIES,
  percentText,
  presets,
  rangeProblems,
  readReportView,
  rowLabel,
  seriesColour,
  volumeSeries,
  writeReportView,
} from "../../web/src/reports/model.ts";
import type { VolumeReport } from "../../web/src/reports/types.ts";
import { ukToday } from "../../web/src/format.ts";

describe("report view in the URL", () => {
  it("defaults to the last 3 months by week, and reads back what it writes", () => {
    const v = readReportView(new URLSearchParams(), "2025-11-24");
    expect(v).toEqual({
      from: "2025-08-26",
      to: "2025-11-24",
      bucket: "week",
      team: "",
      specialty: "",
      type: "",
      split: "specialty",
    });
    const odd = readReportView(new URLSearchParams("bucket=year&type=delete&split=colour"), "2025-11-24");
    expect([odd.bucket, odd.type, odd.split]).toEqual(["week", "", "specialty"]);
    const full = { ...v, bucket: "month" as const, team: "none", specialty: "OPH", type: "cancel" as const };
    expect(readReportView(writeReportView({ ...full, split: "team" }), "2030-01-01")).toEqual({
      ...full,
      split: "team",
    });
    expect(apiQuery(full)).toBe(
      "from=2025-08-26&to=2025-11-24&bucket=month&team_id=none&specialty_code=OPH&type=cancel",
    );
    expect(apiQuery(full, false)).toBe("from=2025-08-26&to=2025-11-24&team_id=none&specialty_code=OPH&type=cancel");
  });

  it("takes today from the UK clock, across midnight in BST and GMT", () => {
    expect(ukToday(new Date("2025-03-30T23:30:00Z"))).toBe("2025-03-31"); // 00:30 BST
    expect(ukToday(new Date("2025-10-26T23:30:00Z"))).toBe("2025-10-26"); // 23:30 GMT
    expect(ukToday(new Date("2025-06-30T23:00:00Z"))).toBe("2025-07-01");
  });

  it("offers presets that end today with a suitable bucket", () => {
    expect(presets("2025-11-24")).toEqual([
      { label: "Last 4 weeks", from: "2025-10-28", to: "2025-11-24", bucket: "day" },
      { label: "Last 3 months", from: "2025-08-26", to: "2025-11-24", bucket: "week" },
      { label: "Last 12 months", from: "2024-12-01", to: "2025-11-24", bucket: "month" },
    ]);
    expect(presets("2026-01-15")[2]!.from).toBe("2025-02-01");
  });
});

describe("range checks", () => {
  it("names each problem by field, as the API would refuse it", () => {
    expect(rangeProblems("2025-01-01", "2025-01-01")).toEqual({});
    expect(rangeProblems("", "")).toEqual({
      from: "Enter the first date of the report",
      to: "Enter the last date of the report",
    });
    expect(rangeProblems("2025-02-30", "2025-13-01")).toEqual({
      from: "The first date must be a real date",
      to: "The last date must be a real date",
    });
    expect(rangeProblems("2025-02-02", "2025-02-01")).toEqual({
      to: "The last date must be the same as or after the first date",
    });
    expect(rangeProblems("2024-02-29", "2026-02-27")).toEqual({});
    expect(rangeProblems("2024-02-29", "2026-02-28")).toEqual({ to: "The range must be shorter than 2 years" });
    expect(addYears("2024-02-29", 1)).toBe("2025-02-28");
  });
});

describe("labels and figures as text", () => {
  it("labels buckets in full for tables, saying when one is cut by the range", () => {
    const b = (key: string, from: string, to: string) => ({ key, from, to });
    expect(rowLabel(b("2025-03-30", "2025-03-30", "2025-03-30"), "day")).toBe("Sun 30 Mar 2025");
    expect(rowLabel(b("2025-03-24", "2025-03-24", "2025-03-30"), "week")).toBe("24 to 30 Mar 2025");
    expect(rowLabel(b("2025-03-31", "2025-03-31", "2025-04-06"), "week")).toBe("31 Mar to 6 Apr 2025");
    expect(rowLabel(b("2025-12-29", "2025-12-29", "2026-01-04"), "week")).toBe("29 Dec 2025 to 4 Jan 2026");
    expect(rowLabel(b("2025-03-24", "2025-03-26", "2025-03-30"), "week")).toBe("26 to 30 Mar 2025 (part week)");
    // A week or month the range cuts to one day is that day, not "30 to 30 Aug 2026".
    expect(rowLabel(b("2026-08-24", "2026-08-30", "2026-08-30"), "week")).toBe("Sun 30 Aug 2026 (part week)");
    expect(rowLabel(b("2026-08-01", "2026-08-31", "2026-08-31"), "month")).toBe("Mon 31 Aug 2026 (part month)");
    expect(rowLabel(b("2025-10-01", "2025-10-01", "2025-10-31"), "month")).toBe("October 2025");
    expect(rowLabel(b("2025-02-01", "2025-02-01", "2025-02-28"), "month")).toBe("February 2025");
    expect(rowLabel(b("2025-10-01", "2025-10-01", "2025-10-15"), "month")).toBe("1 to 15 Oct 2025 (part month)");
    expect(axisLabel(b("2025-03-24", "2025-03-26", "2025-03-30"), "week", false)).toBe("w/c 24 Mar");
    expect(axisLabel(b("2025-03-30", "2025-03-30", "2025-03-30"), "day", true)).toBe("Sun 30 Mar 2025");
    expect(axisLabel(b("2025-10-01", "2025-10-01", "2025-10-31"), "month", false)).toBe("Oct 2025");
  });

  it('never splits a duration\'s number from its unit across lines ("2 days 15" then "h" alone)', () => {
    for (const minutes of [45, 200, 1500, 2 * 1440 + 15 * 60]) expect(durationText(minutes)).not.toMatch(/\d /);
    expect(durationText(2 * 1440 + 15 * 60)).toBe("2\u00a0days 15\u00a0h");
  });

  it("writes durations and shares for people", () => {
    expect(durationText(null)).toBe("None yet");
    expect(durationText(0)).toBe("0\u00a0min");
    expect(durationText(44.6)).toBe("45\u00a0min");
    expect(durationText(60)).toBe("1\u00a0h");
    expect(durationText(200)).toBe("3\u00a0h 20\u00a0min");
    expect(durationText(1440)).toBe("1\u00a0day");
    expect(durationText(1500)).toBe("1\u00a0day 1\u00a0h");
    expect(durationText(2 * 1440 + 23.8 * 60)).toBe("3\u00a0days");
    expect(durationScale(120)).toEqual({ title: "Minutes", divisor: 1 });
    expect(durationScale(3 * 60)).toEqual({ title: "Hours", divisor: 60 });
    expect(durationScale(3 * 24 * 60)).toEqual({ title: "Days", divisor: 1440 });
    expect(inUnit(90, 60)).toBe(1.5);
    expect(inUnit(null, 60)).toBeNull();
    expect(percentText(null)).toBe("Not yet");
    expect(percentText(1)).toBe("100%");
    expect(percentText(0.996)).toBe("99%");
    expect(percentText(0.004)).toBe("1%");
    expect(percentText(0)).toBe("0%");
    expect(percentText(0.875)).toBe("88%");
  });
});

describe("volume split", () => {
  const buckets = ["2025-03-24", "2025-03-31", "2025-04-07"].map((key) => ({ key, from: key, to: key }));
  const cellArb = fc.record({
    bucket: fc.constantFrom(...buckets.map((b) => b.key)),
    specialtyCode: fc.option(fc.constantFrom(..."ABCDEFGHIJKL".split("")), { nil: null }),
    teamId: fc.option(fc.constantFrom("t1", "t2", "t3"), { nil: null }),
    type: fc.option(fc.constantFrom("change" as const, "cancel" as const), { nil: null }),
    requests: fc.integer({ min: 1, max: 50 }),
  });
  type Cell = typeof cellArb extends fc.Arbitrary<infer T> ? T : never;
  const report = (cells: Cell[]): VolumeReport => ({
    requests: cells.reduce((s, c) => s + c.requests, 0),
    buckets: buckets.map((b) => {
      const mine = cells.filter((c) => c.bucket === b.key);
      const n = (t: string | null) => mine.filter((c) => c.type === t).reduce((s, c) => s + c.requests, 0);
      return {
        ...b,
        requests: n("change") + n("cancel") + n(null),
        change: n("change"),
        cancel: n("cancel"),
        unknownType: n(null),
      };
    }),
    cells: cells.map((c) => ({
      ...c,
      specialtyName: c.specialtyCode ? `Specialty ${c.specialtyCode}` : null,
      teamName: c.teamId ? `Team ${c.teamId}` : null,
    })),
  });

  it("puts every request in exactly one series, at most 8 named plus Other and None (property)", () => {
    fc.assert(
      fc.property(
        fc.array(cellArb, { maxLength: 60 }),
        fc.constantFrom("specialty", "team", "type" as const),
        (cells, split) => {
          const r = report(cells);
          const series = volumeSeries(r, split);
          expect(bucketTotals(series, buckets.length)).toEqual(r.buckets.map((b) => b.requests));
          const named = series.filter((s) => !/^(Other |No |Not understood)/.test(s.label));
          expect(named.length).toBeLessThanOrEqual(MAX_SERIES);
          expect(new Set(series.map((s) => s.label)).size).toBe(series.length);
          // The grey series (Other, then None) come after the named ones.
          const grey = series.map((x) => /^(Other |No |Not understood)/.test(x.label));
          expect(grey).toEqual([...grey].sort((a, b) => Number(a) - Number(b)));
          for (const [i, x] of series.entries())
            if (grey[i]) expect(seriesColour(x.label, i)).toMatch(/^#(768692|425563)$/);
        },
      ),
    );
  });

  it("orders specialties by volume and groups the rest as Other", () => {
    const cells = "ABCDEFGHIJ".split("").map((code, i) => ({
      bucket: "2025-03-24",
      specialtyCode: code,
      teamId: null,
      type: "change" as const,
      requests: 10 - i,
    }));
    const series = volumeSeries(
      report([...cells, { bucket: "2025-03-31", specialtyCode: null, teamId: null, type: null, requests: 4 }]),
      "specialty",
    );
    expect(series.map((s) => s.label)).toEqual([
      ..."ABCDEFGH".split("").map((c) => `Specialty ${c}`),
      "Other specialties (2)",
      "No appointment linked",
    ]);
    expect(series.at(-2)!.values).toEqual([2 + 1, 0, 0]);
    expect(series.at(-1)!.values).toEqual([0, 4, 0]);
    expect(volumeSeries(report(cells), "type").map((s) => s.label)).toEqual(["Change"]);
  });
});
