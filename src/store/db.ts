// One executor interface over both engines: embedded PGlite (default) and a real PostgreSQL server (DATABASE_URL).
// Repositories take a Queryable first, so the same function runs on the pool or inside a transaction, on either engine.
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/** Anything that runs one parameterised SQL statement and returns its rows. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** A single connection held for a while (migrations, advisory locks, leases). */
export interface Session extends Queryable {
  /** Runs a script of several statements without parameters. */
  exec(sql: string): Promise<void>;
}

/** The store: a pool (or the embedded engine) plus transactions. */
export interface Db extends Queryable {
  readonly engine: "pglite" | "postgres";
  /** Runs fn in a transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs fn on one dedicated connection (session-level locks live as long as it does). */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /**
   * The rows of one SELECT (its own ORDER BY) as the store stood at one moment, `chunk` rows at a time, for an export
   * streamed over a while: whatever is written meanwhile, each row comes once, none is missed and none added. The
   * moment is the first `next()`; the read ends (everything it holds given back) when the rows run out, a chunk fails,
   * or the consumer stops early (`return()`, as a destroyed stream does). See snapshotCursor and heldCursor.
   */
  readSnapshot<T = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[],
    opts: { chunk: number },
  ): AsyncGenerator<T[]>;
  close(): Promise<void>;
}

// Both engines return the same JavaScript types: int8 as number (ids and counts here stay far below 2^53), numeric as
// number, date as 'YYYY-MM-DD' text (never a Date shifted by the host's zone), timestamptz as Date, json as values.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const parseInt8 = (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} exceeds the safe integer range`);
  return n;
};

