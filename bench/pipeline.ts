// Pipeline throughput: the emulator in its own process with a backlog of `size` requests, a fresh store, Grant Access
// through the consent form, then one sync pass (ingest + identify + match + route) timed, with Rebook's CPU, the
// PostgreSQL backends' CPU, peak memory and the statements Rebook sent per request.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { pipeline } from "../src/main.ts";
import { TokenCipher } from "../src/store/crypto.ts";
import { openPglite, type Db } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { beginGrant, completeGrant } from "../src/sync/connect.ts";
import type { SyncDeps } from "../src/sync/deps.ts";
import { startPoller } from "../src/jobs/poller.ts";
import { syncPass } from "../src/sync/run.ts";
import { storedState } from "./chaos/database.ts";
import { judge, type TruthEntry } from "./chaos/verdict.ts";
import { startEmulator, type Emulator } from "./emulator.ts";
import {
  countingDb,
  cpuMsSince,
  loadAverage,
  memorySampler,
  PassTimeline,
  peakRssMb,
  pgBackendCpu,
  procCpuMs,
  otherThreadsCpuMsSince,
  threadCpuMs,
  resetPeakRss,
} from "./measure.ts";
import { freshPostgres, monitorConnection, rowsRead } from "./postgres.ts";

/** One pipeline case. `concurrency` unset: the configured default. */
export interface PipelineCase {
  engine: "pglite" | "postgres";
  size: number;
  latencyMs?: number;
  concurrency?: number;
  /**
   * "pass" (default): one sync pass as `npm run sync` runs it, a poll and then the processing of what it stored.
   * "server": the server's two loops, processing starting on what the poll stores while the poll goes on.
   */
  mode?: "pass" | "server";
  /** Print where the statements go (per request, by statement text) on stderr: `npm run bench -- --statements`. */
  statements?: boolean;
  /** The checkout whose emulator serves the case (default: the working directory, as `npm run bench` runs cases). */
  emulatorRoot?: string;
  /** Set by `npm run bench -- --baseline <rev>` on the cases it runs with that revision's code (for the table). */
  revision?: string;
  /** Set by `npm run bench -- --repeat N` on each of a case's runs: which run this is, of how many (for the table). */
  round?: { n: number; of: number };
  /**
   * "fresh" (default): the pass is the process's first work, as just after Rebook starts, from an emulator just
   * started. "warmed": the process has first worked a backlog of `WARM_UP_SIZE` other requests (another seed's
   * patients, appointments and messages) into another store, as a Rebook that has been running has when a backlog
   * arrives (V8 has compiled and optimised its code). PKB's servers are not fresh either: the warm-up's emulator, as warm
   * as the process, is then reset to the backlog measured (the world a fresh one would serve). The pass is then the
   * same, on a fresh store.
   */
  process?: "fresh" | "warmed";
}

/** The backlog a "warmed" case's process works before the pass measured, and its seed (the pass's is `PASS_SEED`). */
export const WARM_UP_SIZE = 2_000;
const WARM_UP_SEED = 29;

/** Signs in to the emulator's consent page as its demo clinician and completes Grant Access (the tests use it too). */
export async function grant(deps: SyncDeps): Promise<void> {
  const { authorizeUrl } = await beginGrant(deps, { label: "bench", userId: null });
  const html = await (await fetch(authorizeUrl)).text();
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1] ?? "";
  const consent = await fetch(new URL("/apiAuthorize.action", authorizeUrl), {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ request, username: "jack.brown", password: "sandbox", decision: "grant" }),
  });
  const back = new URL(consent.headers.get("location") ?? "");
  await completeGrant(deps, back.searchParams, { userId: null, label: "Benchmark" });
}

/**
 * Runs each clean-up step on its own, so one that fails neither hides the case's own error nor leaves the rest behind
 * (an emulator left running would keep the case's process, and so the bench, from ending).
 */
async function cleanUp(what: string, steps: (() => unknown)[]): Promise<void> {
  for (const step of steps)
    await Promise.resolve()
      .then(step)
      .catch((e: Error) => process.stderr.write(`bench: ${what} clean-up failed: ${e.message}\n`));
}

