-- The report rollups' triggers on appointment_requests, per statement instead of per row (issue 11). The pipeline
-- writes a batch of results as one UPDATE of dozens of requests, and collection stores a poll's new requests as one
-- INSERT: the row triggers ran their statements once per request (the counts under the old key and the new, the
-- history's backlog moves, the durations: ~2 s of PostgreSQL's ~21 s for 20,000 requests). These triggers see the
-- statement's rows at once (transition tables) and append one row per day and key they touch. What they append sums to
-- exactly what the row triggers appended, and every reader sums.
-- The delete trigger stays per row and BEFORE: it must read a request's history before the cascade deletes it.

-- The counts below are report_add_counts' (migration 0013), summed over the statement's rows per day and key.

-- New requests: their counts, one row per day and key. A new request has no history or timings yet.
CREATE FUNCTION appointment_requests_report_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_counts (day, team_id, specialty_code, specialty_name, type, received, backlog,
    status_processing, status_open, status_in_progress, status_done, status_error, unmatched_review,
    unmatched_no_candidates, unmatched_not_applicable, outcome_rebooked, outcome_cancelled, outcome_rejected,
    outcome_needs_patient_contact, sla_met, sla_late)
  SELECT report_day(n.received_at), n.team_id, n.appointment_specialty_code, n.appointment_specialty_display, n.type,
      count(*), count(*),
      sum(1 * (n.status = 'processing')::int), sum(1 * (n.status = 'open')::int),
      sum(1 * (n.status = 'in_progress')::int), sum(1 * (n.status = 'done')::int),
      sum(1 * (n.status = 'error')::int),
      sum(1 * (n.status <> 'done' AND n.match_state = 'review')::int),
      sum(1 * (n.status <> 'done' AND n.match_state = 'no_candidates')::int),
      sum(1 * (n.status <> 'done' AND n.match_state = 'not_applicable')::int),
      sum(1 * (n.outcome IS NOT DISTINCT FROM 'rebooked')::int),
      sum(1 * (n.outcome IS NOT DISTINCT FROM 'cancelled')::int),
      sum(1 * (n.outcome IS NOT DISTINCT FROM 'rejected')::int),
      sum(1 * (n.outcome IS NOT DISTINCT FROM 'needs_patient_contact')::int),
      sum(1 * coalesce(NULL::timestamptz <= n.deadline_at, false)::int),
      sum(1 * coalesce(NULL::timestamptz > n.deadline_at, false)::int)
  FROM inserted_rows n
  GROUP BY 1, 2, 3, 4, 5;
  RETURN NULL;
END
$$;

