// The actions Rebook writes to the audit log, defined once: recordAudit and the commands' audit take only these, the
// audit API's action filter accepts only these, and the web app names each and offers each in its Action filter
// (web/src/admin/audit-actions.ts; test/web/audit-actions.test.ts). This module imports nothing, so the web app can
// import it without pulling in server code (test/boundaries.test.ts).

/** Every audit action, grouped as the audit page's Action filter lists them: requests, people, admin, the system. */
export const AUDIT_ACTIONS = [
  // A person and one request, or the worklist.
  "request.viewed",
  "requests.listed",
  "request.notes_viewed",
  "request.claimed",
  "request.assigned",
  "request.unassigned",
  "request.transferred",
  "request.status_changed",
  "request.outcome_recorded",
  "request.manually_matched",
  "request.rematched",
  "request.note_added",
  "request.snoozed",
  "request.snooze_ended",
  "request.reply_prepared",
  "request.patient_answered",
  "request.retried",
  // Saved worklist views.
  "view.created",
  "view.updated",
  "view.deleted",
  // Signing in.
  "user.signed_in",
  "user.signed_out",
  "user.password_changed",
  "user.sign_in_unlocked",
  // Administration and reports.
  "team.hours_changed",
  "reply_template.changed",
  "pkb.connection_removed",
  "error_queue.viewed",
  "error_queue.replayed",
  "error_queue.replay_failed",
  "error_queue.discarded",
  "report.rows_exported",
  "audit.viewed",
  "audit.exported",
  // The system's own jobs.
  "retention.purged",
  "tokens.rekeyed",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** How a person's write to a request was made when not the usual way: over someone else's hold, or in bulk. */
export type AuditHow = { override?: { holderId: string }; bulk?: true };

/** An action that writes no details. */
type NoDetails = Record<string, never>;

/**
 * The details each action writes, key by key: recordAudit and the commands' audit take only these, and the audit page
 * words every key (web/src/admin/audit-details.ts, a mapping over this type: a key added here without words fails the
 * web app's typecheck). Ids are UUIDs; instants ISO 8601 (UTC); a status, outcome, match state, message kind or
 * request type is one of the request vocabulary's (src/requests/vocabulary.ts), which this module may not import.
 * Older rows may hold keys no longer written: the page words those as they are.
 */
export interface AuditDetails {
  "request.viewed": NoDetails;
  /** `shown` requests, the ids of those shown, and the search typed, if any. */
  "requests.listed": { shown: number; search?: string; requestIds: string[] };
  "request.notes_viewed": NoDetails;
  /** `takeOverFrom`: the person who held it, when taken over. */
  "request.claimed": { takeOverFrom?: string };
  "request.assigned": { userId: string } & AuditHow;
  "request.unassigned": { previousUserId: string | null } & AuditHow;
  "request.transferred": { fromTeamId: string | null; toTeamId: string; reason: string } & AuditHow;
  /** Statuses (RequestStatus). */
  "request.status_changed": { from: string; to: string; reason?: string } & AuditHow;
  /** An Outcome; `inPast` when a rebooking into the past was confirmed. */
  "request.outcome_recorded": { outcome: string; inPast?: true } & AuditHow;
  /** PKB's id of the appointment chosen. */
  "request.manually_matched": { fhirId: string } & AuditHow;
  /** `decision`: the MatchState PKB's search led to. */
  "request.rematched": { decision: string; candidates: number } & AuditHow;
  "request.note_added": { noteId: number } & AuditHow;
  "request.snoozed": { until: string } & AuditHow;
  "request.snooze_ended": AuditHow;
  "request.reply_prepared": { offered: boolean };
  /** The request's Outcome and the reply channel's name (src/requests/reply-channel.ts). */
  "request.patient_answered": { outcome: string | null; channel: string };
  "request.retried": NoDetails;
  /** `query`: the /api/requests query the view keeps (its filters and sort). */
  "view.created": { viewId: string; name: string; scope: "personal" | "team"; teamId: string | null; query: string };
  "view.updated": { viewId: string; name: string; previousName?: string; query?: string; previousQuery?: string };
  "view.deleted": { viewId: string; name: string; scope: "personal" | "team"; teamId: string | null };
  "user.signed_in": { method: "password" | "oidc" };
  "user.signed_out": NoDetails;
  "user.password_changed": NoDetails;
  /** `lifted`: whether there was a delay to lift. */
  "user.sign_in_unlocked": { userId: string; lifted: boolean };
  /** The hours before and after, in words ("Mon–Fri 08:00–18:00"); `recomputed` open requests' deadlines moved. */
  "team.hours_changed": { teamId: string; from: string; to: string; recomputed: number };
  /** The PersonOutcome whose reply changed, and its text before (null: none) and after. */
  "reply_template.changed": { outcome: string; before: string | null; after: string };
  "pkb.connection_removed": { connectionId: string; label: string | null };
  /** `pkbMessageId`: PKB's id of the message set aside (null: it had none); never the message's text. */
  "error_queue.viewed": { entryId: string; pkbMessageId: string | null };
  /**
   * `heldFor`: why the message was set aside (the entry's reason before the replay); `filedAs`: the MessageKind the
   * replay filed, or null when the message was already stored. Either way the message is stored now.
   */
  "error_queue.replayed": { entryId: string; pkbMessageId: string | null; heldFor: string; filedAs: string | null };
  /** `reason`: why the replay failed; the message is still not stored. */
  "error_queue.replay_failed": { entryId: string; pkbMessageId: string | null; heldFor: string; reason: string };
  /** `reason`: the admin's, as written. */
  "error_queue.discarded": { entryId: string; pkbMessageId: string | null; heldFor: string; reason: string };
  /** UK dates (YYYY-MM-DD); a team id or "none", a specialty code or "none", a RequestType; null: any. */
  "report.rows_exported": {
    from: string;
    to: string;
    teamId: string | null;
    specialtyCode: string | null;
    type: string | null;
  };
  /** The requests whose entries the page showed, and the patient searched for, if any. */
  "audit.viewed": { requestIds: string[]; search?: string };
  "audit.exported": { filter: { requestId?: string; patient?: string; action?: string } };
  /**
   * One batch of a retention class (src/store/retention.ts): rows removed, older than an instant; then per class the
   * requests' history, notes, messages and patients removed with them and when they were received, or the messages'
   * sent times, or the audit entries' or poll history's id range.
   */
  "retention.purged": {
    class: "requests" | "unrelated_messages" | "worklist_views" | "audit" | "sync_runs";
    rows: number;
    olderThan: string;
    requests?: number;
    events?: number;
    notes?: number;
    messagesEmptied?: number;
    patientsRemoved?: number;
    receivedFrom?: string;
    receivedTo?: string;
    sentFrom?: string;
    sentTo?: string;
    fromId?: number | null;
    toId?: number | null;
  };
  "tokens.rekeyed": { keyId: string; resealed: number; alreadyCurrent: number; failed: number };
}
