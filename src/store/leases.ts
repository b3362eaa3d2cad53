// Who does a piece of long-running work (e.g. polling one PKB connection).
// - Session locks (withSessionLock): a PostgreSQL advisory lock held on a connection of its own for as long as the
//   work runs. It dies with its database session, so when the holder dies (kill -9, a lost host) another instance can
//   take over at once, not after a timeout. The session asks the server to probe the client with TCP keepalives so a
//   vanished host's session (and lock) ends within about 25 s. PGlite is one process's database: there a set in memory
//   keeps two callers in the process apart (advisory locks are re-entrant within a session).
// - Time-limited leases (acquireLease): a row that lapses by itself, for work that spans several sessions.
import type { Db, Queryable } from "./db.ts";

/** A held session lock: `check()` throws when its session (and so the lock) has been lost. */
export interface HeldLock {
  check(): Promise<void>;
}

/** The lock was lost while the work ran (its database session ended): stop, another instance may have taken over. */
export class LockLostError extends Error {
  constructor(
    readonly lock: string,
    cause: unknown,
  ) {
    super(`Lost the lock "${lock}": its database session ended`, { cause });
    this.name = "LockLostError";
  }
}

const heldInProcess = new WeakMap<Db, Set<string>>();
const key = (name: string): string => `rebook:${name}`;

/** Unlocking failed (the session is broken): thrown through withSession so it destroys the session, then undone. */
class UnlockFailed<T> extends Error {
  constructor(readonly result: { ok: true; value: T } | { ok: false; error: unknown }) {
    super("advisory unlock failed");
  }
}

/**
 * Runs `fn` holding the session lock `name`; returns { held: false } at once, without running it, when another holder
 * (another instance, or another caller in this process) has the lock. The lock is released when `fn` settles, or
 * when the process or its database session dies.
 */
export async function withSessionLock<T>(
  db: Db,
  name: string,
  fn: (lock: HeldLock) => Promise<T>,
): Promise<{ held: true; value: T } | { held: false }> {
  let mine = heldInProcess.get(db);
  if (!mine) heldInProcess.set(db, (mine = new Set()));
  if (mine.has(name)) return { held: false };
  mine.add(name);
  try {
    return await db.withSession(async (session) => {
      if (db.engine === "postgres") {
        await session.exec(
          "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3",
        );
      }
      const [row] = await session.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", [
        key(name),
      ]);
      if (!row?.ok) return { held: false as const };
      const lock: HeldLock = {
        check: async () => {
          try {
            await session.query("SELECT 1");
          } catch (err) {
            throw new LockLostError(name, err);
          }
        },
      };
      let result: { ok: true; value: T } | { ok: false; error: unknown };
      try {
        result = { ok: true, value: await fn(lock) };
      } catch (error) {
        result = { ok: false, error };
      }
      try {
        await session.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key(name)]);
      } catch {
        // The session is broken (its lock went with it) or in doubt: withSession must destroy it, never pool it.
        throw new UnlockFailed(result);
      }
      if (!result.ok) throw result.error;
      return { held: true as const, value: result.value };
    });
  } catch (err) {
    if (!(err instanceof UnlockFailed)) throw err;
    const result = (err as UnlockFailed<T>).result;
    if (!result.ok) throw result.error;
    return { held: true, value: result.value };
  } finally {
    mine.delete(name);
  }
}

/** Takes or renews the lease `name` for `holder` for ttlMs; returns false when another holder has a live lease. */
export async function acquireLease(db: Queryable, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000))
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
     RETURNING name`,
    [name, holder, ttlMs],
  );
  return rows.length === 1;
}

/** Gives the lease up if `holder` has it. */
export async function releaseLease(db: Queryable, name: string, holder: string): Promise<void> {
  await db.query("DELETE FROM leases WHERE name = $1 AND holder = $2", [name, holder]);
}
