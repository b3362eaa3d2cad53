// The audit log's actions in words, and the choices of its Action filter: one entry for each action the server writes
// (AUDIT_ACTIONS, src/audit-actions.ts), so a new action cannot be left without words or out of the filter.
import { AUDIT_ACTIONS, type AuditAction } from "../api/types.ts";

/** Each audit action in a few plain words, as the audit log's Action column and filter show it. */
export const auditActionText: Record<AuditAction, string> = {
  "request.viewed": "Request viewed",
  "requests.listed": "Worklist viewed or searched",
  "request.notes_viewed": "Notes viewed",
  "request.claimed": "Request claimed",
  "request.assigned": "Request assigned",
  "request.unassigned": "Request unassigned",
  "request.transferred": "Request moved to another team",
  "request.status_changed": "Status changed",
  "request.outcome_recorded": "Outcome recorded",
  "request.manually_matched": "Appointment chosen by hand",
  "request.rematched": "PKB searched again",
  "request.note_added": "Note added",
  "request.snoozed": "Waiting for patient started",
  "request.snooze_ended": "Waiting for patient stopped",
  "request.reply_prepared": "Reply to the patient prepared",
  "request.patient_answered": "Patient answered (recorded)",
  "request.retried": "Request retried",
  "view.created": "Worklist view saved",
  "view.updated": "Worklist view changed",
  "view.deleted": "Worklist view deleted",
  "user.signed_in": "Signed in",
  "user.signed_out": "Signed out",
  "user.password_changed": "Password changed",
  "user.sign_in_unlocked": "Sign-in delay lifted",
  "team.hours_changed": "Team's working hours changed",
  "reply_template.changed": "Reply template changed",
  "pkb.connection_granted": "PKB access granted",
  "pkb.connection_reauthorised": "PKB access re-authorised",
  "pkb.connection_grant_failed": "PKB access not granted",
  "pkb.connection_removed": "PKB connection removed",
  "error_queue.viewed": "Error queue message opened",
  "error_queue.replayed": "Error queue message replayed",
  "error_queue.replay_failed": "Error queue replay failed",
  "error_queue.discarded": "Error queue message discarded",
  "report.rows_exported": "Report rows exported",
  "audit.viewed": "Audit log viewed",
  "audit.exported": "Audit log exported",
  "retention.purged": "Old records deleted",
  "tokens.rekeyed": "PKB tokens re-encrypted",
};

/** An entry's action in words; an action this Rebook does not write (an older one's) as it was stored. */
export function auditActionLabel(action: string): string {
  return Object.hasOwn(auditActionText, action) ? auditActionText[action as AuditAction] : action;
}

/** The Action filter's choices, [value, label], "Any action" first, then every action in AUDIT_ACTIONS' order. */
export const auditActionChoices: [string, string][] = [
  ["", "Any action"],
  ...AUDIT_ACTIONS.map((a): [string, string] => [a, auditActionText[a]]),
];
