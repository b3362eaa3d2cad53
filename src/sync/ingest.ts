// Step 1 of the pipeline: poll one connection's messages and store them, exactly once each.
// - PKB's `after` parameter is a coarse date, so each poll re-reads from the newest message already seen minus an
//   overlap window, and storage is idempotent by PKB message id: re-polls, restarts and concurrent instances never
//   duplicate or drop a message.
// - A lease makes one instance at a time poll a connection.
// - The response is streamed and stored a batch at a time; the cursor only moves once all of it is committed.
import { DateTime } from "luxon";
import { classifyMessage } from "../domain/classify.ts";
import { parseRequestSubject } from "../domain/subject.ts";
import type { PkbConversation, PkbMessage } from "../pkb/schemas.ts";
import { SessionEndedError } from "../pkb/tokens.ts";
import { advanceCursor, getConnection } from "../store/connections.ts";
import type { Queryable } from "../store/db.ts";
import { acquireLease, releaseLease } from "../store/leases.ts";
import { classifyMessage as storeClassification, insertMessageIfNew } from "../store/messages.ts";
import { createFromMessage, recordFollowUps } from "../requests/commands/create.ts";
import type { SyncDeps } from "./deps.ts";
import { publishRequestsCreated } from "../events/publish.ts";

/** What one poll of one connection did. */
export interface IngestSummary {
  connectionId: string;
  since: string;
  fetched: number;
  newMessages: number;
  newRequests: number;
  followUps: number;
  unrelated: number;
  /** Set when the poll did not run or stopped: "leased elsewhere", "needs re-authorisation", or the error. */
  skipped: string | null;
}

const LEASE_MS = 5 * 60_000;

/** A summary of a poll that has read nothing (yet); `skipped` says why, when it did not run. */
export function emptySummary(connectionId: string, skipped: string | null): IngestSummary {
  return { connectionId, since: "", fetched: 0, newMessages: 0, newRequests: 0, followUps: 0, unrelated: 0, skipped };
}

/** The `after` parameter for a poll: the UTC date of (cursor − overlap), or of the initial look-back. */
export function sinceParameter(cursor: Date | null, now: Date, overlapMs: number, initialLookbackDays: number): string {
  const from = cursor
    ? new Date(cursor.getTime() - overlapMs)
    : new Date(now.getTime() - initialLookbackDays * 86_400_000);
  return DateTime.fromJSDate(from, { zone: "UTC" }).toISODate()!;
}

/** Stores one message and, when it is new, files it as a request, a follow-up or unrelated. Returns its kind or null. */
async function ingestMessage(
  tx: Queryable,
  m: PkbMessage,
  conversation: PkbConversation,
  connectionId: string,
): Promise<"request" | "follow_up" | "unrelated" | null> {
  const sentAt = new Date(m.timestamp);
  const stored = await insertMessageIfNew(
    tx,
    {
      pkbMessageId: m.id,
      conversationId: m.conversationId,
      subject: m.subject,
      content: m.content,
      sentAt,
      senderId: m.senderId ?? null,
      patientPkbId: m.patientId ?? null,
      messageStatus: m.messageStatus ?? null,
      raw: m,
    },
    connectionId,
  );
  if (!stored) return null;
  const [latest] = await tx.query<{ id: string }>(
    "SELECT id FROM appointment_requests WHERE conversation_id = $1 AND received_at <= $2 ORDER BY received_at DESC, id DESC LIMIT 1",
    [m.conversationId, sentAt],
  );
  const kind = classifyMessage(m.subject, latest !== undefined);
  if (kind === "request") {
    const parsed = parseRequestSubject(m.subject);
    const recipients = new Set(m.recipientIds ?? []);
    const teamNames = (conversation.participants ?? [])
      .filter((p) => recipients.has(p.id) && p.teamName)
      .map((p) => p.teamName!);
    const requestId = await createFromMessage(tx, {
      pkbMessageId: m.id,
      conversationId: m.conversationId,
      receivedAt: sentAt,
      type: parsed.ok
        ? parsed.type
        : /\bcancel\b/i.test(m.subject)
          ? "cancel"
          : /\bchange\b/i.test(m.subject)
            ? "change"
            : null,
      parseStatus: parsed.ok ? "parsed" : "unparseable",
      requestedStart: parsed.ok ? parsed.start : null,
      requestedSubject: parsed.ok ? parsed.appointmentSubject : null,
      patientNote: m.content,
      pkbTeamName: teamNames[0] ?? null,
      patientPkbId: m.patientId ?? m.senderId ?? null,
      unparseableReason: parsed.ok ? null : parsed.reason,
    });
    await storeClassification(tx, m.id, "request", requestId);
    // Messages of this conversation already stored after it (seen out of order) are its follow-ups.
    if (requestId) {
      const adopted = await tx.query<{ pkb_message_id: string }>(
        `UPDATE pkb_messages SET kind = 'follow_up', request_id = $2
         WHERE conversation_id = $1 AND sent_at > $3 AND kind = 'unrelated' RETURNING pkb_message_id`,
        [m.conversationId, requestId, sentAt],
      );
      await recordFollowUps(
        tx,
        requestId,
        adopted.map((a) => ({ pkbMessageId: a.pkb_message_id })),
      );
    }
  } else if (kind === "follow_up") {
    await storeClassification(tx, m.id, "follow_up", latest!.id);
    await recordFollowUps(tx, latest!.id, [{ pkbMessageId: m.id, fromPatient: m.senderId === m.patientId }]);
  } else {
    await storeClassification(tx, m.id, "unrelated", null);
  }
  return kind;
}

