// The worklist over HTTP on a year of generated requests (PostgreSQL): one signed-in clerk loading pages one after
// another, then 50 signed-in clerks (5 teams) loading pages as fast as they can, then at a realistic 25 pages a second
// — the clients in a separate process. Every page also writes its audit entry, as in production.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { createSession, SESSION_COOKIE } from "../src/auth/sessions.ts";
import { loadConfig } from "../src/config.ts";
import { buildApp } from "../src/http/server.ts";
import { applyDeadlinePolicy } from "../src/store/deadlines.ts";
import { PACKAGE_ROOT } from "../src/paths.ts";
import { startPoller } from "../src/jobs/poller.ts";
import { createLogger } from "../src/log.ts";
import { pipeline } from "../src/main.ts";
import { TokenCipher } from "../src/store/crypto.ts";
import { createUser, upsertMember } from "../src/store/people.ts";
import { cpuMsSince, loadAverage, peakRssMb, pgBackendCpu } from "./measure.ts";
import { monitorConnection } from "./postgres.ts";
import { seededStore } from "./reports.ts";

const run = promisify(execFile);
const CLIENTS = 50;
const SECONDS = 10;
// What clerks load: their team's open work by deadline, the first pages of everything, a status filter.
const PATHS = [
  "/api/requests?sort=deadline&status=open,in_progress",
  "/api/requests",
  "/api/requests?status=open&sort=received_desc",
  "/api/requests?sort=deadline&status=open,in_progress&assigned_to=me",
];

/** One worklist case. */
export interface WorklistCase {
  size: number;
}

async function clients(args: {
  base: string;
  cookies: string[];
  seconds: number;
  perSecond?: number;
}): Promise<Record<string, number>> {
  // The clients' script beside this one: compiled (bench/.build) or, under tsx, its TypeScript.
  const compiled = import.meta.filename.endsWith(".js");
  const script = path.join(import.meta.dirname, compiled ? "clients.js" : "clients.ts");
  const { stdout } = await run(
    process.execPath,
    [...(compiled ? [] : ["--import", "tsx"]), script, JSON.stringify({ ...args, paths: PATHS })],
    {
      cwd: PACKAGE_ROOT,
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, number>;
}

/** Runs one case; the figures' units are in their names. */
export async function runWorklistCase(c: WorklistCase): Promise<Record<string, number | string>> {
  const store = await seededStore("postgres", c.size, { max: 10 });
  const { db } = store;
  const config = loadConfig({ LOG_LEVEL: "silent", SYNC_INTERVAL_SECONDS: "0" });
  const logger = createLogger("silent");
  const cipher = new TokenCipher(randomBytes(32));
  const sync = pipeline(config, db, cipher, logger);
  const poller = startPoller(sync, 0, logger);
  await applyDeadlinePolicy(db, config.workflow); // as `npm start` does, before the routes (src/main.ts)
  const app = await buildApp({ config, db, logger, cipher, sync, poller });
  try {
    await app.listen({ host: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const cookies: string[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const user = await createUser(db, {
        email: `worklist.${i}.${randomBytes(3).toString("hex")}@trust.example`,
        displayName: `Clerk ${i}`,
        role: "clerk",
        passwordHash: null,
      });
      await upsertMember(db, {
        teamId: store.teams[i % store.teams.length]!,
        userId: user.id,
        isLead: false,
        capacity: null,
        available: true,
      });
      const { token } = await createSession(db, {
        userId: user.id,
        method: "password",
        ip: null,
        userAgent: null,
        policy: config.session,
      });
      cookies.push(`${SESSION_COOKIE}=${token}`);
    }
    const load = loadAverage();
    const one = await clients({ base, cookies: cookies.slice(0, 1), seconds: SECONDS });
    // Where 50 clients' CPU goes, per page: Rebook's process, PostgreSQL's backends, the clients' own process (all on
    // this machine's cores): the ceiling of pages/s the machine can give.
    const monitor = await monitorConnection();
    const rebookCpu = process.cpuUsage();
    const pgCpu = pgBackendCpu(monitor, new URL(store.url!).pathname.slice(1));
    let many: Record<string, number>;
    let rebookCpuMs: number;
    let postgresCpuMs: number;
    try {
      many = await clients({ base, cookies, seconds: SECONDS });
    } finally {
      rebookCpuMs = cpuMsSince(rebookCpu);
      postgresCpuMs = await pgCpu.stop();
      await monitor.end();
    }
    const perPage = (ms: number): number => Math.round((ms / Math.max(1, many.pages!)) * 100) / 100;
    const paced = await clients({ base, cookies, seconds: SECONDS, perSecond: 25 });
    return {
      requests: c.size,
      oneClientPagesPerSecond: one.pagesPerSecond!,
      oneClientP50Ms: one.p50Ms!,
      oneClientP95Ms: one.p95Ms!,
      clients50PagesPerSecond: many.pagesPerSecond!,
      clients50P50Ms: many.p50Ms!,
      clients50P95Ms: many.p95Ms!,
      clients50Errors: many.errors!,
      clients50RebookCpuMsPerPage: perPage(rebookCpuMs),
      clients50PostgresCpuMsPerPage: perPage(postgresCpuMs),
      clients50ClientsCpuMsPerPage: perPage(many.cpuMs!),
      paced25PerSecondP50Ms: paced.p50Ms!,
      paced25PerSecondP95Ms: paced.p95Ms!,
      peakRssMb: peakRssMb(),
      seedMs: store.seedMs,
      load1: load[0],
      loadAfter1: loadAverage()[0],
    };
  } finally {
    await app.close();
    await poller.stop();
    await store.dispose();
  }
}
