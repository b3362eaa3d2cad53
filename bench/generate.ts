// A year of synthetic requests for the report and worklist benchmarks, generated set-based in SQL (generate_series),
// with the row triggers off while loading and the derived tables (request_timings, the report rollups) rebuilt
// set-based afterwards: 100,000 requests in seconds, 1,000,000 in minutes.
import type { Db } from "../src/store/db.ts";

/**
 * `size` requests received evenly through 2025 (so across both clock changes), 5 teams, 12 specialties, 80% linked;
 * 70% done with an outcome, the rest open, in progress, in error or still processing; each with its history
 * (received, opened, assigned by a person, in progress, outcome, done), about 4.8 events per request.
 * Pseudo-random but fixed: hashint4 of the row. Returns the team ids.
 */
export async function seedYear(db: Db, size: number): Promise<string[]> {
  await db.withSession(async (s) => {
    // Triggers off for the bulk load (deadline_at, request_timings and the rollups are filled set-based below).
    await s.query("SET session_replication_role = replica");
    await s.query("INSERT INTO teams (name) SELECT 'Bench team ' || g FROM generate_series(1, 5) g");
    await s.query(
      `INSERT INTO users (email, display_name, role)
       SELECT 'bench' || g || '@trust.example', 'Bench ' || g, 'clerk' FROM generate_series(1, 10) g`,
    );
    await s.query(
      `INSERT INTO pkb_messages (pkb_message_id, conversation_id, subject, content, sent_at, raw, kind)
       SELECT 'bench-' || g, 'conv-' || g, 'Request to change appointment', '',
         timestamptz '2025-01-01 00:00+00' + (g - 1) * interval '365 days' / $1, '{}', 'request'
       FROM generate_series(1, $1::int) g`,
      [size],
    );
    await s.query(
      `WITH t AS (SELECT array_agg(id ORDER BY name) AS ids FROM teams WHERE name LIKE 'Bench team %'),
       u AS (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email LIKE 'bench%'),
       s AS (
         SELECT g, timestamptz '2025-01-01 00:00+00' + (g - 1) * interval '365 days' / $1 AS ts, abs(hashint4(g)) AS h
         FROM generate_series(1, $1::int) g
       ), v AS (
         SELECT s.*, CASE WHEN (h / 7) % 100 < 70 THEN 'done' WHEN (h / 7) % 100 < 85 THEN 'open'
              WHEN (h / 7) % 100 < 95 THEN 'in_progress' WHEN (h / 7) % 100 < 98 THEN 'error' ELSE 'processing' END
              AS status,
           CASE WHEN h % 5 < 4 THEN ts + (1 + h % 30) * interval '1 day' END AS appointment_start
         FROM s
       )
       INSERT INTO appointment_requests (pkb_message_id, conversation_id, received_at, type, parse_status, team_id,
         assigned_user_id, appointment_specialty_code, appointment_specialty_display, appointment_start, match_state,
         status, outcome, next_attempt_at, deadline_at)
       SELECT 'bench-' || g, 'conv-' || g, ts, CASE WHEN h % 10 < 6 THEN 'change' ELSE 'cancel' END, 'parsed',
         t.ids[1 + h % 5], CASE WHEN status IN ('open', 'in_progress', 'done') AND h % 3 > 0 THEN u.ids[1 + h % 10] END,
         CASE WHEN h % 5 < 4 THEN 'S' || (h % 12) END, CASE WHEN h % 5 < 4 THEN 'Specialty ' || (h % 12) END,
         appointment_start,
         CASE WHEN h % 5 < 4 THEN 'auto_linked' WHEN h % 2 = 0 THEN 'review' ELSE 'no_candidates' END,
         status,
         CASE WHEN status = 'done' THEN (ARRAY['rebooked', 'cancelled', 'rejected', 'needs_patient_contact'])[1 + h % 4] END,
         CASE WHEN status = 'processing' THEN ts END,
         request_deadline(t.ids[1 + h % 5], ts, appointment_start, 0, NULL, NULL)
       FROM v, t, u`,
      [size],
    );
    await s.query(
      `WITH u AS (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email LIKE 'bench%'),
       r AS (SELECT id, received_at AS ts, status, abs(hashint4(hashtext(id::text))) AS h FROM appointment_requests)
       INSERT INTO request_events (request_id, at, actor_user_id, type, data)
       SELECT r.id, r.ts + v.mins * interval '1 minute', CASE WHEN v.human THEN u.ids[1 + r.h % 10] END, v.type,
         v.data::jsonb
       FROM r, u, LATERAL (VALUES
         (0, false, 'received', '{}', true),
         (1, false, 'status_changed', '{"from":"processing","to":"open"}', r.status NOT IN ('processing', 'error')),
         (1, false, 'status_changed', '{"from":"processing","to":"error"}', r.status = 'error'),
         (5 + r.h % 600, true, 'assigned', '{}', r.status IN ('open', 'in_progress', 'done') AND r.h % 3 > 0),
         (35 + r.h % 600, true, 'status_changed', '{"from":"open","to":"in_progress"}', r.status IN ('in_progress', 'done')),
         (60 + r.h % 5000, true, 'outcome_recorded', '{}', r.status = 'done'),
         (60 + r.h % 5000, true, 'status_changed', '{"from":"in_progress","to":"done"}', r.status = 'done')
       ) AS v(mins, human, type, data, keep)
       WHERE v.keep`,
    );
    // What the triggers would have kept: the per-request timings (migration 0006) and the report rollups (migration report_rollups).
    await s.query(
      `INSERT INTO request_timings (request_id, first_action_at, outcome_at)
       SELECT request_id, min(at) FILTER (WHERE actor_user_id IS NOT NULL),
         min(at) FILTER (WHERE request_event_is_outcome(type, data))
       FROM request_events
       WHERE actor_user_id IS NOT NULL OR request_event_is_outcome(type, data)
       GROUP BY request_id`,
    );
    await s.query("SELECT report_rollups_rebuild()");
    await s.query("SET session_replication_role = origin");
    // What autovacuum does to a table after a bulk load (inserts count towards it since PostgreSQL 13): statistics and
    // the visibility map, without which no index-only scan (the worklist's counts and urgency order) skips the heap.
    await s.query("VACUUM (ANALYZE)");
  });
  return (await db.query<{ id: string }>("SELECT id FROM teams WHERE name LIKE 'Bench team %' ORDER BY name")).map(
    (r) => r.id,
  );
}
