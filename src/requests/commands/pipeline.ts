// The pipeline's steps 2–4 on a request, as system commands: record who the patient is and which appointment the
// request is about, route it to a team (round robin within the team when it auto-assigns) and open it; or give up on
// it (status error). src/sync/process.ts does the PKB calls and the retries and calls these to write.
import type { MatchResult } from "../../domain/match.ts";
import { route, type RoutingDecision } from "../../domain/routing.ts";
import { publishRequestState, publishRequestUpdated } from "../../events/publish.ts";
import type { Db, Queryable } from "../../store/db.ts";
import type { RequestPatch, RequestState } from "../../store/requests.ts";
import { rulesAndDefaultTeam } from "../../store/routing-rules.ts";
import {
  findSameAppointment,
  foldRepeatInto,
  lockPatientRequests,
  readRepeatFacts,
  type SameAppointmentKey,
} from "../../store/settle.ts";
import { nextAutoAssignee } from "../assignment.ts";
import { runSystemCommand, systemCommandIn, UNCHANGED, type RequestWriter } from "../command.ts";
import { startSharedByCandidates, typeAfterRepeat } from "../repeats.ts";
import { matchResultPatch } from "../match.ts";
import { matchEventOf } from "../state.ts";
import { PRIORITIES, type MatchState, type RequestType } from "../vocabulary.ts";

/** What the message said, for routing. */
export interface MessageFacts {
  type: RequestType | null;
  pkbTeamName: string | null;
  patientNote: string;
  requestedSubject: string | null;
}

/** What routing looks at besides the message: the linked appointment's facts and the match state. */
interface RoutingContext {
  specialtyCode: string | null;
  location: string | null;
  appointmentType: string | null;
  matchState: MatchState;
}

/** The routing rules' decision for a request with these facts. */
async function decideRoute(tx: Queryable, msg: MessageFacts, facts: RoutingContext): Promise<RoutingDecision> {
  const { rules, defaultTeamId } = await rulesAndDefaultTeam(tx);
  return route(
    rules,
    {
      type: msg.type,
      specialtyCode: facts.specialtyCode,
      location: facts.location,
      appointmentType: facts.appointmentType,
      pkbTeamNames: msg.pkbTeamName ? [msg.pkbTeamName] : [],
      note: msg.patientNote,
      matchState: facts.matchState,
    },
    defaultTeamId,
  );
}

/**
 * Routes, assigns and opens the request, writing `patch` (what the pipeline found) in the same update; writes every
 * decision as an event.
 */
