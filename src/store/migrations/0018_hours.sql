-- Working-hours deadlines, waiting for the patient, and answering the patient (issue 10).
--
-- Each team's working hours (UK clock) on the weekdays it works; a team with none works around the clock (its
-- deadlines count elapsed time, as before). The bank holidays of the configured nation (BANK_HOLIDAYS), written by
-- Rebook at start-up from the date-holidays package.
CREATE TABLE team_working_hours (
  team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  opens time NOT NULL,
  closes time NOT NULL CHECK (closes > opens),
  PRIMARY KEY (team_id, weekday)
);

CREATE TABLE bank_holidays (
  day date PRIMARY KEY,
  name text NOT NULL
);

-- The SLA in working time (REQUEST_SLA_WORKING_HOURS) and the bank-holiday nation in force.
ALTER TABLE deadline_policy ADD COLUMN working_sla interval NOT NULL DEFAULT interval '16 hours';
ALTER TABLE deadline_policy ADD COLUMN holiday_region text NOT NULL DEFAULT '';

-- Waiting for the patient: while snoozed (snoozed_at … snoozed_until) the SLA clock stands still; sla_paused_ms is the
-- working time it stood still in waits that have ended. Answering the patient: who recorded it, and when.
ALTER TABLE appointment_requests ADD COLUMN snoozed_at timestamptz;
ALTER TABLE appointment_requests ADD COLUMN snoozed_until timestamptz;
ALTER TABLE appointment_requests ADD COLUMN snoozed_by uuid REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE appointment_requests ADD COLUMN sla_paused_ms bigint NOT NULL DEFAULT 0 CHECK (sla_paused_ms >= 0);
ALTER TABLE appointment_requests ADD CONSTRAINT appointment_requests_snooze_check
  CHECK ((snoozed_at IS NULL) = (snoozed_until IS NULL) AND (snoozed_until IS NULL OR snoozed_until > snoozed_at));
ALTER TABLE appointment_requests ADD COLUMN patient_answered_at timestamptz;
ALTER TABLE appointment_requests ADD COLUMN patient_answered_by uuid REFERENCES users (id) ON DELETE SET NULL;
-- The reminder job finds the waits that have ended.
CREATE INDEX appointment_requests_snoozed ON appointment_requests (snoozed_until) WHERE snoozed_until IS NOT NULL;

-- The working period of local date d for a team, as instants; no row when the team does not work that day.
-- Same rule as periodOf() in src/domain/working-time.ts.
CREATE FUNCTION working_period(team uuid, d date, OUT starts timestamptz, OUT ends timestamptz) RETURNS SETOF record
  LANGUAGE sql STABLE AS $$
    SELECT (d + h.opens) AT TIME ZONE 'Europe/London', (d + h.closes) AT TIME ZONE 'Europe/London'
    FROM team_working_hours h
    WHERE h.team_id = team AND h.weekday = extract(isodow FROM d)
      AND NOT EXISTS (SELECT 1 FROM bank_holidays b WHERE b.day = d)
  $$;

-- The instant `secs` seconds of the team's working time after start_at (elapsed time for a team with no hours).
-- Same rule as addWorkingTime() in src/domain/working-time.ts. Seconds, not intervals: '1 day' is 23 or 25 hours
-- across a clock change, an interval of seconds never is.
CREATE FUNCTION working_add(team uuid, start_at timestamptz, secs double precision) RETURNS timestamptz
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  remaining double precision := secs;
  d date;
  p record;
  f timestamptz;
  avail double precision;
BEGIN
  IF team IS NULL OR NOT EXISTS (SELECT 1 FROM team_working_hours WHERE team_id = team) THEN
    RETURN start_at + make_interval(secs => secs);
  END IF;
  d := (start_at AT TIME ZONE 'Europe/London')::date;
  FOR i IN 1..3700 LOOP
    SELECT * INTO p FROM working_period(team, d);
    IF FOUND THEN
      f := GREATEST(start_at, p.starts);
      IF f < p.ends THEN
        avail := extract(epoch FROM p.ends) - extract(epoch FROM f);
        IF remaining <= avail THEN RETURN f + make_interval(secs => remaining); END IF;
        remaining := remaining - avail;
      END IF;
    END IF;
    d := d + 1;
  END LOOP;
  RETURN start_at + make_interval(secs => secs);
END
$$;

-- The team's working time between two instants, in seconds. Same rule as workingTimeBetween().
CREATE FUNCTION working_between(team uuid, a timestamptz, b timestamptz) RETURNS double precision
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  total double precision := 0;
  d date;
  last_day date;
  p record;
