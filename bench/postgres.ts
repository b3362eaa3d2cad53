// A throw-away database on the PostgreSQL server the benchmarks use (TEST_DATABASE_URL, as the tests do).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPostgres, type Db, type Queryable } from "../src/store/db.ts";

// eslint-disable-next-line no-restricted-properties -- the bench chooses its PostgreSQL server, as the tests do
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Creates an empty database and opens it; `name` is the database's name, `drop` closes and removes it. */
export async function freshPostgres(
  opts: { max?: number } = {},
): Promise<{ db: Db; name: string; url: string; drop: () => Promise<void> }> {
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
  return {
    db,
    name,
    url: url.toString(),
    drop: async () => {
      await db.close();
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
