// sync_runs: one row per poll of one connection, from its start to how it ended (ok, failed, stopped, abandoned).
import type { Queryable } from "./db.ts";

/** The counts a poll reports when it ends. */
export interface RunCounts {
  fetched: number;
  newMessages: number;
  newRequests: number;
  followUps: number;
  unrelated: number;
}

/** Records the start of a poll; returns the run's id. */
export async function startRun(db: Queryable, connectionId: string, since: string): Promise<number> {
  const [run] = await db.query<{ id: number }>(
    "INSERT INTO sync_runs (connection_id, since_param) VALUES ($1, $2) RETURNING id",
    [connectionId, since],
  );
  return run!.id;
}

/** Records how a poll ended, unless it was already closed (as abandoned by an instance that took over). */
export async function finishRun(
  db: Queryable,
  id: number,
  end: { outcome: "ok" | "failed" | "stopped"; error: string | null; counts: RunCounts },
): Promise<void> {
  const c = end.counts;
  await db.query(
    `UPDATE sync_runs SET finished_at = now(), fetched = $2, new_messages = $3, new_requests = $4, follow_ups = $5,
       unrelated = $6, error = $7, outcome = $8 WHERE id = $1 AND finished_at IS NULL`,
    [id, c.fetched, c.newMessages, c.newRequests, c.followUps, c.unrelated, end.error, end.outcome],
  );
}

/**
 * Closes the connection's unfinished runs as abandoned. Only for a caller holding the connection's poll lock: then no
 * live instance is polling it, so an unfinished run belongs to one that died. Returns how many were closed.
 */
export async function abandonRuns(db: Queryable, connectionId: string, why: string): Promise<number> {
  const rows = await db.query(
    `UPDATE sync_runs SET finished_at = now(), outcome = 'abandoned', error = $2
     WHERE connection_id = $1 AND finished_at IS NULL RETURNING id`,
    [connectionId, `abandoned: ${why}`],
  );
  return rows.length;
}

/** Connections with unfinished runs. */
export async function connectionsWithOpenRuns(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ connection_id: string }>(
    "SELECT DISTINCT connection_id FROM sync_runs WHERE finished_at IS NULL",
  );
  return rows.map((r) => r.connection_id);
}

/** The latest `n` polls of a connection that ran to an end (ok or failed), newest first. */
export async function latestEndedRuns(
  db: Queryable,
  connectionId: string,
  n: number,
): Promise<{ outcome: "ok" | "failed"; error: string | null; startedAt: Date }[]> {
  const rows = await db.query<{ outcome: "ok" | "failed"; error: string | null; started_at: Date }>(
    `SELECT outcome, error, started_at FROM sync_runs
     WHERE connection_id = $1 AND outcome IN ('ok', 'failed') ORDER BY started_at DESC, id DESC LIMIT $2`,
    [connectionId, n],
  );
  return rows.map((r) => ({ outcome: r.outcome, error: r.error, startedAt: r.started_at }));
}
