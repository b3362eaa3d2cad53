-- "Every specialty" as a key of the duration histograms too (issue 11: timings by week at 1,000,000 requests).
--
-- The timings report gives figures per bucket (over every specialty, unless one is chosen) and per specialty (over
-- the whole range). With specialty always kept, a year by week read one histogram per week, specialty and metric
-- (~1,400 rows, ~360,000 bins at 1,000,000 requests) and added them up twice, per week and per specialty. With
-- "every specialty" kept as well, the weeks come from one histogram per week and metric (~100 rows) and the
-- specialties from their month histograms (~300 rows): about half the bins, read once each.
ALTER TABLE report_histograms ADD COLUMN all_specialties boolean NOT NULL DEFAULT false;
ALTER TABLE report_histograms ADD CONSTRAINT report_histograms_all_specialties_check
  CHECK (all_specialties = false OR specialty_code IS NULL);
DROP INDEX report_histograms_key;
CREATE UNIQUE INDEX report_histograms_key ON report_histograms
  (unit, all_teams, all_types, all_specialties, period, team_id, type, specialty_code, metric) NULLS NOT DISTINCT;

-- The compactor of migration 0020, with the specialty in the cube: every team/type/specialty combination.
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
  -- Only the fresh rows are news to the histograms: per unit, period and team/type/specialty combination.
  delta AS (
    SELECT u.unit, date_trunc(u.unit, m.day::timestamp)::date AS period, c.all_teams,
      CASE WHEN c.all_teams THEN NULL ELSE m.team_id END AS team_id, c.all_types,
      CASE WHEN c.all_types THEN NULL ELSE m.type END AS type, s.all_specialties,
      CASE WHEN s.all_specialties THEN NULL ELSE m.specialty_code END AS specialty_code, m.metric, m.bin, m.n, m.ms
    FROM moved m,
      (VALUES ('day'), ('week'), ('month')) AS u(unit),
      (VALUES (false, false), (false, true), (true, false), (true, true)) AS c(all_teams, all_types),
      (VALUES (false), (true)) AS s(all_specialties)
    WHERE m.fresh
  ),
  touched AS (
    SELECT DISTINCT unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code, metric
    FROM delta
  ),
  merged AS (
    SELECT unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code, metric, bin,
      sum(n) AS n, sum(ms) AS ms
    FROM (
      SELECT * FROM delta
      UNION ALL
      SELECT h.unit, h.period, h.all_teams, h.team_id, h.all_types, h.type, h.all_specialties, h.specialty_code,
        h.metric, b.bin, b.n, b.ms
      FROM report_histograms h
      JOIN touched t ON t.unit = h.unit AND t.period = h.period AND t.all_teams = h.all_teams
        AND t.team_id IS NOT DISTINCT FROM h.team_id AND t.all_types = h.all_types
        AND t.type IS NOT DISTINCT FROM h.type AND t.all_specialties = h.all_specialties
        AND t.specialty_code IS NOT DISTINCT FROM h.specialty_code AND t.metric = h.metric,
        unnest(h.bins, h.ns, h.ms) AS b(bin, n, ms)
    ) x
    GROUP BY unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code, metric, bin
  )
  -- A histogram whose bins all cancel out gets empty arrays here and is deleted below.
  INSERT INTO report_histograms (unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code,
    metric, bins, ns, ms)
  SELECT unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code, metric,
    coalesce(array_agg(bin ORDER BY bin) FILTER (WHERE n <> 0 OR ms <> 0), '{}'),
    coalesce(array_agg(n ORDER BY bin) FILTER (WHERE n <> 0 OR ms <> 0), '{}'),
    coalesce(array_agg(ms ORDER BY bin) FILTER (WHERE n <> 0 OR ms <> 0), '{}')
  FROM merged
  GROUP BY unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code, metric
  ON CONFLICT (unit, all_teams, all_types, all_specialties, period, team_id, type, specialty_code, metric)
    DO UPDATE SET bins = EXCLUDED.bins, ns = EXCLUDED.ns, ms = EXCLUDED.ms;
  DELETE FROM report_histograms WHERE cardinality(bins) = 0;
  RETURN true;
END
$$;

-- report_histograms from the rows of report_durations that are not fresh, every combination (migration 0020's, with
-- the specialty in the cube).
CREATE OR REPLACE FUNCTION report_histograms_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM report_histograms;
  INSERT INTO report_histograms (unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code,
    metric, bins, ns, ms)
  SELECT unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code, metric,
    array_agg(bin ORDER BY bin), array_agg(n ORDER BY bin), array_agg(ms ORDER BY bin)
  FROM (
    SELECT u.unit, date_trunc(u.unit, d.day::timestamp)::date AS period, c.all_teams,
      CASE WHEN c.all_teams THEN NULL ELSE d.team_id END AS team_id, c.all_types,
      CASE WHEN c.all_types THEN NULL ELSE d.type END AS type, s.all_specialties,
      CASE WHEN s.all_specialties THEN NULL ELSE d.specialty_code END AS specialty_code, d.metric, d.bin,
      sum(d.n)::int AS n, sum(d.ms)::bigint AS ms
    FROM report_durations d,
      (VALUES ('day'), ('week'), ('month')) AS u(unit),
      (VALUES (false, false), (false, true), (true, false), (true, true)) AS c(all_teams, all_types),
      (VALUES (false), (true)) AS s(all_specialties)
    WHERE NOT d.fresh
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    HAVING sum(d.n) <> 0 OR sum(d.ms) <> 0
  ) x
  GROUP BY unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code, metric;
END
$$;

-- The back-fill: the "every specialty" histograms of what is already compacted, summed from the per-specialty ones.
SELECT pg_advisory_xact_lock(7265626, 11);
INSERT INTO report_histograms (unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code,
  metric, bins, ns, ms)
SELECT unit, period, all_teams, team_id, all_types, type, true, NULL, metric, array_agg(bin ORDER BY bin),
  array_agg(n ORDER BY bin), array_agg(ms ORDER BY bin)
FROM (
  SELECT h.unit, h.period, h.all_teams, h.team_id, h.all_types, h.type, h.metric, b.bin, sum(b.n)::int AS n,
    sum(b.ms)::bigint AS ms
  FROM report_histograms h, unnest(h.bins, h.ns, h.ms) AS b(bin, n, ms)
  WHERE NOT h.all_specialties
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  HAVING sum(b.n) <> 0 OR sum(b.ms) <> 0
) x
GROUP BY unit, period, all_teams, team_id, all_types, type, metric;
