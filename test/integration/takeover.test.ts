// A dead poller must not block the others: when the instance polling a connection dies (here: its database sessions
// are terminated, as a kill -9 or a lost host ends them), another instance polls it within seconds, and the dead
// instance's sync run is closed as abandoned rather than left running for ever. On PostgreSQL, two instances.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startPoller, TAKEOVER_PROBE_MS } from "../../src/jobs/poller.ts";
import { createLogger } from "../../src/log.ts";
import { openPostgres, type Db } from "../../src/store/db.ts";
import { buildSyncDeps, type SyncDeps } from "../../src/sync/deps.ts";
import { ingestConnection, type IngestSummary } from "../../src/sync/ingest.ts";
import { closeAbandonedRuns } from "../../src/sync/runs.ts";
import { connectedRebook, type Connected } from "../helpers/connected.ts";
import { engines } from "../helpers/db.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A second Rebook instance on the same database: its own pool (named, so a test can end its sessions). */
async function secondInstance(c: Connected, name: string): Promise<{ db: Db; deps: SyncDeps }> {
  const url = new URL(c.t.url!);
  url.searchParams.set("application_name", name);
  const db = await openPostgres(url.toString(), { max: 4 });
  cleanups.push(() => db.close());
  const deps = buildSyncDeps({
    config: c.rebook.config,
    db,
    cipher: c.rebook.cipher,
    logger: createLogger("silent"),
    instanceId: name,
  });
  return { db, deps };
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Instance A as a process of its own, polling the connection once (test/helpers/poller-process.ts). */
function spawnPoller(c: Connected, env: Record<string, string>): { kill(): Promise<void> } {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(import.meta.dirname, "../helpers/poller-process.ts"),
      JSON.stringify({ env: { ...c.emu.env, ...env }, databaseUrl: c.t.url, connectionId: c.connectionId }),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise((r) => child.once("exit", r));
  const kill = async () => {
    child.kill("SIGKILL");
    await exited;
  };
  cleanups.push(kill);
  return { kill };
}

/** Waits until PKB is answering A's poll slowly (the fault has matched its call), then lifts the fault for others. */
async function slowedDown(c: Connected): Promise<void> {
  await until("A's call to reach PKB", 10_000, async () =>
    (await c.emu.control<{ matched: number }>("GET", "faults")).matched > 0 ? true : null,
  );
  await c.emu.control("DELETE", "faults");
}

async function runningRuns(c: Connected): Promise<number> {
  const [row] = await c.t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM sync_runs WHERE connection_id = $1 AND finished_at IS NULL",
    [c.connectionId],
  );
  return row!.n;
}

