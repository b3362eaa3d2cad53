// The one shape of every command that changes an appointment request:
//   load with the access check (before any patient data is read) → decide with the pure rules (./state.ts) →
//   write the row, its request_events rows and the audit entry in one transaction → publish after commit.
// `runCommand` runs it for a person, `runSystemCommand` for the pipeline and jobs (no access check, no audit entry:
// the audit log records what people do), and `RequestWriter` is the only way a command writes: every event it appends
// goes to the processors that react to it (./processors.ts) in the same transaction.
import type { AuditAction } from "../audit-actions.ts";
import type { AuditDetails, AuditHow } from "../audit-details.ts";
import { canViewRequest, canWorkRequest, type SessionUser } from "../auth/permissions.ts";
import { AppError, notFound } from "../errors.ts";
import { eventBus, type RequestChange } from "../events/bus.ts";
import { recordAudit } from "../store/audit.ts";
import type { Db, Queryable } from "../store/db.ts";
import {
  appendEvents,
  readRequestState,
  readRequestSummary,
  updateRequest,
  updateRequests,
  type RequestPatch,
  type RequestState,
} from "../store/requests.ts";
import { reactToEvent, reactToEvents, type RequestEventNotice } from "./processors.ts";
import type { EventType, MatchState, Outcome, RequestStatus } from "./vocabulary.ts";

/** Who acts, and from where (for the audit log). */
export interface ActionContext {
  actor: SessionUser;
  ip?: string | null;
  /** The browser tab the person acted from (x-rebook-tab), named in the change's live event; null when not said. */
  tab?: string | null;
}

/**
 * How a person's write was made, recorded in its history row: `override` when it went ahead on a request someone else
 * held, `bulk` when it was one of many changed at once.
 */
export interface WriteOptions {
  /** Go ahead although someone else holds the request (else 409 held_by_other). */
  override?: boolean;
  /** Part of a bulk change (recorded in the history). */
  bulk?: boolean;
}

/** The history data that says how a write was made. */
export const howMade = (held: { holderId: string } | null, o: WriteOptions): AuditHow => ({
  ...(held ? { override: held } : {}),
  ...(o.bulk ? { bulk: true } : {}),
});

/** What a person needs to be allowed: see the request (else 404, as if it did not exist) or change it (else 403). */
export type Access = "view" | "work";

/** 404 unless `actor` may see a request owned by `teamId`; 403 unless they may also change it when `need` is work. */
function checkAccess(actor: SessionUser, teamId: string | null, need: Access): void {
  if (!canViewRequest(actor, teamId)) throw notFound("Request");
  if (need === "work" && !canWorkRequest(actor, teamId)) {
    throw new AppError("forbidden", "You can read this request but not change it", 403);
  }
}

/**
 * Loads a request's workflow facts (no patient data) and checks the actor's access; locks the row for the rest of the
 * transaction unless `lock` is false (a read).
 */
export async function loadWithAccess(
  tx: Queryable,
  requestId: string,
  actor: SessionUser,
  need: Access,
  opts: { lock?: boolean } = {},
): Promise<RequestState> {
  const r = await readRequestState(tx, requestId, opts.lock !== false);
  if (!r) throw notFound("Request");
  checkAccess(actor, r.teamId, need);
  return r;
}

/** Writes one command's changes to its (locked) request: row, history and audit, in the command's transaction. */
export class RequestWriter {
  /** Non-fatal things the person should know (e.g. a time in the repeated autumn hour). */
  readonly warnings: string[] = [];
  /** The event types appended, in order. */
  readonly events: EventType[] = [];

  constructor(
    readonly tx: Queryable,
    /** The request as it stands, kept up to date by this writer's changes. */
    readonly request: RequestState,
    /** The person acting; null for the system (history rows without an actor, no audit entry). */
    readonly who: ActionContext | null,
    /** Set: the writes are collected in this batch, which writes them with others' set-based (see WriteBatch). */
    private readonly batch: WriteBatch | null = null,
  ) {}

  /** The acting user's id, or null for the system. */
  get actorUserId(): string | null {
    return this.who?.actor.id ?? null;
  }

