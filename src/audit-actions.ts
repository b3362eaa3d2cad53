// The actions Rebook writes to the audit log, defined once: recordAudit and the commands' audit take only these, the
// audit API's action filter accepts only these, and the web app names each and offers each in its Action filter
// (web/src/admin/audit-actions.ts; test/web/audit-actions.test.ts). What each writes in its details is in
// src/audit-details.ts. This module imports nothing, so the web app can import it without pulling in server code
// (test/boundaries.test.ts).

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
  "pkb.connection_granted",
  "pkb.connection_reauthorised",
  "pkb.connection_grant_failed",
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
