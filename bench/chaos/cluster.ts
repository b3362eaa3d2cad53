// The emulator and the two Rebook instances of a chaos run: how each is configured and started, restarted and
// killed. Instances keep their port across restarts, so PKB's registered redirect URIs stay right.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { freePort, killHard, startNode, waitReady, type Proc } from "./processes.ts";

/** The emulator as a separate process, and how to reach it. */
export interface EmulatorProc {
  proc: Proc;
  url: string;
  /** Rebook's PKB settings for it. */
  pkbEnv: Record<string, string>;
}

/** PKB's access tokens live this long in the run, so Rebook refreshes (and rotates refresh tokens) several times. */
const ACCESS_TOKEN_TTL_SECONDS = 30;

/** Starts the emulator with the backlog; registers the instances' callback URLs as redirect URIs. */
export async function startEmulator(p: {
  port: number;
  requests: number;
  seed: number;
  redirectUris: string[];
  logDir: string;
}): Promise<EmulatorProc> {
  const url = `http://127.0.0.1:${p.port}`;
  const proc = startNode(
    "emulator",
    "sandbox/src/main.ts",
    [],
    {
      SANDBOX_HOST: "127.0.0.1",
      SANDBOX_PORT: String(p.port),
      SANDBOX_SEED: String(p.seed),
      SANDBOX_SIZE: String(p.requests),
      // The verdict's ground truth is one request per request message; settle scenarios (repeats merged into the open
      // request, cancels already done in PKB) are proved by their own tests (test/integration/settle.test.ts).
      SANDBOX_SETTLE_SCENARIOS: "0",
      SANDBOX_REDIRECT_URIS: p.redirectUris.join(","),
      SANDBOX_ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL_SECONDS),
      SANDBOX_LOG_LEVEL: "warn",
    },
    path.join(p.logDir, "emulator.log"),
  );
  // Generating a 100,000-request world takes a while on a busy machine.
  await waitReady(proc, `${url}/aggregated/fhir/metadata`, 180_000);
  return {
    proc,
    url,
    pkbEnv: {
      PKB_BASE_URL: url,
      PKB_FHIR_BASE_URL: `${url}/aggregated/fhir`,
      PKB_FHIR_TOKEN_URL: `${url}/iam/auth/realms/pkb/protocol/openid-connect/token`,
    },
  };
}

/** One Rebook instance slot ("A", "B"): a fixed port and environment, and the process currently running in it. */
export class Instance {
  proc: Proc | null = null;
  /** Every pid this slot has had, to recognise a lease holder. */
  readonly pids: number[] = [];
  ready = false;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get callbackUrl(): string {
    return `${this.url}/api/pkb/oauth/callback`;
  }

  /** Starts the instance and waits until /health answers. */
  async start(): Promise<void> {
    this.ready = false;
    this.proc = startNode(`Rebook ${this.name}`, "src/cli.ts", ["start"], this.env, this.logFile);
    this.pids.push(this.proc.pid);
    await waitReady(this.proc, `${this.url}/health`, 120_000);
    this.ready = true;
  }

  /** kill -9 the running process. */
  async kill(): Promise<void> {
    this.ready = false;
    if (this.proc) await killHard(this.proc);
  }

  /** True while a started process is running and answered /health. */
  get alive(): boolean {
    return this.ready && this.proc !== null && this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }
}

/** The shared environment of every instance: one database, one encryption key, the emulator, fast polling. */
export function instanceEnv(p: {
  port: number;
  databaseUrl: string;
  pkbEnv: Record<string, string>;
  encryptionKey: string;
  admin: { email: string; password: string };
  alertWebhookUrl: string;
  dataDir: string;
}): Record<string, string> {
  return {
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    PORT: String(p.port),
    PUBLIC_URL: `http://127.0.0.1:${p.port}`,
    LOG_LEVEL: "warn",
    // Named by its port, so the run can tell which instance holds a connection's poll lock (pollLockHolderPort).
    DATABASE_URL: withApplicationName(p.databaseUrl, `${POLL_APP_PREFIX}${p.port}`),
    DATA_DIR: p.dataDir,
    TOKEN_ENCRYPTION_KEY: p.encryptionKey,
    ...p.pkbEnv,
    SYNC_INTERVAL_SECONDS: "1",
    SYNC_INITIAL_LOOKBACK_DAYS: "1000",
    TOKEN_REFRESH_AHEAD_SECONDS: "5",
    PKB_TIMEOUT_SECONDS: "15",
    ALERT_WEBHOOK_URL: p.alertWebhookUrl,
    INITIAL_ADMIN_EMAIL: p.admin.email,
    INITIAL_ADMIN_PASSWORD: p.admin.password,
    SHUTDOWN_GRACE_SECONDS: "5",
  };
}

/** The PostgreSQL application_name of an instance's sessions: this prefix and its port. */
export const POLL_APP_PREFIX = "rebook_chaos_";

function withApplicationName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set("application_name", name);
  return u.toString();
}

/** Picks the ports of the emulator and two instances. */
export async function pickPorts(): Promise<{ emulator: number; a: number; b: number }> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [emulator, a, b] = [...ports] as [number, number, number];
  return { emulator, a, b };
}

/** A random key and admin password for the run. */
export function secrets(): { encryptionKey: string; admin: { email: string; password: string } } {
  return {
    encryptionKey: randomBytes(32).toString("base64"),
    admin: { email: "chaos.admin@rebook.test", password: randomBytes(18).toString("base64url") },
  };
}
