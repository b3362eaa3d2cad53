// FHIR date parameter parsing and matching (unit level), including property checks of the prefix algebra.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DateCriterion, matchesDate, parseDateParam } from "../src/fhir/dates.ts";
import { parseAfterPoint } from "../src/rest/after.ts";

const parsed = (raw: string): DateCriterion => {
  const c = parseDateParam(raw);
  if ("error" in c) throw new Error(c.error);
  return c;
};

describe("parseDateParam", () => {
  it("reads precision as a range", () => {
    expect(parsed("2025-10-25")).toEqual({
      prefix: "eq",
      lo: Date.parse("2025-10-25T00:00Z"),
      hi: Date.parse("2025-10-26T00:00Z"),
    });
    expect(parsed("ge2025-10")).toEqual({
      prefix: "ge",
      lo: Date.parse("2025-10-01T00:00Z"),
      hi: Date.parse("2025-11-01T00:00Z"),
    });
    expect(parsed("2025")).toMatchObject({ lo: Date.parse("2025-01-01T00:00Z"), hi: Date.parse("2026-01-01T00:00Z") });
    expect(parsed("lt2025-10-25T13:30+01:00")).toMatchObject({
      prefix: "lt",
      lo: Date.parse("2025-10-25T12:30Z"),
      hi: Date.parse("2025-10-25T12:31Z"),
    });
    expect(parsed("2025-10-25T13:30:00Z").hi - parsed("2025-10-25T13:30:00Z").lo).toBe(1000);
    expect(parsed("2025-10-25T13:30:00.5Z").hi - parsed("2025-10-25T13:30:00.5Z").lo).toBe(100);
    expect(parsed("2025-10-25T13:30:00.123Z").hi - parsed("2025-10-25T13:30:00.123Z").lo).toBe(1);
    expect(parsed("2025-10-25T13:30").lo).toBe(Date.parse("2025-10-25T13:30Z"));
  });

  it("rejects bad values and unsupported prefixes", () => {
    for (const bad of [
      "2025-02-30",
      "2025-13",
      "25-10-25",
      "ap2025-10-25",
      "xx2025",
      "2025-10-25T24:00Z",
      "2025-10-25T13:30:00 01:00",
      "",
    ]) {
      expect(parseDateParam(bad), bad).toHaveProperty("error");
    }
  });

  it("prefix algebra: eq xor ne; ge = gt or eq; le = lt or eq; sa = gt; eb = lt", () => {
    const day = fc
      .date({ min: new Date("2000-01-01"), max: new Date("2040-12-31"), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.integer({ min: Date.parse("2000-01-01"), max: Date.parse("2041-01-01") }), (value, t) => {
        const m = (p: string) => matchesDate(parsed(`${p}${value}`), t);
        expect(m("eq") !== m("ne")).toBe(true);
        expect(m("ge")).toBe(m("gt") || m("eq"));
        expect(m("le")).toBe(m("lt") || m("eq"));
        expect(m("sa")).toBe(m("gt"));
        expect(m("eb")).toBe(m("lt"));
        expect([m("lt"), m("eq"), m("gt")].filter(Boolean)).toHaveLength(1);
      }),
    );
  });
});

describe("parseAfterPoint", () => {
  it("reads dates as midnight UTC, ISO timestamps with their offset, digits as epoch ms", () => {
    expect(parseAfterPoint("2018-01-17")).toBe(Date.parse("2018-01-17T00:00:00Z"));
    expect(parseAfterPoint("2025-09-02T13:12:01.459+01:00")).toBe(Date.parse("2025-09-02T12:12:01.459Z"));
    expect(parseAfterPoint("2025-09-02T12:12:01")).toBe(Date.parse("2025-09-02T12:12:01Z"));
    expect(parseAfterPoint("1756815121459")).toBe(1756815121459);
    expect(parseAfterPoint("2018-02-30")).toBeNull();
    expect(parseAfterPoint("last week")).toBeNull();
  });
});
