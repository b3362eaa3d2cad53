// Step 1 of the pipeline: poll one connection's messages and store them, exactly once each.
// - PKB's `after` parameter is a coarse date, so each poll re-reads from the newest message already seen minus an
//   overlap window, and storage is idempotent by PKB message id: re-polls, restarts and concurrent instances never
//   duplicate or drop a message.
// - A session lock (src/store/leases.ts) makes one instance at a time poll a connection; it dies with its holder, so
//   another instance takes over as soon as it next tries, and closes the dead one's run as abandoned.
// - The response is streamed and stored a batch at a time; the cursor only moves once all of it is committed.
// - No single message stops collection: text PostgreSQL cannot store is made storable (ingest-message.ts), and a
//   message that still cannot be stored or filed is set aside in the error queue while the rest of the batch is stored.
import { DateTime } from "luxon";
import { publishRequestsCreated } from "../events/publish.ts";
import { releaseClaims, type ClaimHandoff } from "../jobs/due-work.ts";
import type { MalformedItem } from "../pkb/rest.ts";
import type { PkbConversation } from "../pkb/schemas.ts";
import { SessionEndedError } from "../pkb/tokens.ts";
import { advanceCursor, getConnection } from "../store/connections.ts";
import type { Queryable } from "../store/db.ts";
import { heldMessageKeys } from "../store/error-queue.ts";
import { LockLostError, withSessionLock } from "../store/leases.ts";
import { isTransientStoreError } from "../store/pg-errors.ts";
import { openIncident, resolveIncident } from "../store/incidents.ts";
import { abandonRuns, finishRun, latestEndedRuns, startRun } from "../store/sync-runs.ts";
import { FAILING_AFTER_POLLS } from "../store/sync-status.ts";
import type { SyncDeps } from "./deps.ts";
import { messageKey, queueOriginal, reasonOf, setMessageAside } from "./error-queue.ts";
import { ingestMessage, ingestMessages, prepareMessage, type PreparedMessage } from "./ingest-message.ts";
import { PIPELINE_QUEUE } from "./process.ts";
import { pollLockName } from "./runs.ts";

/** What one poll of one connection did. */
export interface IngestSummary {
  connectionId: string;
  since: string;
  fetched: number;
  newMessages: number;
  newRequests: number;
  followUps: number;
  unrelated: number;
  /** Messages this poll set aside in the error queue. */
  setAside: number;
  /** Set when the poll did not run or stopped: "leased elsewhere", "needs re-authorisation", or the error. */
  skipped: string | null;
}

/** A summary of a poll that has read nothing (yet); `skipped` says why, when it did not run. */
export function emptySummary(connectionId: string, skipped: string | null): IngestSummary {
  return {
    connectionId,
    since: "",
    fetched: 0,
    newMessages: 0,
    newRequests: 0,
    followUps: 0,
    unrelated: 0,
    setAside: 0,
    skipped,
  };
}

/** The `after` parameter for a poll: the UTC date of (cursor − overlap), or of the initial look-back. */
export function sinceParameter(cursor: Date | null, now: Date, overlapMs: number, initialLookbackDays: number): string {
  const from = cursor
    ? new Date(cursor.getTime() - overlapMs)
    : new Date(now.getTime() - initialLookbackDays * 86_400_000);
  return DateTime.fromJSDate(from, { zone: "UTC" }).toISODate()!;
}

type Kind = Awaited<ReturnType<typeof ingestMessage>> | "set_aside";
type Item = { key: string; prepared: PreparedMessage | null; failure: string | null; raw: unknown; conv: unknown };

/**
 * Stores one batch: every message in one transaction, set-based; if that fails on a message's account, again one
 * message at a time with a savepoint around each, so the ones that fail again are set aside and the others stored.
 * An error about the store itself (connection lost, deadlock, …) fails the batch: nothing is set aside for it.
 */
