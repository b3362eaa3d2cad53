import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatNhsNumber, isValidNhsNumber, nhsCheckDigit, normaliseNhsNumber } from "../../src/domain/nhs-number.ts";

describe("NHS number", () => {
  it("accepts known valid numbers and rejects wrong check digits", () => {
    expect(isValidNhsNumber("9434765919")).toBe(true);
    expect(isValidNhsNumber("943 476 5919")).toBe(true);
    expect(isValidNhsNumber("9136220604")).toBe(true); // the seed's patient
    expect(isValidNhsNumber("9434765918")).toBe(false);
    expect(isValidNhsNumber("943476591")).toBe(false);
    expect(isValidNhsNumber("94347659190")).toBe(false);
    expect(isValidNhsNumber("abcdefghij")).toBe(false);
  });

  it("never accepts a number whose check value is 10", () => {
    // 000000006: 6*2 = 12 → 11 - 1 = 10
    expect(nhsCheckDigit("000000006")).toBeNull();
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`000000006${d}`)).toBe(false);
  });

  it("detects every single-digit error (property)", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{9}$/),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        (nine, pos, delta) => {
          const check = nhsCheckDigit(nine);
          fc.pre(check !== null);
          const valid = `${nine}${check}`;
          expect(isValidNhsNumber(valid)).toBe(true);
          const digits = valid.split("").map(Number);
          digits[pos] = (digits[pos]! + delta) % 10;
          expect(isValidNhsNumber(digits.join(""))).toBe(false);
        },
      ),
    );
  });

  it("formats 3-3-4 and normalises input", () => {
    expect(formatNhsNumber("9434765919")).toBe("943 476 5919");
    expect(normaliseNhsNumber("943-476-5919")).toBe("9434765919");
    expect(normaliseNhsNumber("943 476 591")).toBeNull();
  });
});
