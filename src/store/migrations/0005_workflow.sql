-- The clerks' workflow: deadlines kept on each request (so the worklist can filter, sort and page by them), outcome
-- details, and internal notes.

-- The deadline rules the store applies (one row). Rebook writes the configured values at start-up (REQUEST_SLA_HOURS,
-- APPOINTMENT_LEAD_HOURS) and recomputes every deadline when they change.
CREATE TABLE deadline_policy (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  request_sla interval NOT NULL,
  appointment_lead interval NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO deadline_policy (request_sla, appointment_lead) VALUES (interval '72 hours', interval '48 hours');

-- Due by the earlier of received + SLA and (linked) appointment start − lead; LEAST skips a null appointment start.
-- Same rule as deadlineAt() in src/domain/deadline.ts.
CREATE FUNCTION request_deadline(received timestamptz, appointment_start timestamptz) RETURNS timestamptz
  LANGUAGE sql STABLE AS $$
    SELECT LEAST(received + p.request_sla, appointment_start - p.appointment_lead) FROM deadline_policy p
  $$;

-- Kept by a trigger, so every writer (pipeline, workflow, imports) maintains it without knowing about it.
CREATE FUNCTION appointment_requests_set_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.deadline_at := request_deadline(NEW.received_at, NEW.appointment_start);
  RETURN NEW;
END
$$;

ALTER TABLE appointment_requests ADD COLUMN deadline_at timestamptz;
UPDATE appointment_requests SET deadline_at = request_deadline(received_at, appointment_start);
ALTER TABLE appointment_requests ALTER COLUMN deadline_at SET NOT NULL;
CREATE TRIGGER appointment_requests_deadline BEFORE INSERT OR UPDATE OF received_at, appointment_start
  ON appointment_requests FOR EACH ROW EXECUTE FUNCTION appointment_requests_set_deadline();
-- "Most urgent first" keyset order, and the overdue / due-soon filters.
CREATE INDEX appointment_requests_deadline ON appointment_requests (deadline_at, id);

-- What the outcome was, in detail: {newStart, newStartUk, repeatedHour} for rebooked, {reason} for rejected, {note}
-- for needs_patient_contact. Null while there is no outcome.
ALTER TABLE appointment_requests ADD COLUMN outcome_details jsonb;

-- Internal notes staff write on a request (never sent to PKB).
CREATE TABLE request_notes (
  id bigserial PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES appointment_requests (id) ON DELETE CASCADE,
  author_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_notes_request ON request_notes (request_id, created_at, id);