async function storeBatch(
  deps: SyncDeps,
  connectionId: string,
  conversations: PkbConversation[],
  malformed: MalformedItem[],
  /** The lease to store new requests with (0: due now), asked only when the batch has messages not stored yet. */
  claimLease?: () => Promise<number>,
): Promise<{ kinds: Kind[]; created: string[]; claimed: string[]; newest: number; read: number }> {
  const { db } = deps;
  const items: Item[] = [];
  let newest = 0;
  for (const c of conversations) {
    // Oldest first, so a conversation's request is stored before its follow-ups.
    const messages = [...c.messages].sort(
      (a, b) => a.timestamp - b.timestamp || a.id.localeCompare(b.id, "en", { numeric: true }),
    );
    for (const m of messages) {
      let prepared: PreparedMessage | null = null;
      let failure: string | null = null;
      try {
        prepared = prepareMessage(m, c);
        newest = Math.max(newest, m.timestamp);
      } catch (err) {
        failure = reasonOf(err);
      }
      items.push({ key: messageKey(m.id, ""), prepared, failure, raw: m, conv: c });
    }
  }
  // Messages already in the error queue stay there (replayed or discarded by an admin), whatever PKB sends again.
  const unreadable = malformed.map((bad) => ({
    bad,
    key: messageKey(bad.messageId, queueOriginal({ id: bad.conversationId }, bad.value)),
  }));
  const held = await heldMessageKeys(db, [...items.map((i) => i.key), ...unreadable.map((u) => u.key)]);
  const todo = items.filter((i) => !held.has(i.key));
  const claimMs = claimLease && todo.some((i) => i.prepared) ? await claimLease() : 0;
  const newlyUnreadable = unreadable.filter((u) => !held.has(u.key)).map((u) => u.bad);
  const setAside = (tx: Queryable, i: Item, reason: string) =>
    setMessageAside(tx, {
      connectionId,
      conversation: i.conv,
      message: i.raw,
      conversationId: (i.raw as { conversationId: string }).conversationId,
      messageId: (i.raw as { id: string }).id,
      reason,
    });
  // The new requests stored claimed for this process's pipeline (set-based only; one at a time they are due now).
  let claimed: string[] = [];
  const run = (isolate: boolean) =>
    db.transaction(async (tx) => {
      const kinds: Kind[] = [];
      claimed = [];
      for (const bad of newlyUnreadable) {
        await setMessageAside(tx, {
          connectionId,
          ...bad,
          conversation: { id: bad.conversationId },
          message: bad.value,
        });
        kinds.push("set_aside");
      }
      if (!isolate) {
        // Set-based: every message of the batch filed in a handful of statements (ingestMessages).
        const filed = await ingestMessages(
          tx,
          todo.flatMap((i) => (i.prepared ? [i.prepared] : [])),
          connectionId,
          claimMs > 0 ? { ms: claimMs, ids: claimed } : undefined,
        );
        let n = 0;
        for (const i of todo) {
          if (i.prepared) kinds.push(filed[n++]!);
          else {
            await setAside(tx, i, i.failure!);
            kinds.push("set_aside");
          }
        }
        return kinds;
      }
      for (const i of todo) {
        if (!i.prepared) {
          await setAside(tx, i, i.failure!);
          kinds.push("set_aside");
          continue;
        }
        await tx.query("SAVEPOINT ingest_message");
        try {
          kinds.push(await ingestMessage(tx, i.prepared, connectionId));
          await tx.query("RELEASE SAVEPOINT ingest_message");
        } catch (err) {
          if (isTransientStoreError(err)) throw err;
          await tx.query("ROLLBACK TO SAVEPOINT ingest_message");
          await setAside(tx, i, reasonOf(err));
          deps.logger.warn(
            { connectionId, messageKey: i.key, code: (err as { code?: unknown }).code ?? null },
            "PKB message set aside in the error queue",
          );
          kinds.push("set_aside");
        }
      }
      return kinds;
    });
  let kinds: Kind[];
  try {
    kinds = await run(false);
  } catch (err) {
    if (isTransientStoreError(err) || err instanceof SessionEndedError) throw err;
    kinds = await run(true);
  }
  const created = todo
    .filter((_, n) => kinds[newlyUnreadable.length + n] === "request")
    .map((i) => i.prepared!.message.id);
  return { kinds, created, claimed, newest, read: items.length + malformed.length };
}

/**
 * Opens the "polls keep failing" incident when the connection's last FAILING_AFTER_POLLS polls failed, and resolves it
 * when one succeeds; either way the alert goes out once. Never throws: the poll's own outcome matters more.
 */
async function trackFailingPolls(
  deps: SyncDeps,
  connectionId: string,
  outcome: "ok" | "failed" | "stopped",
  error: string | null,
): Promise<void> {
  try {
    let changed = false;
    if (outcome === "ok") {
      changed = await resolveIncident(deps.db, { kind: "sync_failing", connectionId, resolution: "a poll succeeded" });
    } else if (outcome === "failed" && error !== "needs re-authorisation") {
      const runs = await latestEndedRuns(deps.db, connectionId, FAILING_AFTER_POLLS);
      if (runs.length === FAILING_AFTER_POLLS && runs.every((r) => r.outcome === "failed"))
        changed = await openIncident(deps.db, { kind: "sync_failing", connectionId, reason: error ?? "unknown error" });
    }
    if (changed) await deps.alerts.flush();
  } catch (err) {
    deps.logger.error({ connectionId, err: (err as Error).message }, "could not record the poll's incident state");
  }
}

/**
 * Polls one connection once. Safe to call from several instances at once: the poll lock lets one of them do it.
 * `onRequestsStored` is told after each committed batch that stored new requests (e.g. to wake the processing loop
 * while a long poll goes on). With `handoff`, new requests are stored claimed for the pipeline's drain in this process
 * while it has room for them, and handed to it after each commit (a pass's handoff makes a batch with new messages wait
 * for the drain's room first, up to half a second).
 */
