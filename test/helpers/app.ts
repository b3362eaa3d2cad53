// Builds a full Rebook HTTP app for tests: real store, real pipeline objects, poll loop off (tests drive passes), and
// signed-in sessions for any role through the real session store.
import { randomBytes } from "node:crypto";
import { loadConfig, type Config } from "../../src/config.ts";
import { buildApp, type App } from "../../src/http/server.ts";
import { startPoller, type Poller } from "../../src/jobs/poller.ts";
import { createLogger, type Logger } from "../../src/log.ts";
import { pipeline } from "../../src/main.ts";
import { TokenCipher } from "../../src/store/crypto.ts";
import type { Db } from "../../src/store/db.ts";
import type { Role, User } from "../../src/store/people.ts";
import type { SyncDeps } from "../../src/sync/deps.ts";
import { createStaff, sessionHeaders, type AuthHeaders, type StaffOptions } from "./auth.ts";

export type { AuthHeaders };

export interface TestApp {
  app: App;
  sync: SyncDeps;
  /** The app's poller (loop off): runNow() joins a pass in progress, e.g. the one a Grant Access starts. */
  poller: Poller;
  config: Config;
  cipher: TokenCipher;
  /** Creates a user with `role` (in `opts.teamIds`) and signs them in; returns the headers of their session. */
  signIn(who: Role | Pick<User, "id">, opts?: StaffOptions): Promise<AuthHeaders>;
  /** Creates a user with `role` (in `opts.teamIds`) without signing them in. */
  createStaff(role: Role, opts?: StaffOptions): Promise<User>;
}

/**
 * A Rebook app on `db`, configured from `env` (e.g. the emulator's URLs); `opts.logger` to read its logs, `opts.cipher`
 * to restart an instance with the same token key, `opts.exportStallMs` to make the CSV exports' stall limit short.
 */
export async function buildTestApp(
  db: Db,
  env: Record<string, string> = {},
  opts: { logger?: Logger; cipher?: TokenCipher; exportStallMs?: number } = {},
): Promise<TestApp> {
  const config = loadConfig({ LOG_LEVEL: "silent", SYNC_INTERVAL_SECONDS: "0", ...env });
  // A restarted instance keeps its token key (opts.cipher); a new one gets its own.
  const cipher = opts.cipher ?? new TokenCipher(config.tokenEncryptionKey ?? randomBytes(32));
  const logger = opts.logger ?? createLogger(config.logLevel);
  const sync = pipeline(config, db, cipher, logger);
  const poller = startPoller(sync, 0, logger);
  const app = await buildApp({ config, db, logger, cipher, sync, poller, exportStallMs: opts.exportStallMs });
  return {
    app,
    sync,
    poller,
    config,
    cipher,
    createStaff: (role, opts) => createStaff(db, role, opts),
    async signIn(who, opts) {
      const user = typeof who === "string" ? await createStaff(db, who, opts) : who;
      return sessionHeaders(db, user.id, config.session);
    },
  };
}
