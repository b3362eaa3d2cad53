-- Folding a repeat into its open request (src/store/settle.ts foldRepeatInto) moves the repeat's messages to the open
-- request and deletes the repeat's row. Both found their rows by columns without an index: pkb_messages.request_id
-- (the move, then the foreign key's ON DELETE SET NULL) and appointment_requests.previous_request_id (that foreign
-- key's ON DELETE SET NULL). Each fold read the whole of both tables, three scans in the pipeline's transaction:
-- ~320 ms at a 100,000-request backlog, growing with the history. Retention's purge of requests made the same two
-- look-ups for every request it deleted. Partial indexes: a message of no request (an unrelated message) and a
-- request with no earlier one (most of them) are not in them. test/store/indexes.test.ts checks a fold scans neither
-- table.
-- Costs: built without CONCURRENTLY, so writes to both tables wait while a large store builds them (once, at the
-- upgrade's start-up); every request message and follow-up adds one B-tree entry when it is filed on its request
-- (those updates already change `kind`, in other indexes' predicates, so none was a HOT update); a fold's move of
-- messages is no longer a HOT update.
CREATE INDEX pkb_messages_request_id ON pkb_messages (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX appointment_requests_previous ON appointment_requests (previous_request_id)
  WHERE previous_request_id IS NOT NULL;