/** Polls one connection once. Safe to call from several instances at once: the lease lets one of them do it. */
export async function ingestConnection(
  deps: SyncDeps,
  connectionId: string,
  now = new Date(),
  signal?: AbortSignal,
): Promise<IngestSummary> {
  const { db } = deps;
  const conn = await getConnection(db, connectionId);
  const summary = emptySummary(connectionId, null);
  if (!conn) throw new Error(`PKB connection ${connectionId} does not exist`);
  if (conn.status !== "active")
    return { ...summary, skipped: conn.status === "needs_reauth" ? "needs re-authorisation" : conn.status };
  const lease = `poll:${connectionId}`;
  if (!(await acquireLease(db, lease, deps.instanceId, LEASE_MS))) return { ...summary, skipped: "leased elsewhere" };
  summary.since = sinceParameter(conn.messagesCursor, now, deps.settings.overlapMs, deps.settings.initialLookbackDays);
  const [run] = await db.query<{ id: number }>(
    "INSERT INTO sync_runs (connection_id, since_param) VALUES ($1, $2) RETURNING id",
    [connectionId, summary.since],
  );
  await db.query("UPDATE pkb_connections SET last_sync_started_at = now() WHERE id = $1", [connectionId]);
  let error: string | null = null;
  try {
    let newest = conn.messagesCursor?.getTime() ?? 0;
    // Conversations arrive as PKB's response streams in and are stored a batch per transaction. The cursor moves only
    // once the whole response is stored: PKB does not say in which order it sends them.
    await deps.rest.streamMessagesAfter(connectionId, summary.since, async (conversations) => {
      // Stopping mid-response is safe: what is stored stays, the cursor has not moved, the next poll re-reads.
      signal?.throwIfAborted();
      const created: string[] = []; // message ids of new requests, announced once the batch has committed
      await db.transaction(async (tx) => {
        for (const c of conversations) {
          // Oldest first, so a conversation's request is stored before its follow-ups.
          const messages = [...c.messages].sort(
            (a, b) => a.timestamp - b.timestamp || a.id.localeCompare(b.id, "en", { numeric: true }),
          );
          for (const m of messages) {
            summary.fetched++;
            newest = Math.max(newest, m.timestamp);
            const kind = await ingestMessage(tx, m, c, connectionId);
            if (kind) summary.newMessages++;
            if (kind === "request") summary.newRequests++;
            if (kind === "request") created.push(m.id);
            if (kind === "follow_up") summary.followUps++;
            if (kind === "unrelated") summary.unrelated++;
          }
        }
      });
      await publishRequestsCreated(db, created);
      await acquireLease(db, lease, deps.instanceId, LEASE_MS); // renew on long backlogs
    });
    if (newest > 0) await advanceCursor(db, connectionId, new Date(newest));
    await db.query("UPDATE pkb_connections SET last_sync_finished_at = now(), last_sync_error = NULL WHERE id = $1", [
      connectionId,
    ]);
  } catch (err) {
    if (signal?.aborted) {
      summary.skipped = "stopped: Rebook was shutting down";
      return summary; // not an error: the next poll picks up from the unchanged cursor
    }
    error = err instanceof SessionEndedError ? "needs re-authorisation" : (err as Error).message;
    summary.skipped = error;
    await db.query("UPDATE pkb_connections SET last_sync_error = $2 WHERE id = $1", [connectionId, error]);
    if (!(err instanceof SessionEndedError)) throw err;
  } finally {
    await db.query(
      `UPDATE sync_runs SET finished_at = now(), fetched = $2, new_messages = $3, new_requests = $4, follow_ups = $5,
         unrelated = $6, error = $7 WHERE id = $1`,
      [run!.id, summary.fetched, summary.newMessages, summary.newRequests, summary.followUps, summary.unrelated, error],
    );
    await releaseLease(db, lease, deps.instanceId);
  }
  return summary;
}
