-- Seven indexes of appointment_requests are on columns a request has only once the pipeline has worked it: its team,
-- assignee, NHS number, trust's appointment id and specialty. Collection stores every request with all of them empty,
-- and PostgreSQL's B-trees keep an entry for an empty value: seven entries per new request that no look-up reads (each
-- look-up names a value: "team = …", "NHS number = …", an id or specialty "beginning with …"), then left dead by the
-- pipeline's update of the row, which is never a HOT update. Partial indexes leave empty values out (issue 11, "where
-- PostgreSQL's time goes": index entries are most of a request's WAL). The worklist's and reports' filters for "no
-- team", "no assignee" and "no specialty" can no longer use these indexes for their NULL; they are served by the
-- status's indexes (the worklist's, the open work's by team and deadline) and by received_at ranges.
-- test/store/indexes.test.ts checks each look-up still uses its index.
-- Costs: the new indexes are built first, under other names, without CONCURRENTLY: writes to the table wait while a
-- large store builds them (once, at the upgrade's start-up), reads do not. The old indexes are then dropped and the
-- new ones take their names; the drop locks the table for reads too, from there to the migration's commit only.
CREATE INDEX appointment_requests_team_0030 ON appointment_requests (team_id, status, received_at DESC)
  WHERE team_id IS NOT NULL;
CREATE INDEX appointment_requests_assignee_0030 ON appointment_requests (assigned_user_id, status)
  WHERE assigned_user_id IS NOT NULL;
CREATE INDEX appointment_requests_same_appointment_0030 ON appointment_requests (nhs_number, status)
  WHERE nhs_number IS NOT NULL;
CREATE INDEX appointment_requests_external_id_0030 ON appointment_requests (appointment_external_id)
  WHERE appointment_external_id IS NOT NULL;
CREATE INDEX appointment_requests_external_id_prefix_0030 ON appointment_requests
  (lower(appointment_external_id) text_pattern_ops) WHERE appointment_external_id IS NOT NULL;
CREATE INDEX appointment_requests_specialty_0030 ON appointment_requests (appointment_specialty_code, received_at)
  WHERE appointment_specialty_code IS NOT NULL;
CREATE INDEX appointment_requests_specialty_name_0030 ON appointment_requests
  (rebook_fold(appointment_specialty_display) text_pattern_ops) WHERE appointment_specialty_display IS NOT NULL;

DROP INDEX appointment_requests_team, appointment_requests_assignee, appointment_requests_same_appointment,
  appointment_requests_external_id, appointment_requests_external_id_prefix, appointment_requests_specialty,
  appointment_requests_specialty_name;
ALTER INDEX appointment_requests_team_0030 RENAME TO appointment_requests_team;
ALTER INDEX appointment_requests_assignee_0030 RENAME TO appointment_requests_assignee;
ALTER INDEX appointment_requests_same_appointment_0030 RENAME TO appointment_requests_same_appointment;
ALTER INDEX appointment_requests_external_id_0030 RENAME TO appointment_requests_external_id;
ALTER INDEX appointment_requests_external_id_prefix_0030 RENAME TO appointment_requests_external_id_prefix;
ALTER INDEX appointment_requests_specialty_0030 RENAME TO appointment_requests_specialty;
ALTER INDEX appointment_requests_specialty_name_0030 RENAME TO appointment_requests_specialty_name;
