// The request's state machine and the rules every command decides with. Pure: no I/O; the request's facts and the
// actor are passed in, and a rule that says no throws the AppError the API answers with.
// The pipeline owns `processing` and `error` (retry sends an error back to processing); people move requests between
// open, in progress and done.
import { canAssignOthers, type SessionUser } from "../auth/permissions.ts";
import type { MatchDecision } from "../domain/match.ts";
import { AppError } from "../errors.ts";
import type { EventType, MatchState, Outcome, RequestStatus, WorkStatus } from "./vocabulary.ts";

// Done is reached only by recording an outcome (recordOutcome), never by a status move: a request closed without an
// outcome says nothing about what became of it.
const MOVES: Record<RequestStatus, readonly RequestStatus[]> = {
  processing: [],
  error: [],
  open: ["in_progress"],
  in_progress: ["open"],
  // Reopening needs a reason.
  done: ["open"],
};

/** Whether a person may move a request from `from` to `to` (staying put is not a move). */
export function canMove(from: RequestStatus, to: RequestStatus): boolean {
  return MOVES[from].includes(to);
}

/** Whether the move is a reopening (which needs a reason). */
export const isReopen = (from: RequestStatus, to: RequestStatus): boolean => from === "done" && to === "open";

/** Readable status, for messages. */
export const statusText = (s: RequestStatus): string => s.replace("_", " ");

/** The facts about a request the rules look at. */
export interface RequestFacts {
  status: RequestStatus;
  teamId: string | null;
  assignedUserId: string | null;
  assignedName: string | null;
}

/** Whether the actor leads the request's team (or is an admin): may reassign, take over, act on others' requests. */
export const leadsRequest = (actor: SessionUser, r: RequestFacts): boolean => canAssignOthers(actor, r.teamId);

/** Who holds the request, for an error's details (the web app names them and offers to go ahead). */
const holderDetails = (r: RequestFacts) => ({
  holder: { id: r.assignedUserId, displayName: r.assignedName ?? "Someone else" },
});

/** 409 `already_assigned`: someone else holds the request (claiming it needs takeOver). */
export const alreadyAssigned = (r: RequestFacts): AppError =>
  new AppError(
    "already_assigned",
    `${r.assignedName ?? "Someone else"} is working on this request; ask them or a team lead`,
    409,
    true,
    holderDetails(r),
  );

/**
 * Who may go ahead with a change to a request someone else holds once they pass `override`: a team lead of its team
 * or an admin (`lead`), or anyone who may work it (`worker`: adding a note).
 */
export type OverrideBy = "lead" | "worker";

/**
 * The rule for every write by someone who does not hold the request: 409 `held_by_other` (with the holder's name, and
 * `details.holder`) unless the actor passes `override`; with it, 403 `forbidden` unless `by` allows them. Returns the
 * override to record in the history (null when the actor holds the request or nobody does).
 */
export function requireHolderOrOverride(
  actor: SessionUser,
  r: RequestFacts,
  override: boolean | undefined,
  by: OverrideBy = "lead",
): { holderId: string } | null {
  if (!r.assignedUserId || r.assignedUserId === actor.id) return null;
  const name = r.assignedName ?? "Someone else";
  if (!override) {
    throw new AppError(
      "held_by_other",
      `${name} is working on this request. Check with them first; to go ahead anyway, confirm the change.`,
      409,
      true,
      holderDetails(r),
    );
  }
  if (by === "lead" && !leadsRequest(actor, r)) {
    throw new AppError(
      "forbidden",
      `${name} is working on this request: only a team lead or an admin can change it; ask them`,
      403,
    );
  }
  return { holderId: r.assignedUserId };
}

/** 409 `request_closed` for a done request, `not_workable` while the pipeline owns it (processing, error). */
export function requireWorkable(r: RequestFacts): void {
  if (r.status === "done") throw new AppError("request_closed", "This request is done; reopen it first", 409);
  if (r.status === "processing" || r.status === "error") {
    throw new AppError(
      "not_workable",
      `This request is ${statusText(r.status)}: the pipeline has not finished with it yet`,
      409,
    );
  }
}

/** 409 `request_closed` for assigning a done request. */
export function requireNotDone(r: RequestFacts): void {
  if (r.status === "done") {
    throw new AppError("request_closed", "This request is done: reopen it before assigning it", 409);
  }
}

/**
 * 409 `outcome_required` for a move to done (done comes only with an outcome), `invalid_transition` unless a person
 * may move the request from its status to `to`.
 */
export function requireMove(from: RequestStatus, to: WorkStatus): void {
  if (to === "done" && from !== "done") {
    throw new AppError(
      "outcome_required",
      "A request is done only once its outcome is recorded: record the outcome (rebooked, cancelled or rejected) instead",
      409,
    );
  }
  if (!canMove(from, to)) {
    throw new AppError(
      "invalid_transition",
      `A request that is ${statusText(from)} cannot be moved to ${statusText(to)}`,
      409,
    );
  }
}

/** 409 `not_in_error` unless the request is in error (the only status retry applies to). */
export function requireInError(status: RequestStatus): void {
  if (status !== "error") {
    throw new AppError(
      "not_in_error",
      `Only a request in error can be retried; this one is ${statusText(status)}`,
      409,
    );
  }
}

/** The status a request has once this outcome is recorded: done, except "needs patient contact" (still in progress). */
export const statusAfterOutcome = (o: Outcome): WorkStatus => (o === "needs_patient_contact" ? "in_progress" : "done");

/** The match state the pipeline's decision gives a request. */
export const matchStateOf = (d: MatchDecision): MatchState => (d === "auto_link" ? "auto_linked" : d);

/** The history event of the pipeline's match decision. */
export const matchEventOf = (d: MatchDecision): EventType =>
  d === "auto_link" ? "appointment_linked" : d === "no_candidates" ? "no_appointment_found" : "match_needs_review";
