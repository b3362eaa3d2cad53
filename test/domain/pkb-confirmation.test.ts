// Whether PKB shows a recorded outcome, what it shows in words, and the check schedule — including UK times around
// both clock changes. Runs in Europe/London and in UTC (vitest.config.ts): no result may depend on the host's zone.
import { describe, expect, it } from "vitest";
import type { Candidate } from "../../src/domain/match.ts";
import {
  DEFAULT_CONFIRMATION_POLICY as policy,
  afterCheck,
  checkConfirmation,
  confirmationDue,
  firstCheckAt,
  needsConfirmation,
  nextCheckAt,
  type ConfirmationPolicy,
  type LinkedAppointment,
} from "../../src/domain/pkb-confirmation.ts";
import { formatShortUk } from "../../src/domain/uk-time.ts";

const at = (iso: string) => new Date(iso);
const NOW = at("2026-10-12T09:00:00Z");
// Mon 12 Oct 2026 16:00 BST; rebooked to Wed 14 Oct 2026 09:00 BST.
const OLD_START = at("2026-10-12T15:00:00Z");
const NEW_START = at("2026-10-14T08:00:00Z");

function appt(over: Partial<Candidate> & Pick<Candidate, "fhirId">): Candidate {
  return {
    externalId: `EXT-${over.fhirId}`,
    start: OLD_START,
    status: "booked",
    appointmentType: "Outpatient",
    description: null,
    specialtyCode: "SPEC_03",
    specialtyDisplay: "Cardiology",
    location: null,
    ...over,
  };
}

const LINKED: LinkedAppointment = { fhirId: "a1", externalId: "EXT-a1", start: OLD_START };
const cancelled = { outcome: "cancelled" } as const;
const rebooked = { outcome: "rebooked", newStart: NEW_START } as const;

describe("needsConfirmation", () => {
  it("is needed for rebooked and cancelled only", () => {
    expect(needsConfirmation(cancelled)).toBe(true);
    expect(needsConfirmation(rebooked)).toBe(true);
    expect(needsConfirmation({ outcome: "rejected" })).toBe(false);
    expect(needsConfirmation({ outcome: "needs_patient_contact" })).toBe(false);
  });
});

describe("checkConfirmation: cancelled", () => {
  it("is confirmed when PKB shows the appointment cancelled", () => {
    const linked = appt({ fhirId: "a1", status: "cancelled" });
    expect(checkConfirmation(cancelled, LINKED, { linked, appointments: [] }, NOW)).toEqual({
      confirmed: true,
      shows: "PKB shows the appointment cancelled (Mon 12 Oct 16:00)",
    });
  });

  it("is confirmed when PKB no longer has it", () => {
    expect(checkConfirmation(cancelled, LINKED, { linked: null, appointments: [] }, NOW)).toEqual({
      confirmed: true,
      shows: "PKB no longer shows the appointment",
    });
  });

  it("is not confirmed while PKB still shows it, saying when (and its status when not booked)", () => {
    const booked = appt({ fhirId: "a1" });
    expect(checkConfirmation(cancelled, LINKED, { linked: booked, appointments: [booked] }, NOW)).toEqual({
      confirmed: false,
      shows: "PKB still shows Mon 12 Oct 16:00",
    });
    const pending = appt({ fhirId: "a1", status: "pending" });
    expect(checkConfirmation(cancelled, LINKED, { linked: pending, appointments: [] }, NOW).shows).toBe(
      "PKB still shows Mon 12 Oct 16:00, status pending",
    );
  });

  it("without a FHIR id, finds it by external identifier, and cannot tell when that is not in the search", () => {
    const byExternal = { fhirId: null, externalId: "EXT-a1", start: OLD_START };
    const shown = appt({ fhirId: "a1", status: "cancelled" });
    expect(checkConfirmation(cancelled, byExternal, { linked: undefined, appointments: [shown] }, NOW).confirmed).toBe(
      true,
    );
    expect(checkConfirmation(cancelled, byExternal, { linked: undefined, appointments: [] }, NOW)).toEqual({
      confirmed: false,
      shows: "PKB's copy of the appointment could not be found",
    });
  });

  it("with only a start known, looks at what stands at that start", () => {
    const startOnly = { fhirId: null, externalId: null, start: OLD_START };
    const standing = appt({ fhirId: "a1" });
    expect(
      checkConfirmation(cancelled, startOnly, { linked: undefined, appointments: [standing] }, NOW).confirmed,
    ).toBe(false);
    const other = appt({ fhirId: "a2", start: at("2026-10-12T16:00:00Z") });
    expect(checkConfirmation(cancelled, startOnly, { linked: undefined, appointments: [other] }, NOW)).toEqual({
      confirmed: true,
      shows: "PKB no longer shows the appointment",
    });
  });
});

