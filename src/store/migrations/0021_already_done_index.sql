-- The outcomes and settling reports count the requests closed as "already done in PKB" per bucket of receipt. That
-- outcome is not in the daily rollups, so without an index the count read every request (a sequential scan of 1M
-- rows at a year's size). The partial index holds only those requests: the count reads them and nothing else.
CREATE INDEX appointment_requests_already_done ON appointment_requests (received_at)
  WHERE outcome = 'already_done_in_pkb';