  /** Sets columns of the request. */
  async update(patch: RequestPatch): Promise<void> {
    if (this.batch) this.batch.patch(this.request.id, patch);
    else await updateRequest(this.tx, this.request.id, patch);
    const r = this.request;
    if (patch.status !== undefined) r.status = patch.status;
    if (patch.assigned_user_id !== undefined) r.assignedUserId = patch.assigned_user_id;
    if (patch.team_id !== undefined) r.teamId = patch.team_id;
    if (patch.outcome !== undefined) r.outcome = patch.outcome;
    if (patch.match_state !== undefined) r.matchState = patch.match_state;
    if (patch.appointment_fhir_id !== undefined) r.appointmentFhirId = patch.appointment_fhir_id;
    if (patch.attempts !== undefined) r.attempts = patch.attempts;
    if (patch.error_reason !== undefined) r.errorReason = patch.error_reason;
  }

  /** History rows not written yet: the command's runner writes them all in one statement when the body ends. */
  private readonly pending: {
    requestId: string;
    actorUserId: string | null;
    type: EventType;
    data: Record<string, unknown>;
  }[] = [];

  /**
   * Adds a history event (written with the command's others when its body ends, in order, in the same transaction),
   * and lets the processors that react to its type schedule their work.
   */
  async event(type: EventType, data: Record<string, unknown> = {}): Promise<void> {
    const e = { requestId: this.request.id, actorUserId: this.actorUserId, type, data };
    this.events.push(type);
    if (this.batch) {
      this.batch.event(e);
      return;
    }
    this.pending.push(e);
    await reactToEvent(this.tx, e);
  }

  /** Writes the history events added so far (the runners call it when the body ends); a batch's writer: nothing. */
  async flush(): Promise<void> {
    await appendEvents(this.tx, this.pending.splice(0));
  }

  /** Writes the command's audit entry (people only; the system's actions are in the history). */
  async audit<A extends AuditAction>(action: A, details?: AuditDetails[A]): Promise<void> {
    if (!this.who) return;
    await recordAudit(this.tx, {
      actorUserId: this.who.actor.id,
      actorLabel: this.who.actor.displayName,
      action,
      requestId: this.request.id,
      details,
      ip: this.who.ip ?? null,
    });
  }

  /** Sets the assignee and writes its history row (`assigned` or `unassigned`). */
  async setAssignee(userId: string | null, data: Record<string, unknown>): Promise<void> {
    const previousUserId = this.request.assignedUserId;
    await this.update({ assigned_user_id: userId });
    await this.event(
      userId ? "assigned" : "unassigned",
      userId ? { userId, previousUserId, ...data } : { previousUserId, ...data },
    );
  }

  /** Sets the status and writes its `status_changed` history row (every status change has one: reports read them). */
  async moveStatus(to: RequestStatus, data: Record<string, unknown> = {}): Promise<void> {
    const from = this.request.status;
    if (from === to) return;
    await this.update({ status: to });
    await this.event("status_changed", { from, to, ...data });
  }

  /** Adds a warning to the command's result. */
  warn(text: string): void {
    this.warnings.push(text);
  }
}

/**
 * The writes of many system commands in one transaction, collected by their writers and written set-based: one UPDATE
 * of every row changed (each with its own patch), one INSERT of every history row in order, then the processors'
 * reactions to those events (`reactToEvents`). The pipeline writes a batch of requests this way (a statement or two
 * per batch instead of several per request). A body whose writes depend on reads of rows written earlier in the batch
 * must `flush` first.
 */
export class WriteBatch {
  private readonly patches = new Map<string, RequestPatch>();
  private readonly events: RequestEventNotice[] = [];

  constructor(readonly tx: Queryable) {}

  /** A system writer for `request` (locked by the caller) whose writes join this batch. */
  writer(request: RequestState): RequestWriter {
    return new RequestWriter(this.tx, request, null, this);
  }

  /** Adds to a request's pending patch (later values win). */
  patch(requestId: string, patch: RequestPatch): void {
    this.patches.set(requestId, { ...this.patches.get(requestId), ...patch });
  }

  /** Adds a history row (and its processors' reaction) to write. */
  event(e: RequestEventNotice): void {
    this.events.push(e);
  }

  /** Writes what was collected: the rows, then their history, then the processors' reactions. */
  async flush(): Promise<void> {
    const patches = new Map(this.patches);
    const events = this.events.splice(0);
    this.patches.clear();
    await updateRequests(this.tx, patches);
    await appendEvents(this.tx, events);
    await reactToEvents(this.tx, events);
  }
}

/** Returned by a command body that found the request already as asked: nothing was written, nothing is published. */
export const UNCHANGED = Symbol("unchanged");

