// Local-time report buckets across both 2025 UK clock changes (30 March: 01:00 GMT → 02:00 BST; 26 October: 02:00 BST →
// 01:00 GMT). This file runs with the process in Europe/London and again in UTC: no result may depend on the host.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  addYears,
  bucketKey,
  bucketStartDate,
  enumerateBuckets,
  isLocalDate,
  localDayStart,
  localIso,
  localRange,
} from "../../src/domain/buckets.ts";
import { localDate, wallClockToInstant } from "../../src/domain/uk-time.ts";

const Z = "Europe/London";
const at = (iso: string): Date => new Date(iso);
const hours = (b: { start: Date; end: Date }): number => (b.end.getTime() - b.start.getTime()) / 3_600_000;

describe("bucketKey", () => {
  it("puts instants in their local day, across both clock changes", () => {
    // 00:30 GMT on 30 March, the last half hour before clocks go forward, is still 30 March.
    expect(bucketKey(at("2025-03-30T00:30:00Z"), "day", Z)).toBe("2025-03-30");
    // 23:30 BST on 30 March is 22:30 UTC: still 30 March locally.
    expect(bucketKey(at("2025-03-30T22:30:00Z"), "day", Z)).toBe("2025-03-30");
    // 23:30 UTC on 30 March is 00:30 BST on 31 March.
    expect(bucketKey(at("2025-03-30T23:30:00Z"), "day", Z)).toBe("2025-03-31");
    // 00:30 BST on 26 October (23:30 UTC on the 25th) belongs to 26 October.
    expect(bucketKey(at("2025-10-25T23:30:00Z"), "day", Z)).toBe("2025-10-26");
    // Both 01:30s of 26 October (BST then GMT) are 26 October.
    expect(bucketKey(at("2025-10-26T00:30:00Z"), "day", Z)).toBe("2025-10-26");
    expect(bucketKey(at("2025-10-26T01:30:00Z"), "day", Z)).toBe("2025-10-26");
    // 23:30 GMT on 26 October is still 26 October; in summer 23:30 UTC is the next local day.
    expect(bucketKey(at("2025-10-26T23:30:00Z"), "day", Z)).toBe("2025-10-26");
    expect(bucketKey(at("2025-07-31T23:30:00Z"), "day", Z)).toBe("2025-08-01");
  });

  it("puts instants in their ISO week (Monday first) and month", () => {
    // Sunday 30 March 2025 belongs to the week of Monday 24 March; 00:30 BST on Monday 31 March to the next.
    expect(bucketKey(at("2025-03-30T22:30:00Z"), "week", Z)).toBe("2025-03-24");
    expect(bucketKey(at("2025-03-30T23:30:00Z"), "week", Z)).toBe("2025-03-31");
    expect(bucketKey(at("2025-03-30T23:30:00Z"), "month", Z)).toBe("2025-03-01");
    // 00:30 BST on 1 August is 31 July in UTC but August locally.
    expect(bucketKey(at("2025-07-31T23:30:00Z"), "month", Z)).toBe("2025-08-01");
    expect(bucketKey(at("2025-07-31T22:59:59Z"), "month", Z)).toBe("2025-07-01");
    // A week spanning a year end keeps its Monday.
    expect(bucketStartDate("2026-01-01", "week")).toBe("2025-12-29");
    expect(bucketStartDate("2025-12-29", "week")).toBe("2025-12-29");
    expect(bucketStartDate("2025-12-28", "week")).toBe("2025-12-22");
  });

  it("uses the zone it is given, not the host's", () => {
    expect(bucketKey(at("2025-07-31T23:30:00Z"), "day", "UTC")).toBe("2025-07-31");
    expect(bucketKey(at("2025-07-31T23:30:00Z"), "day", "America/New_York")).toBe("2025-07-31");
  });

  it("agrees with the local calendar date for any instant (property)", () => {
    fc.assert(
      fc.property(
        fc.date({ min: at("2024-01-01T00:00:00Z"), max: at("2027-01-01T00:00:00Z"), noInvalidDate: true }),
        (d) => {
          const day = bucketKey(d, "day", Z);
          expect(day).toBe(localDate(d, Z));
          const week = bucketKey(d, "week", Z);
          expect(new Date(`${week}T00:00:00Z`).getUTCDay()).toBe(1);
          expect(week <= day && addDays(week, 6) >= day).toBe(true);
          expect(bucketKey(d, "month", Z)).toBe(`${day.slice(0, 7)}-01`);
        },
      ),
    );
  });
});

