// The pipeline's steps 2–4 on a request, as system commands: record who the patient is and which appointment the
// request is about, route it to a team (round robin within the team when it auto-assigns) and open it, settling what
// PKB's answer to the match shows of a linked appointment (docs/settling.md); or give up on it (status error).
// src/sync/process.ts does the PKB calls and the retries and calls these to write.
import { pasIdOf, type CandidateRecord, type MatchResult } from "../../domain/match.ts";
import { decideAtLink, passedOnceReceivedBack, type SettleDecision } from "../../domain/settle.ts";
import { route, type RoutingDecision } from "../../domain/routing.ts";
import { publishRequestState, publishRequestStates, publishRequestUpdated } from "../../events/publish.ts";
import type { Db, Queryable } from "../../store/db.ts";
import { upsertPatients, type Patient } from "../../store/patients.ts";
import { lockRequestStates, type RequestPatch, type RequestState } from "../../store/requests.ts";
import { rulesAndDefaultTeam } from "../../store/routing-rules.ts";
import {
  findSameAppointment,
  foldRepeatInto,
  lockManyPatientsRequests,
  lockPatientRequests,
  readRepeatFacts,
  requestsWithSameAppointment,
  type SameAppointmentKey,
} from "../../store/settle.ts";
import { nextAutoAssignee } from "../assignment.ts";
import { runSystemCommand, systemCommandIn, UNCHANGED, WriteBatch, type RequestWriter } from "../command.ts";
import { startSharedByCandidates, typeAfterRepeat } from "../repeats.ts";
import { matchResultPatch } from "../match.ts";
import { applySettleDecision, correctPassedMark } from "./settle.ts";
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

/** How a request is routed and who a team's round robin gives it to: per request, or from a batch's one read. */
interface Router {
  decide(msg: MessageFacts, facts: RoutingContext): Promise<RoutingDecision>;
  /** The team's next auto-assignee (null: the team does not auto-assign, or nobody can take it). */
  assignee(teamId: string): Promise<string | null>;
}

const routingInput = (msg: MessageFacts, facts: RoutingContext) => ({
  type: msg.type,
  specialtyCode: facts.specialtyCode,
  location: facts.location,
  appointmentType: facts.appointmentType,
  pkbTeamNames: msg.pkbTeamName ? [msg.pkbTeamName] : [],
  note: msg.patientNote,
  matchState: facts.matchState,
});

/** Routing for one request: reads the rules when it decides. */
const routerIn = (tx: Queryable): Router => ({
  async decide(msg, facts) {
    const { rules, defaultTeamId } = await rulesAndDefaultTeam(tx);
    return route(rules, routingInput(msg, facts), defaultTeamId);
  },
  assignee: (teamId) => nextAutoAssignee(tx, teamId),
});

/**
 * Routing for a batch: the rules, the default team and which teams auto-assign read once. A round robin reads the
 * team's open work, so the batch's writes so far are flushed first.
 */
async function batchRouter(batch: WriteBatch): Promise<Router> {
  const { rules, defaultTeamId, autoAssignTeamIds } = await rulesAndDefaultTeam(batch.tx);
  return {
    decide: async (msg, facts) => route(rules, routingInput(msg, facts), defaultTeamId),
    async assignee(teamId) {
      if (!autoAssignTeamIds.has(teamId)) return null;
      await batch.flush();
      return nextAutoAssignee(batch.tx, teamId);
    },
  };
}

/**
 * Routes, assigns and opens the request, writing `patch` (what the pipeline found) in the same update; writes every
 * decision as an event.
 */
async function routeAndOpen(
  w: RequestWriter,
  router: Router,
  msg: MessageFacts,
  facts: RoutingContext,
  patch: RequestPatch,
): Promise<void> {
  const decision = await router.decide(msg, facts);
  // Round robin within the team when it auto-assigns (members who can take requests only).
  const assignee = decision.assignUserId ?? (decision.teamId ? await router.assignee(decision.teamId) : null);
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
 * cancel after a change updates the type, an earlier ask moves its received time back — and with it, when so, why it
 * is marked "appointment passed" — and this row goes): returns the open one's id. A done one → this request
 * opens normally, linked to it (`asked_again`): returns null.
 */
