-- Indexes for the JSON API's worklist, search, sync status and audit queries (keyset pagination walks these).

-- Keyset order of the worklist when no status filter narrows it: received_at (either direction) then id.
CREATE INDEX appointment_requests_received ON appointment_requests (received_at, id);
-- "Soonest appointment first" order.
CREATE INDEX appointment_requests_appointment_start ON appointment_requests (appointment_start, id);
-- Search by patient name resolves patients first, then their requests.
CREATE INDEX appointment_requests_patient ON appointment_requests (patient_pkb_id);
-- Name search is by word prefix ("smi" finds Smith), which a text_pattern_ops btree serves.
CREATE INDEX patients_last_name_prefix ON patients (lower(last_name) text_pattern_ops);
CREATE INDEX patients_first_name_prefix ON patients (lower(first_name) text_pattern_ops);
-- Sync lag: the newest message each connection has seen.
CREATE INDEX pkb_messages_connection_sent ON pkb_messages (first_seen_connection_id, sent_at);
-- Audit log filtered by action, newest first.
CREATE INDEX audit_log_action ON audit_log (action, at DESC, id DESC);
