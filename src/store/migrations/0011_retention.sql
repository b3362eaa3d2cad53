-- Retention (src/store/retention.ts): what the purge job needs to find old rows by index, in batches, and to keep
-- evidence after it has purged a request.

-- A message whose request was purged keeps its PKB id (so a later poll that re-reads it does not create the request
-- again) but loses its content; purged_at says when.
ALTER TABLE pkb_messages ADD COLUMN purged_at timestamptz;
CREATE INDEX pkb_messages_unrelated_unpurged ON pkb_messages (sent_at) WHERE kind = 'unrelated' AND purged_at IS NULL;

-- Closed requests, oldest activity first.
CREATE INDEX appointment_requests_done_updated ON appointment_requests (updated_at, id) WHERE status = 'done';

-- Poll history by age.
CREATE INDEX sync_runs_started ON sync_runs (started_at, id);

-- An audit entry keeps the id of the request it was about after that request is purged (as the worklist's entries
-- keep theirs in details.requestIds): the foreign key would have erased it.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_request_id_fkey;
