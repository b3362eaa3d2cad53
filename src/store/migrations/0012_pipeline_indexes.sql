-- Indexes the pipeline's statements need so that none of them costs more as the tables grow (issue 11). Each is
-- proven by test/store/indexes.test.ts: EXPLAIN on PostgreSQL picks it, and the statement's cost stays flat from 2k to
-- 20k rows.

-- The pipeline's claim (src/jobs/due-work.ts claimDue with PIPELINE_QUEUE): WHERE next_attempt_at <= now() AND
-- status = 'processing' ORDER BY next_attempt_at, received_at, id LIMIT n. The partial index holds exactly the rows that can be claimed, in
-- exactly that order, so the claim reads n index entries instead of sorting every due row.
-- It replaces appointment_requests_due (next_attempt_at, for processing and error), whose order stops at
-- next_attempt_at: requests stored in one transaction share it, so the claim sorted all of them (and no statement
-- looks for due requests in error).
CREATE INDEX appointment_requests_claim ON appointment_requests (next_attempt_at, received_at, id)
  WHERE status = 'processing';
DROP INDEX appointment_requests_due;

-- The latest request of a conversation (src/sync/ingest.ts, for every new message: is it a follow-up?):
-- WHERE conversation_id = $1 AND received_at <= $2 ORDER BY received_at DESC, id DESC LIMIT 1 — a backward scan.
CREATE INDEX appointment_requests_conversation ON appointment_requests (conversation_id, received_at, id);

-- The open workload of a team's members, read when a request is auto-assigned (src/store/requests.ts): only open and
-- in-progress requests with an assignee, so it grows with the team's open work, never with its history.
CREATE INDEX appointment_requests_team_open_assigned ON appointment_requests (team_id, assigned_user_id)
  WHERE status IN ('open', 'in_progress') AND assigned_user_id IS NOT NULL;
