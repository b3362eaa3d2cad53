// A person fixing a request's appointment match: choose one of the stored candidates (manual match), or search PKB
// again through the pipeline's own code and replace the candidates (re-match). Neither re-routes the request: it may
// already be in someone's hands; the history says what changed.
import { z } from "zod";
import { candidateRecords, type MatchResult } from "../domain/match.ts";
import { AppError, UpstreamError } from "../errors.ts";
import { SessionEndedError } from "../pkb/tokens.ts";
import type { SyncDeps } from "../sync/deps.ts";
import { findAppointment } from "../sync/identify.ts";
import type { Queryable } from "./db.ts";
import { appendEvent } from "./requests.ts";
import {
  auditAction,
  lockRequest,
  requireHolderOrLead,
  requireWorkable,
  resultOf,
  type ActionContext,
  type WorkflowResult,
} from "./workflow-base.ts";

/** A candidate as the pipeline stores it in appointment_requests.candidates. */
const storedCandidateSchema = z.object({
  fhirId: z.string(),
  externalId: z.string().nullable(),
  start: z.string().nullable(),
  status: z.string(),
  appointmentType: z.string().nullable(),
  description: z.string().nullable(),
  specialtyCode: z.string().nullable(),
  specialtyDisplay: z.string().nullable(),
  location: z.string().nullable(),
  score: z.number(),
  evidence: z.array(z.unknown()),
});
type StoredCandidate = z.infer<typeof storedCandidateSchema>;

const APPOINTMENT_COLUMNS = `appointment_fhir_id = $2, appointment_external_id = $3, appointment_specialty_code = $4,
  appointment_specialty_display = $5, appointment_type = $6, appointment_start = $7, appointment_location = $8,
  appointment_status = $9`;

const appointmentParams = (c: StoredCandidate | null): unknown[] => [
  c?.fhirId ?? null,
  c?.externalId ?? null,
  c?.specialtyCode ?? null,
  c?.specialtyDisplay ?? null,
  c?.appointmentType ?? null,
  c?.start ?? null,
  c?.location ?? null,
  c?.status ?? null,
];

/**
 * Links the request to one of its stored candidates, by FHIR id (400 `not_a_candidate` otherwise): match state
 * `manual`, the appointment's fields copied from the candidate (so the deadline follows its start).
 */
export async function manualMatch(
  tx: Queryable,
  props: ActionContext & { requestId: string; fhirId: string },
): Promise<WorkflowResult> {
  const r = await lockRequest(tx, props.requestId, props.actor, "work");
  requireWorkable(r);
  requireHolderOrLead(props.actor, r);
  const candidates = z.array(storedCandidateSchema).parse(r.candidates);
  const chosen = candidates.find((c) => c.fhirId === props.fhirId);
  if (!chosen) {
    throw new AppError(
      "not_a_candidate",
      "That appointment is not one of this request's candidates; re-match to search PKB again",
      400,
    );
  }
  if (r.matchState === "manual" && r.appointmentFhirId === chosen.fhirId) return resultOf(tx, r.id, false);
  await tx.query(
    `UPDATE appointment_requests SET match_state = 'manual', match_confidence = $10, ${APPOINTMENT_COLUMNS},
       updated_at = now() WHERE id = $1`,
    [r.id, ...appointmentParams(chosen), chosen.score],
  );
  await appendEvent(tx, {
    requestId: r.id,
    actorUserId: props.actor.id,
    type: "appointment_linked",
    data: {
      manual: true,
      fhirId: chosen.fhirId,
      externalId: chosen.externalId,
      previousFhirId: r.appointmentFhirId,
      previousMatchState: r.matchState,
    },
  });
  await auditAction(tx, props, "request.manually_matched", r.id, { fhirId: chosen.fhirId });
  return resultOf(tx, r.id, true);
}

/**
 * Searches PKB's appointments again with the pipeline's own code (findAppointment) and applies the result as the
 * pipeline would: linked when the best candidate is clear enough, otherwise review or no candidates, with the new
 * candidates and evidence. Holds no transaction during the PKB call. PKB failing is a 502 `pkb_unavailable` with the
 * reason; a patient without an NHS number is 409 `patient_not_identified`.
 */
export async function rematchRequest(
  sync: SyncDeps,
  props: ActionContext & { requestId: string },
): Promise<WorkflowResult> {
  const facts = await sync.db.transaction(async (tx) => {
    const r = await lockRequest(tx, props.requestId, props.actor, "work");
    requireWorkable(r);
    requireHolderOrLead(props.actor, r);
    const [row] = await tx.query<{
      nhs_number: string | null;
      requested_start: Date | null;
      requested_subject: string | null;
      received_at: Date;
    }>("SELECT nhs_number, requested_start, requested_subject, received_at FROM appointment_requests WHERE id = $1", [
      r.id,
    ]);
    return row!;
  });
  if (!facts.nhs_number) {
    throw new AppError(
      "patient_not_identified",
      "The patient has no NHS number in PKB, so their appointments cannot be searched",
      409,
    );
  }
  let match: MatchResult;
  try {
    match = await findAppointment(sync, {
      nhsNumber: facts.nhs_number,
      requestedStart: facts.requested_start,
      requestedSubject: facts.requested_subject,
      receivedAt: facts.received_at,
    });
  } catch (err) {
    if (err instanceof UpstreamError || err instanceof SessionEndedError) {
      throw new AppError("pkb_unavailable", `PKB's appointment search failed: ${err.message}`, 502, true);
    }
    throw err;
  }
  return sync.db.transaction(async (tx) => {
    // Checked again: the request may have changed hands or closed while PKB was asked.
    const r = await lockRequest(tx, props.requestId, props.actor, "work");
    requireWorkable(r);
    requireHolderOrLead(props.actor, r);
    const linked = match.decision === "auto_link" ? match.best : null;
    const candidates = candidateRecords(match);
    const chosen = linked ? (candidates.find((c) => c.fhirId === linked.fhirId) ?? null) : null;
    const state = linked ? "auto_linked" : match.decision;
    await tx.query(
      `UPDATE appointment_requests SET match_state = $10, match_confidence = $11, match_evidence = $12,
         candidates = $13, ${APPOINTMENT_COLUMNS}, updated_at = now() WHERE id = $1`,
      [
        r.id,
        ...appointmentParams(chosen),
        state,
        match.confidence,
        JSON.stringify({ summary: match.summary, best: match.best?.evidence ?? [] }),
        JSON.stringify(candidates),
      ],
    );
    await appendEvent(tx, {
      requestId: r.id,
      actorUserId: props.actor.id,
      type: "rematched",
      data: {
        decision: state,
        confidence: match.confidence,
        candidates: candidates.length,
        fhirId: chosen?.fhirId ?? null,
        externalId: chosen?.externalId ?? null,
        previousFhirId: r.appointmentFhirId,
        previousMatchState: r.matchState,
        summary: match.summary,
      },
    });
    await auditAction(tx, props, "request.rematched", r.id, { decision: state, candidates: candidates.length });
    return resultOf(tx, r.id, true);
  });
}