/** Thrown when another live process already has the embedded store open. */
export class StoreInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded store in ${dataDir} is in use by another Rebook process (pid ${pid}). ` +
        "Stop it first, or use a PostgreSQL server (DATABASE_URL) to run several processes.",
    );
    this.name = "StoreInUseError";
  }
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt it. A lock file holding
 * the owner's pid keeps others out; a lock left by a process that is gone is taken over.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, "rebook.lock");
  for (;;) {
    try {
      await fs.writeFile(file, String(process.pid), { flag: "wx" });
      return () => fs.rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(await fs.readFile(file, "utf8").catch(() => "0"));
      let alive = false;
      try {
        if (pid > 0 && pid !== process.pid) alive = process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (alive) throw new StoreInUseError(dataDir, pid);
      await fs.rm(file, { force: true });
    }
  }
}

// PGlite's initdb (run when a store is created) leaves ~440 MB behind in the process that ran it, for good: a copy of
// the engine's whole WebAssembly heap and initdb's own module. So initdb runs once, in a short-lived child process (a
// worker thread would not do: its memory is this process's), which hands back the new cluster as a tarball; a new
// store (a new directory, or in memory) is loaded from it, as PGlite's own clone() does.
const INIT_CHILD = `
import fs from "node:fs";
const { pglite, dataDir, tarFile } = JSON.parse(process.argv.at(-1));
const { PGlite } = await import(pglite);
const db = await PGlite.create(dataDir);
fs.writeFileSync(tarFile, new Uint8Array(await (await db.dumpDataDir("gzip")).arrayBuffer()));
await db.close();
`;

/** Runs initdb in a child process (in memory there) and returns the new cluster as a gzipped tarball. */
async function initInChild(): Promise<Uint8Array> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-pglite-"));
  const tarFile = path.join(tmp, "cluster.tar.gz");
  try {
    const args = JSON.stringify({ pglite: import.meta.resolve("@electric-sql/pglite"), dataDir: "memory://", tarFile });
    await new Promise<void>((resolve, reject) => {
      // On the command line, where V8 supports them, the flags this process takes at run time: on Node 24
      // without them initdb's process peaked at 1,072 MB, with them at 656 MB.
      const flags = webAssemblyCompilerFlags(process.versions.v8).split(" ");
      execFile(process.execPath, [...flags, "--input-type=module", "-e", INIT_CHILD, args], (err, _out, stderr) => {
        if (err) reject(new Error(`creating the embedded store failed: ${stderr.trim() || err.message}`));
        else resolve();
      });
    });
    return new Uint8Array(await fs.readFile(tarFile));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

let creatingTemplate: Promise<string> | null = null;

const fileExists = (file: string): Promise<boolean> =>
  fs.stat(file).then(
    () => true,
    () => false,
  );

/**
 * The file of the gzipped tarball of a new cluster (~4.5 MB), for new stores: kept in the system's temporary directory
 * per PGlite version, so that processes after the first skip initdb altogether (made again if it goes).
 */
async function clusterTemplateFile(): Promise<string> {
  const pkg = new URL("../package.json", import.meta.resolve("@electric-sql/pglite"));
  const { version } = JSON.parse(await fs.readFile(pkg, "utf8")) as { version: string };
  const file = path.join(os.tmpdir(), `rebook-pglite-${version}-cluster.tar.gz`);
  if (await fileExists(file)) return file;
  creatingTemplate ??= (async () => {
    const tar = await initInChild();
    const tmp = `${file}.${process.pid}`;
    await fs.writeFile(tmp, tar);
    await fs.rename(tmp, file); // atomic: another process reads the whole file or none
    return file;
  })().finally(() => {
    creatingTemplate = null;
  });
  return creatingTemplate;
}

// A new directory gets the template's files before PGlite opens it, unpacked here as a stream (PGlite's own
// loadDataDir reads the whole tarball into memory and left ~100 MB behind: 376 MB just after opening a new store,
// ~270 MB when it opens the unpacked directory instead). The files land in a staging directory first and PG_VERSION
// moves in last, so a crash part-way leaves a directory that is not yet a store and is unpacked again next time.
const STAGING = ".rebook-new-cluster";

/** Writes a new cluster into the (new, locked) directory dataDir from the template tarball. */
async function unpackTemplate(dataDir: string, tarFile: string): Promise<void> {
  const { x: extract } = await import("tar");
  const staging = path.join(dataDir, STAGING);
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true });
  await extract({ file: tarFile, cwd: staging }); // the members' leading "/" is stripped: they land in staging
  const entries = (await fs.readdir(staging)).filter((e) => e !== "PG_VERSION");
  if (entries.length === 0 || !(await fileExists(path.join(staging, "PG_VERSION"))))
    throw new Error("creating the embedded store failed: the cluster template is incomplete");
  for (const entry of entries) {
    await fs.rm(path.join(dataDir, entry), { recursive: true, force: true }); // left by an unpacking cut short
    await fs.rename(path.join(staging, entry), path.join(dataDir, entry));
  }
  await fs.rename(path.join(staging, "PG_VERSION"), path.join(dataDir, "PG_VERSION"));
  await fs.rm(staging, { recursive: true, force: true });
}

/**
 * Where PGlite should start from: an existing directory as it is; a new directory once the template of a new cluster
 * (what initdb would make, without running it in this process) is unpacked into it; an in-memory store from the
 * template itself.
 */
async function prepareCluster(dataDir: string): Promise<{ loadDataDir?: Blob }> {
  if (!dataDir.startsWith("memory://") && (await fileExists(path.join(dataDir, "PG_VERSION")))) return {};
  const tarFile = await clusterTemplateFile();
  if (dataDir.startsWith("memory://")) return { loadDataDir: new Blob([await fs.readFile(tarFile)]) };
  await unpackTemplate(dataDir, tarFile);
  return {};
}

// PGlite's default (128 MB) is allocated inside its WebAssembly heap, which never shrinks: with 32 MB the heap starts
// at 128 MB instead of 188 MB and the process at ~250 MB instead of ~340 MB; 16 MB keeps another ~10 MB out of the
// process at a 100,000-request backlog (peak RSS 282 MiB against 294 MiB, for 6% less throughput; docs/performance.md).
// Pages beyond it come from the operating system's file cache (the store is a directory), as PostgreSQL's do.
const PGLITE_SHARED_BUFFERS = "16MB";

/**
 * The V8 flags that choose how PGlite's engine (WebAssembly) is compiled on V8 version `v8Version`
 * (`process.versions.v8`), for `v8.setFlagsFromString` or a child's command line.
 *
 * By default V8 compiles each function twice and keeps both: first with its baseline compiler (Liftoff), then again,
 * optimised, when it runs often.
 * - Up to V8 12.4 (Node 20 and 22), each function is compiled optimised only, on its first call (`--no-liftoff`). That
 *   keeps ~80 MB less in the process than both compilers (RSS after opening and migrating a store: ~215 MB instead of
 *   ~295 MB), for ~1.5 s more at the first open of a process.
 * - From V8 13 (Node 24 on), the baseline compiler only. V8's optimising compiler there (Turboshaft) takes ~530 MB of
 *   memory, for ~1.2 s, to compile one of the engine's functions (about 100 KB of code, run at every start), where
 *   V8 12.4 took 24 MB. With it a fresh process peaked near 700 MB, against ~260 MB without; Rebook's CPU per request
 *   on the embedded store is about a third higher without it (docs/performance.md, "The embedded store on Node 24: V8's
 *   optimiser (2026-11-30, night)"). On V8 14 (Node 25), setting `--no-liftoff` at run time also crashed the process
 *   at its first compilation.
 * Versions between (Node 23) and versions that cannot be read get the baseline compiler, which avoids the optimiser
 * altogether; it was run on Node 24 and 25. Set at run time, `--liftoff-only` needs the other two flags spelt out (V8
 * derives them from it only at start-up).
 */
export function webAssemblyCompilerFlags(v8Version: string): string {
  const [major, minor] = v8Version.split(".").map((part) => Number.parseInt(part, 10));
  const measuredOptimised =
    Number.isInteger(major) && Number.isInteger(minor) && (major! < 12 || (major === 12 && minor! <= 4));
  return measuredOptimised ? "--no-liftoff" : "--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering";
}

/**
 * Sets V8's WebAssembly compiler for the rest of the process (webAssemblyCompilerFlags), so Node's own `fetch` (whose
 * HTTP parser is a small WebAssembly module) compiles the same way. Node documents flags set after start as
 * unsupported; the tests run it on Node 20 and 24 (test/store/pglite-engine.test.ts).
 */
function chooseWebAssemblyCompiler(): void {
  v8.setFlagsFromString(webAssemblyCompilerFlags(process.versions.v8));
}

/** The number of rows a snapshot read fetches at a time, checked: it is written into the FETCH statement. */
function chunkSize(chunk: number): number {
  if (!Number.isSafeInteger(chunk) || chunk < 1)
    throw new Error(`a snapshot's chunk must be a positive integer: ${chunk}`);
  return chunk;
}