describe("local day boundaries", () => {
  it("starts days at local midnight: 23 hours on 30 March, 25 on 26 October", () => {
    expect(localDayStart("2025-03-30", Z).toISOString()).toBe("2025-03-30T00:00:00.000Z");
    expect(localDayStart("2025-03-31", Z).toISOString()).toBe("2025-03-30T23:00:00.000Z");
    expect(localDayStart("2025-10-26", Z).toISOString()).toBe("2025-10-25T23:00:00.000Z");
    expect(localDayStart("2025-10-27", Z).toISOString()).toBe("2025-10-27T00:00:00.000Z");
    expect(hours(localRange("2025-03-30", "2025-03-30", Z))).toBe(23);
    expect(hours(localRange("2025-10-26", "2025-10-26", Z))).toBe(25);
    expect(hours(localRange("2025-06-01", "2025-06-01", Z))).toBe(24);
    expect(hours(localRange("2025-01-01", "2025-12-31", Z))).toBe(365 * 24);
  });

  it("rejects ranges that run backwards and dates that do not exist", () => {
    expect(() => localRange("2025-02-02", "2025-02-01", Z)).toThrow(RangeError);
    expect(() => localDayStart("2025-02-29", Z)).toThrow(RangeError);
    expect(isLocalDate("2024-02-29")).toBe(true);
    expect(isLocalDate("2025-02-29")).toBe(false);
    expect(isLocalDate("2025-2-01")).toBe(false);
    expect(addYears("2024-02-29", 2)).toBe("2026-02-28");
    expect(addDays("2025-12-31", 1)).toBe("2026-01-01");
  });
});

