// How the PKB sync and the pipeline stand: per connection (state, last runs, lag) and the requests in each state.
import { MATCH_STATES, REQUEST_STATUSES } from "../requests/vocabulary.ts";
import type { Queryable } from "./db.ts";

/** One poll of one connection. */
export interface SyncRun {
  id: number;
  startedAt: Date;
  finishedAt: Date | null;
  since: string | null;
  fetched: number;
  newMessages: number;
  newRequests: number;
  followUps: number;
  unrelated: number;
  error: string | null;
}

/** Per connection: the newest message it has seen and its most recent runs, newest first. */
export async function connectionSyncFacts(
  db: Queryable,
  connectionId: string,
  runs = 5,
): Promise<{ newestMessageAt: Date | null; runs: SyncRun[] }> {
  const [newest] = await db.query<{ at: Date | null }>(
    "SELECT max(sent_at) AS at FROM pkb_messages WHERE first_seen_connection_id = $1",
    [connectionId],
  );
  const rows = await db.query<{
    id: number;
    started_at: Date;
    finished_at: Date | null;
    since_param: string | null;
    fetched: number;
    new_messages: number;
    new_requests: number;
    follow_ups: number;
    unrelated: number;
    error: string | null;
  }>("SELECT * FROM sync_runs WHERE connection_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2", [
    connectionId,
    runs,
  ]);
  return {
    newestMessageAt: newest?.at ?? null,
    runs: rows.map((r) => ({
      id: r.id,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      since: r.since_param,
      fetched: r.fetched,
      newMessages: r.new_messages,
      newRequests: r.new_requests,
      followUps: r.follow_ups,
      unrelated: r.unrelated,
      error: r.error,
    })),
  };
}

/** Counts of requests across the pipeline and the most recent failures. */
export interface PipelineCounts {
  /** Every status, zero included. */
  byStatus: Record<(typeof REQUEST_STATUSES)[number], number>;
  /** Every match state, zero included. */
  byMatchState: Record<(typeof MATCH_STATES)[number], number>;
  /** Requests in processing whose next attempt is due now. */
  dueNow: number;
  inError: number;
  /** The most recent requests in error, newest first. */
  recentErrors: { requestId: string; reason: string | null; at: Date }[];
}

/** Pipeline counts, with the `recentErrors` most recent failures. */
export async function pipelineCounts(db: Queryable, recentErrors = 10): Promise<PipelineCounts> {
  const byStatus = await db.query<{ k: string; n: number }>(
    "SELECT status AS k, count(*)::int AS n FROM appointment_requests GROUP BY status",
  );
  const byMatch = await db.query<{ k: string; n: number }>(
    "SELECT match_state AS k, count(*)::int AS n FROM appointment_requests GROUP BY match_state",
  );
  const [due] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM appointment_requests WHERE status = 'processing' AND next_attempt_at <= now()",
  );
  const errors = await db.query<{ id: string; error_reason: string | null; updated_at: Date }>(
    `SELECT id, error_reason, updated_at FROM appointment_requests WHERE status = 'error'
     ORDER BY updated_at DESC, id LIMIT $1`,
    [recentErrors],
  );
  const status = new Map(byStatus.map((r) => [r.k, r.n]));
  const match = new Map(byMatch.map((r) => [r.k, r.n]));
  return {
    byStatus: Object.fromEntries(REQUEST_STATUSES.map((s) => [s, status.get(s) ?? 0])) as PipelineCounts["byStatus"],
    byMatchState: Object.fromEntries(MATCH_STATES.map((s) => [s, match.get(s) ?? 0])) as PipelineCounts["byMatchState"],
    dueNow: due?.n ?? 0,
    inError: status.get("error") ?? 0,
    recentErrors: errors.map((e) => ({ requestId: e.id, reason: e.error_reason, at: e.updated_at })),
  };
}