/**
 * The FETCH loop of both engines' snapshot reads (heldCursor, snapshotCursor): the rows of the open cursor `cursor`,
 * `size` at a time, each chunk one `FETCH FORWARD` run by `run`, until a FETCH returns fewer than `size` (an empty last
 * chunk is not yielded). Closing the cursor, however the loop ends, is the caller's.
 */
async function* fetchChunks<T>(
  cursor: string,
  size: number,
  run: (fetch: string) => Promise<T[]>,
): AsyncGenerator<T[]> {
  for (;;) {
    const rows = await run(`FETCH FORWARD ${size} FROM ${cursor}`);
    if (rows.length > 0) yield rows;
    if (rows.length < size) return;
  }
}

// Names of the embedded store's export cursors: its one session holds every export's cursor at once.
let heldCursors = 0;

/**
 * The embedded store's readSnapshot. PGlite has one connection, so a transaction held open while a download streams
 * would hold up every other statement until the download ended. Instead the SELECT is declared as a cursor WITH HOLD
 * in a short transaction: at its COMMIT the engine runs the query to its end and keeps the result (in its temporary
 * files past work_mem, 4 MB, not in this process's heap), and the rows are then fetched `chunk` at a time, each FETCH
 * one short statement between the others, and the cursor is closed when the read ends. The price is that first
 * statement: every row of the export is read at the start, and nothing else runs meanwhile (docs/reports.md gives
 * the figures). `enter` lets one read hold a cursor at a time; the next waits until it ends.
 */
async function* heldCursor<T>(
  db: PGlite,
  enter: () => Promise<() => void>,
  sql: string,
  params: readonly unknown[],
  chunk: number,
): AsyncGenerator<T[]> {
  const size = chunkSize(chunk);
  const leave = await enter();
  try {
    const name = `rebook_snapshot_${++heldCursors}`;
    await db.transaction(async (tx) => {
      await tx.query(`DECLARE ${name} NO SCROLL CURSOR WITH HOLD FOR ${sql}`, [...params]);
    });
    try {
      yield* fetchChunks(name, size, async (fetch) => (await db.query<T>(fetch)).rows);
    } finally {
      // A store closed meanwhile took the cursor with it.
      await db.query(`CLOSE ${name}`).catch(() => undefined);
    }
  } finally {
    leave();
  }
}

