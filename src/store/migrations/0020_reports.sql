-- Duration histograms a range reads in a few thousand rows whatever the history's size (issue 11).
--
-- report_durations (migration report_rollups) keeps one row per UK day, key (team, specialty, type), metric and bin:
-- the triggers append to it and it stays the rollups' record of every duration. But a day's key holds only a few
-- durations, each in its own bin, so a range read from it reads about 1.6 rows per request: at 1,000,000 requests a
-- year's timings summed 1.6 million rows.
--
-- report_histograms holds whole histograms, one row per period, key and metric, the bins as arrays: per UK day, ISO
-- week (Monday) and calendar month of receipt, and per key with "every team" and "every type" as keys of their own
-- (a cube over team and type; specialty is always kept, as the timings report groups by it). A report reads, for its
-- buckets wholly inside the range, one row per bucket, specialty and metric of its unit (a year by month: 12 × the
-- specialties × 2 rows), and the day rows of its partial buckets at the edges; plus the report_durations rows not yet
-- compacted. Only report_rollups_compact() writes it (from the rows it folds), so it has a single writer and
-- the triggers stay append-only.
--
-- The bins are report_duration_bin's: half a minute below an hour, then growing by 1% (a log-linear scheme). Read
-- with each bin's mean, a percentile is within one minute below an hour and 2% above (test/reports/percentiles.test.ts).
DROP TABLE report_durations_monthly;

CREATE TABLE report_histograms (
  unit text NOT NULL CHECK (unit IN ('day', 'week', 'month')),
  -- The period's first day: the day itself, the ISO week's Monday, the month's 1st (UK dates of receipt).
  period date NOT NULL,
  -- true: every team (team_id null); false: the team team_id, or no team when it is null.
  all_teams boolean NOT NULL,
  team_id uuid,
  -- true: every type (type null); false: the type `type`, or none (unparsed) when it is null.
  all_types boolean NOT NULL,
  type text,
  specialty_code text,
  metric smallint NOT NULL CHECK (metric IN (1, 2)),
  -- Ascending bins (report_duration_bin), how many durations fell in each and their sum in milliseconds.
  bins integer[] NOT NULL,
  ns integer[] NOT NULL,
  ms bigint[] NOT NULL,
  CHECK (all_teams = false OR team_id IS NULL),
  CHECK (all_types = false OR type IS NULL),
  CHECK (cardinality(bins) = cardinality(ns) AND cardinality(bins) = cardinality(ms))
);
CREATE UNIQUE INDEX report_histograms_key
  ON report_histograms (unit, all_teams, all_types, period, team_id, type, specialty_code, metric) NULLS NOT DISTINCT;

