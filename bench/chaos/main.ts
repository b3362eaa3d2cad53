// `npm run chaos`: a chaos run anyone can repeat (docs/chaos.md). The PKB emulator with a backlog and faults, two
// Rebook instances on one fresh PostgreSQL database, kill -9 and restarts, a revocation and re-grant, a poison
// message; then Rebook's store is compared with the emulator's ground truth. Exit 0 pass, 1 fail, 2 the run itself
// could not be done. Bounded in time; always stops its processes and drops its database; talks only to 127.0.0.1.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { grantNewConnection, signIn } from "./clinician.ts";
import { Instance, instanceEnv, pickPorts, secrets, startEmulator } from "./cluster.ts";
import { createRunDatabase, progress, storedState, type RunDatabase } from "./database.ts";
import { parseOptions, type ChaosOptions } from "./options.ts";
import { LiveTraffic, Pkb, CHAOS_FAULTS } from "./pkb.ts";
import { killAllNow, stop, stopAll } from "./processes.ts";
import { formatResult } from "./report.ts";
import { runChaos } from "./timeline.ts";
import { collectionGaps, failures, judge, summarisePolls, type TruthEntry } from "./verdict.ts";

const CLINICIAN = "jack.brown";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Receives Rebook's alert webhook posts and counts them by event. */
async function alertReceiver(): Promise<{ url: string; counts: Record<string, number>; close(): Promise<void> }> {
  const counts: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      let event = "unreadable";
      try {
        const parsed = (JSON.parse(body) as { event?: unknown }).event;
        event = typeof parsed === "string" ? parsed : "no event";
      } catch {
        // counted as unreadable
      }
      counts[event] = (counts[event] ?? 0) + 1;
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    counts,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function run(opts: ChaosOptions, logDir: string, cleanups: (() => Promise<void>)[]): Promise<number> {
  const t0 = Date.now();
  let origin = t0;
  const rel = (t: number) => `${t - origin < 0 ? "-" : "+"}${(Math.abs(t - origin) / 1000).toFixed(1)}s`;
  const say = (text: string) => console.log(`${rel(Date.now()).padStart(8)}  ${text}`);

  console.log(
    `Rebook chaos run: backlog ${opts.requests} requests (seed ${opts.seed}), chaos ${opts.chaosSeconds} s, ` +
      (opts.calm
        ? "CALM (no faults, kills, revocation or poison)"
        : `${opts.kills} kills, faults ${CHAOS_FAULTS.errorRate * 100}% ${CHAOS_FAULTS.status}, 429 every ` +
          `${CHAOS_FAULTS.rateLimit.every}th (Retry-After ${CHAOS_FAULTS.rateLimit.retryAfterSeconds} s), ` +
          `+${CHAOS_FAULTS.latencyMs} ms`),
  );
  const db: RunDatabase = await createRunDatabase(opts.pgUrl);
  cleanups.push(async () => {
    if (opts.keepDb) console.log(`database kept: ${db.url} (drop it with: dropdb -h 127.0.0.1 -U postgres ${db.name})`);
    else await db.drop();
  });
  const alerts = await alertReceiver();
  cleanups.push(() => alerts.close());
  const ports = await pickPorts();
  const { encryptionKey, admin } = secrets();
  const env = (port: number) =>
    instanceEnv({
      port,
      databaseUrl: db.url,
      pkbEnv: emulator.pkbEnv,
      encryptionKey,
      admin,
      alertWebhookUrl: alerts.url,
      dataDir: path.join(logDir, "data"),
    });
  const a0 = `http://127.0.0.1:${ports.a}/api/pkb/oauth/callback`;
  const b0 = `http://127.0.0.1:${ports.b}/api/pkb/oauth/callback`;
  const emulator = await startEmulator({
    port: ports.emulator,
    requests: opts.requests,
    seed: opts.seed,
    redirectUris: [a0, b0],
    logDir,
  });
  say(`database ${db.name}; emulator ${emulator.url} (pid ${emulator.proc.pid}) ready`);
  const pkb = new Pkb(emulator.url);
  const backlog = await pkb.groundTruth();
  const visible = await pkb.visibleMessageIds(CLINICIAN, a0);
  const wanted = Math.ceil(opts.chaosSeconds / opts.liveEvery) + 2;
  const live = new LiveTraffic(pkb, await pkb.bookableAppointments(backlog, wanted));

  const instances = [
    new Instance("A", ports.a, env(ports.a), path.join(logDir, "rebook-A.log")),
    new Instance("B", ports.b, env(ports.b), path.join(logDir, "rebook-B.log")),
  ];
  await instances[0]!.start(); // the first one migrates and creates the admin
  await instances[1]!.start();
  say(
    `Rebook A ${instances[0]!.url} (pid ${instances[0]!.proc!.pid}), B ${instances[1]!.url} (pid ${instances[1]!.proc!.pid}) up`,
  );

  if (!opts.calm) await pkb.setFaults();
  const grantStartedAt = Date.now(); // the first poll starts as the grant completes
  const session = await signIn(instances[0]!.url, admin.email, admin.password);
  const granted = await grantNewConnection(session, { label: "Appointments team", username: CLINICIAN });
  origin = Date.now();
  const grantedAt = origin;
  say(`${CLINICIAN} granted access on PKB's consent page (${granted.tries} tries): chaos starts`);

  const chaos = await runChaos(
    {
      pkb,
      live,
      instances,
      pool: db.pool,
      admin: session,
      connectionId: granted.connectionId,
      clinician: CLINICIAN,
      say,
    },
    { ...opts, seconds: opts.chaosSeconds },
  );
  const chaosEndAt = Date.now();
  await Promise.all(chaos.restarts);
  say(`chaos over: ${live.sent.length} live messages sent; waiting up to ${opts.drainSeconds} s for Rebook to finish`);

  const truth: TruthEntry[] = await pkb.groundTruth();
  for (const m of live.sent) visible.add(m.messageId);
  const truthRequests = truth.filter((t) => t.kind === "change" || t.kind === "cancel").length;
  const drainEnd = Date.now() + opts.drainSeconds * 1000;
  let finishedAt: number | null = null;
  while (Date.now() < drainEnd) {
    const p = await progress(db.pool);
    if (p.messages >= visible.size && p.requests >= truthRequests && p.processing === 0) {
      finishedAt = Date.now();
      break;
    }
    await sleep(1_000);
  }
  const endAt = Date.now();
  say(finishedAt ? "Rebook finished" : "drain time is up");
  const faultsMatched = opts.calm ? null : await pkb.faultsMatched().catch(() => null);
  const reuses = (await pkb.state()).reuses ?? null;
  await Promise.all(instances.map(async (i) => (i.proc ? stop(i.proc) : undefined)));

  const stored = await storedState(db.pool);
  const verdict = judge(truth, stored.messages, stored.requests, visible);
  // The ground truth beside the logs, to trace a failure against the kept database (ids and kinds; synthetic data).
  fs.writeFileSync(path.join(logDir, "ground-truth.json"), JSON.stringify(truth, null, 1));
  const storedAt = new Map(stored.messages.map((m) => [m.messageId, m.storedAt]));
  const gaps = collectionGaps(
    live.sent.map((m) => ({ messageId: m.messageId, sentAt: m.sentAt, storedAt: storedAt.get(m.messageId) ?? null })),
    chaos.kills,
    endAt,
  );
  const failed = failures(verdict, gaps, reuses?.refreshTokens ?? 0, opts.maxGapSeconds);
  const problems = [...chaos.problems];
  if (!reuses) problems.push("the emulator did not report refresh-token reuses");
  console.log("");
  console.log(
    formatResult(
      {
        verdict,
        gaps,
        polls: summarisePolls(stored.runs, grantStartedAt, endAt),
        reuses,
        alerts: alerts.counts,
        liveSent: live.sent.length,
        faultsMatched,
        grantedAt,
        finishedAt,
        chaosEndAt,
        endAt,
        connections: stored.connections,
        failures: failed,
        problems,
      },
      rel,
    ),
  );
  console.log(`total run time ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return failed.length > 0 ? 1 : problems.length > 0 ? 2 : 0;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "rebook-chaos-"));
  const cleanups: (() => Promise<void>)[] = [];
  let cleaning: Promise<void> | null = null;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await stopAll().catch(() => undefined);
      for (const c of cleanups.reverse()) await c().catch((e: unknown) => console.error(`cleanup: ${String(e)}`));
    })());
  let finishing: Promise<never> | null = null;
  const finish = (code: number): Promise<never> =>
    (finishing ??= (async () => {
      await cleanup();
      if (code === 0 && !opts.keepLogs) fs.rmSync(logDir, { recursive: true, force: true });
      else console.log(`logs: ${logDir}`);
      process.exit(code);
    })());
  process.on("exit", killAllNow);
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the run's processes and dropping its database`);
      void finish(130);
    });
  // Setup (emulator generation, start-ups, grant), the chaos phase, the drain, and a margin: never longer.
  const limitMs = (300 + opts.chaosSeconds + 60 + opts.drainSeconds + 120) * 1000;
  const watchdog = setTimeout(() => {
    console.error(`The chaos run exceeded its time limit (${limitMs / 1000} s); stopping.`);
    void finish(2);
  }, limitMs);
  let code: number;
  try {
    code = await run(opts, logDir, cleanups);
  } catch (err) {
    // After an interruption the run's own steps fail as their processes and database go away: not worth a word.
    if (!finishing) console.error(`The chaos run could not be completed: ${(err as Error).stack ?? String(err)}`);
    code = 2;
  }
  clearTimeout(watchdog);
  await finish(code);
}

await main();
