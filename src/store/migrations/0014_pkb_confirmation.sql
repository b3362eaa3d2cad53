-- PKB confirmation: whether PKB shows a request's recorded outcome (rebooked or cancelled). One row per request whose
-- current outcome needs confirming; no row = not needed (no outcome, rejected, needs patient contact, or reopened).
-- Written with the request's history events in the same transactions (the outcome, each check's result), so it is a
-- rollup of request_events that the worklist can filter on and the reports can aggregate. See docs/pkb-confirmation.md.
CREATE TABLE pkb_confirmations (
  request_id uuid PRIMARY KEY REFERENCES appointment_requests (id) ON DELETE CASCADE,
  outcome text NOT NULL CHECK (outcome IN ('rebooked', 'cancelled')),
  -- rebooked: the new appointment's start as recorded (UTC instant of the UK wall-clock time)
  new_start timestamptz,
  -- when the outcome was recorded, and by when PKB should show it (outcome_at + CONFIRM_WITHIN_HOURS)
  outcome_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  state text NOT NULL DEFAULT 'awaiting' CHECK (state IN ('awaiting', 'confirmed', 'not_confirmed')),
  checks integer NOT NULL DEFAULT 0,
  checked_at timestamptz,
  confirmed_at timestamptz,
  -- what PKB showed at the last check, in words ("PKB still shows Mon 12 Oct 16:00"); no identifiers
  shows text,
  -- when the "not confirmed in PKB" alert went out (once per outcome)
  alerted_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((outcome = 'rebooked') = (new_start IS NOT NULL)),
  CHECK ((state = 'confirmed') = (confirmed_at IS NOT NULL))
);
-- The worklist's confirmation filter and the team leads' banner count.
CREATE INDEX pkb_confirmations_state ON pkb_confirmations (state, request_id);
-- The reports: outcomes recorded in a range.
CREATE INDEX pkb_confirmations_outcome_at ON pkb_confirmations (outcome_at);

-- The confirmation schedule in force (one row), written at start-up from CONFIRM_CHECK_SECONDS,
-- CONFIRM_MAX_INTERVAL_SECONDS, CONFIRM_WITHIN_HOURS and CONFIRM_CHECK_FOR_HOURS, so that the processor's reaction to an
-- outcome (inside the outcome's transaction) and every instance's checks use the same one. Milliseconds.
CREATE TABLE pkb_confirmation_policy (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  first_check_ms bigint NOT NULL CHECK (first_check_ms > 0),
  max_interval_ms bigint NOT NULL CHECK (max_interval_ms > 0),
  within_ms bigint NOT NULL CHECK (within_ms > 0),
  check_for_ms bigint NOT NULL CHECK (check_for_ms > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO pkb_confirmation_policy (first_check_ms, max_interval_ms, within_ms, check_for_ms)
VALUES (300000, 3600000, 86400000, 604800000);

-- Two new kinds of history row (src/requests/vocabulary.ts EVENT_TYPES): PKB showed the outcome, or did not in time.
ALTER TABLE request_events DROP CONSTRAINT request_events_type_check;
ALTER TABLE request_events ADD CONSTRAINT request_events_type_check CHECK (type IN (
  'received', 'subject_unparseable', 'follow_up_received', 'patient_identified', 'patient_not_identified',
  'appointment_linked', 'no_appointment_found', 'match_needs_review', 'routed', 'error', 'assigned', 'unassigned',
  'status_changed', 'reopened', 'outcome_recorded', 'note_added', 'rematched', 'retry_requested',
  'pkb_confirmed', 'pkb_not_confirmed'
));
