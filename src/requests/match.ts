// Pure rules for writing a match onto a request: the appointment fields copied from a candidate, and what a match
// result (the pipeline's, or a re-match's) sets.
import type { z } from "zod";
import {
  candidateRecords,
  FHIR_ID_NOT_EXACT,
  linkable,
  pasIdOf,
  type CandidateRecord,
  type MatchResult,
} from "../domain/match.ts";
import { AppError } from "../errors.ts";
import type { storedCandidateSchema } from "../store/request-queries.ts";
import type { RequestPatch } from "../store/requests.ts";
import { matchStateOf } from "./state.ts";
import type { MatchState } from "./vocabulary.ts";

/** A candidate as the pipeline stored it, parsed when read back (store/request-queries.ts keeps its schema). */
export type StoredCandidate = z.infer<typeof storedCandidateSchema>;

/**
 * The request's appointment fields from a candidate (all null: no linked appointment). A trust id that had to be made
 * storable is not the PAS's, so it is not stored as the request's: the candidate still shows it, flagged.
 */
export function appointmentPatch(c: StoredCandidate | CandidateRecord | null): RequestPatch {
  // The one place a candidate becomes the linked appointment: never one whose PKB id had to be made storable.
  if (c && !linkable(c)) throw new AppError("appointment_id_not_exact", FHIR_ID_NOT_EXACT, 409);
  return {
    appointment_fhir_id: c?.fhirId ?? null,
    appointment_external_id: pasIdOf(c),
    appointment_specialty_code: c?.specialtyCode ?? null,
    appointment_specialty_display: c?.specialtyDisplay ?? null,
    appointment_type: c?.appointmentType ?? null,
    appointment_start: c?.start ?? null,
    appointment_location: c?.location ?? null,
    appointment_status: c?.status ?? null,
  };
}

/** What a match result sets on a request: state, confidence, evidence, candidates and the linked appointment. */
export function matchResultPatch(m: MatchResult): {
  patch: RequestPatch;
  state: MatchState;
  linked: CandidateRecord | null;
  candidates: CandidateRecord[];
} {
  const candidates = candidateRecords(m);
  const linked =
    m.decision === "auto_link" && m.best ? (candidates.find((c) => c.fhirId === m.best!.fhirId) ?? null) : null;
  const state = matchStateOf(m.decision);
  return {
    state,
    linked,
    candidates,
    patch: {
      match_state: state,
      match_confidence: m.confidence,
      match_evidence: { summary: m.summary, best: m.best?.evidence ?? [] },
      candidates,
      ...appointmentPatch(linked),
    },
  };
}
