// An appointment from PKB's Aggregated FHIR API as a match candidate: its text made storable, and its ids handled so
// that nothing Rebook later reads back from PKB, or treats as the PAS's id, is an id PKB or the PAS never gave.
import { describe, expect, it } from "vitest";
import { EXTERNAL_ID_SYSTEM } from "../../src/pkb/fhir.ts";
import type { FhirAppointment } from "../../src/pkb/schemas.ts";
import { UpstreamError } from "../../src/errors.ts";
import {
  BEST_FHIR_ID_NOT_EXACT,
  candidateRecords,
  EXTERNAL_ID_NOT_EXACT,
  FHIR_ID_NOT_EXACT,
  linkable,
  pasIdOf,
} from "../../src/domain/match.ts";
import { checkConfirmation } from "../../src/domain/pkb-confirmation.ts";
import { pkbViewOf } from "../../src/requests/processors/pkb-confirmation.ts";
import { appointmentPatch } from "../../src/requests/match.ts";
import { ANOTHER_APPOINTMENT, matchFhirAppointments, readBackCandidate, toCandidate } from "../../src/sync/identify.ts";

const START = "2025-10-24T15:00:00Z"; // 16:00 UK (BST)

function fhir(p: { id: string; externalId?: string; start?: string; type?: string }): FhirAppointment {
  return {
    resourceType: "Appointment",
    id: p.id,
    status: "booked",
    start: p.start ?? START,
    appointmentType: { coding: [{ display: p.type ?? "Fracture clinic" }] },
    identifier: [{ system: EXTERNAL_ID_SYSTEM, value: p.externalId ?? `X-${p.id}` }],
    participant: [],
  };
}

const asked = { requestedStart: new Date(START), requestedSubject: "Fracture clinic" };

describe("toCandidate", () => {
  it("keeps an appointment whose text and ids are storable exactly as PKB sent it", () => {
    expect(toCandidate(fhir({ id: "a1", externalId: "RB1" }))).toMatchObject({
      fhirId: "a1",
      externalId: "RB1",
      appointmentType: "Fracture clinic",
    });
    expect(toCandidate(fhir({ id: "a1" })).externalIdNotExact).toBeUndefined();
  });

  it("shows a trust id with characters Rebook cannot store made storable, and flags it as not the PAS's", () => {
    const c = toCandidate(fhir({ id: "a1", externalId: "RB\u00001", type: "Fracture\u0000 clinic" }));
    expect(c).toMatchObject({ fhirId: "a1", externalId: "RB\ufffd1", externalIdNotExact: true });
    expect(c.appointmentType).toBe("Fracture\ufffd clinic");
  });

  it("flags an appointment whose PKB id Rebook cannot store, shown made storable", () => {
    expect(toCandidate(fhir({ id: "a\u00001" }))).toMatchObject({ fhirId: "a\ufffd1", fhirIdNotExact: true });
    expect(toCandidate(fhir({ id: "a\ud8001" }))).toMatchObject({ fhirId: "a\ufffd1", fhirIdNotExact: true });
    expect(toCandidate(fhir({ id: "a1" })).fhirIdNotExact).toBeUndefined();
  });
});

describe("matchFhirAppointments", () => {
  it("never links an appointment whose PKB id Rebook cannot store, and says what to do", () => {
    const r = matchFhirAppointments([fhir({ id: "a\u00001" })], asked, 0.8);
    expect(r.decision).toBe("review");
    expect(r.confidence).toBeGreaterThanOrEqual(0.8);
    expect(r.candidates.map((c) => c.fhirIdNotExact)).toEqual([true]);
    expect(r.summary).toEqual(["Best match scores 95%", BEST_FHIR_ID_NOT_EXACT]);
    expect(candidateRecords(r)[0]).toMatchObject({ fhirId: "a\ufffd1", fhirIdNotExact: true });
  });

  it("keeps the usual reasons when such a best match is a weak one", () => {
    const r = matchFhirAppointments(
      [fhir({ id: "a\u00001", start: "2025-10-24T08:00:00Z", type: "Other" })],
      asked,
      0.8,
    );
    expect(r.decision).toBe("review");
    expect(r.summary).toContain(BEST_FHIR_ID_NOT_EXACT);
    expect(r.summary.some((line) => line.startsWith("Confidence "))).toBe(true);
  });

  it("scores such an appointment beside the others: a twin at the same start keeps both from being linked", () => {
    const r = matchFhirAppointments([fhir({ id: "a\u00001" }), fhir({ id: "a2" })], asked, 0.8);
    expect(r.candidates.map((c) => c.fhirId).sort()).toEqual(["a2", "a\ufffd1"]);
    expect(r.decision).toBe("review");
  });

  it("links a clear match as before", () => {
    const r = matchFhirAppointments(
      [fhir({ id: "a2" }), fhir({ id: "a\u00003", start: "2025-10-24T08:00:00Z" })],
      asked,
      0.8,
    );
    expect(r.decision).toBe("auto_link");
    expect(r.best?.fhirId).toBe("a2");
  });

  it("never links a trust id that had to be made storable: a person finds the appointment in the PAS", () => {
    const r = matchFhirAppointments([fhir({ id: "a1", externalId: "RB\u00001" })], asked, 0.8);
    expect(r.decision).toBe("review");
    expect(r.summary).toContain(EXTERNAL_ID_NOT_EXACT);
    expect(pasIdOf(r.best)).toBeNull();
  });
});

describe("readBackCandidate", () => {
  it("takes PKB's answer to a read by id only when it is the appointment asked for", () => {
    expect(readBackCandidate(fhir({ id: "a1" }), "a1").fhirId).toBe("a1");
    for (const answer of [fhir({ id: "a2" }), fhir({ id: "a1\u0000" })]) {
      let thrown: unknown;
      try {
        readBackCandidate(answer, "a1");
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(UpstreamError);
      expect(thrown).toMatchObject({ service: "pkb_fhir", retryable: true, upstreamCode: ANOTHER_APPOINTMENT });
    }
  });
});

describe("an appointment whose PKB id Rebook cannot store, after the match", () => {
  it("still shows what PKB holds at a start: a cancel is not confirmed while it stands", () => {
    const view = pkbViewOf(undefined, [fhir({ id: "a\u00001" })]);
    expect(view.appointments).toHaveLength(1);
    const check = checkConfirmation(
      { outcome: "cancelled" },
      { fhirId: null, externalId: null, start: new Date(START) },
      view,
      new Date("2025-10-20T09:00:00Z"),
    );
    expect(check.confirmed).toBe(false);
  });

  it("is never written as a request's linked appointment, flagged or (in older stored data) not", () => {
    const record = candidateRecords(matchFhirAppointments([fhir({ id: "a\u00001" })], asked, 0.8))[0]!;
    expect(() => appointmentPatch(record)).toThrow(FHIR_ID_NOT_EXACT);
    const { fhirIdNotExact: _flag, ...unflagged } = record;
    expect(linkable(unflagged)).toBe(false);
    expect(() => appointmentPatch(unflagged)).toThrow(FHIR_ID_NOT_EXACT);
    expect(appointmentPatch({ ...unflagged, fhirId: "a1" }).appointment_fhir_id).toBe("a1");
  });
});
