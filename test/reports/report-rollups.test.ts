// The report rollups (report_counts, report_durations, report_histograms; migrations report_rollups and 0016) always
// sum to their definition over the requests, their history and their timings — after the scenario, after transfers, matches, status changes, outcomes,
// a deleted team, a deleted user, a deleted request and a new deadline policy, before and after compaction — and the
// reports follow a request that moves to another team or specialty. On PostgreSQL, writers never queue on each other's
// rollup rows, and compaction runs beside open writers without losing their rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compactReportRollups } from "../../src/reports/rollups.ts";
import { timingsReport } from "../../src/reports/timings.ts";
import { volumeReport } from "../../src/reports/volume.ts";
import { backlogReport } from "../../src/reports/backlog.ts";
import { openPostgres } from "../../src/store/db.ts";
import { migrate } from "../../src/store/migrate.ts";
import { applyDeadlinePolicy } from "../../src/store/deadlines.ts";
import { appendEvent } from "../../src/store/requests.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { ORTH, seedScenario, type Scenario } from "./scenario.ts";
import type { Queryable } from "../../src/store/db.ts";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const COUNTS = `received, backlog, status_processing, status_open, status_in_progress, status_done, status_error,
  unmatched_review, unmatched_no_candidates, unmatched_not_applicable, outcome_rebooked, outcome_cancelled,
  outcome_rejected, outcome_needs_patient_contact, sla_met, sla_late`;
const COUNT_COLUMNS = COUNTS.split(",").map((c) => c.trim());
const sums = COUNT_COLUMNS.map((c) => `sum(${c})::int AS ${c}`).join(", ");
const KEY = "day::text AS day, team_id, specialty_code, specialty_name, type";

/** The rollup as stored, one row per key (rows summed, keys summing to nothing left out). */
async function storedCounts(db: Queryable): Promise<unknown[]> {
  return db.query(
    `SELECT ${KEY}, ${sums} FROM report_counts GROUP BY day, team_id, specialty_code, specialty_name, type
     HAVING ${COUNT_COLUMNS.map((c) => `sum(${c}) <> 0`).join(" OR ")}
     ORDER BY 1, 2, 3, 4, 5`,
  );
}

/** The same, computed from the requests, their history and their timings by the rollup's definition. */
async function definedCounts(db: Queryable): Promise<unknown[]> {
  return db.query(
    `SELECT ${KEY}, ${sums} FROM (
       SELECT (r.received_at AT TIME ZONE 'Europe/London')::date AS day, r.team_id,
         r.appointment_specialty_code AS specialty_code, r.appointment_specialty_display AS specialty_name, r.type,
         1 AS received, 1 AS backlog,
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
         coalesce(oc.at <= r.deadline_at, false)::int AS sla_met, coalesce(oc.at > r.deadline_at, false)::int AS sla_late
       FROM appointment_requests r
       LEFT JOIN LATERAL (SELECT min(e.at) AS at FROM request_events e WHERE e.request_id = r.id
         AND (e.type = 'outcome_recorded' OR (e.type = 'status_changed' AND e.data->>'to' = 'done'))) oc ON true
       UNION ALL
       SELECT (e.at AT TIME ZONE 'Europe/London')::date, r.team_id, r.appointment_specialty_code,
         r.appointment_specialty_display, r.type, 0,
         CASE WHEN e.data->>'to' = 'done' THEN -1 ELSE 1 END, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
       FROM request_events e JOIN appointment_requests r ON r.id = e.request_id
       WHERE e.type = 'status_changed'
         AND coalesce(e.data->>'to' = 'done', false) <> coalesce(e.data->>'from' = 'done', false)
     ) x
     GROUP BY day, team_id, specialty_code, specialty_name, type
     HAVING ${COUNT_COLUMNS.map((c) => `sum(${c}) <> 0`).join(" OR ")}
     ORDER BY 1, 2, 3, 4, 5`,
  );
}

