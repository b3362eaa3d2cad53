// A throw-away database on the PostgreSQL server the benchmarks use (TEST_DATABASE_URL, as the tests do).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPostgres, type Db, type Queryable } from "../src/store/db.ts";

// eslint-disable-next-line no-restricted-properties -- the bench chooses its PostgreSQL server, as the tests do
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * Creates an empty database and opens it; `name` is the database's name, `drop` closes and removes it. `reopen` closes
 * the pool, waits until its server processes have ended (each reports its statistics as it ends: see `rowsRead`), and
 * opens a new pool on the same database, which `drop` then closes. It throws if they have not ended within 10 s.
 */
export async function freshPostgres(
  opts: { max?: number } = {},
): Promise<{ db: Db; name: string; url: string; reopen: () => Promise<Db>; drop: () => Promise<void> }> {
  const name = `rebook_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const dropDatabase = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), opts.max ? { max: opts.max } : {}).catch(async (err: unknown) => {
    await dropDatabase();
    throw err;
  });
  let current = db;
  return {
    db,
    name,
    url: url.toString(),
    reopen: async () => {
      await current.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        // Client processes only: an autovacuum worker on the database is not the pool's.
        for (let i = 0; ; i++) {
          const [left] = (
            await c.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
              [name],
            )
          ).rows as { n: number }[];
          if (left!.n === 0) break;
          if (i >= 500) throw new Error(`the pool's ${left!.n} server processes on ${name} did not end within 10 s`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await c.end();
      }
      current = await openPostgres(url.toString(), opts.max ? { max: opts.max } : {});
      return current;
    },
    drop: async () => {
      await current.close();
      // BENCH_KEEP_DATABASE=1: leave the database for inspection (EXPLAIN, pg_stat_user_tables) and say its name.
      // eslint-disable-next-line no-restricted-properties -- a switch of the benchmark, not of Rebook
      if (process.env.BENCH_KEEP_DATABASE === "1") {
        process.stderr.write(`bench: kept database ${name}\n`);
        return;
      }
      await dropDatabase();
    },
  };
}

/** A single connection to the server's maintenance database, to watch the benchmark's backends from outside. */
export async function monitorConnection(): Promise<Queryable & { end: () => Promise<void> }> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  return {
    query: async <T>(sql: string, params: readonly unknown[] = []) => (await c.query(sql, [...params])).rows as T[],
    end: () => c.end(),
  };
}

/**
 * Rows PostgreSQL has read from the database's own tables: by sequential scans, and fetched from the table through
 * indexes (`pg_stat_user_tables`; the statements inside triggers and foreign-key checks included, the system catalogs
 * not; an index-only scan that does not visit the table counts no row fetched). A server process reports its counts
 * when a transaction ends at least a second after its last report, after 10 s idle, and as it ends (before it leaves
 * `pg_stat_activity`, PostgreSQL 15), so read this after `reopen` for a pass's whole count.
 */
export async function rowsRead(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0)::float8 AS n FROM pg_stat_user_tables",
  );
  return row!.n;
}
