-- Folding a repeat into its open request (src/store/settle.ts foldRepeatInto) moves the repeat's messages to the open
-- request and deletes the repeat's row. Both found their rows by columns without an index: pkb_messages.request_id
-- (the move, then the foreign key's ON DELETE SET NULL) and appointment_requests.previous_request_id (that foreign
-- key's ON DELETE SET NULL). Each fold read the whole of both tables, three scans in the pipeline's transaction:
-- ~320 ms at a 100,000-request backlog, growing with the history. Partial indexes: a message of no request (an
-- unrelated message) and a request with no earlier one (most of them) are not in them. test/store/indexes.test.ts
-- checks a fold scans neither table.
CREATE INDEX IF NOT EXISTS pkb_messages_request ON pkb_messages (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS appointment_requests_previous ON appointment_requests (previous_request_id)
  WHERE previous_request_id IS NOT NULL;
