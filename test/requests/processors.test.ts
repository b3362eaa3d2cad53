// Processors react to request events: their scheduling commits or rolls back with the command that wrote the event,
// and their work runs later through the due-work helper — re-reading the request and finishing when the job is moot,
// retrying failures with backoff and giving up after the last attempt. A processor defined here drives the mechanism.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../../src/auth/permissions.ts";
import { loadConfig } from "../../src/config.ts";
import { runRequestWork } from "../../src/jobs/request-work.ts";
import { UpstreamError } from "../../src/errors.ts";
import { createLogger } from "../../src/log.ts";
import { systemCommandIn } from "../../src/requests/command.ts";
import { changeStatus, recordOutcome } from "../../src/requests/commands/status.ts";
import { registerProcessor, type Processor, type WorkContext } from "../../src/requests/processors.ts";
import { TokenCipher } from "../../src/store/crypto.ts";
import type { Db } from "../../src/store/db.ts";
import { scheduleWork } from "../../src/store/request-work.ts";
import { buildSyncDeps } from "../../src/sync/deps.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { person, seedRequest, team } from "../workflow/helpers.ts";

const config = loadConfig({ LOG_LEVEL: "silent" });

interface WorkRow {
  kind: string;
  due: boolean | null;
  attempts: number;
  last_error: string | null;
  gave_up: boolean;
}
/** The test processor's work rows (the built-in processors, e.g. PKB confirmation, schedule their own). */
const workOf = (db: Db, requestId: string): Promise<WorkRow[]> =>
  db.query<WorkRow>(
    `SELECT kind, due_at <= now() AS due, attempts, last_error, gave_up_at IS NOT NULL AS gave_up
     FROM request_work WHERE request_id = $1 AND kind = 'test_checker' ORDER BY kind`,
    [requestId],
  );