async function attachOrLink(
  w: RequestWriter,
  key: SameAppointmentKey,
  routeRepeat: () => Promise<RoutingDecision>,
): Promise<string | null> {
  const { tx } = w;
  const patientKey = key.nhsNumber ?? key.patientPkbId;
  if (!patientKey) return null;
  await lockPatientRequests(tx, patientKey);
  const same = await findSameAppointment(tx, key);
  if (same.open) {
    const open = same.open;
    const repeat = await readRepeatFacts(tx, w.request.id);
    if (!repeat) return null;
    // What the patient writes this time may make it more urgent (a rule on "chest pain"): never less urgent.
    const routed = await routeRepeat();
    const raise = PRIORITIES.indexOf(routed.priority) > PRIORITIES.indexOf(open.priority);
    // Whichever is matched first opens: when it is the later ask, the work item still counts from the patient's
    // first one (its deadline and report day too, by the store's triggers), as it would in the other order.
    const earlier = repeat.receivedAt.getTime() < open.receivedAt.getTime();
    await systemCommandIn(tx, open.id, async (o) => {
      const askedCount = open.askedCount + 1;
      // The received time moves back through the writer, as every write to the request does; the repeat_received row
      // below says so (receivedMovedFrom).
      await o.update({
        asked_count: askedCount,
        ...(raise ? { priority: routed.priority } : {}),
        ...(earlier ? { received_at: repeat.receivedAt } : {}),
      });
      await o.event("repeat_received", {
        pkbMessageId: repeat.pkbMessageId,
        conversationId: repeat.conversationId,
        receivedAt: repeat.receivedAt.toISOString(),
        type: repeat.type,
        requestedStart: repeat.requestedStart?.toISOString() ?? null,
        requestedSubject: repeat.requestedSubject,
        askedCount,
        ...(raise ? { priorityRaised: { from: open.priority, to: routed.priority, reason: routed.reason } } : {}),
        ...(earlier ? { receivedMovedFrom: open.receivedAt.toISOString() } : {}),
      });
      // Counting from the earlier ask, an appointment marked passed before the request was received may have started
      // after it: the mark stands (no outcome yet), before action, and a row says so (the earlier row stays).
      const corrected = earlier ? passedOnceReceivedBack(open, repeat.receivedAt) : null;
      if (corrected) await correctPassedMark(o, corrected, new Date());
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

/** What the pipeline found for a request, to write: the patient and the match, or that the patient has no NHS number. */
export type PipelineResult =
  | {
      kind: "matched";
      requestId: string;
      /** When the message came (a batch writes a patient's requests in this order). */
      receivedAt?: Date;
      nhsNumber: string;
      pkbUserId: string;
      match: MatchResult;
      message: MessageFacts;
      requestedStart?: Date | null;
    }
  | {
      kind: "not_identified";
      requestId: string;
      receivedAt?: Date;
      reason: string | null;
      message: MessageFacts;
      patientPkbId?: string | null;
      requestedStart?: Date | null;
    };

/** The routing facts of a result: the linked appointment's (none when the patient is not identified). */
function routingContextOf(r: PipelineResult): RoutingContext {
  if (r.kind === "not_identified") {
    return { specialtyCode: null, location: null, appointmentType: null, matchState: "not_applicable" };
  }
  const { state, linked } = matchResultPatch(r.match);
  return {
    specialtyCode: linked?.specialtyCode ?? null,
    location: linked?.location ?? null,
    appointmentType: linked?.appointmentType ?? r.message.requestedSubject,
    matchState: state,
  };
}

/** What identifies the result's appointment, to find other requests about it. */
function sameKeyOf(r: PipelineResult): SameAppointmentKey {
  if (r.kind === "not_identified") {
    return {
      requestId: r.requestId,
      nhsNumber: null,
      patientPkbId: r.patientPkbId ?? null,
      fhirId: null,
      externalId: null,
      requestedStart: r.requestedStart ?? null,
      requestedSubject: r.message.requestedSubject,
      startShared: false,
    };
  }
  const { linked } = matchResultPatch(r.match);
  return {
    requestId: r.requestId,
    nhsNumber: r.nhsNumber,
    patientPkbId: r.pkbUserId,
    fhirId: linked?.fhirId ?? null,
    externalId: pasIdOf(linked),
    requestedStart: r.requestedStart ?? null,
    requestedSubject: r.message.requestedSubject,
    startShared: startSharedByCandidates(r.match.candidates, r.requestedStart ?? null),
  };
}

/**
 * Opens the request with what the pipeline found: not identified → recorded with the reason, no appointment search;
 * identified → the NHS number and the match (linked, review or no candidates, with candidates and evidence). Then
 * routes and opens it.
 */
async function openWith(w: RequestWriter, router: Router, r: PipelineResult): Promise<void> {
  const facts = routingContextOf(r);
  if (r.kind === "not_identified") {
    await w.event("patient_not_identified", { reason: r.reason });
    await routeAndOpen(w, router, r.message, facts, {
      patient_state: "not_identified",
      match_state: "not_applicable",
      attempts: w.request.attempts + 1,
    });
    return;
  }
  const { match } = r;
  const { patch, linked } = matchResultPatch(match);
  const now = new Date();
  const settled = linkDecision(w.request, r, linked, now);
  await w.event("patient_identified", { pkbUserId: r.pkbUserId });
  await w.event(matchEventOf(match.decision), {
    confidence: match.confidence,
    fhirId: linked?.fhirId ?? null,
    externalId: pasIdOf(linked),
    candidates: match.candidates.length,
    summary: match.summary,
    // Tells the settle processor that PKB's answer to the match was looked at: its first re-read is at the recheck.
    ...(settled && linked
      ? { settledAtLink: { pkbStatus: linked.status, start: linked.start, passed: settled.passed !== null } }
      : {}),
  });
  await routeAndOpen(w, router, r.message, facts, {
    patient_state: "identified",
    nhs_number: r.nhsNumber,
    attempts: w.request.attempts + 1,
    ...patch,
  });
  if (settled) await applySettleDecision(w, settled, now);
}

/**
 * What the settle rules decide, as the request opens linked, from PKB's answer to the match (docs/settling.md):
 * `decideAtLink`'s decision, or null when there is none to take here (not linked; a close or a flag, left to a read of
 * the appointment straight away; or a caller that did not give when the message came or what start it named).
 */
function linkDecision(
  request: RequestState,
  r: Extract<PipelineResult, { kind: "matched" }>,
  linked: CandidateRecord | null,
  now: Date,
): SettleDecision | null {
  if (request.status !== "processing") return null;
  if (r.match.decision !== "auto_link" || !linked || r.receivedAt === undefined || r.requestedStart === undefined)
    return null;
  const start = linked.start === null ? null : new Date(linked.start);
  // A request in processing was never linked, flagged, marked passed or reopened (the pipeline opens it now).
  return decideAtLink(
    {
      type: r.message.type,
      status: "open",
      receivedAt: r.receivedAt,
      requestedStart: r.requestedStart,
      appointmentStart: start,
      flag: null,
      passed: false,
      autoCloseAllowed: true,
    },
    { gone: false, status: linked.status, start },
    now,
  );
}

/**
 * The whole step for one request: when another request of the patient about the same appointment is open, attaches
 * to it as a repeat (returns its id); otherwise links an earlier done one, then opens this one (returns null).
 */
async function attachOrOpen(w: RequestWriter, router: Router, r: PipelineResult): Promise<string | null> {
  const attached = await attachOrLink(w, sameKeyOf(r), () => router.decide(r.message, routingContextOf(r)));
  if (attached) return attached;
  await openWith(w, router, r);
  return null;
}

/** Writes one result in its own transaction; publishes whichever request changed, after commit. */
export async function applyPipelineResult(db: Db, r: PipelineResult): Promise<void> {
  let attachedTo: string | null = null;
  let opened: RequestState | null = null;
  await db.transaction(async (tx) => {
    await systemCommandIn(tx, r.requestId, async (w) => {
      // Moot: another worker already finished it (claims are leases, so a slow one may see it done).
      if (w.request.status !== "processing") return UNCHANGED;
      attachedTo = await attachOrOpen(w, routerIn(tx), r);
      if (!attachedTo) opened = w.request; // the writer kept it up to date: no need to read it again
    });
  });
  if (opened) await publishRequestState(db, "request.updated", opened);
  else await publishRequestUpdated(db, attachedTo ?? r.requestId);
}

/**
 * Writes many results in one transaction, with the patients fetched for them, in a few statements whatever their
 * number: the requests are locked, then their patients (in a fixed order), and one look-up finds those with another
 * request about the same appointment. The results are written in the order their messages came, as if one at a time:
 * most through a WriteBatch (one UPDATE, one INSERT of the history, one of the follow-up work); one with another
 * request about the same appointment, or of a patient who has several in the batch, alone as applyPipelineResult
 * writes it (after the batch so far is flushed). Moot requests (no longer in processing) are left alone. Publishes
 * after commit. If it throws, nothing was written.
 */
export async function applyPipelineResults(
  db: Db,
  results: readonly PipelineResult[],
  opts: { patients?: readonly Patient[] } = {},
): Promise<void> {
  const opened: RequestState[] = [];
  const attached: string[] = [];
  // A request twice in one batch (claimed again after its lease ran out): the first result only; the other is moot.
  const unique = [...new Map([...results].reverse().map((r) => [r.requestId, r])).values()].reverse();
  await db.transaction(async (tx) => {
    await upsertPatients(tx, opts.patients ?? []);
    const states = await lockRequestStates(
      tx,
      unique.map((r) => r.requestId),
    );
    const live = unique.filter((r) => states.get(r.requestId)?.status === "processing");
    const keys = new Map(live.map((r) => [r.requestId, sameKeyOf(r)]));
    const patientOf = (r: PipelineResult) => {
      const k = keys.get(r.requestId)!;
      return k.nhsNumber ?? k.patientPkbId;
    };
    const perPatient = new Map<string, number>();
    for (const r of live) {
      const p = patientOf(r);
      if (p) perPatient.set(p, (perPatient.get(p) ?? 0) + 1);
    }
    await lockManyPatientsRequests(tx, [...perPatient.keys()]);
    const shared = (r: PipelineResult) => (perPatient.get(patientOf(r) ?? "") ?? 0) > 1;
    const repeats = await requestsWithSameAppointment(
      tx,
      live.filter((r) => !shared(r)).map((r) => keys.get(r.requestId)!),
    );
    const oneByOne = new Set(live.filter((r) => shared(r) || repeats.has(r.requestId)).map((r) => r.requestId));

    // In the order the messages came, as if written one at a time: the round robin and a patient's repeats see them
    // so. A result written one at a time (it may attach, or link a done request) first flushes the batch before it.
    const received = (r: PipelineResult) => r.receivedAt?.getTime() ?? 0;
    const ordered = [...live].sort((a, b) => received(a) - received(b) || (a.requestId < b.requestId ? -1 : 1));
    const batch = new WriteBatch(tx);
    const router = await batchRouter(batch);
    for (const r of ordered) {
      if (!oneByOne.has(r.requestId)) {
        const w = batch.writer(states.get(r.requestId)!);
        await openWith(w, router, r);
        opened.push(w.request);
        continue;
      }
      await batch.flush();
      await systemCommandIn(tx, r.requestId, async (w) => {
        if (w.request.status !== "processing") return UNCHANGED;
        const to = await attachOrOpen(w, routerIn(tx), r);
        if (to) attached.push(to);
        else opened.push(w.request);
      });
    }
    await batch.flush();
  });
  await publishRequestStates(db, "request.updated", opened);
  for (const id of attached) await publishRequestUpdated(db, id);
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
  await applyPipelineResult(db, { kind: "not_identified", ...props });
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
  await applyPipelineResult(db, { kind: "matched", ...props });
}

/** The pipeline gives up on a request after its last attempt: status error with the reason and attempts. */
export async function markError(db: Db, props: { requestId: string; reason: string; attempts: number }): Promise<void> {
  await runSystemCommand(db, props.requestId, async (w) => {
    await w.update({ attempts: props.attempts, error_reason: props.reason, next_attempt_at: null });
    await w.event("error", { reason: props.reason, attempts: props.attempts });
    await w.moveStatus("error");
  });
}
