-- A request moved to another team by a person (src/requests/commands/transfer.ts): the `transferred` history event.
ALTER TABLE request_events DROP CONSTRAINT request_events_type_check;
ALTER TABLE request_events ADD CONSTRAINT request_events_type_check CHECK (type IN (
  'received', 'subject_unparseable', 'follow_up_received', 'patient_identified', 'patient_not_identified',
  'appointment_linked', 'no_appointment_found', 'match_needs_review', 'routed', 'error', 'assigned', 'unassigned',
  'status_changed', 'reopened', 'outcome_recorded', 'note_added', 'rematched', 'retry_requested', 'pkb_confirmed', 'pkb_not_confirmed', 'transferred'
));