const DURATION_KEY = "day::text AS day, team_id, specialty_code, type, metric, bin";
async function storedDurations(db: Queryable): Promise<unknown[]> {
  return db.query(
    `SELECT ${DURATION_KEY}, sum(n)::int AS n, sum(ms)::float8 AS ms FROM report_durations
     GROUP BY day, team_id, specialty_code, type, metric, bin HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6`,
  );
}
async function definedDurations(db: Queryable): Promise<unknown[]> {
  return db.query(
    `SELECT ${DURATION_KEY}, count(*)::int AS n, sum(ms)::float8 AS ms FROM (
       SELECT (r.received_at AT TIME ZONE 'Europe/London')::date AS day, r.team_id,
         r.appointment_specialty_code AS specialty_code, r.type, v.metric, report_duration_bin(v.ms) AS bin, v.ms
       FROM appointment_requests r,
         LATERAL (SELECT min(e.at) FILTER (WHERE e.actor_user_id IS NOT NULL) AS fa,
                    min(e.at) FILTER (WHERE e.type = 'outcome_recorded'
                      OR (e.type = 'status_changed' AND e.data->>'to' = 'done')) AS oc
                  FROM request_events e WHERE e.request_id = r.id) t,
         LATERAL (VALUES (1, round(extract(epoch FROM t.fa - r.received_at) * 1000)::bigint),
                         (2, round(extract(epoch FROM t.oc - r.received_at) * 1000)::bigint)) v(metric, ms)
       WHERE v.ms IS NOT NULL
     ) x GROUP BY day, team_id, specialty_code, type, metric, bin ORDER BY 1, 2, 3, 4, 5, 6`,
  );
}

/**
 * The whole histograms (report_histograms: per day, week and month, per team or every team, per type or every type,
 * per specialty or every specialty)
 * plus the day rows not yet compacted into them, against every day row grouped the same way.
 */
async function histogramsAgainstDays(db: Queryable): Promise<[unknown[], unknown[]]> {
  const cube = `FROM report_durations d,
      (VALUES ('day'), ('week'), ('month')) AS u(unit),
      (VALUES (false, false), (false, true), (true, false), (true, true)) AS c(all_teams, all_types),
      (VALUES (false), (true)) AS s(all_specialties)`;
  const cubeKey = `u.unit, date_trunc(u.unit, d.day::timestamp)::date::text AS period, c.all_teams,
      CASE WHEN c.all_teams THEN NULL ELSE d.team_id END AS team_id, c.all_types,
      CASE WHEN c.all_types THEN NULL ELSE d.type END AS type, s.all_specialties,
      CASE WHEN s.all_specialties THEN NULL ELSE d.specialty_code END AS specialty_code, d.metric, d.bin`;
  const q = (from: string) =>
    `SELECT unit, period, all_teams, team_id, all_types, type, all_specialties, specialty_code, metric, bin,
       sum(n)::int AS n, sum(ms)::float8 AS ms FROM (${from}) x
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(n) <> 0 OR sum(ms) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`;
  return [
    await db.query(
      q(`SELECT h.unit, h.period::text AS period, h.all_teams, h.team_id, h.all_types, h.type, h.all_specialties,
           h.specialty_code, h.metric, b.bin, b.n, b.ms
         FROM report_histograms h, unnest(h.bins, h.ns, h.ms) AS b(bin, n, ms)
         UNION ALL SELECT ${cubeKey}, d.n, d.ms ${cube} WHERE d.fresh`),
    ),
    await db.query(q(`SELECT ${cubeKey}, d.n, d.ms ${cube}`)),
  ];
}

async function expectRollupsMatch(db: Queryable): Promise<void> {
  expect(await storedCounts(db)).toEqual(await definedCounts(db));
  expect(await storedDurations(db)).toEqual(await definedDurations(db));
  const [histograms, days] = await histogramsAgainstDays(db);
  expect(histograms).toEqual(days);
}