/** Opens the embedded PGlite store persisted in dataDir (or in memory when dataDir is "memory://"). */
export async function openPglite(dataDir: string): Promise<Db> {
  let unlock = async (): Promise<void> => undefined;
  if (!dataDir.startsWith("memory://")) {
    await fs.mkdir(dataDir, { recursive: true });
    unlock = await lockDataDir(dataDir);
  }
  let db: PGlite;
  try {
    const cluster = await prepareCluster(dataDir);
    chooseWebAssemblyCompiler();
    // Loaded here, not at the top: the engine's module is ~50 MB of a process's memory, which a server on PostgreSQL
    // never needs.
    const [{ PGlite }, { unaccent }] = await Promise.all([
      import("@electric-sql/pglite"),
      import("@electric-sql/pglite/contrib/unaccent"),
    ]);
    // PGlite's own start parameters (PGlite.defaultStartParams, not in its typings), kept when shared_buffers is set.
    const startParams = (PGlite as unknown as { defaultStartParams: string[] }).defaultStartParams;
    db = await PGlite.create(dataDir, {
      ...cluster,
      startParams: [...startParams, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
      parsers: { [INT8]: parseInt8, [NUMERIC]: (v: string) => Number(v), [DATE]: (v: string) => v },
      // Search folds accents with unaccent (migration 0019), as on PostgreSQL.
      extensions: { unaccent },
    });
    await db.exec("SET TIME ZONE 'UTC'");
  } catch (err) {
    await unlock();
    throw err;
  }
  const run = async <T>(q: { query: PGlite["query"] }, sql: string, params?: readonly unknown[]): Promise<T[]> =>
    (await q.query<T>(sql, params ? [...params] : undefined)).rows;
  // One export holds a cursor at a time (each reads its whole range into it up front); the others wait their turn.
  const snapshotTurns = turns(1);
  const session: Session = {
    query: (sql, params) => run(db, sql, params),
    exec: async (sql) => {
      await db.exec(sql);
    },
  };
  return {
    engine: "pglite",
    query: (sql, params) => run(db, sql, params),
    transaction: (fn) => db.transaction((tx) => fn({ query: (sql, params) => run(tx, sql, params) })),
    // PGlite has a single connection; PGlite itself serialises queries on it.
    withSession: (fn) => fn(session),
    readSnapshot: (sql, params, opts) => heldCursor(db, snapshotTurns, sql, params, opts.chunk),
    close: async () => {
      await db.close();
      await unlock();
    },
  };
}

/**
 * Watches a client checked out of the pool. A checked-out client whose server session ends (the server restarted, an
 * operator terminated it) emits "error", which would crash the process without a listener; the error is kept instead
 * and the next query fails. A client that failed, or whose work threw, is destroyed on release rather than pooled
 * again: it may be broken, or still hold session state such as an advisory lock.
 */
function watchClient(client: pg.PoolClient): { fail(err: unknown): void; release(): void } {
  let broken: Error | null = null;
  const onError = (err: Error): void => {
    broken ??= err;
  };
  client.on("error", onError);
  return {
    fail: (err) => {
      broken ??= err instanceof Error ? err : new Error(String(err));
    },
    release: () => {
      client.removeListener("error", onError);
      client.release(broken ?? undefined);
    },
  };
}

/** At most `n` holders at a time; the others wait their turn, in order. Entering gives the function that leaves. */
function turns(n: number): () => Promise<() => void> {
  let free = n;
  const waiting: (() => void)[] = [];
  return async () => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = waiting.shift();
      if (next) next();
      else free++;
    };
  };
}

/**
 * How long a snapshot read may wait for its consumer (a download whose client stopped reading) before it is ended: the
 * export routes cut such a download, which ends the read and gives back its connection or cursor and its turn; on
 * PostgreSQL the server also ends the read's transaction after this long idle, as a backstop.
 */
export const SNAPSHOT_IDLE_MS = 10 * 60_000;
const SNAPSHOT_IDLE_TIMEOUT = `${SNAPSHOT_IDLE_MS}ms`;