describe("checkConfirmation: rebooked", () => {
  it("is confirmed when the same appointment starts at the recorded time (to the minute)", () => {
    const moved = appt({ fhirId: "a1", start: at("2026-10-14T08:00:30Z") });
    expect(checkConfirmation(rebooked, LINKED, { linked: moved, appointments: [moved] }, NOW)).toEqual({
      confirmed: true,
      shows: "PKB shows Wed 14 Oct 09:00",
    });
  });

  it("is confirmed by a new appointment at the recorded time once the old one is cancelled or gone", () => {
    const old = appt({ fhirId: "a1", status: "cancelled" });
    const fresh = appt({ fhirId: "a2", start: NEW_START });
    const expected = { confirmed: true, shows: "PKB shows Wed 14 Oct 09:00 (a new appointment)" };
    expect(checkConfirmation(rebooked, LINKED, { linked: old, appointments: [old, fresh] }, NOW)).toEqual(expected);
    expect(checkConfirmation(rebooked, LINKED, { linked: null, appointments: [fresh] }, NOW)).toEqual(expected);
  });

  it("follows the external identifier when PKB re-created the appointment under a new id", () => {
    const same = appt({ fhirId: "a9", externalId: "EXT-a1", start: NEW_START });
    expect(checkConfirmation(rebooked, LINKED, { linked: null, appointments: [same] }, NOW)).toEqual({
      confirmed: true,
      shows: "PKB shows Wed 14 Oct 09:00",
    });
  });

  it("is not confirmed while the old start stands, even with a new appointment at the time", () => {
    const old = appt({ fhirId: "a1" });
    const fresh = appt({ fhirId: "a2", start: NEW_START });
    expect(checkConfirmation(rebooked, LINKED, { linked: old, appointments: [old] }, NOW)).toEqual({
      confirmed: false,
      shows: "PKB still shows Mon 12 Oct 16:00",
    });
    expect(checkConfirmation(rebooked, LINKED, { linked: old, appointments: [old, fresh] }, NOW)).toEqual({
      confirmed: false,
      shows: "PKB shows Wed 14 Oct 09:00 but still shows Mon 12 Oct 16:00",
    });
  });

  it("says when PKB shows another time, or nothing at the recorded one", () => {
    const elsewhere = appt({ fhirId: "a1", start: at("2026-10-13T09:00:00Z") });
    expect(checkConfirmation(rebooked, LINKED, { linked: elsewhere, appointments: [] }, NOW).shows).toBe(
      "PKB shows Tue 13 Oct 10:00, not Wed 14 Oct 09:00",
    );
    const old = appt({ fhirId: "a1", status: "cancelled" });
    const cancelledNew = appt({ fhirId: "a2", start: NEW_START, status: "cancelled" });
    expect(checkConfirmation(rebooked, LINKED, { linked: old, appointments: [old, cancelledNew] }, NOW)).toEqual({
      confirmed: false,
      shows: "PKB shows the appointment cancelled and nothing at Wed 14 Oct 09:00",
    });
    expect(checkConfirmation(rebooked, LINKED, { linked: null, appointments: [] }, NOW).shows).toBe(
      "PKB no longer shows the appointment and nothing at Wed 14 Oct 09:00",
    );
  });

  it("tells the two 01:30s apart on the night the clocks go back", () => {
    // Sun 25 Oct 2026: 01:30 BST = 00:30Z, then 01:30 GMT = 01:30Z.
    const firstOne = at("2026-10-25T00:30:00Z");
    const shownLater = appt({ fhirId: "a1", start: at("2026-10-25T01:30:00Z") });
    const r = checkConfirmation(
      { outcome: "rebooked", newStart: firstOne },
      LINKED,
      { linked: shownLater, appointments: [] },
      NOW,
    );
    expect(r).toEqual({ confirmed: false, shows: "PKB shows Sun 25 Oct 01:30 GMT, not Sun 25 Oct 01:30 BST" });
  });

  it("writes UK wall-clock times on both sides of the spring change", () => {
    const spring = at("2027-03-27T12:00:00Z");
    expect(formatShortUk(at("2027-03-28T00:30:00Z"), spring)).toBe("Sun 28 Mar 00:30");
    expect(formatShortUk(at("2027-03-28T01:30:00Z"), spring)).toBe("Sun 28 Mar 02:30");
    expect(formatShortUk(at("2027-03-29T08:00:00Z"), spring)).toBe("Mon 29 Mar 09:00");
  });

  it("adds the year when it is not this UK year", () => {
    // 31 Dec 2026 23:30 UK; the appointment is on 1 Jan 2027 in the UK.
    expect(formatShortUk(at("2027-01-01T00:30:00Z"), at("2026-12-31T23:30:00Z"))).toBe("Fri 1 Jan 2027 00:30");
    expect(formatShortUk(at("2026-12-31T23:45:00Z"), at("2026-12-31T23:30:00Z"))).toBe("Thu 31 Dec 23:45");
  });
});

