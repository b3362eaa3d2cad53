// The clerks' actions on requests (src/http/api/workflow.ts): claim, assign, status, outcome, notes, matching, bulk
// changes and presence. Each action answers where the request stands now.
import { del, get, post } from "./client.ts";
import type { Note, Outcome, RequestStatus } from "./types.ts";

const base = (id: string): string => `/api/requests/${encodeURIComponent(id)}`;

/** What every action answers. */
export interface WorkflowResult {
  id: string;
  status: RequestStatus;
  outcome: string | null;
  teamId: string | null;
  assignedUser: { id: string; displayName: string } | null;
  matchState: string;
  /** False when the request already was as asked. */
  changed: boolean;
  /** What the person should know about the change (e.g. a time the autumn night repeats): shown with its confirmation. */
  warnings: string[];
}

// `override`: go ahead although someone else holds the request (the API answers 409 held_by_other without it).
const ov = (override: boolean | undefined) => (override ? { override: true } : {});

export const claim = (id: string, takeOver = false) =>
  post<WorkflowResult>(`${base(id)}/claim`, takeOver ? { takeOver: true } : {});
export const assign = (id: string, userId: string, override?: boolean) =>
  post<WorkflowResult>(`${base(id)}/assign`, { userId, ...ov(override) });
export const unassign = (id: string, override?: boolean) => post<WorkflowResult>(`${base(id)}/unassign`, ov(override));
/** Open, in progress, or reopen (with a reason): done comes only with an outcome. */
export const setStatus = (id: string, status: "open" | "in_progress", reason?: string, override?: boolean) =>
  post<WorkflowResult>(`${base(id)}/status`, { status, ...(reason ? { reason } : {}), ...ov(override) });

/** An outcome as the API takes it (newStart on the UK clock; confirmPast for a change made in the past). */
export type OutcomeInput =
  | { outcome: "rebooked"; newStart: { date: string; time: string }; confirmPast?: boolean }
  | { outcome: "cancelled" }
  | { outcome: "rejected"; reason: string }
  | { outcome: "needs_patient_contact"; note: string };

/** The outcomes that may be recorded on many requests at once (a rebooking has its own time per request). */
export type BulkOutcomeInput = Exclude<OutcomeInput, { outcome: "rebooked" }>;

export const recordOutcome = (id: string, o: OutcomeInput, override?: boolean) =>
  post<WorkflowResult>(`${base(id)}/outcome`, { ...o, ...ov(override) });

export const transfer = (id: string, teamId: string, reason: string, override?: boolean) =>
  post<WorkflowResult>(`${base(id)}/transfer`, { teamId, reason, ...ov(override) });

export const listNotes = (id: string) => get<{ items: Note[] }>(`${base(id)}/notes`);
export const addNote = (id: string, body: string, override?: boolean) =>
  post<{ note: Note; request: WorkflowResult }>(`${base(id)}/notes`, { body, ...ov(override) });

export const manualMatch = (id: string, fhirId: string, override?: boolean) =>
  post<WorkflowResult>(`${base(id)}/match`, { fhirId, ...ov(override) });
export const rematch = (id: string, override?: boolean) => post<WorkflowResult>(`${base(id)}/rematch`, ov(override));
export const retry = (id: string) => post(`${base(id)}/retry`);

/** Someone else on the request (from the presence answer). */
export interface PresenceEntry {
  userId: string;
  displayName: string;
  state: "viewing" | "editing";
  since: string;
}

/** Heartbeat: answers with the others present (null when it failed; presence is a hint). */
export const sendPresence = (id: string, state: "viewing" | "editing") =>
  post<{ presence: PresenceEntry[] }>(`${base(id)}/presence`, { state }).catch(() => null);
export const leavePresence = (id: string) => del(`${base(id)}/presence`).catch(() => undefined);

/** A bulk action on many requests. */
export type BulkAction =
  | { action: "assign"; userId: string }
  | { action: "unassign" }
  | { action: "status"; status: "open" | "in_progress" }
  | { action: "outcome"; outcome: BulkOutcomeInput }
  | { action: "transfer"; teamId: string; reason: string };

export interface BulkResult {
  results: (
    | { id: string; ok: true; result: WorkflowResult }
    | { id: string; ok: false; error: { code: string; message: string } }
  )[];
  succeeded: number;
  failed: number;
}

export const bulk = (ids: string[], action: BulkAction, override?: boolean) =>
  post<BulkResult>("/api/requests/bulk", { ids, ...action, ...ov(override) });

export type { Outcome };
