import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  formatShortUk,
  formatUkDate,
  formatUkDateTime,
  instantToWallClock,
  localDate,
  plusLocalDays,
  wallClockInstants,
  wallClockToInstant,
  type WallClock,
} from "../../src/domain/uk-time.ts";

describe("UK wall clock ↔ instant", () => {
  it("converts GMT and BST times", () => {
    expect(wallClockToInstant({ year: 2025, month: 1, day: 15, hour: 9, minute: 0 }).instant.toISOString()).toBe(
      "2025-01-15T09:00:00.000Z",
    );
    expect(wallClockToInstant({ year: 2025, month: 7, day: 15, hour: 9, minute: 0 }).instant.toISOString()).toBe(
      "2025-07-15T08:00:00.000Z",
    );
  });

  it("gives both instants of the repeated autumn hour and one otherwise", () => {
    expect(
      wallClockInstants({ year: 2025, month: 10, day: 26, hour: 1, minute: 15 }).map((d) => d.toISOString()),
    ).toEqual(["2025-10-26T00:15:00.000Z", "2025-10-26T01:15:00.000Z"]);
    expect(wallClockInstants({ year: 2025, month: 10, day: 26, hour: 2, minute: 0 })).toHaveLength(1);
  });

  it("reads instants back as UK local dates, across midnight in BST", () => {
    const lateBst = new Date("2025-06-30T23:30:00Z");
    expect(localDate(lateBst)).toBe("2025-07-01");
    expect(instantToWallClock(lateBst)).toEqual({ year: 2025, month: 7, day: 1, hour: 0, minute: 30 });
    expect(formatUkDateTime(lateBst)).toBe("Tue 1 Jul 2025, 00:30 (BST)");
    expect(formatUkDateTime(new Date("2025-12-01T09:00:00Z"))).toBe("Mon 1 Dec 2025, 09:00 (GMT)");
  });

  it("writes a UK calendar date as staff read it, the date formatUkDateTime writes", () => {
    expect(formatUkDate({ year: 2027, month: 3, day: 28 })).toBe("Sun 28 Mar 2027");
    expect(formatUkDate({ year: 2026, month: 10, day: 25 })).toBe("Sun 25 Oct 2026");
    for (let day = 0; day < 400; day++) {
      const noon = new Date(Date.UTC(2026, 0, 1 + day, 12));
      const [year, month, date] = localDate(noon).split("-").map(Number) as [number, number, number];
      expect(formatUkDate({ year, month, day: date })).toBe(formatUkDateTime(noon).split(",")[0]);
    }
  });

  it("does not depend on the process time zone", () => {
    // The suite runs under TZ=Europe/London and TZ=UTC (see vitest.config.ts).
    expect(localDate(new Date("2025-03-30T00:30:00Z"))).toBe("2025-03-30");
    expect(wallClockToInstant({ year: 2025, month: 3, day: 30, hour: 0, minute: 30 }).instant.toISOString()).toBe(
      "2025-03-30T00:30:00.000Z",
    );
  });
});

