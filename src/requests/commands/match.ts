// A person fixing a request's appointment match: choose one of the stored candidates (manual match), or search PKB
// again through the pipeline's own code and replace the candidates (re-match). Neither re-routes the request: it may
// already be in someone's hands; the history says what changed. Either clears the PKB flag and the "appointment
// passed" mark, which were about the appointment linked before, each with a history row (clearOnRelink); linking the
// same appointment again leaves both, and its start as PKB last showed it (the settle check then says any move).
import { z } from "zod";
import { pasIdOf, type MatchResult } from "../../domain/match.ts";
import { AppError, UpstreamError } from "../../errors.ts";
import { SessionEndedError } from "../../pkb/tokens.ts";
import type { Db } from "../../store/db.ts";
import { readCandidates, readMatchFacts } from "../../store/requests.ts";
import type { SyncDeps } from "../../sync/deps.ts";
import { findAppointment } from "../../sync/identify.ts";
import {
  howMade,
  loadWithAccess,
  runCommand,
  UNCHANGED,
  type ActionContext,
  type CommandResult,
  type WriteOptions,
} from "../command.ts";
import { storedCandidateSchema } from "../../store/request-queries.ts";
import { appointmentPatch, matchResultPatch } from "../match.ts";
import { clearOnRelink } from "./settle.ts";
import { requireHolderOrOverride, requireWorkable } from "../state.ts";

/**
 * Links the request to one of its stored candidates, by FHIR id (400 `not_a_candidate` otherwise): match state
 * `manual`, the appointment's fields copied from the candidate (so the deadline follows its start). One whose PKB id had
 * to be made storable is refused by appointmentPatch (409 `appointment_id_not_exact`), nothing written.
 */
export async function chooseCandidate(
  db: Db,
  props: ActionContext & WriteOptions & { requestId: string; fhirId: string },
): Promise<CommandResult> {
  return runCommand(db, props, async (w) => {
    const r = w.request;
    requireWorkable(r);
    const how = howMade(requireHolderOrOverride(props.actor, r, props.override), props);
    const candidates = z.array(storedCandidateSchema).parse(await readCandidates(w.tx, r.id));
    const chosen = candidates.find((c) => c.fhirId === props.fhirId);
    if (!chosen) {
      throw new AppError(
        "not_a_candidate",
        "That appointment is not one of this request's candidates; re-match to search PKB again",
        400,
      );
    }
    if (r.matchState === "manual" && r.appointmentFhirId === chosen.fhirId) return UNCHANGED;
    const previous = { previousFhirId: r.appointmentFhirId, previousMatchState: r.matchState };
    // The linked appointment chosen again (a match confirmed by hand): its start as stored follows what PKB last
    // showed (the settle processor), and the candidate's is the search's, older; the flag and the mark stay with it.
    const { appointment_start: candidateStart, ...fields } = appointmentPatch(chosen);
    const same = chosen.fhirId === r.appointmentFhirId;
    await w.update({
      match_state: "manual",
      match_confidence: chosen.score,
      ...fields,
      ...(same ? {} : { appointment_start: candidateStart }),
    });
    // The flag's and the mark's rows (when set) come before the link's, which stays the command's last.
    await clearOnRelink(w, { from: previous.previousFhirId, to: chosen.fhirId });
    await w.event("appointment_linked", {
      manual: true,
      fhirId: chosen.fhirId,
      externalId: pasIdOf(chosen),
      ...previous,
      ...how,
    });
    await w.audit("request.manually_matched", { fhirId: chosen.fhirId, ...how });
  });
}

/**
 * Searches PKB's appointments again with the pipeline's own code (findAppointment) and applies the result as the
 * pipeline would: linked when the best candidate is clear enough, otherwise review or no candidates, with the new
 * candidates and evidence. Holds no transaction during the PKB call. PKB failing is a 502 `pkb_unavailable` with the
 * reason; a patient without an NHS number is 409 `patient_not_identified`.
 */
export async function rematchRequest(
  sync: SyncDeps,
  props: ActionContext & WriteOptions & { requestId: string },
): Promise<CommandResult> {
  // Load with the access check first; the patient's NHS number is read only once it passed.
  const facts = await sync.db.transaction(async (tx) => {
    const r = await loadWithAccess(tx, props.requestId, props.actor, "work");
    requireWorkable(r);
    requireHolderOrOverride(props.actor, r, props.override);
    return (await readMatchFacts(tx, r.id))!;
  });
  if (!facts.nhsNumber) {
    throw new AppError(
      "patient_not_identified",
      "The patient has no NHS number in PKB, so their appointments cannot be searched",
      409,
    );
  }
  let match: MatchResult;
  try {
    match = await findAppointment(sync, {
      nhsNumber: facts.nhsNumber,
      requestedStart: facts.requestedStart,
      requestedSubject: facts.requestedSubject,
      receivedAt: facts.receivedAt,
    });
  } catch (err) {
    if (err instanceof UpstreamError || err instanceof SessionEndedError) {
      throw new AppError("pkb_unavailable", `PKB's appointment search failed: ${err.message}`, 502, true);
    }
    throw err;
  }
  return runCommand(sync.db, props, async (w) => {
    // Checked again: the request may have changed hands or closed while PKB was asked.
    const r = w.request;
    requireWorkable(r);
    const how = howMade(requireHolderOrOverride(props.actor, r, props.override), props);
    const previous = { previousFhirId: r.appointmentFhirId, previousMatchState: r.matchState };
    const { patch, state, linked, candidates } = matchResultPatch(match);
    // The search found the appointment already linked: its start as stored follows what PKB last showed (the settle
    // processor), and the search's is newer but unread by it. Left as stored, the check that reacts to this event sees
    // PKB's start differ and writes the move's row (or the mark's correction), as chooseCandidate leaves it too.
    const { appointment_start: _searchStart, ...keepStart } = patch;
    await w.update(linked !== null && linked.fhirId === r.appointmentFhirId ? keepStart : patch);
    await clearOnRelink(w, { from: previous.previousFhirId, to: linked?.fhirId ?? null });
    await w.event("rematched", {
      decision: state,
      confidence: match.confidence,
      candidates: candidates.length,
      fhirId: linked?.fhirId ?? null,
      externalId: pasIdOf(linked),
      ...previous,
      summary: match.summary,
      ...how,
    });
    await w.audit("request.rematched", { decision: state, candidates: candidates.length, ...how });
  });
}
