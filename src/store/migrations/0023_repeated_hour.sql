-- A team's hours on the night the clocks go back. On the last Sunday of October the UK clock shows 01:00–02:00 twice
-- (first BST, then GMT). PostgreSQL reads such a local time as the later (GMT) instant; the domain (luxon, periodOf()
-- in src/domain/working-time.ts) as the first, BST, one, and so did every other part of Rebook. A team closing at
-- 01:00 that night stops the first time the clock says 01:00. Found by the property test in
-- test/workflow/working-hours.test.ts: Sunday 00:30–01:00 gave the store a period of 90 minutes, the domain 30.

-- The instant a UK local time first occurs: the earlier of the two in the repeated autumn hour; a time the spring
-- change skips is read on the clock after it (01:30 → 02:30 BST), as both readers already agreed.
CREATE FUNCTION uk_local_instant(local timestamp) RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN ((local AT TIME ZONE 'Europe/London') - interval '1 hour') AT TIME ZONE 'Europe/London' = local
    THEN (local AT TIME ZONE 'Europe/London') - interval '1 hour'
    ELSE local AT TIME ZONE 'Europe/London' END
$$;

CREATE OR REPLACE FUNCTION working_period(team uuid, d date, OUT starts timestamptz, OUT ends timestamptz)
  RETURNS SETOF record LANGUAGE sql STABLE AS $$
    SELECT uk_local_instant(d + h.opens), uk_local_instant(d + h.closes)
    FROM team_working_hours h
    WHERE h.team_id = team AND h.weekday = extract(isodow FROM d)
      AND NOT EXISTS (SELECT 1 FROM bank_holidays b WHERE b.day = d)
  $$;

-- The deadlines the old reading set: those of teams that open or close within the repeated hour.
UPDATE appointment_requests SET deadline_at = request_deadline(team_id, received_at, appointment_start, sla_paused_ms,
    snoozed_at, snoozed_until)
WHERE team_id IN (SELECT team_id FROM team_working_hours
                  WHERE (opens >= '01:00' AND opens < '02:00') OR (closes >= '01:00' AND closes < '02:00'))
  AND deadline_at IS DISTINCT FROM request_deadline(team_id, received_at, appointment_start, sla_paused_ms, snoozed_at,
    snoozed_until);
-- Not recomputed: the working time already paused in waits that have ended (sla_paused_ms), counted when each wait
-- ended; a wait across that night may have counted up to an hour too much or too little, and its start is not kept.
