// Fresh, isolated stores for tests on both engines: PGlite in memory, and a new database on the real PostgreSQL
// server (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPglite, openPostgres, type Db } from "../../src/store/db.ts";
import { migrate } from "../../src/store/migrate.ts";

// eslint-disable-next-line no-restricted-properties -- tests choose their PostgreSQL server, the app never does
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A store under test plus how to dispose of it. */
export interface TestDb {
  db: Db;
  /** For postgres: the URL of the test database, so a test can open a second pool (another "instance"). */
  url: string | null;
  dispose(): Promise<void>;
}

/** Creates an empty database on the real server; returns its URL and a function that drops it. */
async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `rebook_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The two engines every store test runs on. */
export const engines = [
  {
    name: "pglite",
    async open(opts: { migrated?: boolean } = {}): Promise<TestDb> {
      const db = await openPglite("memory://");
      if (opts.migrated !== false) await migrate(db);
      return { db, url: null, dispose: () => db.close() };
    },
  },
  {
    name: "postgres",
    async open(opts: { migrated?: boolean } = {}): Promise<TestDb> {
      const { url, drop } = await createPgDatabase();
      const db = await openPostgres(url, { max: 5 });
      if (opts.migrated !== false) await migrate(db);
      return {
        db,
        url,
        dispose: async () => {
          await db.close();
          await drop();
        },
      };
    },
  },
] as const;

/**
 * Makes the store refuse every PKB message whose content contains "refuse me" (a trigger in the database itself: a
 * reason for storage to fail that nobody foresaw), as the poison-message tests need. `DROP TRIGGER refuse_poison ON
 * pkb_messages` lifts it.
 */
export async function refuseMessagesSayingRefuseMe(db: Pick<Db, "query">): Promise<void> {
  await db.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.content LIKE '%refuse me%' THEN RAISE EXCEPTION 'storage refused this message'; END IF;
    RETURN NEW; END $$`);
  await db.query(
    "CREATE TRIGGER refuse_poison BEFORE INSERT ON pkb_messages FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
  );
}

/**
 * Makes the store refuse every PKB message whose content contains "quote me" with an error PostgreSQL words itself by
 * quoting the value: the trigger casts the content to uuid (22P02, 'invalid input syntax for type uuid: "<the
 * content>"'), as a column of the wrong type would. `DROP TRIGGER refuse_quoting ON pkb_messages` lifts it.
 */
export async function refuseMessagesQuotingThem(db: Pick<Db, "query">): Promise<void> {
  await db.query(`CREATE FUNCTION refuse_quoting() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.content LIKE '%quote me%' THEN PERFORM NEW.content::uuid; END IF;
    RETURN NEW; END $$`);
  await db.query(
    "CREATE TRIGGER refuse_quoting BEFORE INSERT ON pkb_messages FOR EACH ROW EXECUTE FUNCTION refuse_quoting()",
  );
}

/** What snapshot reads hold on the store: other sessions' open transactions (PostgreSQL), or held cursors (PGlite). */
export async function heldSnapshotReads(db: Db): Promise<number> {
  const [row] =
    db.engine === "postgres"
      ? await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
        )
      : await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_cursors WHERE is_holdable");
  return row!.n;
}
