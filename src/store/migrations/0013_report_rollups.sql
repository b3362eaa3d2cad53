-- Reports from rollups (issue 11): per UK day, team, specialty and type, the counts the volume, backlog, outcomes and
-- summary reports add up, and histograms of the minutes to the first action and to the outcome. Triggers on
-- appointment_requests, request_events and request_timings keep them; a range query then reads one small row per day
-- and key instead of every request of the range.
--
-- Contention: a request's rollup row is shared with every request of the same day and key, so updating it in place
-- would make concurrent writers queue on (and deadlock over) today's rows. Triggers therefore only APPEND delta rows
-- (fresh = true); report_rollups_compact() folds a day's rows into one per key. Every reader sums, so a figure is
-- the same before and after compaction, and compaction is never needed for correctness, only for speed.
--
-- A request counts under its current team, specialty and type: when they change (routing, transfer, a match) the
-- trigger subtracts its whole contribution under the old key and adds it under the new one.

-- Counts of the requests received on `day` (UK date of received_at), under their current key, plus `backlog`: +1 on the
-- day a request was received or moved out of done, −1 on the day it moved into done (so the open backlog at the end of
-- a day is the sum of every earlier day's backlog).
CREATE TABLE report_counts (
  day date NOT NULL,
  team_id uuid,
  specialty_code text,
  -- The linked appointment's specialty name, kept in the key so reports show the name the requests carry.
  specialty_name text,
  type text,
  received integer NOT NULL DEFAULT 0,
  backlog integer NOT NULL DEFAULT 0,
  status_processing integer NOT NULL DEFAULT 0,
  status_open integer NOT NULL DEFAULT 0,
  status_in_progress integer NOT NULL DEFAULT 0,
  status_done integer NOT NULL DEFAULT 0,
  status_error integer NOT NULL DEFAULT 0,
  -- Not done and waiting for a match: in review, no candidate, not applicable.
  unmatched_review integer NOT NULL DEFAULT 0,
  unmatched_no_candidates integer NOT NULL DEFAULT 0,
  unmatched_not_applicable integer NOT NULL DEFAULT 0,
  outcome_rebooked integer NOT NULL DEFAULT 0,
  outcome_cancelled integer NOT NULL DEFAULT 0,
  outcome_rejected integer NOT NULL DEFAULT 0,
  outcome_needs_patient_contact integer NOT NULL DEFAULT 0,
  -- Outcome (request_timings.outcome_at) at or before the deadline / after it. Requests with neither have no outcome.
  sla_met integer NOT NULL DEFAULT 0,
  sla_late integer NOT NULL DEFAULT 0,
  fresh boolean NOT NULL DEFAULT true
);
CREATE INDEX report_counts_day ON report_counts (day);
CREATE INDEX report_counts_fresh ON report_counts (day) WHERE fresh;

-- How many requests received on `day` under a key took a duration that falls in `bin` (report_duration_bin), and the
-- sum of those durations in milliseconds: a bin holding one value gives it back exactly, and any estimate made from a
-- bin's mean is within the bin's width of the truth.
CREATE TABLE report_durations (
  day date NOT NULL,
  team_id uuid,
  specialty_code text,
  type text,
  -- 1: minutes to the first action; 2: minutes to the outcome.
  metric smallint NOT NULL CHECK (metric IN (1, 2)),
  bin integer NOT NULL,
  n integer NOT NULL,
  ms bigint NOT NULL,
  fresh boolean NOT NULL DEFAULT true
);
CREATE INDEX report_durations_day ON report_durations (day);
CREATE INDEX report_durations_fresh ON report_durations (day) WHERE fresh;

-- The histograms per UK month of receipt and specialty only (no team, no type), for month buckets of reports not
-- filtered by team or type: a year of them is a few rows per bin and specialty, whatever a day holds. Kept by
-- report_rollups_compact() alone (from the rows it folds), so it has one writer; readers add the day rows still fresh.
CREATE TABLE report_durations_monthly (
  month date NOT NULL,
  specialty_code text,
  metric smallint NOT NULL CHECK (metric IN (1, 2)),
  bin integer NOT NULL,
  n integer NOT NULL,
  ms bigint NOT NULL
);
CREATE UNIQUE INDEX report_durations_monthly_key ON report_durations_monthly (month, specialty_code, metric, bin)
  NULLS NOT DISTINCT;

-- The UK day an instant falls in.
CREATE FUNCTION report_day(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS $$
  SELECT (at AT TIME ZONE 'Europe/London')::date
$$;

-- The histogram bin of a duration in milliseconds: −1 below zero; half-minute bins below an hour (0..119); above,
-- geometric bins growing by 1% (120 + floor(log_1.01(minutes / 60))). Read with the bin's mean, a percentile is then
-- within half a minute plus 1% of the exact one.
CREATE FUNCTION report_duration_bin(ms bigint) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN ms < 0 THEN -1
    WHEN ms < 3600000 THEN (ms / 30000)::integer
    ELSE 120 + floor(ln(ms / 3600000.0) / ln(1.01))::integer
  END
$$;

-- Milliseconds from a to b (null when b is null).
CREATE FUNCTION report_ms(a timestamptz, b timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT round(extract(epoch FROM b - a) * 1000)::bigint
$$;

-- Whether an event moves a request into or out of done (the backlog's changes), and which way: −1 into, +1 out of.
CREATE FUNCTION report_backlog_move(type text, data jsonb) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN type <> 'status_changed' THEN 0
    WHEN coalesce(data->>'to' = 'done', false) = coalesce(data->>'from' = 'done', false) THEN 0
    WHEN data->>'to' = 'done' THEN -1
    ELSE 1
  END
$$;

-- Appends `sign` times request r's counts at its received day (not the backlog moves of its history).
-- (plpgsql, not sql, in these helpers: PL/pgSQL keeps their statements' plans, a SQL function plans them per call.)
CREATE FUNCTION report_add_counts(r appointment_requests, outcome_at timestamptz, sign integer, with_received boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_counts (day, team_id, specialty_code, specialty_name, type, received, backlog, status_processing,
    status_open, status_in_progress, status_done, status_error, unmatched_review, unmatched_no_candidates,
    unmatched_not_applicable, outcome_rebooked, outcome_cancelled, outcome_rejected, outcome_needs_patient_contact,
    sla_met, sla_late)
  VALUES (report_day(r.received_at), r.team_id, r.appointment_specialty_code, r.appointment_specialty_display, r.type,
    CASE WHEN with_received THEN sign ELSE 0 END, CASE WHEN with_received THEN sign ELSE 0 END,
    sign * (r.status = 'processing')::int, sign * (r.status = 'open')::int, sign * (r.status = 'in_progress')::int,
    sign * (r.status = 'done')::int, sign * (r.status = 'error')::int,
    sign * (r.status <> 'done' AND r.match_state = 'review')::int,
    sign * (r.status <> 'done' AND r.match_state = 'no_candidates')::int,
    sign * (r.status <> 'done' AND r.match_state = 'not_applicable')::int,
    sign * (r.outcome IS NOT DISTINCT FROM 'rebooked')::int, sign * (r.outcome IS NOT DISTINCT FROM 'cancelled')::int,
    sign * (r.outcome IS NOT DISTINCT FROM 'rejected')::int,
    sign * (r.outcome IS NOT DISTINCT FROM 'needs_patient_contact')::int,
    sign * coalesce(outcome_at <= r.deadline_at, false)::int, sign * coalesce(outcome_at > r.deadline_at, false)::int);
END
$$;

-- Appends `sign` times the backlog moves of request r's history (into or out of done), each at its own UK day.
CREATE FUNCTION report_add_backlog_moves(r appointment_requests, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_counts (day, team_id, specialty_code, specialty_name, type, backlog)
  SELECT report_day(e.at), r.team_id, r.appointment_specialty_code, r.appointment_specialty_display, r.type,
    sign * sum(report_backlog_move(e.type, e.data))::int
  FROM request_events e
  WHERE e.request_id = r.id AND e.type = 'status_changed' AND report_backlog_move(e.type, e.data) <> 0
  GROUP BY 1;
END
$$;

-- Appends `sign` times request r's durations (to its first action and its outcome, where it has them).
CREATE FUNCTION report_add_durations(r appointment_requests, first_action_at timestamptz, outcome_at timestamptz,
  sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF first_action_at IS NULL AND outcome_at IS NULL THEN
    RETURN;
  END IF;
  INSERT INTO report_durations (day, team_id, specialty_code, type, metric, bin, n, ms)
  SELECT report_day(r.received_at), r.team_id, r.appointment_specialty_code, r.type, v.metric,
    report_duration_bin(v.ms), sign, sign * v.ms
  FROM (VALUES (1::smallint, report_ms(r.received_at, first_action_at)),
               (2::smallint, report_ms(r.received_at, outcome_at))) AS v(metric, ms)
  WHERE v.ms IS NOT NULL;
END
$$;

-- A request's whole contribution, `sign` times.
CREATE FUNCTION report_add_request(r appointment_requests, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  fa timestamptz;
  oc timestamptz;
BEGIN
  SELECT t.first_action_at, t.outcome_at INTO fa, oc FROM request_timings t WHERE t.request_id = r.id;
  PERFORM report_add_counts(r, oc, sign, true);
  PERFORM report_add_backlog_moves(r, sign);
  PERFORM report_add_durations(r, fa, oc, sign);
END
$$;

CREATE FUNCTION appointment_requests_report_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A new request has no history or timings yet.
  PERFORM report_add_counts(NEW, NULL, 1, true);
  RETURN NULL;
END
$$;

CREATE FUNCTION appointment_requests_report_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  oc timestamptz;
BEGIN
  IF report_day(OLD.received_at) IS DISTINCT FROM report_day(NEW.received_at)
     OR OLD.received_at IS DISTINCT FROM NEW.received_at
     OR OLD.team_id IS DISTINCT FROM NEW.team_id
     OR OLD.appointment_specialty_code IS DISTINCT FROM NEW.appointment_specialty_code
     OR OLD.appointment_specialty_display IS DISTINCT FROM NEW.appointment_specialty_display
     OR OLD.type IS DISTINCT FROM NEW.type THEN
    -- The key moved: take everything away from the old key and add it under the new one.
    PERFORM report_add_request(OLD, -1);
    PERFORM report_add_request(NEW, 1);
  ELSE
    -- Same key: only the counts of its received day change (status, match, outcome, deadline): one row, new − old.
    SELECT t.outcome_at INTO oc FROM request_timings t WHERE t.request_id = NEW.id;
    INSERT INTO report_counts (day, team_id, specialty_code, specialty_name, type, status_processing, status_open,
      status_in_progress, status_done, status_error, unmatched_review, unmatched_no_candidates,
      unmatched_not_applicable, outcome_rebooked, outcome_cancelled, outcome_rejected, outcome_needs_patient_contact,
      sla_met, sla_late)
    VALUES (report_day(NEW.received_at), NEW.team_id, NEW.appointment_specialty_code, NEW.appointment_specialty_display,
      NEW.type,
      (NEW.status = 'processing')::int - (OLD.status = 'processing')::int,
      (NEW.status = 'open')::int - (OLD.status = 'open')::int,
      (NEW.status = 'in_progress')::int - (OLD.status = 'in_progress')::int,
      (NEW.status = 'done')::int - (OLD.status = 'done')::int,
      (NEW.status = 'error')::int - (OLD.status = 'error')::int,
      (NEW.status <> 'done' AND NEW.match_state = 'review')::int
        - (OLD.status <> 'done' AND OLD.match_state = 'review')::int,
      (NEW.status <> 'done' AND NEW.match_state = 'no_candidates')::int
        - (OLD.status <> 'done' AND OLD.match_state = 'no_candidates')::int,
      (NEW.status <> 'done' AND NEW.match_state = 'not_applicable')::int
        - (OLD.status <> 'done' AND OLD.match_state = 'not_applicable')::int,
      (NEW.outcome IS NOT DISTINCT FROM 'rebooked')::int - (OLD.outcome IS NOT DISTINCT FROM 'rebooked')::int,
      (NEW.outcome IS NOT DISTINCT FROM 'cancelled')::int - (OLD.outcome IS NOT DISTINCT FROM 'cancelled')::int,
      (NEW.outcome IS NOT DISTINCT FROM 'rejected')::int - (OLD.outcome IS NOT DISTINCT FROM 'rejected')::int,
      (NEW.outcome IS NOT DISTINCT FROM 'needs_patient_contact')::int
        - (OLD.outcome IS NOT DISTINCT FROM 'needs_patient_contact')::int,
      (coalesce(oc <= NEW.deadline_at, false))::int - (coalesce(oc <= OLD.deadline_at, false))::int,
      (coalesce(oc > NEW.deadline_at, false))::int - (coalesce(oc > OLD.deadline_at, false))::int);
  END IF;
  RETURN NULL;
END
$$;

-- BEFORE DELETE: the history and timings are still there (their cascaded deletes come after and find no request).
CREATE FUNCTION appointment_requests_report_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_add_request(OLD, -1);
  RETURN OLD;
END
$$;

CREATE TRIGGER appointment_requests_report_insert AFTER INSERT ON appointment_requests
  FOR EACH ROW EXECUTE FUNCTION appointment_requests_report_insert();
CREATE TRIGGER appointment_requests_report_update AFTER UPDATE ON appointment_requests
  FOR EACH ROW
  WHEN (OLD.received_at IS DISTINCT FROM NEW.received_at
     OR OLD.team_id IS DISTINCT FROM NEW.team_id
     OR OLD.appointment_specialty_code IS DISTINCT FROM NEW.appointment_specialty_code
     OR OLD.appointment_specialty_display IS DISTINCT FROM NEW.appointment_specialty_display
     OR OLD.type IS DISTINCT FROM NEW.type
     OR OLD.status IS DISTINCT FROM NEW.status
     OR OLD.match_state IS DISTINCT FROM NEW.match_state
     OR OLD.outcome IS DISTINCT FROM NEW.outcome
     OR OLD.deadline_at IS DISTINCT FROM NEW.deadline_at)
  EXECUTE FUNCTION appointment_requests_report_update();
CREATE TRIGGER appointment_requests_report_delete BEFORE DELETE ON appointment_requests
  FOR EACH ROW EXECUTE FUNCTION appointment_requests_report_delete();

-- A move into or out of done changes the backlog from the event's day, under the request's current key.
CREATE FUNCTION request_events_report() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r appointment_requests;
BEGIN
  SELECT * INTO r FROM appointment_requests WHERE id = coalesce(NEW.request_id, OLD.request_id);
  IF NOT FOUND THEN
    RETURN NULL; -- the request is being deleted: its delete trigger took its history away already
  END IF;
  INSERT INTO report_counts (day, team_id, specialty_code, specialty_name, type, backlog)
  SELECT d.day, r.team_id, r.appointment_specialty_code, r.appointment_specialty_display, r.type, d.backlog
  FROM (VALUES (report_day(OLD.at), -report_backlog_move(OLD.type, OLD.data)),
               (report_day(NEW.at), report_backlog_move(NEW.type, NEW.data))) AS d(day, backlog)
  WHERE d.backlog IS NOT NULL AND d.backlog <> 0;
  RETURN NULL;
END
$$;

CREATE TRIGGER request_events_report_insert AFTER INSERT ON request_events FOR EACH ROW
  WHEN (report_backlog_move(NEW.type, NEW.data) <> 0)
  EXECUTE FUNCTION request_events_report();
CREATE TRIGGER request_events_report_update AFTER UPDATE ON request_events FOR EACH ROW
  WHEN (report_backlog_move(OLD.type, OLD.data) <> 0 OR report_backlog_move(NEW.type, NEW.data) <> 0)
  EXECUTE FUNCTION request_events_report();
CREATE TRIGGER request_events_report_delete AFTER DELETE ON request_events FOR EACH ROW
  WHEN (report_backlog_move(OLD.type, OLD.data) <> 0)
  EXECUTE FUNCTION request_events_report();

-- The first action and the outcome give the durations and whether the deadline was met.
CREATE FUNCTION request_timings_report() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r appointment_requests;
  old_fa timestamptz;
  old_oc timestamptz;
  new_fa timestamptz;
  new_oc timestamptz;
BEGIN
  SELECT * INTO r FROM appointment_requests WHERE id = coalesce(NEW.request_id, OLD.request_id);
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    old_fa := OLD.first_action_at;
    old_oc := OLD.outcome_at;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_fa := NEW.first_action_at;
    new_oc := NEW.outcome_at;
  END IF;
  IF old_oc IS DISTINCT FROM new_oc THEN
    INSERT INTO report_counts (day, team_id, specialty_code, specialty_name, type, sla_met, sla_late)
    VALUES (report_day(r.received_at), r.team_id, r.appointment_specialty_code, r.appointment_specialty_display, r.type,
      coalesce(new_oc <= r.deadline_at, false)::int - coalesce(old_oc <= r.deadline_at, false)::int,
      coalesce(new_oc > r.deadline_at, false)::int - coalesce(old_oc > r.deadline_at, false)::int);
  END IF;
  IF old_fa IS DISTINCT FROM new_fa OR old_oc IS DISTINCT FROM new_oc THEN
    PERFORM report_add_durations(r,
      CASE WHEN old_fa IS DISTINCT FROM new_fa THEN old_fa END,
      CASE WHEN old_oc IS DISTINCT FROM new_oc THEN old_oc END, -1);
    PERFORM report_add_durations(r,
      CASE WHEN old_fa IS DISTINCT FROM new_fa THEN new_fa END,
      CASE WHEN old_oc IS DISTINCT FROM new_oc THEN new_oc END, 1);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER request_timings_report AFTER INSERT OR UPDATE OR DELETE ON request_timings
  FOR EACH ROW EXECUTE FUNCTION request_timings_report();

-- Folds the appended rows of every day that has some into one row per key (dropping keys that sum to nothing).
-- Whole days are rewritten, so a day's rows stay few. Rows appended by transactions still open are not visible here
-- and stay fresh for the next call. Returns false when another session is compacting (nothing done).
CREATE FUNCTION report_rollups_compact() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  -- One compactor at a time (two could otherwise lock the same rows in different orders).
  IF NOT pg_try_advisory_xact_lock(7265626, 11) THEN
    RETURN false;
  END IF;
  WITH days AS (SELECT DISTINCT day FROM report_counts WHERE fresh),
  moved AS (DELETE FROM report_counts c USING days WHERE c.day = days.day RETURNING c.*)
  INSERT INTO report_counts (day, team_id, specialty_code, specialty_name, type, received, backlog, status_processing,
    status_open, status_in_progress, status_done, status_error, unmatched_review, unmatched_no_candidates,
    unmatched_not_applicable, outcome_rebooked, outcome_cancelled, outcome_rejected, outcome_needs_patient_contact,
    sla_met, sla_late, fresh)
  SELECT day, team_id, specialty_code, specialty_name, type, sum(received), sum(backlog), sum(status_processing),
    sum(status_open), sum(status_in_progress), sum(status_done), sum(status_error), sum(unmatched_review),
    sum(unmatched_no_candidates), sum(unmatched_not_applicable), sum(outcome_rebooked), sum(outcome_cancelled),
    sum(outcome_rejected), sum(outcome_needs_patient_contact), sum(sla_met), sum(sla_late), false
  FROM moved
  GROUP BY day, team_id, specialty_code, specialty_name, type
  HAVING sum(received) <> 0 OR sum(backlog) <> 0 OR sum(status_processing) <> 0 OR sum(status_open) <> 0
    OR sum(status_in_progress) <> 0 OR sum(status_done) <> 0 OR sum(status_error) <> 0 OR sum(unmatched_review) <> 0
    OR sum(unmatched_no_candidates) <> 0 OR sum(unmatched_not_applicable) <> 0 OR sum(outcome_rebooked) <> 0
    OR sum(outcome_cancelled) <> 0 OR sum(outcome_rejected) <> 0 OR sum(outcome_needs_patient_contact) <> 0
    OR sum(sla_met) <> 0 OR sum(sla_late) <> 0;

  WITH days AS (SELECT DISTINCT day FROM report_durations WHERE fresh),
  moved AS (DELETE FROM report_durations d USING days WHERE d.day = days.day RETURNING d.*),
  folded AS (
    INSERT INTO report_durations (day, team_id, specialty_code, type, metric, bin, n, ms, fresh)
    SELECT day, team_id, specialty_code, type, metric, bin, sum(n), sum(ms), false
    FROM moved
    GROUP BY day, team_id, specialty_code, type, metric, bin
    HAVING sum(n) <> 0 OR sum(ms) <> 0
  )
  -- Only the fresh rows are news to the monthly histograms.
  INSERT INTO report_durations_monthly (month, specialty_code, metric, bin, n, ms)
  SELECT date_trunc('month', day::timestamp)::date, specialty_code, metric, bin, sum(n), sum(ms)
  FROM moved WHERE fresh
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (month, specialty_code, metric, bin) DO UPDATE
    SET n = report_durations_monthly.n + EXCLUDED.n, ms = report_durations_monthly.ms + EXCLUDED.ms;
  RETURN true;
END
$$;

-- Rebuilds both rollups from the requests, their history and their timings (already compact): the back-fill below,
-- and for bulk loads made with triggers off (bench/generate.ts). Run it with no writers about (statements see
-- different snapshots).
CREATE FUNCTION report_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(7265626, 11);
  DELETE FROM report_counts;
  DELETE FROM report_durations;
  DELETE FROM report_durations_monthly;
  INSERT INTO report_counts (day, team_id, specialty_code, specialty_name, type, received, backlog, status_processing,
    status_open, status_in_progress, status_done, status_error, unmatched_review, unmatched_no_candidates,
    unmatched_not_applicable, outcome_rebooked, outcome_cancelled, outcome_rejected, outcome_needs_patient_contact,
    sla_met, sla_late, fresh)
  SELECT day, team_id, specialty_code, specialty_name, type, sum(received), sum(backlog), sum(status_processing),
    sum(status_open), sum(status_in_progress), sum(status_done), sum(status_error), sum(unmatched_review),
    sum(unmatched_no_candidates), sum(unmatched_not_applicable), sum(outcome_rebooked), sum(outcome_cancelled),
    sum(outcome_rejected), sum(outcome_needs_patient_contact), sum(sla_met), sum(sla_late), false
  FROM (
    SELECT report_day(r.received_at) AS day, r.team_id, r.appointment_specialty_code AS specialty_code,
      r.appointment_specialty_display AS specialty_name, r.type, 1 AS received, 1 AS backlog,
      (r.status = 'processing')::int AS status_processing, (r.status = 'open')::int AS status_open,
      (r.status = 'in_progress')::int AS status_in_progress, (r.status = 'done')::int AS status_done,
      (r.status = 'error')::int AS status_error,
      (r.status <> 'done' AND r.match_state = 'review')::int AS unmatched_review,
      (r.status <> 'done' AND r.match_state = 'no_candidates')::int AS unmatched_no_candidates,
      (r.status <> 'done' AND r.match_state = 'not_applicable')::int AS unmatched_not_applicable,
      (r.outcome IS NOT DISTINCT FROM 'rebooked')::int AS outcome_rebooked,
      (r.outcome IS NOT DISTINCT FROM 'cancelled')::int AS outcome_cancelled,
      (r.outcome IS NOT DISTINCT FROM 'rejected')::int AS outcome_rejected,
      (r.outcome IS NOT DISTINCT FROM 'needs_patient_contact')::int AS outcome_needs_patient_contact,
      coalesce(t.outcome_at <= r.deadline_at, false)::int AS sla_met,
      coalesce(t.outcome_at > r.deadline_at, false)::int AS sla_late
    FROM appointment_requests r LEFT JOIN request_timings t ON t.request_id = r.id
    UNION ALL
    SELECT report_day(e.at), r.team_id, r.appointment_specialty_code, r.appointment_specialty_display, r.type, 0,
      report_backlog_move(e.type, e.data), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM request_events e JOIN appointment_requests r ON r.id = e.request_id
    WHERE e.type = 'status_changed' AND report_backlog_move(e.type, e.data) <> 0
  ) x
  GROUP BY day, team_id, specialty_code, specialty_name, type;

  INSERT INTO report_durations (day, team_id, specialty_code, type, metric, bin, n, ms, fresh)
  SELECT report_day(r.received_at), r.team_id, r.appointment_specialty_code, r.type, v.metric,
    report_duration_bin(v.ms), count(*), sum(v.ms), false
  FROM appointment_requests r JOIN request_timings t ON t.request_id = r.id,
    LATERAL (VALUES (1::smallint, report_ms(r.received_at, t.first_action_at)),
                    (2::smallint, report_ms(r.received_at, t.outcome_at))) AS v(metric, ms)
  WHERE v.ms IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5, 6;

  INSERT INTO report_durations_monthly (month, specialty_code, metric, bin, n, ms)
  SELECT date_trunc('month', day::timestamp)::date, specialty_code, metric, bin, sum(n), sum(ms)
  FROM report_durations
  GROUP BY 1, 2, 3, 4;
END
$fn$;

SELECT report_rollups_rebuild();
