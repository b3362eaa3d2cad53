-- Settling what PKB already shows, and one work item per appointment (issue 9 §3, §4; docs/settling.md).

-- A cancel request PKB already shows done is closed by Rebook with its own outcome.
ALTER TABLE appointment_requests DROP CONSTRAINT appointment_requests_outcome_check;
ALTER TABLE appointment_requests ADD CONSTRAINT appointment_requests_outcome_check CHECK (outcome IS NULL OR outcome IN (
  'rebooked', 'cancelled', 'rejected', 'needs_patient_contact', 'already_done_in_pkb'
));

ALTER TABLE appointment_requests
  -- How many requests the patient sent for this appointment while this one was open (repeats attach to it).
  ADD COLUMN asked_count integer NOT NULL DEFAULT 1 CHECK (asked_count >= 1),
  -- The earlier request for the same appointment that was already done when this one arrived ("asked again").
  ADD COLUMN previous_request_id uuid REFERENCES appointment_requests (id) ON DELETE SET NULL,
  -- What PKB shows that a person must look at: a change request's appointment moved (to pkb_moved_to) or cancelled
  -- since the request was sent; pkb_flag_text says it in words. Null: nothing to flag.
  ADD COLUMN pkb_flag text CHECK (pkb_flag IN ('moved', 'cancelled')),
  ADD COLUMN pkb_flag_text text,
  ADD COLUMN pkb_moved_to timestamptz,
  -- The last time the settle processor read the appointment from PKB.
  ADD COLUMN pkb_checked_at timestamptz,
  -- When the request was marked "appointment passed before action": its appointment started before it was received,
  -- or before anyone recorded an outcome. Kept once set (the reports count it), unless the request is linked anew.
  ADD COLUMN appointment_passed_at timestamptz,
  ADD CONSTRAINT appointment_requests_pkb_flag_text CHECK ((pkb_flag IS NULL) = (pkb_flag_text IS NULL));

-- The worklist's "appointment passed" and "PKB shows a change" filters.
CREATE INDEX appointment_requests_passed ON appointment_requests (appointment_passed_at) WHERE appointment_passed_at IS NOT NULL;
CREATE INDEX appointment_requests_pkb_flag ON appointment_requests (pkb_flag) WHERE pkb_flag IS NOT NULL;
-- Finding an open request for the same appointment (repeats): by patient, then appointment or requested start.
CREATE INDEX appointment_requests_same_appointment ON appointment_requests (nhs_number, status);
CREATE INDEX appointment_requests_same_appointment_pkb ON appointment_requests (patient_pkb_id, status);

-- The settle processor's recheck interval in force (one row), written at start-up from PKB_RECHECK_MINUTES, so the
-- processor's reaction to an event (inside its transaction) and every instance use the same one. Milliseconds.
CREATE TABLE pkb_settle_policy (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  recheck_ms bigint NOT NULL CHECK (recheck_ms > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO pkb_settle_policy (recheck_ms) VALUES (3600000);

ALTER TABLE request_events DROP CONSTRAINT request_events_type_check;
ALTER TABLE request_events ADD CONSTRAINT request_events_type_check CHECK (type IN (
  'received', 'subject_unparseable', 'follow_up_received', 'patient_identified', 'patient_not_identified',
  'appointment_linked', 'no_appointment_found', 'match_needs_review', 'routed', 'error', 'assigned', 'unassigned',
  'status_changed', 'reopened', 'outcome_recorded', 'note_added', 'rematched', 'retry_requested', 'pkb_confirmed',
  'pkb_not_confirmed', 'transferred', 'pkb_already_done', 'pkb_flagged', 'pkb_flag_cleared', 'appointment_passed',
  'repeat_received', 'type_changed', 'asked_again'
));