describe.each(engines)("processors on $name", (engine) => {
  let t: TestDb;
  let ctx: WorkContext;
  let clerk: SessionUser;
  let teamId: string;
  const unregister: (() => void)[] = [];
  /** What the test processor's work saw, per request. */
  const seen: { requestId: string; status: string }[] = [];
  let failuresLeft = 0;
  /** Runs once inside the next work, as an event that schedules the same work while it runs. */
  let meanwhile: ((requestId: string) => Promise<void>) | null = null;
  /** The next work reports itself finished. */
  let finishNext = false;
  /** The next work fails in a way retrying cannot help (it gives up at once). */
  let refuseNext = false;

  /** Checks "something" once an outcome is recorded; moot once the request is no longer done. */
  const checker: Processor = {
    name: "test_checker",
    on: ["outcome_recorded", "reopened"],
    async react(tx, e) {
      if (e.type === "outcome_recorded") {
        await scheduleWork(tx, { requestId: e.requestId, kind: "test_checker", dueAt: new Date(Date.now() - 1000) });
      }
    },
    async work(c, item) {
      const [r] = await c.db.query<{ status: string }>("SELECT status FROM appointment_requests WHERE id = $1", [
        item.requestId,
      ]);
      seen.push({ requestId: item.requestId, status: r!.status });
      const event = meanwhile;
      meanwhile = null;
      await event?.(item.requestId);
      if (finishNext) {
        finishNext = false;
        return { done: true };
      }
      if (refuseNext) {
        refuseNext = false;
        throw new UpstreamError("pkb_fhir", "PKB refused the read", 403, false);
      }
      if (r!.status !== "done") return { done: true }; // moot: reopened since
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error("PKB did not answer");
      }
      return { done: false, delayMs: 3_600_000 }; // check again in an hour
    },
    backoff: { baseMs: 0, maxMs: 0, maxAttempts: 3 },
  };

  beforeAll(async () => {
    t = await engine.open();
    ctx = {
      db: t.db,
      sync: buildSyncDeps({
        config,
        db: t.db,
        cipher: new TokenCipher(Buffer.alloc(32, 7)),
        logger: createLogger("silent"),
        instanceId: "test",
      }),
      logger: createLogger("silent"),
      now: () => new Date(),
    };
    teamId = (await team(t.db)).id;
    const p = await person(t.db, config, { role: "clerk", teams: [{ teamId }] });
    clerk = {
      id: p.user.id,
      email: p.user.email,
      displayName: p.user.displayName,
      role: "clerk",
      teamIds: [teamId],
      leadTeamIds: [],
    };
    unregister.push(registerProcessor(checker));
  });
  afterEach(() => {
    seen.length = 0;
    failuresLeft = 0;
    meanwhile = null;
    finishNext = false;
    refuseNext = false;
  });
  afterAll(async () => {
    for (const u of unregister) u();
    await t?.dispose();
  });

  it("schedules work in the command's own transaction, and none when the command rolls back", async () => {
    const id = await seedRequest(t.db, { teamId });
    await recordOutcome(t.db, { actor: clerk, requestId: id, outcome: { outcome: "cancelled" } });
    expect(await workOf(t.db, id)).toEqual([
      { kind: "test_checker", due: true, attempts: 0, last_error: null, gave_up: false },
    ]);

    const other = await seedRequest(t.db, { teamId });
    await expect(
      t.db.transaction(async (tx) => {
        await systemCommandIn(tx, other, (w) => w.event("outcome_recorded", { outcome: "cancelled" }));
        throw new Error("the rest of the change failed");
      }),
    ).rejects.toThrow("the rest of the change failed");
    expect(await workOf(t.db, other)).toEqual([]);
  });

  it("runs due work with the request's id, and reschedules it when the work says check again later", async () => {
    const id = await seedRequest(t.db, { teamId });
    await recordOutcome(t.db, { actor: clerk, requestId: id, outcome: { outcome: "cancelled" } });
    const summary = await runRequestWork(ctx);
    expect(seen).toContainEqual({ requestId: id, status: "done" });
    expect(summary.test_checker?.later).toBeGreaterThanOrEqual(1);
    expect(await workOf(t.db, id)).toEqual([
      { kind: "test_checker", due: false, attempts: 0, last_error: null, gave_up: false },
    ]);
    seen.length = 0;
    await runRequestWork(ctx); // not due again for an hour
    expect(seen.map((s) => s.requestId)).not.toContain(id);
  });

  it("finishes work that became moot: the request was reopened before the check", async () => {
    const id = await seedRequest(t.db, { teamId });
    await recordOutcome(t.db, { actor: clerk, requestId: id, outcome: { outcome: "cancelled" } });
    await changeStatus(t.db, { actor: clerk, requestId: id, status: "open", reason: "Patient phoned back" });
    await runRequestWork(ctx);
    expect(seen).toContainEqual({ requestId: id, status: "open" });
    expect(await workOf(t.db, id)).toEqual([
      { kind: "test_checker", due: null, attempts: 0, last_error: null, gave_up: false },
    ]);
  });

  it("retries a failure with backoff, and gives up after the last attempt with the reason", async () => {
    const id = await seedRequest(t.db, { teamId });
    await recordOutcome(t.db, { actor: clerk, requestId: id, outcome: { outcome: "cancelled" } });
    failuresLeft = 1;
    await runRequestWork(ctx); // fails once (due again at once: base 0), then succeeds with "check later"
    expect(await workOf(t.db, id)).toEqual([
      { kind: "test_checker", due: false, attempts: 0, last_error: "PKB did not answer", gave_up: false },
    ]);

    const doomed = await seedRequest(t.db, { teamId });
    await recordOutcome(t.db, { actor: clerk, requestId: doomed, outcome: { outcome: "cancelled" } });
    failuresLeft = 100;
    const summary = await runRequestWork(ctx);
    expect(summary.test_checker?.gave_up).toBe(1);
    expect(await workOf(t.db, doomed)).toEqual([
      { kind: "test_checker", due: null, attempts: 3, last_error: "PKB did not answer", gave_up: true },
    ]);
  });

  it("keeps what an event scheduled while the work ran, over the work's own next due time", async () => {
    const schedule = (dueAt: Date | "now") => async (requestId: string) => {
      await t.db.transaction((tx) => scheduleWork(tx, { requestId, kind: "test_checker", dueAt }));
    };
    // The work says "again in an hour"; an event meanwhile asked for a check now: it runs again at once.
    const id = await seedRequest(t.db, { teamId });
    await recordOutcome(t.db, { actor: clerk, requestId: id, outcome: { outcome: "cancelled" } });
    meanwhile = schedule("now");
    await runRequestWork(ctx);
    expect(seen.filter((s) => s.requestId === id)).toHaveLength(2);
    expect(await workOf(t.db, id)).toEqual([
      { kind: "test_checker", due: false, attempts: 0, last_error: null, gave_up: false },
    ]);

    // The work finishes; an event meanwhile scheduled a check in ten minutes: it stays scheduled.
    const other = await seedRequest(t.db, { teamId });
    await recordOutcome(t.db, { actor: clerk, requestId: other, outcome: { outcome: "cancelled" } });
    const tenMinutes = new Date(Date.now() + 10 * 60_000);
    meanwhile = schedule(tenMinutes);
    finishNext = true;
    await runRequestWork(ctx);
    const [row] = await t.db.query<{ due_at: Date | null }>(
      "SELECT due_at FROM request_work WHERE request_id = $1 AND kind = 'test_checker'",
      [other],
    );
    expect(row?.due_at?.getTime()).toBe(tenMinutes.getTime());

    // The work fails for good; an event meanwhile scheduled it again: nothing is given up, or reported so.
    const third = await seedRequest(t.db, { teamId });
    await recordOutcome(t.db, { actor: clerk, requestId: third, outcome: { outcome: "cancelled" } });
    meanwhile = schedule(tenMinutes);
    refuseNext = true;
    const summary = await runRequestWork(ctx);
    expect(summary.test_checker?.gave_up).toBe(0);
    expect(await workOf(t.db, third)).toEqual([
      { kind: "test_checker", due: false, attempts: 0, last_error: null, gave_up: false },
    ]);
  });

  it("refuses two processors with the same name", () => {
    expect(() => registerProcessor({ ...checker })).toThrow(/already registered/);
  });
});