describe.each(engines)("report rollups on $name", (engine) => {
  let t: TestDb;
  let s: Scenario;

  beforeAll(async () => {
    t = await engine.open();
    s = await seedScenario(t.db);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("sum to their definition after the scenario, and compaction leaves one row per key and the same sums", async () => {
    await expectRollupsMatch(t.db);
    const before = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM report_counts");
    expect(await compactReportRollups(t.db)).toBe(true);
    await expectRollupsMatch(t.db);
    const [after] = await t.db.query<{ rows: number; keys: number; fresh: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT (day, team_id, specialty_code, specialty_name, type))::int AS keys,
         count(*) FILTER (WHERE fresh)::int AS fresh FROM report_counts`,
    );
    expect(after).toEqual({ rows: after!.keys, keys: after!.keys, fresh: 0 });
    expect(after!.rows).toBeLessThan(before[0]!.n);
    const [d] = await t.db.query<{ fresh: number }>(
      "SELECT count(*) FILTER (WHERE fresh)::int AS fresh FROM report_durations",
    );
    expect(d!.fresh).toBe(0);
    // Month buckets now read the month histograms, day buckets the day histograms: the same durations either way.
    const range = { from: "2025-02-01", to: "2025-10-31", zone: "Europe/London" };
    const now = new Date("2026-01-01T00:00:00Z");
    const [histograms] = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM report_histograms WHERE unit = 'month'",
    );
    expect(histograms!.n).toBeGreaterThan(0);
    const byMonth = await timingsReport(t.db, { ...range, unit: "month" }, { now });
    const byDay = await timingsReport(t.db, { ...range, unit: "day" }, { now });
    expect(byMonth.overall).toEqual(byDay.overall);
    expect(byMonth.specialties).toEqual(byDay.specialties);
    expect(byMonth.overall.outcome).toEqual({ requests: 4, medianMinutes: 180, p90Minutes: 4104 });
  });

  it("follow a request transferred to another team: every report counts it there, its history included", async () => {
    const march = { from: "2025-03-01", to: "2025-03-31", zone: "Europe/London", unit: "month" as const };
    const now = new Date("2026-01-01T00:00:00Z");
    const volume = async (teamId: string) => (await volumeReport(t.db, { ...march, teamId })).requests;
    const backlogEndOfMarch = async (teamId: string) =>
      (await backlogReport(t.db, { ...march, teamId }, now)).buckets[0]!.open;
    const outcomeMedian = async (teamId: string) =>
      (await timingsReport(t.db, { ...march, teamId }, { now })).overall.outcome;
    expect([await volume(s.alpha), await volume(s.bravo)]).toEqual([4, 1]);
    expect([await backlogEndOfMarch(s.alpha), await backlogEndOfMarch(s.bravo)]).toEqual([3, 2]);
    // r1 (Alpha, done: outcome after 240 minutes) moves to Bravo.
    expect(await outcomeMedian(s.bravo)).toEqual({ requests: 0, medianMinutes: null, p90Minutes: null });
    await t.db.query("UPDATE appointment_requests SET team_id = $2 WHERE id = $1", [s.ids.r1, s.bravo]);
    expect([await volume(s.alpha), await volume(s.bravo)]).toEqual([3, 2]);
    expect([await backlogEndOfMarch(s.alpha), await backlogEndOfMarch(s.bravo)]).toEqual([3, 2]);
    expect(await outcomeMedian(s.bravo)).toEqual({ requests: 1, medianMinutes: 240, p90Minutes: 240 });
    // r9 (Alpha, reopened on 31 March, so open at the end of March) moves to Bravo: the backlog moves with it.
    await t.db.query("UPDATE appointment_requests SET team_id = $2 WHERE id = $1", [s.ids.r9, s.bravo]);
    expect([await backlogEndOfMarch(s.alpha), await backlogEndOfMarch(s.bravo)]).toEqual([2, 3]);
    await expectRollupsMatch(t.db);
  });

  it("follow one statement that changes many requests in different ways (the pipeline's batch write)", async () => {
    // Every request is updated: three move team (r1 and r9, in Bravo since the transfer above, with moves into and out
    // of done in their history; r4 from Bravo), one changes status, one its match, one its received day, the rest
    // nothing counted. (The rollups' triggers run once per statement: migration 0026.)
    await t.db.query(
      `UPDATE appointment_requests SET
         team_id = CASE WHEN id = ANY($1::uuid[]) THEN $2::uuid ELSE team_id END,
         status = CASE WHEN id = $3::uuid THEN 'in_progress' ELSE status END,
         match_state = CASE WHEN id = $4::uuid THEN 'review' ELSE match_state END,
         received_at = CASE WHEN id = $5::uuid THEN received_at - interval '1 day' ELSE received_at END,
         updated_at = updated_at`,
      [[s.ids.r1, s.ids.r9, s.ids.r4], s.alpha, s.ids.r8, s.ids.r6, s.ids.r7],
    );
    await expectRollupsMatch(t.db);
    // Many new requests in one statement (as a poll's batch is stored), of several days, teams and types.
    await t.db.query(
      `INSERT INTO pkb_messages
       SELECT (jsonb_populate_record(m, jsonb_build_object('pkb_message_id', m.pkb_message_id || '-again',
         'request_id', null))).*
       FROM pkb_messages m WHERE m.pkb_message_id IN (SELECT pkb_message_id FROM appointment_requests)`,
    );
    await t.db.query(
      `INSERT INTO appointment_requests (pkb_message_id, conversation_id, received_at, type, parse_status, status,
         match_state, team_id, appointment_specialty_code, appointment_specialty_display, patient_note)
       SELECT pkb_message_id || '-again', conversation_id, received_at + interval '5 hours', type, parse_status,
         status, match_state, team_id, appointment_specialty_code, appointment_specialty_display, patient_note
       FROM appointment_requests`,
    );
    await expectRollupsMatch(t.db);
    await compactReportRollups(t.db);
    await expectRollupsMatch(t.db);
  });

  it("follow a new match (specialty), a type, status changes, outcomes, deletions and a new deadline policy", async () => {
    // A new match moves r2 from Ophthalmology to Orthopaedics.
    await t.db.query(
      "UPDATE appointment_requests SET appointment_specialty_code = $2, appointment_specialty_display = $3 WHERE id = $1",
      [s.ids.r2, ORTH.code, ORTH.name],
    );
    await t.db.query("UPDATE appointment_requests SET type = 'cancel' WHERE id = $1", [s.ids.r6]);
    await t.db.transaction(async (tx) => {
      await tx.query("UPDATE appointment_requests SET status = 'done' WHERE id = $1", [s.ids.r3]);
      await appendEvent(tx, {
        requestId: s.ids.r3,
        actorUserId: s.clerkId,
        type: "status_changed",
        data: { from: "open", to: "done" },
        at: new Date("2025-04-02T09:00:00Z"),
      });
    });
    await t.db.query("UPDATE appointment_requests SET outcome = 'rebooked' WHERE id = $1", [s.ids.r3]);
    await appendEvent(t.db, {
      requestId: s.ids.r5,
      actorUserId: s.clerkId,
      type: "outcome_recorded",
      data: { outcome: "cancelled" },
      at: new Date("2025-10-26T03:00:00Z"),
    });
    await expectRollupsMatch(t.db);
    await compactReportRollups(t.db);
    await expectRollupsMatch(t.db);
    // History is append-only in the app, but a corrected or removed move into done moves the backlog too.
    await t.db.query(
      `UPDATE request_events SET at = at + interval '3 days'
       WHERE request_id = $1 AND type = 'status_changed' AND data->>'to' = 'done'`,
      [s.ids.r1],
    );
    await t.db.query(
      "DELETE FROM request_events WHERE request_id = $1 AND type = 'status_changed' AND data->>'to' = 'done'",
      [s.ids.r2],
    );
    await expectRollupsMatch(t.db);
    // A deleted team's requests belong to no team; a deleted user's events lose their actor (first actions move).
    await t.db.query("DELETE FROM teams WHERE id = $1", [s.bravo]);
    await t.db.query("DELETE FROM users WHERE id = $1", [s.clerkId]);
    await t.db.query("DELETE FROM appointment_requests WHERE id = $1", [s.ids.r10]);
    await applyDeadlinePolicy(t.db, { requestSlaMs: 5 * 3600_000, appointmentLeadMs: 48 * 3600_000 });
    await expectRollupsMatch(t.db);
    await compactReportRollups(t.db);
    await expectRollupsMatch(t.db);
  });
});

describe.each(engines)("the report rollups' migration on $name", (engine) => {
  it("back-fills the rollups from the requests, history and timings already stored", async () => {
    const t = await engine.open({ migrated: false });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-migrations-"));
    try {
      const all = path.join(import.meta.dirname, "../../src/store/migrations");
      const files = (await fs.readdir(all)).filter((f) => f.endsWith(".sql")).sort();
      const rollups = files.findIndex((f) => f.endsWith("_report_rollups.sql"));
      expect(rollups).toBeGreaterThan(0);
      for (const f of files.slice(0, rollups)) await fs.copyFile(path.join(all, f), path.join(dir, f));
      await migrate(t.db, dir);
      await seedScenario(t.db);
      await migrate(t.db);
      const [fresh] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM report_counts");
      expect(fresh!.n).toBeGreaterThan(5);
      await expectRollupsMatch(t.db);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
      await t.dispose();
    }
  });
});

describe("report rollups under concurrent writers on postgres", () => {
  let t: TestDb;
  let s: Scenario;

  beforeAll(async () => {
    t = await engines[1].open();
    s = await seedScenario(t.db);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("let two transactions change requests of the same day and key at once, and compaction run beside them", async () => {
    const other = await openPostgres(t.url!, { max: 2 });
    try {
      // r1 and r2 share the key (30 March, Alpha, Ophthalmology): an in-place counter would make the second wait.
      await t.db.transaction(async (a) => {
        await a.query("UPDATE appointment_requests SET status = 'in_progress' WHERE id = $1", [s.ids.r1]);
        await other.transaction(async (b) => {
          await b.query("SET LOCAL lock_timeout = '2s'");
          await b.query("UPDATE appointment_requests SET status = 'open' WHERE id = $1", [s.ids.r2]);
        });
        // Compaction from a third session while `a` is still open: it must not wait for `a`, nor drop its rows.
        expect(await compactReportRollups(other)).toBe(true);
      });
      await expectRollupsMatch(t.db);
      const [fresh] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM report_counts WHERE fresh");
      expect(fresh!.n).toBeGreaterThan(0); // a's rows, appended while it was open, wait for the next compaction
      await compactReportRollups(t.db);
      await expectRollupsMatch(t.db);
    } finally {
      await other.close();
    }
  });
});
