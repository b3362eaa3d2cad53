// How the PKB sync and the pipeline stand: per connection (state, last runs, lag) and the requests in each state.
import { MATCH_STATES, REQUEST_STATUSES } from "../requests/vocabulary.ts";
import type { Queryable } from "./db.ts";
import { latestEndedRuns } from "./sync-runs.ts";

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
  /** How it ended: null while it runs. */
  outcome: "ok" | "failed" | "stopped" | "abandoned" | null;
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
    outcome: SyncRun["outcome"];
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
      outcome: r.outcome,
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

/** Something an operator should look at. `connectionId` and `label` are for admins only, never a public endpoint. */
export interface SyncProblem {
  kind: "needs_reauthorisation" | "polls_failing" | "collection_stalled" | "error_queue";
  connectionId: string | null;
  label: string | null;
  reason: string;
  since: Date | null;
  /** error_queue: how many messages wait. */
  messages?: number;
}

/** The sync's health: degraded when any problem is found. */
export interface SyncHealth {
  status: "ok" | "degraded";
  problems: SyncProblem[];
}

/** Consecutive failed polls of a connection after which it counts as failing (one failure is not yet a pattern). */
export const FAILING_AFTER_POLLS = 3;

/**
 * How the sync stands, for /health and the admin pages: a connection needing re-authorisation, one whose last
 * FAILING_AFTER_POLLS polls all failed (with the latest reason), one not collected for five poll intervals (at least
 * five minutes; not checked when `pollIntervalMs` is 0, i.e. polls are run from outside), and messages waiting in the
 * error queue.
 */
export async function syncHealth(db: Queryable, opts: { pollIntervalMs: number; now?: Date }): Promise<SyncHealth> {
  const now = opts.now ?? new Date();
  const problems: SyncProblem[] = [];
  const connections = await db.query<{
    id: string;
    label: string;
    status: string;
    granted_at: Date | null;
    last_sync_finished_at: Date | null;
    needs_reauth_since: Date | null;
    needs_reauth_reason: string | null;
  }>(
    `SELECT id, label, status, granted_at, last_sync_finished_at, needs_reauth_since, needs_reauth_reason
     FROM pkb_connections ORDER BY created_at, id`,
  );
  const staleMs = opts.pollIntervalMs > 0 ? Math.max(5 * 60_000, 5 * opts.pollIntervalMs) : null;
  for (const c of connections) {
    const who = { connectionId: c.id, label: c.label };
    if (c.status === "needs_reauth") {
      problems.push({
        kind: "needs_reauthorisation",
        ...who,
        reason: `PKB ended the session (${c.needs_reauth_reason ?? "unknown reason"}): someone must grant access again`,
        since: c.needs_reauth_since,
      });
      continue;
    }
    if (c.status !== "active") continue;
    // Polls that ran to an end (a shutdown or a dead instance says nothing about PKB or the data).
    const runs = await latestEndedRuns(db, c.id, FAILING_AFTER_POLLS);
    if (runs.length === FAILING_AFTER_POLLS && runs.every((r) => r.outcome === "failed")) {
      problems.push({
        kind: "polls_failing",
        ...who,
        reason: `The last ${FAILING_AFTER_POLLS} polls failed: ${runs[0]!.error ?? "unknown error"}`,
        since: runs[runs.length - 1]!.startedAt,
      });
      continue;
    }
    const lastGood = c.last_sync_finished_at ?? c.granted_at;
    if (staleMs !== null && lastGood && now.getTime() - lastGood.getTime() > staleMs) {
      problems.push({
        kind: "collection_stalled",
        ...who,
        reason: `No poll has finished for ${Math.round((now.getTime() - lastGood.getTime()) / 60_000)} minutes`,
        since: lastGood,
      });
    }
  }
  const queued = await db.query<{ connection_id: string | null; label: string | null; n: number; since: Date }>(
    `SELECT e.connection_id, c.label, count(*)::int AS n, min(e.first_failed_at) AS since FROM message_errors e
     LEFT JOIN pkb_connections c ON c.id = e.connection_id WHERE e.status = 'open' GROUP BY e.connection_id, c.label`,
  );
  for (const q of queued) {
    problems.push({
      kind: "error_queue",
      connectionId: q.connection_id,
      label: q.label,
      reason: `${q.n} PKB message${q.n === 1 ? "" : "s"} set aside in the error queue: replay or discard ${q.n === 1 ? "it" : "them"}`,
      since: q.since,
      messages: q.n,
    });
  }
  return { status: problems.length > 0 ? "degraded" : "ok", problems };
}
