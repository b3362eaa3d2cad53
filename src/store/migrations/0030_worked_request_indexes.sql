-- Seven indexes of appointment_requests are on columns a request has only once the pipeline has worked it: its team,
-- assignee, NHS number, trust's appointment id and specialty. Collection stores every request with all of them empty,
-- and PostgreSQL's B-trees keep an entry for an empty value: seven entries per new request that no look-up reads (each
-- look-up names a value: "team = …", "NHS number = …", an id or specialty "beginning with …"), then left dead by the
-- pipeline's update of the row, which is never a HOT update. Partial indexes leave empty values out (issue 11, "where
-- PostgreSQL's time goes": index entries are most of a request's WAL). A filter for "no team", "no assignee" or "no
-- specialty" never used these indexes for its NULL (it is one value among few rows, read with the status's index).
-- test/store/indexes.test.ts checks each look-up still uses its index.
-- Costs: built without CONCURRENTLY, so writes to the table wait while a large store builds them (once, at the
-- upgrade's start-up).
DROP INDEX appointment_requests_team;
CREATE INDEX appointment_requests_team ON appointment_requests (team_id, status, received_at DESC)
  WHERE team_id IS NOT NULL;
DROP INDEX appointment_requests_assignee;
CREATE INDEX appointment_requests_assignee ON appointment_requests (assigned_user_id, status)
  WHERE assigned_user_id IS NOT NULL;
DROP INDEX appointment_requests_same_appointment;
CREATE INDEX appointment_requests_same_appointment ON appointment_requests (nhs_number, status)
  WHERE nhs_number IS NOT NULL;
DROP INDEX appointment_requests_external_id;
CREATE INDEX appointment_requests_external_id ON appointment_requests (appointment_external_id)
  WHERE appointment_external_id IS NOT NULL;
DROP INDEX appointment_requests_external_id_prefix;
CREATE INDEX appointment_requests_external_id_prefix ON appointment_requests
  (lower(appointment_external_id) text_pattern_ops) WHERE appointment_external_id IS NOT NULL;
DROP INDEX appointment_requests_specialty;
CREATE INDEX appointment_requests_specialty ON appointment_requests (appointment_specialty_code, received_at)
  WHERE appointment_specialty_code IS NOT NULL;
DROP INDEX appointment_requests_specialty_name;
CREATE INDEX appointment_requests_specialty_name ON appointment_requests
  (rebook_fold(appointment_specialty_display) text_pattern_ops) WHERE appointment_specialty_display IS NOT NULL;