describe("a poller that dies", () => {
  it("killed with SIGKILL mid-poll, is replaced within seconds, and its run is closed as abandoned", async () => {
    const env = { TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"), SYNC_INITIAL_LOOKBACK_DAYS: "1000" };
    const c = await connectedRebook(cleanups, { engine: engines[1], env });
    // Instance A, a process of its own, polls; PKB answers it slowly, so it is mid-poll when it is killed.
    await c.emu.control("PUT", "faults", { latencyMs: 15_000, paths: ["/json/messages"] });
    const child = spawnPoller(c, env);
    await until("instance A to start polling", 30_000, async () => ((await runningRuns(c)) === 1 ? true : null));
    await slowedDown(c);
    expect((await ingestConnection(c.rebook.sync, c.connectionId)).skipped).toBe("leased elsewhere");

    await child.kill();
    const died = Date.now();
    const took = await until<IngestSummary>("instance B to take over", 10_000, async () => {
      const s = await ingestConnection(c.rebook.sync, c.connectionId);
      return s.skipped === "leased elsewhere" ? null : s;
    });
    expect(took.skipped).toBeNull();
    expect(Date.now() - died).toBeLessThan(5_000);
    const runs = await c.t.db.query<{ outcome: string | null; finished_at: Date | null }>(
      "SELECT outcome, finished_at FROM sync_runs WHERE connection_id = $1 ORDER BY id",
      [c.connectionId],
    );
    expect(runs.map((r) => r.outcome)).toEqual(["ok", "abandoned", "ok"]);
    expect(runs.every((r) => r.finished_at !== null)).toBe(true);
  }, 90_000);

  it("is replaced by another instance's poll loop within seconds, though the poll interval is a minute", async () => {
    const env = { TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"), SYNC_INITIAL_LOOKBACK_DAYS: "1000" };
    const c = await connectedRebook(cleanups, { engine: engines[1], env });
    await c.emu.control("PUT", "faults", { latencyMs: 15_000, paths: ["/json/messages"] });
    const child = spawnPoller(c, env);
    await until("instance A to start polling", 30_000, async () => ((await runningRuns(c)) === 1 ? true : null));
    await slowedDown(c);
    // A is deep into a long poll (a backlog): the connection's last finished poll is long past, so it is due.
    await c.t.db.query("UPDATE pkb_connections SET last_sync_finished_at = now() - interval '10 minutes'");
    const loop = startPoller(c.rebook.sync, 60_000, createLogger("silent"));
    cleanups.push(() => loop.stop());
    // B's loop finds the connection busy and keeps an eye on it.
    await until("B's first pass", 10_000, async () =>
      loop.lastPass()?.summary?.connections[0]?.skipped === "leased elsewhere" ? true : null,
    );
    await child.kill();
    const died = Date.now();
    await until("B's loop to take over", 15_000, async () => {
      const [run] = await c.t.db.query<{ outcome: string }>(
        "SELECT outcome FROM sync_runs WHERE connection_id = $1 ORDER BY id DESC LIMIT 1",
        [c.connectionId],
      );
      return run?.outcome === "ok" ? true : null;
    });
    expect(Date.now() - died).toBeLessThan(TAKEOVER_PROBE_MS + 3_000);
  }, 90_000);

  it("whose database sessions end (a lost host), is replaced within seconds and stops on its own", async () => {
    const c = await connectedRebook(cleanups, { engine: engines[1] });
    const a = await secondInstance(c, "rebook_instance_a");
    // A's poll hangs on a slow PKB answer while it holds the poll.
    await c.emu.control("PUT", "faults", { latencyMs: 4_000, paths: ["/json/messages"] });
    const aPoll = ingestConnection(a.deps, c.connectionId).catch((err: unknown) => err);
    await until("instance A to start polling", 10_000, async () => ((await runningRuns(c)) === 1 ? true : null));
    await slowedDown(c);
    // While A is alive, B stays out.
    expect((await ingestConnection(c.rebook.sync, c.connectionId)).skipped).toBe("leased elsewhere");

    // A dies: every database session it had ends (what kill -9 or a lost host does to them).
    const died = Date.now();
    await c.t.db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rebook_instance_a'",
    );
    const took = await until<IngestSummary>("instance B to take over", 10_000, async () => {
      const s = await ingestConnection(c.rebook.sync, c.connectionId);
      return s.skipped === "leased elsewhere" ? null : s;
    });
    expect(took.skipped).toBeNull();
    expect(Date.now() - died).toBeLessThan(5_000);
    const runs = await c.t.db.query<{ outcome: string | null; finished_at: Date | null; error: string | null }>(
      "SELECT outcome, finished_at, error FROM sync_runs WHERE connection_id = $1 ORDER BY id",
      [c.connectionId],
    );
    expect(runs.map((r) => r.outcome)).toEqual(["ok", "abandoned", "ok"]);
    expect(runs[1]!.error).toMatch(/abandoned/);
    expect(runs.every((r) => r.finished_at !== null)).toBe(true);
    // A, still running, notices at its next step that it lost the lock, and stops without touching B's work.
    expect(await aPoll).toMatchObject({ skipped: expect.stringMatching(/lost the poll lock/) });
  }, 60_000);

  it("closes runs left by a dead instance at start-up, but never one in progress elsewhere", async () => {
    const c = await connectedRebook(cleanups, { engine: engines[1] });
    // Another instance is polling right now.
    const a = await secondInstance(c, "rebook_instance_a");
    await c.emu.control("PUT", "faults", { latencyMs: 2_000, paths: ["/json/messages"] });
    const aPoll = ingestConnection(a.deps, c.connectionId);
    await until("instance A to start polling", 10_000, async () => ((await runningRuns(c)) === 1 ? true : null));
    expect(await closeAbandonedRuns(c.rebook.sync)).toBe(0); // the connection is being polled: nothing is touched
    expect(await runningRuns(c)).toBe(1);
    expect((await aPoll).skipped).toBeNull();
    // A crash left a run unfinished, and no instance polls the connection.
    await c.t.db.query("INSERT INTO sync_runs (connection_id, since_param) VALUES ($1, '2025-01-01')", [
      c.connectionId,
    ]);
    expect(await closeAbandonedRuns(c.rebook.sync)).toBe(1);
    expect(await runningRuns(c)).toBe(0);
  }, 60_000);
});