/**
 * PostgreSQL's readSnapshot: a cursor in a READ ONLY REPEATABLE READ transaction on a pooled connection of its own,
 * held while the rows are fetched `chunk` at a time. Every FETCH reads the snapshot the transaction took at its first
 * statement, and under MVCC it holds up no writer. It ends with COMMIT when the rows run out, and with ROLLBACK when
 * a chunk fails or the consumer stops early; the connection goes back to the pool then (destroyed if it is broken).
 * `enter` bounds how many reads hold connections at once, so downloads cannot take the whole pool.
 */
async function* snapshotCursor<T>(
  pool: pg.Pool,
  enter: () => Promise<() => void>,
  sql: string,
  params: readonly unknown[],
  chunk: number,
): AsyncGenerator<T[]> {
  const size = chunkSize(chunk);
  const leave = await enter();
  try {
    const client = await pool.connect();
    const watch = watchClient(client);
    let committed = false;
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      await client.query(`SET LOCAL idle_in_transaction_session_timeout = '${SNAPSHOT_IDLE_TIMEOUT}'`);
      await client.query(`DECLARE snapshot NO SCROLL CURSOR FOR ${sql}`, [...params]);
      yield* fetchChunks("snapshot", size, async (fetch) => (await client.query(fetch)).rows as T[]);
      await client.query("COMMIT");
      committed = true;
    } finally {
      // A client that cannot even roll back is broken: destroyed rather than pooled again.
      if (!committed) await client.query("ROLLBACK").catch((err: unknown) => watch.fail(err));
      watch.release();
    }
  } finally {
    leave();
  }
}

/** Connects a pool to a real PostgreSQL server. Every connection uses UTC as its session time zone. */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Db> {
  const typeParsers = {
    getTypeParser: ((oid: number, format?: string) => {
      if (oid === INT8) return parseInt8;
      if (oid === NUMERIC) return (v: string) => Number(v);
      if (oid === DATE) return (v: string) => v;
      return pg.types.getTypeParser(oid, format as "text") as (v: string) => unknown;
    }) as typeof pg.types.getTypeParser,
  };
  const max = opts.max ?? 10;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types: typeParsers,
    // No JIT: Rebook's statements are short look-ups and batch writes. On tables not yet analysed (a backlog arriving)
    // PostgreSQL's estimates pass jit_above_cost and it compiled them on every call: 20 ms a call to read 0.1 ms.
    options: "-c TimeZone=UTC -c jit=off",
  });
  // An idle client's error (server restart) must not crash the process; the pool replaces the client.
  pool.on("error", () => undefined);
  await pool.query("SELECT 1"); // fail fast with a clear connection error
  // Exports streaming at once hold a connection each: a quarter of the pool at most (2 of 10), the rest wait.
  const snapshotTurns = turns(Math.max(1, Math.floor(max / 4)));
  const run = async <T>(c: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]): Promise<T[]> =>
    (await c.query(sql, params ? [...params] : undefined)).rows as T[];
  return {
    engine: "postgres",
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      const watch = watchClient(client);
      try {
        await client.query("BEGIN");
        const result = await fn({ query: (sql, params) => run(client, sql, params) });
        await client.query("COMMIT");
        return result;
      } catch (err) {
        // A client that cannot even roll back is broken: destroyed rather than pooled again.
        await client.query("ROLLBACK").catch((rollbackErr: unknown) => watch.fail(rollbackErr));
        throw err;
      } finally {
        watch.release();
      }
    },
    async withSession(fn) {
      const client = await pool.connect();
      const watch = watchClient(client);
      try {
        return await fn({
          query: (sql, params) => run(client, sql, params),
          exec: async (sql) => {
            await client.query(sql);
          },
        });
      } catch (err) {
        watch.fail(err);
        throw err;
      } finally {
        watch.release();
      }
    },
    readSnapshot: (sql, params, opts) => snapshotCursor(pool, snapshotTurns, sql, params, opts.chunk),
    close: () => pool.end(),
  };
}

/** Opens the configured store. */
export function openDb(database: { kind: "pglite"; dataDir: string } | { kind: "postgres"; url: string }): Promise<Db> {
  return database.kind === "pglite" ? openPglite(database.dataDir) : openPostgres(database.url);
}
