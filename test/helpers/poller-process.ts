// A second Rebook instance in a process of its own, for tests that kill it (kill -9): it opens the PostgreSQL store,
// polls one PKB connection once and exits. Arguments: one JSON object {env, databaseUrl, connectionId}, where env is
// Rebook's configuration (the emulator's URLs, TOKEN_ENCRYPTION_KEY). Prints "polled" when done.
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { TokenCipher } from "../../src/store/crypto.ts";
import { openPostgres } from "../../src/store/db.ts";
import { buildSyncDeps } from "../../src/sync/deps.ts";
import { ingestConnection } from "../../src/sync/ingest.ts";

const args = JSON.parse(process.argv[2] ?? "{}") as {
  env: Record<string, string>;
  databaseUrl: string;
  connectionId: string;
};
const config = loadConfig({ LOG_LEVEL: "silent", ...args.env, DATABASE_URL: args.databaseUrl });
const db = await openPostgres(args.databaseUrl, { max: 3 });
const deps = buildSyncDeps({
  config,
  db,
  cipher: new TokenCipher(config.tokenEncryptionKey!),
  logger: createLogger("silent"),
  instanceId: `child:${process.pid}`,
});
const summary = await ingestConnection(deps, args.connectionId);
process.stdout.write(`polled ${JSON.stringify(summary)}\n`);
await db.close();
