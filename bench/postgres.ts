// A throw-away database on the PostgreSQL server the benchmarks use (TEST_DATABASE_URL, as the tests do).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPostgres, type Db, type Queryable } from "../src/store/db.ts";

// eslint-disable-next-line no-restricted-properties -- the bench chooses its PostgreSQL server, as the tests do
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * Creates an empty database and opens it; `name` is the database's name, `drop` closes and removes it. `reopen` closes
 * the pool, waits until its server processes have ended (each reports its statistics as it ends: see `rowsRead`), and
 * opens a new pool on the same database, which `drop` then closes.
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
        for (let i = 0; i < 250; i++) {
          const [left] = (await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [name]))
            .rows as { n: number }[];
          if (left!.n === 0) break;
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
 * Rows PostgreSQL has read from the database's own tables: by sequential scans, and fetched through indexes
 * (`pg_stat_user_tables`; the statements inside triggers and foreign-key checks included, the system catalogs not).
 * A server process reports its counts at most once a second and as it ends, so read this after `reopen` for a pass's
 * whole count: read until two reads 100 ms apart agree (an ended process's last report can land just after it has left
 * `pg_stat_activity`).
 */
export async function rowsRead(db: Queryable): Promise<number> {
  const read = async () =>
    (
      await db.query<{ n: number }>(
        "SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0)::float8 AS n FROM pg_stat_user_tables",
      )
    )[0]!.n;
  let last = await read();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await read();
    if (now === last) return now;
    last = now;
  }
  return last;
}
