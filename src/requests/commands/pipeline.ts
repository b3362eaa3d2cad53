// The pipeline's steps 2–4 on a request, as system commands: record who the patient is and which appointment the
// request is about, route it to a team (round robin within the team when it auto-assigns) and open it; or give up on
// it (status error). src/sync/process.ts does the PKB calls and the retries and calls these to write.
import type { MatchResult } from "../../domain/match.ts";
import { route } from "../../domain/routing.ts";
import type { Db } from "../../store/db.ts";
import { defaultTeamId, listRules } from "../../store/routing-rules.ts";
import { nextAutoAssignee } from "../assignment.ts";
import { runSystemCommand, type RequestWriter } from "../command.ts";
import { matchResultPatch } from "../match.ts";
import { matchEventOf } from "../state.ts";
import type { MatchState, RequestType } from "../vocabulary.ts";

/** What the message said, for routing. */
export interface MessageFacts {
  type: RequestType | null;
  pkbTeamName: string | null;
  patientNote: string;
  requestedSubject: string | null;
}

/** Routes, assigns and opens the request; writes every decision as an event. */
async function routeAndOpen(
  w: RequestWriter,
  msg: MessageFacts,
  facts: {
    specialtyCode: string | null;
    location: string | null;
    appointmentType: string | null;
    matchState: MatchState;
  },
): Promise<void> {
  const { tx } = w;
  const decision = route(
    await listRules(tx),
    {
      type: msg.type,
      specialtyCode: facts.specialtyCode,
      location: facts.location,
      appointmentType: facts.appointmentType,
      pkbTeamNames: msg.pkbTeamName ? [msg.pkbTeamName] : [],
      note: msg.patientNote,
      matchState: facts.matchState,
    },
    await defaultTeamId(tx),
  );
  // Round robin within the team when it auto-assigns (members who can take requests only).
  const assignee = decision.assignUserId ?? (decision.teamId ? await nextAutoAssignee(tx, decision.teamId) : null);
  // One UPDATE for the routing and the status; the history rows in the order things were decided.
  const from = w.request.status;
  await w.update({
    team_id: decision.teamId,
    assigned_user_id: assignee,
    priority: decision.priority,
    routing_rule_id: decision.ruleId,
    error_reason: null,
    next_attempt_at: null,
    status: "open",
  });
  await w.event("routed", {
    teamId: decision.teamId,
    ruleId: decision.ruleId,
    priority: decision.priority,
    reason: decision.reason,
  });
  if (assignee) await w.event("assigned", { userId: assignee, auto: true });
  if (from !== "open") await w.event("status_changed", { from, to: "open" });
}

/** The patient has no NHS number in PKB: recorded with the reason, no appointment search, routed and opened. */
export async function recordPatientNotIdentified(
  db: Db,
  props: { requestId: string; reason: string | null; message: MessageFacts },
): Promise<void> {
  await runSystemCommand(db, props.requestId, async (w) => {
    await w.update({
      patient_state: "not_identified",
      match_state: "not_applicable",
      attempts: w.request.attempts + 1,
    });
    await w.event("patient_not_identified", { reason: props.reason });
    await routeAndOpen(w, props.message, {
      specialtyCode: null,
      location: null,
      appointmentType: null,
      matchState: "not_applicable",
    });
  });
}

/**
 * The patient is identified and PKB's appointments were matched: records the NHS number, the match (linked, review or
 * no candidates, with candidates and evidence), then routes and opens the request.
 */
export async function applyMatchResult(
  db: Db,
  props: { requestId: string; nhsNumber: string; pkbUserId: string; match: MatchResult; message: MessageFacts },
): Promise<void> {
  const { match } = props;
  const { patch, state, linked } = matchResultPatch(match);
  await runSystemCommand(db, props.requestId, async (w) => {
    await w.update({
      patient_state: "identified",
      nhs_number: props.nhsNumber,
      attempts: w.request.attempts + 1,
      ...patch,
    });
    await w.event("patient_identified", { pkbUserId: props.pkbUserId });
    await w.event(matchEventOf(match.decision), {
      confidence: match.confidence,
      fhirId: linked?.fhirId ?? null,
      externalId: linked?.externalId ?? null,
      candidates: match.candidates.length,
      summary: match.summary,
    });
    await routeAndOpen(w, props.message, {
      specialtyCode: linked?.specialtyCode ?? null,
      location: linked?.location ?? null,
      appointmentType: linked?.appointmentType ?? props.message.requestedSubject,
      matchState: state,
    });
  });
}

/** The pipeline gives up on a request after its last attempt: status error with the reason and attempts. */
export async function markError(db: Db, props: { requestId: string; reason: string; attempts: number }): Promise<void> {
  await runSystemCommand(db, props.requestId, async (w) => {
    await w.update({ attempts: props.attempts, error_reason: props.reason, next_attempt_at: null });
    await w.event("error", { reason: props.reason, attempts: props.attempts });
    await w.moveStatus("error");
  });
}
