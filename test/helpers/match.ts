// Match results as the pipeline finds them, for tests that write them: the patient's eye clinic appointment.
import type { MatchResult, ScoredCandidate } from "../../src/domain/match.ts";

/** A scored candidate: the eye clinic appointment `fhirId` at `start` (PAS id `EXT-<fhirId>`), with `over` changed. */
export const eyeClinic = (fhirId: string, start: Date, over: Partial<ScoredCandidate> = {}): ScoredCandidate => ({
  fhirId,
  externalId: `EXT-${fhirId}`,
  start,
  status: "booked",
  appointmentType: "Eye clinic",
  description: null,
  specialtyCode: "130",
  specialtyDisplay: "Ophthalmology",
  location: null,
  score: 1,
  evidence: [],
  ...over,
});

/** The match linking that appointment with full confidence, as the only candidate. */
export const linkedTo = (fhirId: string, start: Date, over: Partial<ScoredCandidate> = {}): MatchResult => ({
  decision: "auto_link",
  best: eyeClinic(fhirId, start, over),
  confidence: 1,
  candidates: [eyeClinic(fhirId, start, over)],
  summary: ["test"],
});
