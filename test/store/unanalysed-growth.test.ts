// Issue 11's square law, found twice more by `pg_stat_statements` over the 20k pipeline bench. A backlog arrives
// faster than autovacuum analyses it, so the pipeline works on tables PostgreSQL has no statistics for:
// - the report trigger's key move (a request routed to a team) read its history's moves through a BitmapAnd with the
//   index of every event of a type (`request_events_type_at`): 0.09 ms a call at 2k requests, 0.48 ms at 20k;
// - with estimates that large, PostgreSQL compiled the conversation read with JIT on every call (22 ms a call at 20k,
//   1.5 ms at 2k): Rebook's statements are short look-ups, so its connections run without JIT.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Queryable } from "../../src/store/db.ts";
import { engines, type TestDb } from "../helpers/db.ts";

const postgres = engines.find((e) => e.name === "postgres")!;

/** Requests first..last, each received and opened, every other one done: their history rows carry the moves. */
async function seed(db: Queryable, first: number, last: number): Promise<void> {
  await db.query(
    `INSERT INTO pkb_messages (pkb_message_id, conversation_id, subject, content, sent_at, raw, kind)
     SELECT 'm-' || g, 'c-' || g, 'Request to change appointment', '', now() - g * interval '1 minute', '{}', 'request'
     FROM generate_series($1::int, $2::int) g`,
    [first, last],
  );
  await db.query(
    `INSERT INTO appointment_requests (pkb_message_id, conversation_id, received_at, type, parse_status, status,
       appointment_specialty_code, appointment_specialty_display)
     SELECT 'm-' || g, 'c-' || g, now() - g * interval '1 minute', 'change', 'parsed',
       CASE WHEN g % 2 = 0 THEN 'done' ELSE 'open' END, '300', 'Cardiology'
     FROM generate_series($1::int, $2::int) g`,
    [first, last],
  );
  await db.query(
    `INSERT INTO request_events (request_id, at, type, data)
     SELECT r.id, r.received_at + v.mins * interval '1 minute', v.type, v.data::jsonb
     FROM appointment_requests r
     CROSS JOIN LATERAL (VALUES (0, 'received', '{}', true),
       (1, 'status_changed', '{"from":"processing","to":"open"}', true),
       (2, 'status_changed', '{"from":"open","to":"done"}', r.status = 'done')) v(mins, type, data, keep)
     WHERE v.keep AND substr(r.pkb_message_id, 3)::int BETWEEN $1 AND $2`,
    [first, last],
  );
}

/** Pages read and written by moving one done request's whole report contribution away and back (rolled back). */
async function keyMovePages(t: TestDb): Promise<number> {
  type Node = { "Shared Hit Blocks": number; "Shared Read Blocks": number };
  let pages = 0;
  await t.db
    .transaction(async (tx) => {
      const sql = `SELECT report_add_request(r, -1), report_add_request(r, 1) FROM appointment_requests r
                   WHERE r.pkb_message_id = 'm-1000'`;
      await tx.query(sql); // plans the functions' statements, as a long-lived connection has
      const [row] = await tx.query<{ "QUERY PLAN": { Plan: Node }[] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
      );
      const plan = row!["QUERY PLAN"][0]!.Plan;
      pages = plan["Shared Hit Blocks"] + plan["Shared Read Blocks"];
      throw new Error("rollback");
    })
    .catch((e: Error) => {
      if (e.message !== "rollback") throw e;
    });
  return pages;
}

describe("postgres: tables never analysed", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await postgres.open();
    for (const table of ["appointment_requests", "request_events", "report_counts", "pkb_messages"])
      await t.db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
  }, 60_000);
  afterAll(() => t?.dispose());

  it("Rebook's connections run without JIT", async () => {
    const [row] = await t.db.query<{ jit: string }>("SHOW jit");
    expect(row!.jit).toBe("off");
    await t.db.transaction(async (tx) => {
      const [inTx] = await tx.query<{ jit: string }>("SHOW jit");
      expect(inTx!.jit).toBe("off");
    });
  });

  it(
    "moving a request's report key reads about as many pages at 20,000 requests as at 2,000",
    { timeout: 180_000 },
    async () => {
      await seed(t.db, 1, 2000);
      const at2k = await keyMovePages(t);
      await seed(t.db, 2001, 20000);
      const at20k = await keyMovePages(t);
      // A b-tree one level deeper per index touched, at most; never the type's whole index.
      expect(at20k, `pages at 2k: ${at2k}, at 20k: ${at20k}`).toBeLessThanOrEqual(at2k + 6);
    },
  );
});
