-- The request module (src/requests/) owns the vocabulary; the database holds it to the same lists.
-- request_events.type: every kind of history row (src/requests/vocabulary.ts EVENT_TYPES; test/requests/ checks the two
-- lists are equal). A new event type needs a migration that replaces this constraint.
ALTER TABLE request_events ADD CONSTRAINT request_events_type_check CHECK (type IN (
  'received', 'subject_unparseable', 'follow_up_received', 'patient_identified', 'patient_not_identified',
  'appointment_linked', 'no_appointment_found', 'match_needs_review', 'routed', 'error', 'assigned', 'unassigned',
  'status_changed', 'reopened', 'outcome_recorded', 'note_added', 'rematched', 'retry_requested'
));

-- Follow-up work on a request, scheduled by a processor (src/requests/processors.ts) in the transaction that wrote the
-- event it reacts to, and done by src/jobs/request-work.ts through the due-work helper (src/jobs/due-work.ts): one row
-- per request and processor (`kind`). due_at null: nothing to do (finished, or given up: see gave_up_at).
CREATE TABLE request_work (
  id bigserial PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES appointment_requests (id) ON DELETE CASCADE,
  kind text NOT NULL,
  due_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  gave_up_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (request_id, kind)
);
CREATE INDEX request_work_due ON request_work (kind, due_at, id) WHERE due_at IS NOT NULL;
