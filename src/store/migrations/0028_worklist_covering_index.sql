-- The worklist's "most urgent first" and "highest priority first" pages (issue 11): their order ranks each open
-- request by its deadline state at the moment of the first page and by priority, which no index can hold, so every
-- open request of the clerk's teams is ranked to show 50. The ranking now reads this index alone (an index-only scan:
-- the ranks need only status, priority, the deadline and whether the appointment passed; "assigned to me" the
-- assignee), and only the page's rows are then read in full (src/store/request-queries.ts). It replaces
-- appointment_requests_open_deadline (migration 0017), whose columns it leads with, so the views' "Overdue" counts
-- keep their index. test/store/indexes.test.ts checks the plan. The cost: an update of only the priority or the
-- assignee of open work now writes this index too (it is no longer a heap-only update), and the index is built
-- without CONCURRENTLY, so on a large store writes wait while the migration runs at start-up.
DROP INDEX IF EXISTS appointment_requests_open_deadline;
CREATE INDEX appointment_requests_open_deadline ON appointment_requests (team_id, deadline_at, id)
  INCLUDE (status, priority, appointment_passed_at, assigned_user_id)
  WHERE status IN ('open', 'in_progress');