export async function ingestConnection(
  deps: SyncDeps,
  connectionId: string,
  now = new Date(),
  signal?: AbortSignal,
  hooks: { onRequestsStored?: (count: number) => void; handoff?: ClaimHandoff } = {},
): Promise<IngestSummary> {
  const { db } = deps;
  const conn = await getConnection(db, connectionId);
  const summary = emptySummary(connectionId, null);
  if (!conn) throw new Error(`PKB connection ${connectionId} does not exist`);
  if (conn.status !== "active")
    return { ...summary, skipped: conn.status === "needs_reauth" ? "needs re-authorisation" : conn.status };
  const polled = await withSessionLock(db, pollLockName(connectionId), async (lock) => {
    // Holding the lock, no live instance polls this connection: a run still open is a dead instance's.
    const abandoned = await abandonRuns(
      db,
      connectionId,
      `the instance polling it stopped (taken over by ${deps.instanceId})`,
    );
    if (abandoned > 0) deps.logger.warn({ connectionId, abandoned }, "took over polling from an instance that stopped");
    summary.since = sinceParameter(
      conn.messagesCursor,
      now,
      deps.settings.overlapMs,
      deps.settings.initialLookbackDays,
    );
    const runId = await startRun(db, connectionId, summary.since);
    await db.query("UPDATE pkb_connections SET last_sync_started_at = now() WHERE id = $1", [connectionId]);
    let error: string | null = null;
    let outcome: "ok" | "failed" | "stopped" = "ok";
    try {
      let newest = conn.messagesCursor?.getTime() ?? 0;
      // Conversations arrive as PKB's response streams in and are stored a batch per transaction. The cursor moves
      // only once the whole response is stored: PKB does not say in which order it sends them.
      await deps.rest.streamMessagesAfter(connectionId, summary.since, async (conversations, malformed) => {
        // Stopping mid-response is safe: what is stored stays, the cursor has not moved, the next poll re-reads.
        signal?.throwIfAborted();
        await lock.check(); // another instance may have taken over if this one lost its lock
        const { handoff } = hooks;
        const batch = await storeBatch(
          deps,
          connectionId,
          conversations,
          malformed,
          handoff &&
            (async () => {
              // New messages to store: ahead of a busy drain, a moment for its room (a pass's handoff), so their
              // requests are handed over rather than stored due. Then checked again, as after any wait.
              await handoff.roomFor();
              signal?.throwIfAborted();
              await lock.check();
              return handoff.claimMs();
            }),
        );
        // Handed to the drain at once; any it no longer takes (it has stopped) are due now rather than after the lease.
        // New requests stored (or given back) due are claimed first: later ones are not handed over until then.
        const unclaimed = hooks.handoff?.offer(batch.claimed) ?? [];
        try {
          if (unclaimed.length > 0) await releaseClaims(db, PIPELINE_QUEUE, unclaimed);
        } finally {
          if (unclaimed.length > 0 || batch.created.length > batch.claimed.length) hooks.handoff?.storedDue();
        }
        summary.fetched += batch.read;
        newest = Math.max(newest, batch.newest);
        for (const kind of batch.kinds) {
          if (kind === "set_aside") summary.setAside++;
          else if (kind) {
            summary.newMessages++;
            if (kind === "request") summary.newRequests++;
            if (kind === "follow_up") summary.followUps++;
            if (kind === "unrelated") summary.unrelated++;
          }
        }
        await publishRequestsCreated(db, batch.created);
        if (batch.created.length > 0) hooks.onRequestsStored?.(batch.created.length);
      });
      await lock.check();
      // Never beyond this moment: a message stamped in the future (a wrong clock) must not make later polls skip.
      if (newest > 0) await advanceCursor(db, connectionId, new Date(Math.min(newest, Date.now())));
      await db.query("UPDATE pkb_connections SET last_sync_finished_at = now(), last_sync_error = NULL WHERE id = $1", [
        connectionId,
      ]);
    } catch (err) {
      if (signal?.aborted) {
        summary.skipped = "stopped: Rebook was shutting down";
        outcome = "stopped";
        return; // not an error: the next poll picks up from the unchanged cursor
      }
      if (err instanceof LockLostError) {
        // This instance's database session ended; another instance may poll now. Not the connection's fault.
        summary.skipped = "lost the poll lock (its database session ended)";
        outcome = "failed";
        error = summary.skipped;
        return;
      }
      error = err instanceof SessionEndedError ? "needs re-authorisation" : (err as Error).message;
      summary.skipped = error;
      outcome = "failed";
      await db.query("UPDATE pkb_connections SET last_sync_error = $2 WHERE id = $1", [connectionId, error]);
      if (!(err instanceof SessionEndedError)) throw err;
    } finally {
      await finishRun(db, runId, { outcome, error, counts: summary });
      await trackFailingPolls(deps, connectionId, outcome, error);
    }
  });
  return polled.held ? summary : { ...summary, skipped: "leased elsewhere" };
}
