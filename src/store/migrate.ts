// Applies the numbered SQL migrations in src/store/migrations/ under a PostgreSQL advisory lock, so several instances
// starting together migrate once. Each migration runs in its own transaction and is recorded with its checksum; an
// applied migration whose file later changed stops start-up rather than leaving the schema in an unknown state. A
// migration that takes a strong lock on a busy table sets `SET LOCAL lock_timeout` (its own transaction only); when it
// times out, start-up stops with words telling the operator to start again.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { MIGRATIONS_DIR } from "../paths.ts";
import type { Db } from "./db.ts";

/** PostgreSQL's SQLSTATE for a lock not granted within lock_timeout (lock_not_available). */
const LOCK_NOT_AVAILABLE = "55P03";

/** Advisory lock key held while migrating (an arbitrary constant: "rebook" in ASCII). */
const MIGRATION_LOCK_KEY = 0x7265626f6f6b;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** Reads NNNN_name.sql files from dir in version order; rejects gaps and duplicate numbers. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m?.[1] || !m[2]) throw new Error(`Migration file name must look like 0001_name.sql: ${file}`);
    const sql = await fs.readFile(path.join(dir, file), "utf8");
    migrations.push({
      version: Number(m[1]),
      name: m[2],
      sql,
      checksum: createHash("sha256").update(sql).digest("hex"),
    });
  }
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`Migrations must be numbered 0001, 0002, … without gaps (found ${m.version})`);
  });
  return migrations;
}

/** Applies pending migrations; returns the versions applied by this call (empty when already up to date). */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<number[]> {
  const migrations = await readMigrations(dir);
  return db.withSession(async (session) => {
    await session.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await session.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const applied = await session.query<{ version: number; checksum: string; name: string }>(
        "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
      );
      for (const row of applied) {
        const file = migrations.find((m) => m.version === row.version);
        if (!file)
          throw new Error(`The database has migration ${row.version} (${row.name}) that this build does not know`);
        if (file.checksum !== row.checksum) {
          throw new Error(
            `Migration ${row.version} (${row.name}) was changed after it was applied; add a new one instead`,
          );
        }
      }
      const done = new Set(applied.map((r) => r.version));
      const newlyApplied: number[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await session.exec("BEGIN");
        try {
          await session.exec(m.sql);
          await session.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
            m.version,
            m.name,
            m.checksum,
          ]);
          await session.exec("COMMIT");
        } catch (err) {
          await session.exec("ROLLBACK");
          if ((err as { code?: unknown }).code === LOCK_NOT_AVAILABLE) {
            // A migration that sets lock_timeout gave up waiting for a table (see 0032): nothing changed, and a retry
            // once the other session is done succeeds.
            throw new Error(
              `Migration ${m.version} (${m.name}) could not lock a table it changes within its lock timeout: another ` +
                "session is using it (a long query or report). Nothing was changed; start Rebook again to retry.",
              { cause: err },
            );
          }
          throw new Error(`Migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
        }
        newlyApplied.push(m.version);
      }
      return newlyApplied;
    } finally {
      await session.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  });
}