BEGIN
  IF b <= a THEN RETURN 0; END IF;
  IF team IS NULL OR NOT EXISTS (SELECT 1 FROM team_working_hours WHERE team_id = team) THEN
    RETURN extract(epoch FROM b) - extract(epoch FROM a);
  END IF;
  d := (a AT TIME ZONE 'Europe/London')::date;
  last_day := (b AT TIME ZONE 'Europe/London')::date;
  WHILE d <= last_day LOOP
    SELECT * INTO p FROM working_period(team, d);
    IF FOUND AND LEAST(b, p.ends) > GREATEST(a, p.starts) THEN
      total := total + extract(epoch FROM LEAST(b, p.ends)) - extract(epoch FROM GREATEST(a, p.starts));
    END IF;
    d := d + 1;
  END LOOP;
  RETURN total;
END
$$;

-- The deadline: same rule as workingDeadlineAt() in src/domain/deadline.ts.
CREATE FUNCTION request_deadline(team uuid, received timestamptz, appointment_start timestamptz, paused_ms bigint,
  snoozed_at timestamptz, snoozed_until timestamptz) RETURNS timestamptz
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  pol deadline_policy%ROWTYPE;
  sla double precision;
  waiting double precision := 0;
BEGIN
  SELECT * INTO pol FROM deadline_policy;
  IF team IS NOT NULL AND EXISTS (SELECT 1 FROM team_working_hours WHERE team_id = team) THEN
    sla := extract(epoch FROM pol.working_sla);
  ELSE
    sla := extract(epoch FROM pol.request_sla);
  END IF;
  IF snoozed_until IS NOT NULL THEN
    waiting := working_between(team, GREATEST(snoozed_at, received), snoozed_until);
  END IF;
  RETURN LEAST(working_add(team, received, sla + paused_ms / 1000.0 + waiting),
    appointment_start - pol.appointment_lead);
END
$$;

CREATE OR REPLACE FUNCTION appointment_requests_set_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.deadline_at := request_deadline(NEW.team_id, NEW.received_at, NEW.appointment_start, NEW.sla_paused_ms,
    NEW.snoozed_at, NEW.snoozed_until);
  RETURN NEW;
END
$$;

DROP TRIGGER appointment_requests_deadline ON appointment_requests;
CREATE TRIGGER appointment_requests_deadline BEFORE INSERT OR UPDATE OF received_at, appointment_start, team_id,
  sla_paused_ms, snoozed_at, snoozed_until ON appointment_requests FOR EACH ROW
  EXECUTE FUNCTION appointment_requests_set_deadline();
DROP FUNCTION request_deadline(timestamptz, timestamptz);

-- Replies to the patient, one template per outcome, written by admins (placeholders in {braces}, see
-- src/domain/reply.ts). The outcomes without a template offer no reply until an admin writes one.
CREATE TABLE reply_templates (
  outcome text PRIMARY KEY CHECK (outcome IN ('rebooked', 'cancelled', 'rejected', 'needs_patient_contact')),
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES users (id) ON DELETE SET NULL
);
INSERT INTO reply_templates (outcome, body) VALUES
  ('rebooked', E'Dear {firstName},\n\nThank you for your message. We have moved your appointment at {location} from {oldDateTime} to {newDateTime}.\n\nIf the new time does not suit you, reply to this message and we will find another.\n\n{team}'),
  ('cancelled', E'Dear {firstName},\n\nThank you for your message. We have cancelled your appointment at {location} on {oldDateTime}, as you asked.\n\n{team}'),
  ('rejected', E'Dear {firstName},\n\nThank you for your message about your appointment at {location} on {oldDateTime}. We are not able to change it. Please reply to this message or call us if you need to talk about it.\n\n{team}'),
  ('needs_patient_contact', E'Dear {firstName},\n\nThank you for your message about your appointment at {location} on {oldDateTime}. We need a little more information before we can change it: please reply to this message or call us.\n\n{team}');

-- History: the wait for the patient began (snoozed), ended (snooze_ended: the reminder, or a person ended it early),
-- and the patient was answered (with the settling events of 0016).
ALTER TABLE request_events DROP CONSTRAINT request_events_type_check;
ALTER TABLE request_events ADD CONSTRAINT request_events_type_check CHECK (type IN (
  'received', 'subject_unparseable', 'follow_up_received', 'patient_identified', 'patient_not_identified',
  'appointment_linked', 'no_appointment_found', 'match_needs_review', 'routed', 'error', 'assigned', 'unassigned',
  'status_changed', 'reopened', 'outcome_recorded', 'note_added', 'rematched', 'retry_requested', 'pkb_confirmed',
  'pkb_not_confirmed', 'transferred', 'pkb_already_done', 'pkb_flagged', 'pkb_flag_cleared', 'appointment_passed',
  'repeat_received', 'type_changed', 'asked_again', 'snoozed', 'snooze_ended', 'patient_answered'
));
