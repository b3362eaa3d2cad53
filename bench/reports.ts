// Report query times on a year of synthetic data (SIZE requests received through 2025, about six history events each),
// inserted with generate_series in SQL, on embedded PGlite and on PostgreSQL. Each query runs RUNS times after one
// warm-up; the figures are the median milliseconds.
import { backlogReport } from "../src/reports/backlog.ts";
import { outcomesReport } from "../src/reports/outcomes.ts";
import type { BucketUnit, ReportFilter } from "../src/reports/query.ts";
import { reportRowsPage, streamReportRows } from "../src/reports/rows.ts";
import { summaryReport } from "../src/reports/summary.ts";
import { timingsReport } from "../src/reports/timings.ts";
import { volumeReport } from "../src/reports/volume.ts";
import { openPglite, type Db } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { freshPostgres } from "./postgres.ts";
import type { Benchmark } from "./run.ts";

const SIZE = 100_000;
const RUNS = 3;

/**
 * A year of requests: received evenly through 2025 (so across both clock changes), 5 teams, 12 specialties, 80%
 * linked; 70% done with an outcome, the rest open, in progress, in error or still processing; each with its history
 * (received, opened, assigned by a person, in progress, outcome, done). Pseudo-random but fixed: hashint4 of the row.
 */
export async function seedYear(db: Db, size: number): Promise<void> {
  await db.query("INSERT INTO teams (name) SELECT 'Bench team ' || g FROM generate_series(1, 5) g");
  await db.query(
    "INSERT INTO users (email, display_name, role) SELECT 'bench' || g || '@trust.example', 'Bench ' || g, 'clerk' FROM generate_series(1, 10) g",
  );
  await db.query(
    `INSERT INTO pkb_messages (pkb_message_id, conversation_id, subject, content, sent_at, raw, kind)
     SELECT 'bench-' || g, 'conv-' || g, 'Request to change appointment', '',
       timestamptz '2025-01-01 00:00+00' + (g - 1) * interval '365 days' / $1, '{}', 'request'
     FROM generate_series(1, $1::int) g`,
    [size],
  );
  await db.query(
    `WITH t AS (SELECT array_agg(id ORDER BY name) AS ids FROM teams WHERE name LIKE 'Bench team %'),
     s AS (
       SELECT g, timestamptz '2025-01-01 00:00+00' + (g - 1) * interval '365 days' / $1 AS ts, abs(hashint4(g)) AS h
       FROM generate_series(1, $1::int) g
     )
     INSERT INTO appointment_requests (pkb_message_id, conversation_id, received_at, type, parse_status, team_id,
       appointment_specialty_code, appointment_specialty_display, appointment_start, match_state, status, outcome,
       next_attempt_at)
     SELECT 'bench-' || g, 'conv-' || g, ts, CASE WHEN h % 10 < 6 THEN 'change' ELSE 'cancel' END, 'parsed',
       t.ids[1 + h % 5],
       CASE WHEN h % 5 < 4 THEN 'S' || (h % 12) END, CASE WHEN h % 5 < 4 THEN 'Specialty ' || (h % 12) END,
       CASE WHEN h % 5 < 4 THEN ts + (1 + h % 30) * interval '1 day' END,
       CASE WHEN h % 5 < 4 THEN 'auto_linked' WHEN h % 2 = 0 THEN 'review' ELSE 'no_candidates' END,
       CASE WHEN (h / 7) % 100 < 70 THEN 'done' WHEN (h / 7) % 100 < 85 THEN 'open'
            WHEN (h / 7) % 100 < 95 THEN 'in_progress' WHEN (h / 7) % 100 < 98 THEN 'error' ELSE 'processing' END,
       CASE WHEN (h / 7) % 100 < 70 THEN (ARRAY['rebooked', 'cancelled', 'rejected', 'needs_patient_contact'])[1 + h % 4] END,
       NULL
     FROM s, t`,
    [size],
  );
  await db.query(
    `WITH u AS (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email LIKE 'bench%'),
     r AS (SELECT id, received_at AS ts, status, outcome, abs(hashint4(hashtext(id::text))) AS h FROM appointment_requests)
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
  await db.query("ANALYZE");
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]!);
}

async function run(engine: "pglite" | "postgres"): Promise<Record<string, number>> {
  const store =
    engine === "pglite" ? { db: await openPglite("memory://"), drop: async () => undefined } : await freshPostgres();
  const { db } = store;
  try {
    await migrate(db);
    const t0 = performance.now();
    await seedYear(db, SIZE);
    const seedMs = Math.round(performance.now() - t0);
    const [counts] = await db.query<{ requests: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM appointment_requests) AS requests,
         (SELECT count(*)::int FROM request_events) AS events`,
    );
    const [team] = await db.query<{ id: string }>("SELECT id FROM teams ORDER BY name LIMIT 1");
    const now = new Date("2026-01-15T12:00:00Z");
    const year: ReportFilter = { from: "2025-01-01", to: "2025-12-31", zone: "Europe/London" };
    const by = (unit: BucketUnit) => ({ ...year, unit });
    const figures: Record<string, number> = {
      requests: counts?.requests ?? 0,
      events: counts?.events ?? 0,
      seedMs,
      volumeDayMs: await median(() => volumeReport(db, by("day"))),
      volumeWeekMs: await median(() => volumeReport(db, by("week"))),
      volumeMonthMs: await median(() => volumeReport(db, by("month"))),
      volumeDayOneTeamMs: await median(() => volumeReport(db, { ...by("day"), teamId: team!.id })),
      volumeDayOneSpecialtyMs: await median(() => volumeReport(db, { ...by("day"), specialtyCode: "S3" })),
      volumeDayOneMonthMs: await median(() => volumeReport(db, { ...by("day"), from: "2025-10-01", to: "2025-10-31" })),
      backlogDayMs: await median(() => backlogReport(db, by("day"), now)),
      backlogDayOneMonthMs: await median(() =>
        backlogReport(db, { ...by("day"), from: "2025-10-01", to: "2025-10-31" }, now),
      ),
      timingsMonthMs: await median(() => timingsReport(db, by("month"), { now })),
      timingsDayOneMonthMs: await median(() =>
        timingsReport(db, { ...by("day"), from: "2025-10-01", to: "2025-10-31" }, { now }),
      ),
      outcomesMonthMs: await median(() => outcomesReport(db, by("month"))),
      summaryMs: await median(() => summaryReport(db, year, { now })),
      rowsFirstPage1000Ms: await median(() => reportRowsPage(db, year, { now, cursor: null, limit: 1000 })),
    };
    // The whole year's rows, streamed in chunks of 1000 as rows.csv reads them.
    const t1 = performance.now();
    let rows = 0;
    for await (const chunk of streamReportRows(db, year, { now })) rows += chunk.length;
    figures.rowsAllStreamedMs = Math.round(performance.now() - t1);
    figures.rowsAll = rows;
    return figures;
  } finally {
    await store.drop();
    if (engine === "pglite") await db.close();
  }
}

/** Report query times on a year of data, embedded PGlite vs PostgreSQL. */
export const reportBenchmarks: Benchmark[] = [
  { name: `reports: ${SIZE} requests over 2025, PGlite`, run: () => run("pglite") },
  { name: `reports: ${SIZE} requests over 2025, PostgreSQL`, run: () => run("postgres") },
];
