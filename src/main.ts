// Wiring only: load config → open store → migrate → (start the sandbox emulator when no PKB is configured) → start
// HTTP → shut down gracefully.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { bootstrapAccounts } from "./auth/bootstrap.ts";
import { sandboxChildEnv, type Config } from "./config.ts";
import { buildApp, type App } from "./http/server.ts";
import { applyDeadlinePolicy } from "./store/deadlines.ts";
import type { Logger } from "./log.ts";
import { cipherFor, type TokenCipher } from "./store/crypto.ts";
import { openDb, type Db } from "./store/db.ts";
import { migrate } from "./store/migrate.ts";
import { PACKAGE_ROOT } from "./paths.ts";
import { notConfirmedAlerter } from "./jobs/alerts.ts";
import { startPoller, type Poller } from "./jobs/poller.ts";
import { startReminderJob, type ReminderJob } from "./jobs/reminders.ts";
import { startRetentionJob, type RetentionJob } from "./jobs/retention.ts";
import { startRollupCompactor, type RollupCompactor } from "./jobs/rollups.ts";
import { buildSyncDeps, type SyncDeps } from "./sync/deps.ts";
import { closeAbandonedRuns } from "./sync/runs.ts";
import { randomUUID } from "node:crypto";
import os from "node:os";

/** A running Rebook: call stop() once to shut everything down. */
export interface Running {
  url: string;
  sandboxUrl: string | null;
  stop(): Promise<void>;
}

/** Starts the sandbox emulator as a separate process (src/ never imports it) and waits until it answers. */
async function startSandbox(config: Config, logger: Logger): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(PACKAGE_ROOT, "sandbox/src/main.ts")], {
    env: sandboxChildEnv(config),
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`The sandbox emulator exited during start-up (code ${code})`))),
  );
  const ready = (async () => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${config.pkb.fhirBaseUrl}/metadata`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("The sandbox emulator did not answer within 60 s");
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (err) {
    child.kill("SIGTERM");
    throw err;
  }
  logger.info({ url: config.pkb.baseUrl }, "sandbox emulator ready");
  return child;
}

/** The pipeline's dependencies (alerts go to the configured webhook and the log). */
export function pipeline(config: Config, db: Db, cipher: TokenCipher, logger: Logger): SyncDeps {
  return buildSyncDeps({
    config,
    db,
    cipher,
    logger: logger.child({ component: "sync" }),
    instanceId: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    onNotConfirmed: notConfirmedAlerter({ logger, webhookUrl: config.alertWebhookUrl, publicUrl: config.publicUrl }),
  });
}

/** Opens and migrates the configured store. */
export async function openStore(config: Config, logger: Logger): Promise<Db> {
  const db = await openDb(config.database);
  const applied = await migrate(db);
  logger.info({ engine: db.engine, applied }, applied.length ? "store migrated" : "store up to date");
  return db;
}

/** How often the report rollups' appended rows are folded (a minute's changes are a few rows per request). */
const ROLLUP_COMPACT_MS = 30_000;

/** Starts Rebook (and the sandbox when PKB is not configured). */
export async function start(config: Config, logger: Logger): Promise<Running> {
  let sandbox: ChildProcess | null = null;
  let db: Db | null = null;
  let app: App | null = null;
  let poller: Poller | null = null;
  let retention: RetentionJob | null = null;
  let compactor: RollupCompactor | null = null;
  let reminders: ReminderJob | null = null;
  const stop = async (): Promise<void> => {
    await Promise.all([app?.close(), poller?.stop(), retention?.stop(), compactor?.stop(), reminders?.stop()]);
    await db?.close();
    if (sandbox && sandbox.exitCode === null) {
      const gone = new Promise((r) => sandbox!.once("exit", r));
      sandbox.kill("SIGTERM");
      await gone;
    }
  };
  try {
    const cipher = await cipherFor(config);
    if (config.pkb.useSandbox) sandbox = await startSandbox(config, logger);
    db = await openStore(config, logger);
    await bootstrapAccounts(db, config, logger);
    // A changed deadline policy (or the next years' bank holidays) recomputes every request's deadline: here, before
    // the routes, which Fastify gives 10 s each to start (a large store takes longer; the routes then find it applied).
    const deadlines = await applyDeadlinePolicy(db, config.workflow);
    if (deadlines.changed) logger.info({ recomputed: deadlines.recomputed }, "deadline policy applied");
    const sync = pipeline(config, db, cipher, logger);
    await closeAbandonedRuns(sync); // polls a crashed instance left unfinished
    poller = startPoller(sync, config.sync.intervalMs, logger.child({ component: "sync" }));
    retention = startRetentionJob({
      db,
      settings: config.retention,
      holder: sync.instanceId,
      logger: logger.child({ component: "retention" }),
    });
    compactor = startRollupCompactor(db, ROLLUP_COMPACT_MS, logger.child({ component: "reports" }));
    reminders = startReminderJob(db, 60_000, logger.child({ component: "reminders" }));
    app = await buildApp({ config, db, logger, cipher, sync, poller });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    return { url: `http://${config.host}:${port}`, sandboxUrl: sandbox ? config.pkb.baseUrl : null, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