-- Updated requests whose counted columns changed (as the row trigger's WHEN had it). One whose key moved (received
-- day, team, specialty, type) takes its whole contribution away from the old key and adds it under the new one: its
-- counts, its history's backlog moves and its durations. One whose key stayed changes only the counts of its received
-- day (new − old, received and backlog apart). Written as two appends: the counts and backlog moves per day and key,
-- and the durations per day, key and bin.
CREATE FUNCTION appointment_requests_report_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH pairs AS MATERIALIZED (
    SELECT n.id,
      report_day(o.received_at) IS DISTINCT FROM report_day(n.received_at)
        OR o.received_at IS DISTINCT FROM n.received_at
        OR o.team_id IS DISTINCT FROM n.team_id
        OR o.appointment_specialty_code IS DISTINCT FROM n.appointment_specialty_code
        OR o.appointment_specialty_display IS DISTINCT FROM n.appointment_specialty_display
        OR o.type IS DISTINCT FROM n.type AS moved,
      o.received_at AS o_received_at, o.team_id AS o_team_id, o.appointment_specialty_code AS o_code,
      o.appointment_specialty_display AS o_name, o.type AS o_type, o.status AS o_status,
      o.match_state AS o_match_state, o.outcome AS o_outcome, o.deadline_at AS o_deadline_at,
      n.received_at, n.team_id, n.appointment_specialty_code AS code, n.appointment_specialty_display AS name, n.type,
      n.status, n.match_state, n.outcome, n.deadline_at
    FROM old_rows o
    JOIN new_rows n ON n.id = o.id
    WHERE o.received_at IS DISTINCT FROM n.received_at
       OR o.team_id IS DISTINCT FROM n.team_id
       OR o.appointment_specialty_code IS DISTINCT FROM n.appointment_specialty_code
       OR o.appointment_specialty_display IS DISTINCT FROM n.appointment_specialty_display
       OR o.type IS DISTINCT FROM n.type
       OR o.status IS DISTINCT FROM n.status
       OR o.match_state IS DISTINCT FROM n.match_state
       OR o.outcome IS DISTINCT FROM n.outcome
       OR o.deadline_at IS DISTINCT FROM n.deadline_at
  ),
  -- Each side of a pair: the old row taken away (−1), the new one added (+1), with the request's timings.
  sides AS (
    SELECT -1 AS sign, p.id, p.moved, p.o_received_at AS received_at, p.o_team_id AS team_id, p.o_code AS code,
      p.o_name AS name, p.o_type AS type, p.o_status AS status, p.o_match_state AS match_state,
      p.o_outcome AS outcome, p.o_deadline_at AS deadline_at
    FROM pairs p
    UNION ALL
    SELECT 1, p.id, p.moved, p.received_at, p.team_id, p.code, p.name, p.type, p.status, p.match_state, p.outcome,
      p.deadline_at
    FROM pairs p
  ),
  timed AS MATERIALIZED (
    SELECT s.*, t.first_action_at, t.outcome_at FROM sides s LEFT JOIN request_timings t ON t.request_id = s.id
  ),
  deltas (day, team_id, code, name, type, received, backlog, status_processing, status_open,
    status_in_progress, status_done, status_error, unmatched_review, unmatched_no_candidates,
    unmatched_not_applicable, outcome_rebooked, outcome_cancelled, outcome_rejected, outcome_needs_patient_contact,
    sla_met, sla_late) AS (
    SELECT report_day(s.received_at) AS day, s.team_id, s.code, s.name, s.type,
      sum(CASE WHEN s.moved THEN s.sign ELSE 0 END), sum(CASE WHEN s.moved THEN s.sign ELSE 0 END),
      sum(s.sign * (s.status = 'processing')::int), sum(s.sign * (s.status = 'open')::int),
      sum(s.sign * (s.status = 'in_progress')::int), sum(s.sign * (s.status = 'done')::int),
      sum(s.sign * (s.status = 'error')::int),
      sum(s.sign * (s.status <> 'done' AND s.match_state = 'review')::int),
      sum(s.sign * (s.status <> 'done' AND s.match_state = 'no_candidates')::int),
      sum(s.sign * (s.status <> 'done' AND s.match_state = 'not_applicable')::int),
      sum(s.sign * (s.outcome IS NOT DISTINCT FROM 'rebooked')::int),
      sum(s.sign * (s.outcome IS NOT DISTINCT FROM 'cancelled')::int),
      sum(s.sign * (s.outcome IS NOT DISTINCT FROM 'rejected')::int),
      sum(s.sign * (s.outcome IS NOT DISTINCT FROM 'needs_patient_contact')::int),
      sum(s.sign * coalesce(s.outcome_at <= s.deadline_at, false)::int),
      sum(s.sign * coalesce(s.outcome_at > s.deadline_at, false)::int)
    FROM timed s
    GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    -- The history's backlog moves of a request whose key moved, each at its own UK day (read by the request alone,
    -- as in report_add_backlog_moves: OFFSET 0 keeps the type out of the index condition).
    SELECT report_day(e.at), s.team_id, s.code, s.name, s.type, 0, sum(s.sign * e.move),
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM sides s
    CROSS JOIN LATERAL (SELECT h.at, report_backlog_move(h.type, h.data) AS move FROM request_events h
                        WHERE h.request_id = s.id OFFSET 0) e
    WHERE s.moved AND e.move <> 0
    GROUP BY 1, 2, 3, 4, 5
  ),
  counted AS (
    INSERT INTO report_counts (day, team_id, specialty_code, specialty_name, type, received, backlog,
    status_processing, status_open, status_in_progress, status_done, status_error, unmatched_review,
    unmatched_no_candidates, unmatched_not_applicable, outcome_rebooked, outcome_cancelled, outcome_rejected,
    outcome_needs_patient_contact, sla_met, sla_late)
    SELECT day, team_id, code, name, type, sum(received), sum(backlog), sum(status_processing), sum(status_open),
      sum(status_in_progress), sum(status_done), sum(status_error), sum(unmatched_review),
      sum(unmatched_no_candidates), sum(unmatched_not_applicable), sum(outcome_rebooked), sum(outcome_cancelled),
      sum(outcome_rejected), sum(outcome_needs_patient_contact), sum(sla_met), sum(sla_late)
    FROM deltas
    GROUP BY 1, 2, 3, 4, 5
  )
  -- The durations of a request whose key moved (report_add_durations, migration 0013).
  INSERT INTO report_durations (day, team_id, specialty_code, type, metric, bin, n, ms)
  SELECT report_day(s.received_at), s.team_id, s.code, s.type, v.metric, report_duration_bin(v.ms), sum(s.sign),
    sum(s.sign * v.ms)
  FROM timed s
  CROSS JOIN LATERAL (VALUES (1::smallint, report_ms(s.received_at, s.first_action_at)),
                             (2::smallint, report_ms(s.received_at, s.outcome_at))) AS v(metric, ms)
  WHERE s.moved AND v.ms IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5, 6;
  RETURN NULL;
END
$$;

DROP TRIGGER appointment_requests_report_insert ON appointment_requests;
DROP TRIGGER appointment_requests_report_update ON appointment_requests;
DROP FUNCTION appointment_requests_report_insert();
DROP FUNCTION appointment_requests_report_update();

CREATE TRIGGER appointment_requests_report_insert AFTER INSERT ON appointment_requests
  REFERENCING NEW TABLE AS inserted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION appointment_requests_report_inserted();
-- Per statement, a trigger cannot name its columns (UPDATE OF) and keep transition tables: it runs for every UPDATE of
-- the table, and one that changed nothing counted (a claim's lease, a renewal, a wake) appends nothing.
CREATE TRIGGER appointment_requests_report_update AFTER UPDATE ON appointment_requests
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION appointment_requests_report_updated();
