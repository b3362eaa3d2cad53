// A changed deadline policy is applied at start-up before the routes: recomputing every request's deadline can take
// longer than Fastify lets a route plugin start (10 s; a million requests here), and it used to run inside the
// workflow routes' plugin, so Rebook failed to start (and, the recomputation rolled back, failed again at every start).
// Here a few hundred requests are made slow to recompute (the deadline function sleeps) to take that long.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { start } from "../../src/main.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { startEmulator, type Emulator } from "../helpers/emulator.ts";

const REQUESTS = 400;

describe("start-up with a changed deadline policy (postgres)", () => {
  let t: TestDb;
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
    t = await engines[1].open();
    await t.db.query(
      `INSERT INTO pkb_messages (pkb_message_id, conversation_id, subject, content, sent_at, raw, kind)
       SELECT 'm-' || g, 'c-' || g, 'Request to change appointment', '', now() - (g || ' minutes')::interval, '{}', 'request'
       FROM generate_series(1, $1::int) g`,
      [REQUESTS],
    );
    await t.db.query(
      `INSERT INTO appointment_requests (pkb_message_id, conversation_id, received_at, type, parse_status, status)
       SELECT 'm-' || g, 'c-' || g, now() - (g || ' minutes')::interval, 'change', 'parsed', 'open'
       FROM generate_series(1, $1::int) g`,
      [REQUESTS],
    );
    // Every deadline now costs 20 ms to compute: recomputing them all takes ~16 s (a look and a write per request).
    await t.db.query(
      `ALTER FUNCTION request_deadline(uuid, timestamptz, timestamptz, bigint, timestamptz, timestamptz)
         RENAME TO request_deadline_quick`,
    );
    await t.db.query(
      `CREATE FUNCTION request_deadline(team uuid, received timestamptz, appointment_start timestamptz, paused_ms bigint,
         snoozed_at timestamptz, snoozed_until timestamptz) RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
       BEGIN
         PERFORM pg_sleep(0.02);
         RETURN request_deadline_quick(team, received, appointment_start, paused_ms, snoozed_at, snoozed_until);
       END $$`,
    );
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
    await emu?.stop();
  });

  it(
    "recomputes every deadline before the routes start, however long it takes, and serves",
    { timeout: 120_000 },
    async () => {
      const before = await t.db.query<{ deadline_at: Date }>(
        "SELECT deadline_at FROM appointment_requests ORDER BY pkb_message_id LIMIT 1",
      );
      const config = loadConfig({
        ...emu.env,
        DATABASE_URL: t.url!,
        PORT: "0",
        LOG_LEVEL: "silent",
        SYNC_INTERVAL_SECONDS: "0",
        REQUEST_SLA_HOURS: "24", // the stored policy is the default, 72
      });
      const started = performance.now();
      const running = await start(config, createLogger("silent"));
      try {
        expect(performance.now() - started).toBeGreaterThan(10_000); // longer than a route plugin may take
        expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
        const after = await t.db.query<{ deadline_at: Date }>(
          "SELECT deadline_at FROM appointment_requests ORDER BY pkb_message_id LIMIT 1",
        );
        expect(after[0]!.deadline_at.getTime()).not.toBe(before[0]!.deadline_at.getTime());
      } finally {
        await running.stop();
      }
    },
  );
});
