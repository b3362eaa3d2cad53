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
  warnings: string[];
}

export const claim = (id: string, takeOver = false) =>
  post<WorkflowResult>(`${base(id)}/claim`, takeOver ? { takeOver: true } : {});
export const assign = (id: string, userId: string) => post<WorkflowResult>(`${base(id)}/assign`, { userId });
export const unassign = (id: string) => post<WorkflowResult>(`${base(id)}/unassign`);
export const setStatus = (id: string, status: "open" | "in_progress" | "done", reason?: string) =>
  post<WorkflowResult>(`${base(id)}/status`, reason ? { status, reason } : { status });

/** An outcome as the API takes it (newStart on the UK clock). */
export type OutcomeInput =
  | { outcome: "rebooked"; newStart: { date: string; time: string } }
  | { outcome: "cancelled" }
  | { outcome: "rejected"; reason: string }
  | { outcome: "needs_patient_contact"; note: string };

export const recordOutcome = (id: string, o: OutcomeInput) => post<WorkflowResult>(`${base(id)}/outcome`, o);

export const listNotes = (id: string) => get<{ items: Note[] }>(`${base(id)}/notes`);
export const addNote = (id: string, body: string) => post<{ note: Note }>(`${base(id)}/notes`, { body });

export const manualMatch = (id: string, fhirId: string) => post<WorkflowResult>(`${base(id)}/match`, { fhirId });
export const rematch = (id: string) => post<WorkflowResult>(`${base(id)}/rematch`);
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
  | { action: "status"; status: "open" | "in_progress" | "done" };

export interface BulkResult {
  results: ({ id: string; ok: true } | { id: string; ok: false; error: { code: string; message: string } })[];
  succeeded: number;
  failed: number;
}

export const bulk = (ids: string[], action: BulkAction) => post<BulkResult>("/api/requests/bulk", { ids, ...action });

export type { Outcome };
