-- The version of each request_work row's schedule, moved by every schedule or cancel an event makes (scheduleWork,
-- scheduleWorkMany, cancelWork). A worker settles the row it worked (done, due again later, retry, given up) only while
-- the version is the one it read before the work: a schedule made while the work ran (a settle check asked for now, a
-- new PKB confirmation after another outcome) is kept, not overwritten by the work's own next due time.
ALTER TABLE request_work ADD COLUMN schedule_version integer NOT NULL DEFAULT 0;
