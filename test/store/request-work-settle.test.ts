// Settling follow-up work in batches (settleWorks): each item as its work decided, only at the schedule it read; and on
// PostgreSQL, with several connections, a batch settling rows while a claim renewal holds some of them never deadlocks:
// both lock the rows in key order. (Before, the settling locked them in the order the items finished: with a renewal
// holding the lower row and then asking for the higher, PostgreSQL had to abort one of them as a deadlock.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renewClaims } from "../../src/jobs/due-work.ts";
import { openPostgres } from "../../src/store/db.ts";
import { readWorks, requestWorkQueue, settleWorks, type WorkItem } from "../../src/store/request-work.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { seedRequest } from "../helpers/requests.ts";

const KIND = "pkb_settle";

async function workRows(t: TestDb, n: number): Promise<WorkItem[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const requestId = await seedRequest(t.db, { teamId: null });
    const [row] = await t.db.query<{ id: string }>(
      `INSERT INTO request_work (request_id, kind, due_at, attempts, last_error)
       VALUES ($1, $2, now() + interval '30 seconds', 2, 'PKB said 503') RETURNING id`,
      [requestId, KIND],
    );
    ids.push(String(row!.id));
  }
  return (await readWorks(t.db, ids)).map((w) => w!);
}

describe.each(engines)("settling follow-up work on $name", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await engine.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("settles each item as done or due later, at the schedule its work read, the last settling of one listed twice", async () => {
    const [done, later, moved, twice] = await workRows(t, 4);
    // An event scheduled `moved` again while its work ran: its new schedule stands.
    await t.db.query("UPDATE request_work SET schedule_version = schedule_version + 1 WHERE id = $1", [moved!.id]);
    await settleWorks(t.db, [
      { item: done!, delayMs: null },
      { item: later!, delayMs: 3_600_000 },
      { item: moved!, delayMs: null },
      { item: twice!, delayMs: null },
      { item: twice!, delayMs: 60_000 },
    ]);
    const rows = await t.db.query<{ id: string; due: string | null; attempts: number; last_error: string | null }>(
      `SELECT id::text, CASE WHEN due_at IS NULL THEN NULL WHEN due_at > now() + interval '50 minutes' THEN 'hour'
         WHEN due_at > now() + interval '50 seconds' THEN 'minute' ELSE 'soon' END AS due, attempts, last_error
       FROM request_work WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [[done, later, moved, twice].map((w) => String(w!.id))],
    );
    expect(rows).toEqual([
      { id: String(done!.id), due: null, attempts: 0, last_error: null },
      { id: String(later!.id), due: "hour", attempts: 0, last_error: "PKB said 503" },
      { id: String(moved!.id), due: "soon", attempts: 2, last_error: "PKB said 503" },
      { id: String(twice!.id), due: "minute", attempts: 0, last_error: "PKB said 503" },
    ]);
  });

  it.runIf(engine.name === "postgres")(
    "never deadlocks with a claim renewal holding some of the same rows",
    async () => {
      const [low, high] = await workRows(t, 2);
      const other = await openPostgres(t.url!, { max: 2 });
      try {
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let holding!: () => void;
        const held = new Promise<void>((r) => (holding = r));
        // A transaction holds the lower row (as a renewal does part-way through its rows), then asks for both.
        const renewal = other.transaction(async (tx) => {
          await tx.query("SELECT id FROM request_work WHERE id = $1 FOR UPDATE", [low!.id]);
          holding();
          await released;
          await renewClaims(tx, requestWorkQueue(KIND), [String(low!.id), String(high!.id)], 60_000);
        });
        await held;
        // Meanwhile a batch settles both, listed higher first (the order their checks finished).
        const settling = settleWorks(t.db, [
          { item: high!, delayMs: 3_600_000 },
          { item: low!, delayMs: 3_600_000 },
        ]);
        await new Promise((r) => setTimeout(r, 300)); // the settling waits for the lower row (and holds nothing)
        release();
        const [renewed, settled] = await Promise.allSettled([renewal, settling]);
        expect(renewed.status, String((renewed as PromiseRejectedResult).reason)).toBe("fulfilled");
        expect(settled.status, String((settled as PromiseRejectedResult).reason)).toBe("fulfilled");
        const rows = await t.db.query<{ hour: boolean }>(
          "SELECT due_at > now() + interval '50 minutes' AS hour FROM request_work WHERE id = ANY($1::bigint[])",
          [[String(low!.id), String(high!.id)]],
        );
        expect(rows).toEqual([{ hour: true }, { hour: true }]);
      } finally {
        await other.close();
      }
    },
  );
});
