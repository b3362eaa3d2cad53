// What the patient proposes, read from a corpus of notes written for the purpose (test/fixtures/patient-notes.ts), each
// with what a clerk would read from it. Runs with the process in Europe/London and in UTC: the answer never depends
// on the host's zone (sent instants just after midnight BST and on the nights the clocks change are in the corpus).
import { describe, expect, it } from "vitest";
import { firstProposedDay, proposalsIn, type Proposal } from "../../src/domain/proposals.ts";
import { PATIENT_NOTES } from "../fixtures/patient-notes.ts";

const show = (p: Proposal): string => `${p.week ? "week " : ""}${p.date ?? ""} ${p.time ?? p.partOfDay ?? ""}`.trim();

describe("what the patient proposes", () => {
  it("has a corpus of at least 50 notes", () => {
    expect(PATIENT_NOTES.length).toBeGreaterThanOrEqual(50);
    expect(PATIENT_NOTES.filter((n) => n.expected.length === 0).length).toBeGreaterThanOrEqual(8);
  });

  it.each(PATIENT_NOTES.map((n) => [n.note || "(empty)", n] as const))("%s", (_, n) => {
    const got = proposalsIn(n.note, new Date(n.sent), n.appointment ? new Date(n.appointment) : null);
    expect(got.map(show)).toEqual(n.expected);
  });

  it("keeps the patient's words and offers the first day for the rebook form", () => {
    const got = proposalsIn(
      "Afternoons only. Could we do Friday 12th or Tuesday 16th?",
      new Date("2025-09-01T09:00:00Z"),
      new Date("2025-09-08T08:30:00Z"),
    );
    expect(got).toEqual([
      { text: "Afternoons", date: null, week: false, time: null, partOfDay: "afternoon" },
      { text: "Friday 12th", date: "2025-09-12", week: false, time: null, partOfDay: null },
      { text: "Tuesday 16th", date: "2025-09-16", week: false, time: null, partOfDay: null },
    ]);
    expect(firstProposedDay(got)?.date).toBe("2025-09-12");
    expect(firstProposedDay(proposalsIn("Any time next week", new Date("2025-09-01T09:00:00Z")))).toBeNull();
  });
});