describe("the check schedule", () => {
  const T0 = at("2026-10-12T10:00:00Z");
  const minutes = (d: Date | null) => (d ? (d.getTime() - T0.getTime()) / 60_000 : null);

  it("checks 5 minutes after the outcome, then doubles the wait up to an hour", () => {
    expect(minutes(firstCheckAt(T0, policy))).toBe(5);
    const times = [5];
    for (let k = 1; k <= 6; k++) {
      const last = new Date(T0.getTime() + times[times.length - 1]! * 60_000);
      times.push(minutes(nextCheckAt(T0, k, last, policy))!);
    }
    expect(times).toEqual([5, 15, 35, 75, 135, 195, 255]);
  });

  it("checks at the limit itself, then hourly after it, and stops after CONFIRM_CHECK_FOR_HOURS", () => {
    expect(confirmationDue(T0, policy).toISOString()).toBe("2026-10-13T10:00:00.000Z");
    expect(nextCheckAt(T0, 20, at("2026-10-13T09:30:00Z"), policy)?.toISOString()).toBe("2026-10-13T10:00:00.000Z");
    expect(nextCheckAt(T0, 21, at("2026-10-13T10:00:00Z"), policy)?.toISOString()).toBe("2026-10-13T11:00:00.000Z");
    expect(nextCheckAt(T0, 200, at("2026-10-19T09:30:00Z"), policy)).toBeNull();
  });

  it("counts elapsed hours across a clock change", () => {
    // Outcome Sat 24 Oct 2026 12:00 BST; the limit is 24 elapsed hours later, Sun 25 Oct 11:00 GMT.
    expect(confirmationDue(at("2026-10-24T11:00:00Z"), policy).toISOString()).toBe("2026-10-25T11:00:00.000Z");
  });

  it("moves through awaiting → not confirmed at the limit → confirmed late", () => {
    const short: ConfirmationPolicy = {
      firstCheckMs: 1_000,
      maxIntervalMs: 4_000,
      withinMs: 10_000,
      checkForMs: 60_000,
    };
    const s = (ms: number) => new Date(T0.getTime() + ms);
    expect(afterCheck({ outcomeAt: T0, checksDone: 1, checkedAt: s(1_000), confirmed: false }, short)).toEqual({
      state: "awaiting",
      nextCheckAt: s(3_000),
    });
    expect(afterCheck({ outcomeAt: T0, checksDone: 4, checkedAt: s(9_000), confirmed: false }, short)).toEqual({
      state: "awaiting",
      nextCheckAt: s(10_000),
    });
    expect(afterCheck({ outcomeAt: T0, checksDone: 5, checkedAt: s(10_000), confirmed: false }, short)).toEqual({
      state: "not_confirmed",
      nextCheckAt: s(14_000),
    });
    expect(afterCheck({ outcomeAt: T0, checksDone: 6, checkedAt: s(14_000), confirmed: true }, short)).toEqual({
      state: "confirmed",
      nextCheckAt: null,
    });
    expect(afterCheck({ outcomeAt: T0, checksDone: 20, checkedAt: s(58_000), confirmed: false }, short)).toEqual({
      state: "not_confirmed",
      nextCheckAt: null,
    });
  });
});