async function routeAndOpen(
  w: RequestWriter,
  msg: MessageFacts,
  facts: RoutingContext,
  patch: RequestPatch,
): Promise<void> {
  const { tx } = w;
  const decision = await decideRoute(tx, msg, facts);
  // Round robin within the team when it auto-assigns (members who can take requests only).
  const assignee = decision.assignUserId ?? (decision.teamId ? await nextAutoAssignee(tx, decision.teamId) : null);
  // One UPDATE for the routing and the status; the history rows in the order things were decided.
  const from = w.request.status;
  await w.update({
    ...patch,
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

/**
 * One work item per appointment (docs/settling.md): before a request is opened, looks for another request of the same
 * patient about the same appointment, holding the patient's lock so two repeats handled at once cannot both open.
 * An open one → this request attaches to it as a repeat (its messages and a `repeat_received` row go to the open one, a
 * cancel after a change updates the type, and this row goes): returns the open one's id. A done one → this request
 * opens normally, linked to it (`asked_again`): returns null.
 */
async function attachOrLink(
  w: RequestWriter,
  key: Omit<SameAppointmentKey, "requestId">,
  routeRepeat: () => Promise<RoutingDecision>,
): Promise<string | null> {
  const { tx } = w;
  const patientKey = key.nhsNumber ?? key.patientPkbId;
  if (!patientKey) return null;
  await lockPatientRequests(tx, patientKey);
  const same = await findSameAppointment(tx, { requestId: w.request.id, ...key });
  if (same.open) {
    const open = same.open;
    const repeat = await readRepeatFacts(tx, w.request.id);
    if (!repeat) return null;
    // What the patient writes this time may make it more urgent (a rule on "chest pain"): never less urgent.
    const routed = await routeRepeat();
    const raise = PRIORITIES.indexOf(routed.priority) > PRIORITIES.indexOf(open.priority);
    await systemCommandIn(tx, open.id, async (o) => {
      const askedCount = open.askedCount + 1;
      await o.update({ asked_count: askedCount, ...(raise ? { priority: routed.priority } : {}) });
      await o.event("repeat_received", {
        pkbMessageId: repeat.pkbMessageId,
        conversationId: repeat.conversationId,
        receivedAt: repeat.receivedAt.toISOString(),
        type: repeat.type,
        requestedStart: repeat.requestedStart?.toISOString() ?? null,
        requestedSubject: repeat.requestedSubject,
        askedCount,
        ...(raise ? { priorityRaised: { from: open.priority, to: routed.priority, reason: routed.reason } } : {}),
      });
      const type = typeAfterRepeat(open.type, repeat.type);
      if (type !== open.type) {
        await o.update({ type });
        await o.event("type_changed", {
          from: open.type,
          to: type,
          reason:
            open.type === "change"
              ? "The patient asked again, to cancel the appointment they had asked to change"
              : "The patient asked again, and this time the request could be read",
        });
      }
    });
    await foldRepeatInto(tx, w.request.id, open.id);
    return open.id;
  }
  if (same.done) {
    await w.update({ previous_request_id: same.done.id });
    await w.event("asked_again", { previousRequestId: same.done.id, previousOutcome: same.done.outcome });
  }
  return null;
}

/** Runs a pipeline step that may fold the request into another; publishes whichever request changed, after commit. */
async function openOrAttach(db: Db, requestId: string, body: (w: RequestWriter) => Promise<string | null>) {
  let attachedTo: string | null = null;
  let opened: RequestState | null = null;
  await db.transaction(async (tx) => {
    await systemCommandIn(tx, requestId, async (w) => {
      // Moot: another worker already finished it (claims are leases, so a slow one may see it done).
      if (w.request.status !== "processing") return UNCHANGED;
      attachedTo = await body(w);
      if (!attachedTo) opened = w.request; // the writer kept it up to date: no need to read it again
    });
  });
  if (opened) await publishRequestState(db, "request.updated", opened);
  else await publishRequestUpdated(db, attachedTo ?? requestId);
}

/** The patient has no NHS number in PKB: recorded with the reason, no appointment search, routed and opened. */
export async function recordPatientNotIdentified(
  db: Db,
  props: {
    requestId: string;
    reason: string | null;
    message: MessageFacts;
    patientPkbId?: string | null;
    requestedStart?: Date | null;
  },
): Promise<void> {
  const facts: RoutingContext = {
    specialtyCode: null,
    location: null,
    appointmentType: null,
    matchState: "not_applicable",
  };
  await openOrAttach(db, props.requestId, async (w) => {
    const attached = await attachOrLink(
      w,
      {
        nhsNumber: null,
        patientPkbId: props.patientPkbId ?? null,
        fhirId: null,
        externalId: null,
        requestedStart: props.requestedStart ?? null,
        requestedSubject: props.message.requestedSubject,
        startShared: false,
      },
      () => decideRoute(w.tx, props.message, facts),
    );
    if (attached) return attached;
    await w.event("patient_not_identified", { reason: props.reason });
    await routeAndOpen(w, props.message, facts, {
      patient_state: "not_identified",
      match_state: "not_applicable",
      attempts: w.request.attempts + 1,
    });
    return null;
  });
}

/**
 * The patient is identified and PKB's appointments were matched. When another request of the patient about the same
 * appointment is open, this one attaches to it as a repeat; otherwise records the NHS number, the match (linked,
 * review or no candidates, with candidates and evidence), links an earlier done request about it, then routes and
 * opens the request.
 */
export async function applyMatchResult(
  db: Db,
  props: {
    requestId: string;
    nhsNumber: string;
    pkbUserId: string;
    match: MatchResult;
    message: MessageFacts;
    requestedStart?: Date | null;
  },
): Promise<void> {
  const { match } = props;
  const { patch, state, linked } = matchResultPatch(match);
  const facts: RoutingContext = {
    specialtyCode: linked?.specialtyCode ?? null,
    location: linked?.location ?? null,
    appointmentType: linked?.appointmentType ?? props.message.requestedSubject,
    matchState: state,
  };
  await openOrAttach(db, props.requestId, async (w) => {
    const attached = await attachOrLink(
      w,
      {
        nhsNumber: props.nhsNumber,
        patientPkbId: props.pkbUserId,
        fhirId: linked?.fhirId ?? null,
        externalId: linked?.externalId ?? null,
        requestedStart: props.requestedStart ?? null,
        requestedSubject: props.message.requestedSubject,
        startShared: startSharedByCandidates(match.candidates, props.requestedStart ?? null),
      },
      () => decideRoute(w.tx, props.message, facts),
    );
    if (attached) return attached;
    await w.event("patient_identified", { pkbUserId: props.pkbUserId });
    await w.event(matchEventOf(match.decision), {
      confidence: match.confidence,
      fhirId: linked?.fhirId ?? null,
      externalId: linked?.externalId ?? null,
      candidates: match.candidates.length,
      summary: match.summary,
    });
    await routeAndOpen(w, props.message, facts, {
      patient_state: "identified",
      nhs_number: props.nhsNumber,
      attempts: w.request.attempts + 1,
      ...patch,
    });
    return null;
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
