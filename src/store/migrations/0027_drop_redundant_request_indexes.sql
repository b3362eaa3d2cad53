-- Two indexes on appointment_requests that others make redundant (issue 11): every look-up by NHS number or by PKB
-- patient id is served by the same-appointment indexes (migration 0016), which lead with the same column. Each index
-- is written on every insert of a request and every update that is not HOT (the pipeline's result, a claim): two fewer
-- of ~25 per write. test/store/indexes.test.ts checks the look-ups still use an index.
DROP INDEX IF EXISTS appointment_requests_nhs; -- (nhs_number): appointment_requests_same_appointment (nhs_number, status)
DROP INDEX IF EXISTS appointment_requests_patient; -- (patient_pkb_id): appointment_requests_same_appointment_pkb