/**
 * A fresh store of `engine` and how to remove it: a database of its own on PostgreSQL (`pgName`, whose backends' CPU the
 * case measures), or PGlite in a directory of its own (`prefix`), as the server keeps it (in memory, the whole database
 * would count in Rebook's memory, where PostgreSQL's data does not).
 */
async function freshStore(
  engine: PipelineCase["engine"],
  prefix: string,
): Promise<{ store: Db; pgName: string | null; reopen: (() => Promise<Db>) | null; remove(): Promise<void> }> {
  if (engine === "postgres") {
    const pg = await freshPostgres();
    return { store: pg.db, pgName: pg.name, reopen: pg.reopen, remove: () => pg.drop() };
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const store = await openPglite(dir).catch(async (err: unknown) => {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    store,
    pgName: null,
    reopen: null,
    remove: async () => {
      try {
        await store.close();
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A "warmed" case's earlier work: one pass over a backlog of `WARM_UP_SIZE` requests of another seed, from an emulator
 * into a store of the case's engine of its own. The store is removed; the emulator is returned reset to the case's
 * backlog (the case's pass and store are a fresh one's, its figures taken after this).
 */
async function warmUp(c: PipelineCase): Promise<Emulator> {
  const emulator = await startEmulator({
    size: WARM_UP_SIZE,
    root: c.emulatorRoot ?? process.cwd(),
    seed: WARM_UP_SEED,
  });
  let opened: Awaited<ReturnType<typeof freshStore>> | null = null;
  let failed = true;
  try {
    opened = await freshStore(c.engine, "rebook-bench-warm-up-");
    const { store } = opened;
    await migrate(store);
    const deps = pipeline(
      benchConfig(c, emulator.base),
      store,
      new TokenCipher(randomBytes(32)),
      createLogger("silent"),
    );
    await grant(deps);
    await syncPass(deps);
    const [worked] = await store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM appointment_requests WHERE status <> 'processing'",
    );
    if ((worked?.n ?? 0) === 0) throw new Error("its pass worked no request");
    await emulator.reset({ size: c.size, latencyMs: c.latencyMs ?? 0 });
    failed = false;
    return emulator;
  } catch (err) {
    throw new Error(`warm-up: ${(err as Error).message}`, { cause: err });
  } finally {
    await cleanUp("warm-up", [() => opened?.remove(), () => (failed ? emulator.stop() : undefined)]);
  }
}

/** Rebook's configuration for a case against the emulator at `base`. */
function benchConfig(c: PipelineCase, base: string): ReturnType<typeof loadConfig> {
  return loadConfig({
    LOG_LEVEL: "silent",
    PKB_BASE_URL: base,
    PKB_FHIR_BASE_URL: `${base}/aggregated/fhir`,
    PKB_FHIR_TOKEN_URL: `${base}/iam/auth/realms/pkb/protocol/openid-connect/token`,
    ...(c.concurrency ? { PIPELINE_CONCURRENCY: String(c.concurrency) } : {}),
  });
}

/** Runs one case; the figures' units are in their names. */
export async function runPipelineCase(c: PipelineCase): Promise<Record<string, number | string>> {
  const warmed = c.process === "warmed";
  const emulator = warmed
    ? await warmUp(c)
    : await startEmulator({ size: c.size, latencyMs: c.latencyMs ?? 0, root: c.emulatorRoot ?? process.cwd() });
  // A warmed case's peak is measured from what its process holds after the warm-up (rssBeforeMb says how much).
  const peakReset = warmed ? resetPeakRss() : null;
  const opened = await freshStore(c.engine, "rebook-bench-").catch(async (err: unknown) => {
    await emulator.stop();
    throw err;
  });
  const { store, pgName } = opened;
  let monitor: Awaited<ReturnType<typeof monitorConnection>> | null = null;
  try {
    if (pgName) monitor = await monitorConnection();
    await migrate(store);
    const config = benchConfig(c, emulator.base);
    const counted = countingDb(store);
    const deps = pipeline(config, counted.db, new TokenCipher(randomBytes(32)), createLogger("silent"));
    await grant(deps);
    // A checkpoint first, so every pass starts as the first after one (each page's first change after a checkpoint
    // logs the whole page), with the checkpoint timer (5 minutes by default) started again.
    if (monitor) await monitor.query("CHECKPOINT");
    const load = loadAverage();
    const statementsBefore = counted.statements();
    const cpu = process.cpuUsage();
    const threads = threadCpuMs();
    const pgCpu = monitor && pgName ? pgBackendCpu(monitor, pgName) : null;
    // The WAL the server wrote during the pass (the whole server's: the bench runs nothing else beside a pass, but a
    // server that runs autovacuum counts its writes too), from its position rather than pg_stat_wal, which backends
    // update at most once a second.
    const walFrom = monitor
      ? (await monitor.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn"))[0]!.lsn
      : null;
    const rowsBefore = pgName ? await rowsRead(store) : null;
    const emulatorCpu = procCpuMs(emulator.pid) ?? 0;
    const started = performance.now();
    // Allocated before the memory baseline below, as is everything the bench keeps.
    const timeline = new PassTimeline(started);
    const rssBeforeMb = Math.round(process.memoryUsage().rss / 1048576); // MiB, as peakRssMb
    const memory = memorySampler();
    let collected: number | null = null;
    let passProcessed: number | null = null;
    if (c.mode === "server") {
      // The server's loops (interval 0: no timers); runNow() returns once the poll and the processing after it end.
      const poller = startPoller(deps, 0, createLogger("silent"));
      const pass = await poller.runNow();
      const failed = poller.lastPass()?.error;
      await poller.stop();
      if (!pass) throw new Error(`the server's poll or processing failed: ${failed ?? "no summary"}`);
    } else {
      const pass = await syncPass(deps, {
        onCollected: () => (collected = performance.now()),
        onProcessed: () => timeline.done(),
      });
      passProcessed = Object.values(pass.processed).reduce((a, b) => a + b, 0);
    }
    const seconds = (performance.now() - started) / 1000;
    const shape = c.mode === "server" ? null : timeline.figures();
    const peaks = memory.stop();
    // The pass's peak, before the checks below read every message and request (and PKB's ground truth) into memory.
    const passPeakRssMb = peakRssMb();
    const rebookCpuMs = cpuMsSince(cpu);
    const otherThreadsMs = otherThreadsCpuMsSince(threads);
    const postgresCpuMs = pgCpu ? await pgCpu.stop() : null;
    const walBytes =
      monitor && walFrom
        ? (
            await monitor.query<{ bytes: number }>(
              "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS bytes",
              [walFrom],
            )
          )[0]!.bytes
        : null;
    const emulatorCpuMs = (procCpuMs(emulator.pid) ?? emulatorCpu) - emulatorCpu;
    // The rows PostgreSQL read for the pass (the measure of growth): counted once Rebook's connections have
    // ended, each reporting its last counts as it ends (what the migration and the grant read and had not reported
    // before the pass is in it: the migration reads none of Rebook's rows); the checks below use the new pool and are
    // not counted.
    const checked = opened.reopen ? await opened.reopen() : store;
    const rowsReadInPass = rowsBefore === null ? null : (await rowsRead(checked)) - rowsBefore;
    // The server's loops return no count: every request message is one request processed (a repeat is merged into
    // the open request after its look-ups).
    const processed =
      passProcessed ??
      (await checked.query<{ n: number }>("SELECT count(*)::int AS n FROM pkb_messages WHERE kind = 'request'"))[0]
        ?.n ??
      0;
    const [stored] = await checked.query<{ n: number; open: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE status <> 'processing')::int AS open FROM appointment_requests",
    );
    const statements = counted.statements() - statementsBefore;
    // Right as well as fast: every request PKB sent present exactly once, with the patient and (when linked) the
    // appointment the emulator's ground truth gives, and nothing filed as the wrong kind (the chaos run's judgement).
    const truth = ((await (await fetch(`${emulator.base}/_sandbox/ground-truth`)).json()) as { entries: TruthEntry[] })
      .entries;
    const state = await storedState({ query: async <R>(sql: string) => ({ rows: await checked.query<R>(sql) }) });
    const verdict = judge(truth, state.messages, state.requests);
    // A figure with anything wrong says which, so the run can be followed up (synthetic PKB message ids and reasons).
    const problems = [
      ...verdict.lost.requests,
      ...verdict.duplicated,
      ...verdict.wronglyMatched,
      ...verdict.stuck.requests,
      ...verdict.stuck.messages,
      ...verdict.inError,
    ];
    const storedMessage = new Map(state.messages.map((m) => [m.messageId, m]));
    for (const p of problems.slice(0, 10)) {
      const m = storedMessage.get(p.messageId);
      const stored = m ? `; stored as ${m.kind ?? "unfiled"}, on request message ${m.requestMessageId ?? "none"}` : "";
      process.stderr.write(`bench: not right: message ${p.messageId}: ${p.reason}${stored}\n`);
    }
    // A rate is only a rate of work done: in the server's arrangement the count is of request messages stored, so
    // the run must also have left none of them unprocessed.
    if (c.mode === "server" && verdict.stuck.requests.length > 0)
      throw new Error(`${verdict.stuck.requests.length} requests were still processing when the server's pass ended`);
    const per = (ms: number): number => Math.round((ms / Math.max(processed, 1)) * 100) / 100;
    if (c.statements)
      for (const [text, times] of counted.byText().slice(0, 40))
        process.stderr.write(`${(times / Math.max(processed, 1)).toFixed(2).padStart(6)}  ${text}\n`);
    return {
      requests: processed,
      requestsStored: stored?.n ?? 0,
      requestsOutOfProcessing: stored?.open ?? 0,
      concurrency: config.sync.concurrency,
      latencyMs: c.latencyMs ?? 0,
      seconds: Math.round(seconds * 100) / 100,
      mode: c.mode ?? "pass",
      process: c.process ?? "fresh",
      collectSeconds: collected === null ? "—" : Math.round((collected - started) / 10) / 100,
      requestsPerSecond: Math.round(processed / seconds),
      // The server's loops tell no request's end (its runs give only the whole pass's rate).
      firstRequestSeconds: shape?.firstRequestSeconds ?? "—",
      secondHalfRequestsPerSecond: shape?.secondHalfRequestsPerSecond ?? "—",
      rebookCpuMs,
      rebookCpuMsPerRequest: per(rebookCpuMs),
      // Of which threads other than the main one (V8 compiling optimised code and collecting garbage, libuv's pool).
      rebookOtherThreadsCpuMsPerRequest: otherThreadsMs === null ? "not measured" : per(otherThreadsMs),
      postgresCpuMs: postgresCpuMs ?? "in process (PGlite)",
      postgresCpuMsPerRequest: postgresCpuMs === null ? "in process (PGlite)" : per(postgresCpuMs),
      emulatorCpuMsPerRequest: per(emulatorCpuMs),
      rowsReadPerRequest:
        rowsReadInPass === null ? "not measured (PGlite)" : Math.round(rowsReadInPass / Math.max(processed, 1)),
      walKbPerRequest:
        walBytes === null ? "not measured (PGlite)" : Math.round(walBytes / Math.max(processed, 1) / 100) / 10,
      truthRequests: verdict.truthRequests,
      // Requests only: which other messages the clinician can see is the chaos run's to judge (a second grant).
      lost: verdict.lost.requests.length,
      duplicated: verdict.duplicated.length,
      wronglyMatched: verdict.wronglyMatched.length,
      stuck: verdict.stuck.requests.length + verdict.stuck.messages.length,
      inError: verdict.inError.length,
      statementsPerRequest: Math.round((statements / Math.max(processed, 1)) * 10) / 10,
      peakRssMb: passPeakRssMb,
      ...(peakReset === false ? { peakRssNotReset: "the warm-up's peak may be in it" } : {}),
      rssBeforeMb,
      peakHeapUsedMb: peaks.heapUsedMb,
      peakHeapTotalMb: peaks.heapTotalMb,
      peakExternalMb: peaks.externalMb,
      load1: load[0],
      load5: load[1],
      loadAfter1: loadAverage()[0],
    };
  } finally {
    await cleanUp("case", [() => monitor?.end(), () => opened.remove(), () => emulator.stop()]);
  }
}
