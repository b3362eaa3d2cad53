import { describe, expect, it } from "vitest";
import { matchAppointment, type Candidate, type MatchTarget } from "../../src/domain/match.ts";

const target: MatchTarget = { wallClock: { year: 2025, month: 9, day: 14, hour: 0, minute: 0 }, subject: "Emergency" };

function appt(overrides: Partial<Candidate>): Candidate {
  return {
    fhirId: "a1",
    externalId: "112431409e",
    start: new Date("2025-09-13T23:00:00.000Z"), // 00:00 BST on 14 September
    status: "booked",
    appointmentType: "Emergency",
    description: null,
    specialtyCode: "SPEC_03",
    specialtyDisplay: "Cardiology",
    location: "Outpatients B",
    ...overrides,
  };
}

describe("matchAppointment", () => {
  it("links the one appointment at the exact UK time with the same subject", () => {
    const r = matchAppointment(target, [
      appt({ status: "pending" }),
      appt({ fhirId: "a2", start: new Date("2025-09-14T09:00:00.000Z"), appointmentType: "Follow Up" }),
    ]);
    expect(r.decision).toBe("auto_link");
    expect(r.best?.fhirId).toBe("a1");
    expect(r.confidence).toBe(1);
    expect(r.best?.evidence.map((e) => e.text)).toEqual([
      "Starts Sun 14 Sept 2025, 00:00 (BST), exactly the time in the message",
      'Appointment type "Emergency" is the subject in the message',
      "PKB marks it pending: a change or cancel request is open",
    ]);
  });

  it("does not need the pending status to link", () => {
    const r = matchAppointment(target, [appt({ status: "booked" })]);
    expect(r.decision).toBe("auto_link");
    expect(r.confidence).toBeGreaterThanOrEqual(0.8);
  });

  it("never links an appointment whose trust id had to be made storable, however well it scores", () => {
    const r = matchAppointment(target, [appt({ externalId: "112431409\ufffd", externalIdNotExact: true })]);
    expect(r.decision).toBe("review");
    expect(r.confidence).toBeGreaterThanOrEqual(0.8);
    expect(r.summary).toContain(
      "The trust's appointment id reached PKB with characters Rebook cannot store (shown as \ufffd): find the appointment in the PAS by patient and date",
    );
  });

  it("sends indistinguishable twins to review with both candidates", () => {
    const r = matchAppointment(target, [appt({}), appt({ fhirId: "a2", externalId: "X2", specialtyCode: "SPEC_07" })]);
    expect(r.decision).toBe("review");
    expect(r.confidence).toBe(0.475);
    expect(r.candidates).toHaveLength(2);
    expect(r.summary.join(" ")).toMatch(/too close to tell apart/);
  });

  it("uses pending to break an otherwise even tie", () => {
    const r = matchAppointment(target, [appt({}), appt({ fhirId: "a2", status: "pending" })]);
    expect(r.best?.fhirId).toBe("a2");
    expect(r.decision).toBe("review"); // 5 points apart is not a clear margin
  });

  it("does not confuse midnight BST with midnight UTC, but notes the UTC reading", () => {
    const r = matchAppointment(target, [appt({ start: new Date("2025-09-14T00:00:00.000Z") })]);
    expect(r.decision).toBe("review");
    expect(r.best?.evidence[0]?.text).toMatch(/only if it was written in UTC/);
  });

  it("gives partial credit on the same day and explains the gap", () => {
    const r = matchAppointment(target, [appt({ start: new Date("2025-09-14T01:15:00.000Z") })]);
    expect(r.best?.evidence[0]?.text).toBe(
      "Starts Sun 14 Sept 2025, 02:15 (BST): same day, 2 h 15 min later than the message says",
    );
    expect(r.decision).toBe("review");
  });

  it("matches words of the subject against type, description and specialty", () => {
    const t: MatchTarget = { ...target, subject: "New Patient - Cardiology" };
    const r = matchAppointment(t, [appt({ appointmentType: "New patient", specialtyDisplay: "Cardiology" })]);
    expect(r.best?.evidence[1]?.text).toMatch(/partly matches "New Patient - Cardiology"/);
  });

  it("reports no candidates, and never links when the date could not be read", () => {
    expect(matchAppointment(target, []).decision).toBe("no_candidates");
    const r = matchAppointment({ wallClock: null, subject: "Emergency" }, [appt({})]);
    expect(r.decision).toBe("review");
  });

  it("respects a configured threshold", () => {
    const sameDay = [appt({ start: new Date("2025-09-14T08:00:00.000Z"), status: "pending" })];
    expect(matchAppointment(target, sameDay, { threshold: 0.4 }).decision).toBe("auto_link");
    expect(matchAppointment(target, sameDay, { threshold: 0.95 }).decision).toBe("review");
  });

  it("handles the repeated autumn hour: either reading links", () => {
    const t: MatchTarget = { wallClock: { year: 2025, month: 10, day: 26, hour: 1, minute: 30 }, subject: "Emergency" };
    expect(matchAppointment(t, [appt({ start: new Date("2025-10-26T00:30:00Z") })]).decision).toBe("auto_link");
    expect(matchAppointment(t, [appt({ start: new Date("2025-10-26T01:30:00Z") })]).decision).toBe("auto_link");
  });
});