/** Where a request stands after a command, and the event to publish once its transaction has committed. */
export interface CommandResult {
  id: string;
  status: RequestStatus;
  outcome: Outcome | null;
  outcomeDetails: Record<string, unknown> | null;
  teamId: string | null;
  assignedUser: { id: string; displayName: string } | null;
  matchState: MatchState;
  /** False when the request already was as asked (nothing written, no event). */
  changed: boolean;
  /** Non-fatal things the person should know. */
  warnings: string[];
  event: RequestChange | null;
}

/**
 * Reads the request's state after a command by `actorUserId` (from browser tab `tabId`, when known); `changed` decides
 * whether there is an event to publish.
 */
async function resultOf(
  tx: Queryable,
  requestId: string,
  by: { actorUserId: string; tabId: string | null },
  changed: boolean,
  warnings: string[] = [],
  previousTeamId?: string | null,
): Promise<CommandResult> {
  const r = await readRequestSummary(tx, requestId);
  if (!r) throw notFound("Request");
  return {
    id: requestId,
    status: r.status,
    outcome: r.outcome,
    outcomeDetails: r.outcome_details,
    teamId: r.team_id,
    assignedUser: r.assigned_user_id && r.display_name ? { id: r.assigned_user_id, displayName: r.display_name } : null,
    matchState: r.match_state,
    changed,
    warnings,
    event: changed
      ? {
          type: "request.updated",
          requestId,
          teamId: r.team_id,
          status: r.status,
          assignedUserId: r.assigned_user_id,
          actorUserId: by.actorUserId,
          ...(by.tabId ? { tabId: by.tabId } : {}),
          at: new Date().toISOString(),
          ...(previousTeamId !== undefined && previousTeamId !== r.team_id ? { previousTeamId } : {}),
        }
      : null,
  };
}

/** A command's body: decide with the pure rules and write through the writer; UNCHANGED when there was nothing to do. */
export type CommandBody = (w: RequestWriter) => Promise<void | typeof UNCHANGED>;

/** Publishes a command's live-update event, after its transaction committed (a hint for screens: never throws). */
async function publishResult(db: Db, result: CommandResult): Promise<void> {
  if (!result.event) return;
  try {
    await eventBus(db).publish(result.event);
  } catch {
    // The bus is a hint; the store is the truth.
  }
}

/**
 * Runs a person's command on one request in one transaction: lock it and check `need` (404/403) before anything else
 * is read, run the body, read the result; after commit, publish its event.
 */
export async function runCommand(
  db: Db,
  spec: ActionContext & { requestId: string; need?: Access },
  body: CommandBody,
): Promise<CommandResult> {
  const result = await db.transaction(async (tx) => {
    const r = await loadWithAccess(tx, spec.requestId, spec.actor, spec.need ?? "work");
    const teamBefore = r.teamId;
    const w = new RequestWriter(tx, r, { actor: spec.actor, ip: spec.ip ?? null });
    const done = await body(w);
    await w.flush();
    const by = { actorUserId: spec.actor.id, tabId: spec.tab ?? null };
    return resultOf(tx, r.id, by, done !== UNCHANGED, w.warnings, teamBefore);
  });
  await publishResult(db, result);
  return result;
}

/**
 * Runs a system command (pipeline, jobs) on one request inside the caller's transaction: lock it, run the body. The
 * caller publishes after its transaction commits. Returns false (and runs nothing) when the request does not exist.
 */
export async function systemCommandIn(tx: Queryable, requestId: string, body: CommandBody): Promise<boolean> {
  const r = await readRequestState(tx, requestId, true);
  if (!r) return false;
  const w = new RequestWriter(tx, r, null);
  await body(w);
  await w.flush();
  return true;
}

/**
 * Runs a system command in its own transaction and publishes `request.updated` after commit when it changed something.
 * Returns whether the request exists.
 */
export async function runSystemCommand(db: Db, requestId: string, body: CommandBody): Promise<boolean> {
  const event = await db.transaction(async (tx): Promise<RequestChange | null | undefined> => {
    const r = await readRequestState(tx, requestId, true);
    if (!r) return undefined;
    const w = new RequestWriter(tx, r, null);
    const done = await body(w);
    await w.flush();
    if (done === UNCHANGED) return null;
    // The writer kept `r` up to date: no need to read the row again for the live update.
    const at = new Date().toISOString();
    return {
      type: "request.updated",
      requestId,
      teamId: r.teamId,
      status: r.status,
      assignedUserId: r.assignedUserId,
      actorUserId: null,
      at,
    };
  });
  if (event) {
    try {
      await eventBus(db).publish(event);
    } catch {
      // The bus is a hint; the store is the truth.
    }
  }
  return event !== undefined;
}