-- Folds the appended rows of every day that has some into one row per key (dropping keys that sum to nothing), and
-- adds the appended duration rows to report_histograms (every unit, every team/type combination). Whole days are
-- rewritten, so a day's rows stay few. Rows appended by transactions still open are not visible here and stay fresh
-- for the next call. Returns false when another session is compacting (nothing done).
CREATE OR REPLACE FUNCTION report_rollups_compact() RETURNS boolean LANGUAGE plpgsql AS $$
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
  ),
  -- Only the fresh rows are news to the histograms: per unit, period and team/type combination.
  delta AS (
    SELECT u.unit, date_trunc(u.unit, m.day::timestamp)::date AS period, c.all_teams,
      CASE WHEN c.all_teams THEN NULL ELSE m.team_id END AS team_id, c.all_types,
      CASE WHEN c.all_types THEN NULL ELSE m.type END AS type, m.specialty_code, m.metric, m.bin, m.n, m.ms
    FROM moved m,
      (VALUES ('day'), ('week'), ('month')) AS u(unit),
      (VALUES (false, false), (false, true), (true, false), (true, true)) AS c(all_teams, all_types)
    WHERE m.fresh
  ),
  touched AS (
    SELECT DISTINCT unit, period, all_teams, team_id, all_types, type, specialty_code, metric FROM delta
  ),
  merged AS (
    SELECT unit, period, all_teams, team_id, all_types, type, specialty_code, metric, bin, sum(n) AS n, sum(ms) AS ms
    FROM (
      SELECT * FROM delta
      UNION ALL
      SELECT h.unit, h.period, h.all_teams, h.team_id, h.all_types, h.type, h.specialty_code, h.metric, b.bin, b.n,
        b.ms
      FROM report_histograms h
      JOIN touched t ON t.unit = h.unit AND t.period = h.period AND t.all_teams = h.all_teams
        AND t.team_id IS NOT DISTINCT FROM h.team_id AND t.all_types = h.all_types
        AND t.type IS NOT DISTINCT FROM h.type AND t.specialty_code IS NOT DISTINCT FROM h.specialty_code
        AND t.metric = h.metric,
        unnest(h.bins, h.ns, h.ms) AS b(bin, n, ms)
    ) x
    GROUP BY unit, period, all_teams, team_id, all_types, type, specialty_code, metric, bin
  )
  -- A histogram whose bins all cancel out gets empty arrays here and is deleted below.
  INSERT INTO report_histograms (unit, period, all_teams, team_id, all_types, type, specialty_code, metric, bins, ns,
    ms)
  SELECT unit, period, all_teams, team_id, all_types, type, specialty_code, metric,
    coalesce(array_agg(bin ORDER BY bin) FILTER (WHERE n <> 0 OR ms <> 0), '{}'),
    coalesce(array_agg(n ORDER BY bin) FILTER (WHERE n <> 0 OR ms <> 0), '{}'),
    coalesce(array_agg(ms ORDER BY bin) FILTER (WHERE n <> 0 OR ms <> 0), '{}')
  FROM merged
  GROUP BY unit, period, all_teams, team_id, all_types, type, specialty_code, metric
  ON CONFLICT (unit, all_teams, all_types, period, team_id, type, specialty_code, metric)
    DO UPDATE SET bins = EXCLUDED.bins, ns = EXCLUDED.ns, ms = EXCLUDED.ms;
  DELETE FROM report_histograms WHERE cardinality(bins) = 0;
  RETURN true;
END
$$;

-- report_histograms from the rows of report_durations that are not fresh (the fresh ones are the compactor's news).
CREATE FUNCTION report_histograms_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM report_histograms;
  INSERT INTO report_histograms (unit, period, all_teams, team_id, all_types, type, specialty_code, metric, bins, ns,
    ms)
  SELECT unit, period, all_teams, team_id, all_types, type, specialty_code, metric, array_agg(bin ORDER BY bin),
    array_agg(n ORDER BY bin), array_agg(ms ORDER BY bin)
  FROM (
    SELECT u.unit, date_trunc(u.unit, d.day::timestamp)::date AS period, c.all_teams,
      CASE WHEN c.all_teams THEN NULL ELSE d.team_id END AS team_id, c.all_types,
      CASE WHEN c.all_types THEN NULL ELSE d.type END AS type, d.specialty_code, d.metric, d.bin, sum(d.n)::int AS n,
      sum(d.ms)::bigint AS ms
    FROM report_durations d,
      (VALUES ('day'), ('week'), ('month')) AS u(unit),
      (VALUES (false, false), (false, true), (true, false), (true, true)) AS c(all_teams, all_types)
    WHERE NOT d.fresh
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    HAVING sum(d.n) <> 0 OR sum(d.ms) <> 0
  ) x
  GROUP BY unit, period, all_teams, team_id, all_types, type, specialty_code, metric;
END
$$;

-- Rebuilds every rollup from the requests, their history and their timings (already compact): the back-fill below,
-- and for bulk loads made with triggers off (bench/generate.ts). Run it with no writers about (statements see
-- different snapshots).
CREATE OR REPLACE FUNCTION report_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(7265626, 11);
  DELETE FROM report_counts;
  DELETE FROM report_durations;
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

  PERFORM report_histograms_rebuild();
END
$fn$;

-- The back-fill: every duration row so far goes into the histograms at once (marked as no longer news).
SELECT pg_advisory_xact_lock(7265626, 11);
UPDATE report_durations SET fresh = false WHERE fresh;
SELECT report_histograms_rebuild();