describe("enumerateBuckets", () => {
  it("lists every local day, with the clock-change days 23 and 25 hours long", () => {
    const days = enumerateBuckets("2025-03-29", "2025-03-31", "day", Z);
    expect(days.map((b) => [b.key, b.from, b.to, b.start.toISOString(), b.end.toISOString(), hours(b)])).toEqual([
      ["2025-03-29", "2025-03-29", "2025-03-29", "2025-03-29T00:00:00.000Z", "2025-03-30T00:00:00.000Z", 24],
      ["2025-03-30", "2025-03-30", "2025-03-30", "2025-03-30T00:00:00.000Z", "2025-03-30T23:00:00.000Z", 23],
      ["2025-03-31", "2025-03-31", "2025-03-31", "2025-03-30T23:00:00.000Z", "2025-03-31T23:00:00.000Z", 24],
    ]);
    const autumn = enumerateBuckets("2025-10-26", "2025-10-27", "day", Z);
    expect(autumn.map((b) => [b.start.toISOString(), hours(b)])).toEqual([
      ["2025-10-25T23:00:00.000Z", 25],
      ["2025-10-27T00:00:00.000Z", 24],
    ]);
  });

  it("clips weeks and months to the range and keeps the calendar key", () => {
    const weeks = enumerateBuckets("2025-03-26", "2025-04-02", "week", Z);
    expect(weeks.map((b) => [b.key, b.from, b.to, b.start.toISOString(), b.end.toISOString(), hours(b)])).toEqual([
      // Wednesday 26 to Sunday 30 March: 4 × 24 + 23 hours.
      ["2025-03-24", "2025-03-26", "2025-03-30", "2025-03-26T00:00:00.000Z", "2025-03-30T23:00:00.000Z", 119],
      ["2025-03-31", "2025-03-31", "2025-04-02", "2025-03-30T23:00:00.000Z", "2025-04-02T23:00:00.000Z", 72],
    ]);
    const months = enumerateBuckets("2025-03-15", "2025-11-03", "month", Z);
    expect(months.map((b) => b.key)).toEqual([
      "2025-03-01",
      "2025-04-01",
      "2025-05-01",
      "2025-06-01",
      "2025-07-01",
      "2025-08-01",
      "2025-09-01",
      "2025-10-01",
      "2025-11-01",
    ]);
    expect([months[0]!.from, months[0]!.to, months.at(-1)!.from, months.at(-1)!.to]).toEqual([
      "2025-03-15",
      "2025-03-31",
      "2025-11-01",
      "2025-11-03",
    ]);
    // October has 31 days and one extra hour; March (from the 15th) loses one.
    expect(hours(months[7]!)).toBe(31 * 24 + 1);
    expect(hours(months[0]!)).toBe(17 * 24 - 1);
  });

  it("tiles the range exactly, and every instant in a bucket has that bucket's key (property)", () => {
    const day = fc.integer({ min: 0, max: 800 }).map((n) => addDays("2024-06-01", n));
    fc.assert(
      fc.property(
        day,
        fc.integer({ min: 0, max: 120 }),
        fc.constantFrom("day", "week", "month"),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (from, len, unit, frac) => {
          const to = addDays(from, len);
          const buckets = enumerateBuckets(from, to, unit, Z);
          const range = localRange(from, to, Z);
          expect(buckets[0]!.start).toEqual(range.start);
          expect(buckets.at(-1)!.end).toEqual(range.end);
          for (const [i, b] of buckets.entries()) {
            if (i > 0) expect(b.start).toEqual(buckets[i - 1]!.end);
            expect(bucketKey(b.start, unit, Z)).toBe(b.key);
            expect(bucketKey(new Date(b.end.getTime() - 1), unit, Z)).toBe(b.key);
            const inside = new Date(b.start.getTime() + Math.floor(frac * (b.end.getTime() - b.start.getTime())));
            expect(bucketKey(inside, unit, Z)).toBe(b.key);
          }
          expect(new Set(buckets.map((b) => b.key)).size).toBe(buckets.length);
        },
      ),
    );
  });
});

describe("localIso", () => {
  it("writes local time with its offset, telling the two 01:30s of 26 October apart", () => {
    expect(localIso(at("2025-10-26T00:30:00Z"), Z)).toBe("2025-10-26T01:30:00+01:00");
    expect(localIso(at("2025-10-26T01:30:00Z"), Z)).toBe("2025-10-26T01:30:00+00:00");
    expect(localIso(at("2025-03-30T00:30:00Z"), Z)).toBe("2025-03-30T00:30:00+00:00");
    expect(localIso(at("2025-03-30T01:30:00.250Z"), Z)).toBe("2025-03-30T02:30:00.250+01:00");
  });
});

describe("localDayStart in zones whose clocks change at midnight", () => {
  // Its fast path reads offsets with Intl; the definition is the wall-clock conversion of 00:00 (uk-time.ts): the day's
  // first moment when midnight is skipped (São Paulo, 4 November 2018) and the earlier one when it repeats (Havana).
  it.each(["Europe/London", "America/Sao_Paulo", "America/Havana", "Asia/Tehran", "Australia/Lord_Howe", "UTC"])(
    "agrees with the wall-clock conversion of midnight on every day of 2015-2020 in %s",
    (zone) => {
      const differ: string[] = [];
      for (let d = "2015-01-01"; d <= "2020-12-31"; d = addDays(d, 1)) {
        const [y, m, day] = d.split("-").map(Number) as [number, number, number];
        const expected = wallClockToInstant({ year: y, month: m, day, hour: 0, minute: 0 }, zone).instant;
        if (localDayStart(d, zone).getTime() !== expected.getTime()) differ.push(d);
      }
      expect(differ).toEqual([]);
    },
  );
});
