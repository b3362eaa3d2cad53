// Rebook's command line: `start` (the server), `migrate`, `sync`, `create-admin`, `rotate-keys`, `purge`. Configuration
// problems are printed together and exit 78.
import { Command } from "commander";
import { z } from "zod";
import { Cancelled, runCreateAdmin } from "./auth/create-admin.ts";
import { ConfigError, loadConfigFromProcess, type Config } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { openStore, start } from "./main.ts";
import { runSyncOnce } from "./sync/cli.ts";
import { cipherFor } from "./store/crypto.ts";
import { rotateKeys } from "./store/rotate-keys.ts";
import { countExpired, purgeExpired, RETENTION_CLASSES, type PurgeCounts } from "./store/retention.ts";
import os from "node:os";

const EXIT_CONFIG = 78; // EX_CONFIG from sysexits.h

function configOrExit(): { config: Config; logger: Logger } {
  try {
    const config = loadConfigFromProcess();
    return { config, logger: createLogger(config.logLevel) };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Rebook cannot start. ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}

const program = new Command()
  .name("rebook")
  .description("Rebook: PKB appointment change and cancel requests, for the organisation's appointment teams");

program
  .command("start")
  .description("Run Rebook (and the PKB sandbox emulator when PKB_BASE_URL is unset)")
  .action(async () => {
    const { config, logger } = configOrExit();
    const running = await start(config, logger);
    process.stdout.write(
      `\nRebook is running at ${config.publicUrl} (listening on ${running.url})\n` +
        (running.sandboxUrl
          ? `PKB sandbox emulator at ${running.sandboxUrl} (consent page: ${running.sandboxUrl}/apiAuthorize.action; the trust's PAS: ${running.sandboxUrl}/_sandbox/pas)\n`
          : `PKB at ${config.pkb.baseUrl}\n`) +
        `Store: ${config.database.kind === "pglite" ? `embedded PGlite in ${config.database.dataDir}` : "PostgreSQL (DATABASE_URL)"}\n` +
        "Press Ctrl+C to stop.\n\n",
    );
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "shutting down");
      const timer = setTimeout(() => {
        logger.error("shutdown took too long; exiting");
        process.exit(1);
      }, config.shutdownGraceMs);
      running
        .stop()
        .then(() => {
          clearTimeout(timer);
          logger.info("stopped");
          process.exit(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        });
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
  });

program
  .command("migrate")
  .description("Apply pending database migrations and exit")
  .action(async () => {
    const { config, logger } = configOrExit();
    const db = await openStore(config, logger);
    await db.close();
  });

program
  .command("sync")
  .description("Poll PKB and work every pending request once, with a progress bar, then print a summary")
  .option("--once", "run one pass and exit (the only mode; the server runs the continuous loop)", true)
  .action(async () => {
    const { config, logger } = configOrExit();
    await runSyncOnce(config, logger);
  });

program
  .command("create-admin")
  .description(
    "Create an admin who signs in with email and password (password from REBOOK_ADMIN_PASSWORD or asked for)",
  )
  .requiredOption("--email <email>", "the admin's email address (their sign-in name)")
  .requiredOption("--name <name>", "the admin's name as shown in Rebook")
  .option("--update", "if the email is already a user: make them an active admin with this password")
  .action(async (opts: { email: string; name: string; update?: boolean }) => {
    const email = z.email().safeParse(opts.email.trim());
    if (!email.success || !opts.name.trim()) {
      process.stderr.write("Give a valid --email and a --name.\n");
      process.exit(64); // EX_USAGE
    }
    const { config, logger } = configOrExit();
    try {
      await runCreateAdmin(config, logger, { email: email.data, name: opts.name.trim(), update: opts.update ?? false });
    } catch (err) {
      if (!(err instanceof Cancelled)) throw err;
      process.stderr.write("Cancelled: no admin was created.\n");
      process.exit(130); // as a shell reports Ctrl-C
    }
  });

program
  .command("rotate-keys")
  .description(
    "Re-encrypt every stored PKB token with TOKEN_ENCRYPTION_KEY (earlier keys read from TOKEN_ENCRYPTION_KEY_PREVIOUS)",
  )
  .action(async () => {
    const { config, logger } = configOrExit();
    const cipher = await cipherFor(config);
    const db = await openStore(config, logger);
    try {
      const r = await rotateKeys(db, cipher);
      process.stdout.write(
        `Tokens now sealed with key ${r.keyId}: ${r.resealed} re-encrypted, ${r.alreadyCurrent} already current` +
          `, ${r.failed.length} unreadable.\n`,
      );
      for (const f of r.failed) process.stdout.write(`  cannot read ${f.table} ${f.id} ${f.field}: ${f.reason}\n`);
      if (r.failed.length > 0) {
        process.stdout.write(
          "Add the key these were sealed with to TOKEN_ENCRYPTION_KEY_PREVIOUS and run again, or grant access again.\n",
        );
        process.exitCode = 1;
      }
    } finally {
      await db.close();
    }
  });

program
  .command("purge")
  .description("Purge what is older than its retention period (RETENTION_*), once; --dry-run only counts")
  .option("--dry-run", "count what would be purged, purge nothing")
  .action(async (opts: { dryRun?: boolean }) => {
    const { config, logger } = configOrExit();
    const db = await openStore(config, logger);
    try {
      const policy = config.retention;
      const counts: PurgeCounts | null = opts.dryRun
        ? await countExpired(db, policy)
        : await purgeExpired(db, policy, {
            holder: `cli:${os.hostname()}:${process.pid}`,
            batchSize: policy.batchSize,
          });
      if (!counts) {
        process.stdout.write("Another instance is purging now (it holds the retention lease); nothing done.\n");
        process.exitCode = 75; // EX_TEMPFAIL
        return;
      }
      process.stdout.write(opts.dryRun ? "Would purge:\n" : "Purged:\n");
      for (const cls of RETENTION_CLASSES) process.stdout.write(`  ${cls}: ${counts[cls]}\n`);
    } finally {
      await db.close();
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`Rebook failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
