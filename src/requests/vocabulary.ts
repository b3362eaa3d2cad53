// The appointment request's vocabulary, defined once: statuses, match and patient states, types, priorities, outcomes,
// PKB confirmation states and history event types. The API schemas, the store, the SQL CHECK constraints (see
// test/requests/vocabulary-sql.test.ts) and the web app (web/src/api/types.ts) all take their lists from here.
// This module imports nothing, so the web app can import it without pulling in server code (test/boundaries.test.ts).

/** Workflow status: processing (the pipeline is still working) → open → in_progress → done; error when it gave up. */
export const REQUEST_STATUSES = ["processing", "open", "in_progress", "done", "error"] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** The statuses a person may set (the pipeline owns processing and error). */
export const WORK_STATUSES = ["open", "in_progress", "done"] as const;
export type WorkStatus = (typeof WORK_STATUSES)[number];

/** How the request's appointment was found: not yet, automatically, needs a person, by a person, none, or no patient. */
export const MATCH_STATES = ["pending", "auto_linked", "review", "manual", "no_candidates", "not_applicable"] as const;
export type MatchState = (typeof MATCH_STATES)[number];

/** Whether the patient was identified by NHS number. */
export const PATIENT_STATES = ["pending", "identified", "not_identified"] as const;
export type PatientState = (typeof PATIENT_STATES)[number];

/** Whether the message subject could be read. */
export const PARSE_STATUSES = ["parsed", "unparseable"] as const;
export type ParseStatus = (typeof PARSE_STATUSES)[number];

/** What the patient asks for (null on a request whose subject could not be read). */
export const REQUEST_TYPES = ["change", "cancel"] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** A request's priority, as routing rules set it. */
export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * What became of a request. `already_done_in_pkb` is set by Rebook alone: a cancel request whose appointment PKB already
 * shows cancelled (or no longer lists) is closed with it (docs/settling.md); it can be reopened like any outcome.
 */
export const OUTCOMES = ["rebooked", "cancelled", "rejected", "needs_patient_contact", "already_done_in_pkb"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Whether PKB shows the recorded outcome: not needed (no outcome, or one PKB does not show), awaiting a check,
 * confirmed, or not confirmed within the limit.
 */
export const PKB_CONFIRMATION_STATES = ["not_needed", "awaiting", "confirmed", "not_confirmed"] as const;
export type PkbConfirmationState = (typeof PKB_CONFIRMATION_STATES)[number];

/** The outcomes a person may record (the others are Rebook's own). */
export const PERSON_OUTCOMES = ["rebooked", "cancelled", "rejected", "needs_patient_contact"] as const;
export type PersonOutcome = (typeof PERSON_OUTCOMES)[number];

/**
 * What PKB shows of an open request's appointment that a person must look at (docs/settling.md): a change request's
 * appointment has moved, or been cancelled, since the request was sent. Null: nothing to flag.
 */
export const PKB_FLAGS = ["moved", "cancelled"] as const;
export type PkbFlag = (typeof PKB_FLAGS)[number];

/** What a stored PKB message is to Rebook. */
export const MESSAGE_KINDS = ["request", "follow_up", "unrelated"] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/**
 * Every kind of request_events row. Adding one: add it here, to the CHECK constraint of request_events.type (a new
 * migration), and a label in web/src/detail/History.tsx (the web typecheck fails until it has one).
 */
export const EVENT_TYPES = [
  // The pipeline
  "received",
  "subject_unparseable",
  "follow_up_received",
  "patient_identified",
  "patient_not_identified",
  "appointment_linked",
  "no_appointment_found",
  "match_needs_review",
  "routed",
  "error",
  // People (and the pipeline, for assigned and status_changed)
  "assigned",
  "unassigned",
  "status_changed",
  "reopened",
  "outcome_recorded",
  "note_added",
  "rematched",
  "retry_requested",
  // PKB confirmation (src/requests/processors/pkb-confirmation.ts)
  "pkb_confirmed",
  "pkb_not_confirmed",
  "transferred",
  // Settling what PKB already shows (src/requests/processors/settle.ts)
  "pkb_already_done",
  "pkb_flagged",
  "pkb_flag_cleared",
  "appointment_passed",
  "appointment_passed_cleared",
  "appointment_moved",
  // One work item per appointment (src/requests/commands/pipeline.ts)
  "repeat_received",
  "type_changed",
  "asked_again",
  // Waiting for the patient (src/requests/commands/snooze.ts) and answering them (src/requests/commands/reply.ts)
  "snoozed",
  "snooze_ended",
  "patient_answered",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