// The conversions are plain arithmetic on a cached Intl.DateTimeFormat (issue 11: Luxon was 15% of the pipeline's
// CPU). Luxon stays the oracle: for thousands of instants and wall-clock times — every UK clock change from 1996 to
// 2040 and random times between, in zones with whole-hour, half-hour and 45-minute offsets and changes — they agree.
describe("the same answers as Luxon", () => {
  const zones = ["Europe/London", "UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"];
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const instants: number[] = [];
  for (let year = 1996; year <= 2040; year++) {
    for (const [month, day] of [
      [3, 25],
      [10, 25],
    ] as const) {
      // The last Sunday of March and of October, every quarter hour from 00:00 to 03:00 UTC.
      const last = new Date(Date.UTC(year, month - 1, day + 6));
      last.setUTCDate(last.getUTCDate() - last.getUTCDay());
      // And a minute before each: what is memoised per quarter hour must hold within it.
      for (let q = -4; q <= 16; q++)
        instants.push(last.getTime() + q * 15 * 60_000, last.getTime() + q * 15 * 60_000 - 60_000);
    }
  }
  for (let i = 0; i < 3_000; i++) instants.push(Date.UTC(1990, 0, 1) + Math.floor(random() * 50 * 365.25 * 86_400_000));

  it("reads instants as wall clocks and local dates", () => {
    for (const zone of zones)
      for (const ms of instants) {
        const dt = DateTime.fromMillis(ms, { zone });
        expect(instantToWallClock(new Date(ms), zone)).toEqual({
          year: dt.year,
          month: dt.month,
          day: dt.day,
          hour: dt.hour,
          minute: dt.minute,
        });
        expect(localDate(new Date(ms), zone)).toBe(dt.toISODate());
      }
  });

  it("converts wall clocks to instants, with the same gaps and repeated hours", () => {
    const luxon = (w: WallClock, zone: string) => {
      const dt = DateTime.fromObject(w, { zone });
      const back = dt.toObject();
      if (back.hour !== w.hour || back.minute !== w.minute || back.day !== w.day)
        return { instant: dt.toJSDate(), issue: "gap" };
      const same = (d: DateTime) => d.hour === w.hour && d.minute === w.minute && d.day === w.day;
      const earlier = dt.minus({ hours: 1 });
      if (same(earlier)) return { instant: earlier.toJSDate(), issue: "repeated" };
      return { instant: dt.toJSDate(), issue: same(dt.plus({ hours: 1 })) ? "repeated" : null };
    };
    let issues = 0;
    // Whole-hour clock changes only: a repeated hour is an hour (Lord Howe's half-hour change is not one Rebook meets).
    for (const zone of zones.filter((z) => z !== "Australia/Lord_Howe"))
      for (const ms of instants) {
        // The dial time of the instant in UTC, read as a wall clock in the zone: lands in gaps and repeats too.
        const d = new Date(ms);
        const w = {
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
          hour: d.getUTCHours(),
          minute: d.getUTCMinutes(),
        };
        const got = wallClockToInstant(w, zone);
        expect(got, `${zone} ${JSON.stringify(w)}`).toEqual(luxon(w, zone));
        if (got.issue) issues++;
      }
    expect(issues).toBeGreaterThan(100); // the clock changes were exercised
    expect(() => wallClockToInstant({ year: 2025, month: 2, day: 30, hour: 9, minute: 0 })).toThrow(RangeError);
    expect(() => wallClockToInstant({ year: 2025, month: 2, day: 3, hour: 24, minute: 0 })).toThrow(RangeError);
  });

  it("moves by calendar days keeping the UK wall-clock time, as Luxon's plus({ days }) does", () => {
    for (const ms of instants)
      for (const days of [-1, 1, 400]) {
        const expected = DateTime.fromMillis(ms, { zone: "Europe/London" }).plus({ days }).toMillis();
        expect(plusLocalDays(new Date(ms), days).getTime(), `${new Date(ms).toISOString()} ${days}`).toBe(expected);
      }
  });

  it("formats for staff as before, in GMT and BST", () => {
    for (const ms of instants) {
      const dt = DateTime.fromMillis(ms, { zone: "Europe/London" }).setLocale("en-GB");
      const expected = `${dt.toFormat("ccc d LLL yyyy, HH:mm")} (${dt.offsetNameShort ?? dt.toFormat("ZZ")})`;
      expect(formatUkDateTime(new Date(ms))).toBe(expected);
    }
  });

  it("writes the short form as Luxon did (the year when not this year, the zone in the repeated hour)", () => {
    // The form's Luxon implementation before issue 11's change, as the oracle.
    const luxon = (ms: number, now: number, zone = "Europe/London") => {
      const dt = DateTime.fromMillis(ms, { zone }).setLocale("en-GB");
      const thisYear = DateTime.fromMillis(now, { zone }).year;
      const text = dt.toFormat(dt.year === thisYear ? "ccc d LLL HH:mm" : "ccc d LLL yyyy HH:mm");
      const sameDial = (o: DateTime) => o.toFormat("yyyy-LL-dd HH:mm") === dt.toFormat("yyyy-LL-dd HH:mm");
      const repeated = sameDial(dt.minus({ hours: 1 })) || sameDial(dt.plus({ hours: 1 }));
      return repeated ? `${text} ${dt.offsetNameShort ?? dt.toFormat("ZZ")}` : text;
    };
    let repeated = 0;
    for (const ms of instants) {
      // "now" in the instant's UK year, and in the year before (the UK year, not the UTC one, at New Year).
      for (const now of [ms + 3_600_000, ms - 366 * 86_400_000]) {
        const got = formatShortUk(new Date(ms), new Date(now));
        expect(got, new Date(ms).toISOString()).toBe(luxon(ms, now));
        if (/ (BST|GMT)$/.test(got)) repeated++;
      }
    }
    expect(repeated).toBeGreaterThan(100); // the repeated hours were exercised
    // The autumn change's repeated 01:30, first in BST and then in GMT.
    expect(formatShortUk(new Date("2026-10-25T00:30:00Z"), new Date("2026-10-01T00:00:00Z"))).toBe(
      "Sun 25 Oct 01:30 BST",
    );
    expect(formatShortUk(new Date("2026-10-25T01:30:00Z"), new Date("2026-10-01T00:00:00Z"))).toBe(
      "Sun 25 Oct 01:30 GMT",
    );
    // "This year" is the zone's year at `now`, not UTC's: at 00:30 on 1 January in Auckland it is still 2026 in UTC.
    const aucklandNewYear = new Date("2026-12-31T11:30:00Z");
    expect(formatShortUk(new Date("2026-12-31T12:00:00Z"), aucklandNewYear, "Pacific/Auckland")).toBe(
      "Fri 1 Jan 01:00",
    );
    expect(formatShortUk(new Date("2026-12-31T10:00:00Z"), aucklandNewYear, "Pacific/Auckland")).toBe(
      "Thu 31 Dec 2026 23:00",
    );
    for (const ms of instants.slice(0, 500)) {
      for (const now of [ms + 3_600_000, ms - 366 * 86_400_000, aucklandNewYear.getTime()]) {
        expect(formatShortUk(new Date(ms), new Date(now), "Pacific/Auckland")).toBe(luxon(ms, now, "Pacific/Auckland"));
      }
    }
    // New Year's Eve on the UK clock: an appointment just after midnight is next year's.
    expect(formatShortUk(new Date("2027-01-01T00:30:00Z"), new Date("2026-12-31T23:30:00Z"))).toBe(
      "Fri 1 Jan 2027 00:30",
    );
  });

  it("holds a day's offset only for days without a clock change, whatever order the times come in", () => {
    // Offsets and zone names are memoised per UTC day when the day's first and last quarter hours agree: every quarter
    // hour (and a minute before each) of a year, shuffled, in a zone changing at 01:00 UTC, one at 07:00 UTC and one
    // changing by half an hour.
    for (const zone of ["Europe/London", "America/New_York", "Australia/Lord_Howe"]) {
      const times: number[] = [];
      for (let ms = Date.UTC(2031, 0, 1); ms < Date.UTC(2032, 0, 1); ms += 15 * 60_000) times.push(ms, ms - 60_000);
      for (let i = times.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [times[i], times[j]] = [times[j]!, times[i]!];
      }
      let wrong = 0;
      for (const ms of times) {
        const dt = DateTime.fromMillis(ms, { zone });
        const w = instantToWallClock(new Date(ms), zone);
        if (w.hour !== dt.hour || w.minute !== dt.minute || w.day !== dt.day) wrong++;
        // The zone's name is memoised the same way (in the UK, BST exactly when Luxon's offset is an hour).
        if (zone === "Europe/London" && !formatUkDateTime(new Date(ms)).endsWith(dt.offset === 60 ? "(BST)" : "(GMT)"))
          wrong++;
      }
      expect(wrong, zone).toBe(0);
    }
  });
});
