import { describe, expect, it } from "vitest";
import {
  formatUkDateTime,
  instantToWallClock,
  localDate,
  wallClockInstants,
  wallClockToInstant,
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

  it("does not depend on the process time zone", () => {
    // The suite runs under TZ=Europe/London and TZ=UTC (see vitest.config.ts).
    expect(localDate(new Date("2025-03-30T00:30:00Z"))).toBe("2025-03-30");
    expect(wallClockToInstant({ year: 2025, month: 3, day: 30, hour: 0, minute: 30 }).instant.toISOString()).toBe(
      "2025-03-30T00:30:00.000Z",
    );
  });
});
