// The error queue: PKB messages that could not be stored or filed, set aside with the reason so a poll flows on.
// Entries are replayed or discarded by an admin (see src/sync/error-queue.ts); none is ever deleted here. Every reason is
// stored through setAside or recordReplayFailure, without the values an error quotes (withoutQuotedValues): it is shown
// to admins and copied into audit entries kept for years, and must never hold a piece of the message.
import type { Queryable } from "./db.ts";
import { withoutQuotedValues } from "./pg-errors.ts";

export type ErrorQueueStatus = "open" | "replayed" | "discarded";

/** One entry, without the message itself (patient data): for lists. */
export interface ErrorQueueEntry {
  id: string;
  /**
   * The queue's key for the message (src/sync/error-queue.ts messageKey): PKB's id in storable form, or a digest of the
   * message ("sha256:…") when it had none, which is no PKB id (pkbMessageIdOf). Null only in entries of an older Rebook.
   */
  messageKey: string | null;
  conversationId: string | null;
  connectionId: string | null;
  connectionLabel: string | null;
  reason: string;
  status: ErrorQueueStatus;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
}

/** An entry with the message as PKB sent it (JSON text: {conversation, message}). */
export interface ErrorQueueItem extends ErrorQueueEntry {
  original: string;
}

interface Row {
  id: string;
  message_key: string | null;
  conversation_id: string | null;
  connection_id: string | null;
  connection_label: string | null;
  reason: string;
  status: ErrorQueueStatus;
  attempts: number;
  first_failed_at: Date;
  last_failed_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution_note: string | null;
  original?: string;
}

const toEntry = (r: Row): ErrorQueueEntry => ({
  id: r.id,
  messageKey: r.message_key,
  conversationId: r.conversation_id,
  connectionId: r.connection_id,
  connectionLabel: r.connection_label,
  reason: r.reason,
  status: r.status,
  attempts: r.attempts,
  firstFailedAt: r.first_failed_at,
  lastFailedAt: r.last_failed_at,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
  resolutionNote: r.resolution_note,
});

const SELECT = `SELECT e.*, c.label AS connection_label FROM message_errors e
  LEFT JOIN pkb_connections c ON c.id = e.connection_id`;

/**
 * Sets a message aside under its key (src/sync/error-queue.ts messageKey); an entry already held for the same message
 * only records the new failure (it is never re-opened once replayed or discarded).
 */
export async function setAside(
  db: Queryable,
  e: {
    messageKey: string | null;
    conversationId: string | null;
    connectionId: string | null;
    original: string;
    reason: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO message_errors (message_key, conversation_id, connection_id, original, reason)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (message_key) DO UPDATE SET attempts = message_errors.attempts + 1, last_failed_at = now(),
       reason = EXCLUDED.reason
     WHERE message_errors.status = 'open'`,
    [e.messageKey, e.conversationId, e.connectionId, e.original, withoutQuotedValues(e.reason)],
  );
}

/** Which of `keys` have an entry (in any status): the poll leaves those messages to the queue. */
export async function heldMessageKeys(db: Queryable, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db.query<{ k: string }>(
    "SELECT message_key AS k FROM message_errors WHERE message_key = ANY($1::text[])",
    [keys],
  );
  return new Set(rows.map((r) => r.k));
}

/** Entries, newest failure first; `status` null for all. */
export async function listErrorQueue(
  db: Queryable,
  opts: { status: ErrorQueueStatus | null; limit: number },
): Promise<ErrorQueueEntry[]> {
  const rows = await db.query<Row>(
    `${SELECT} WHERE ($1::text IS NULL OR e.status = $1) ORDER BY e.first_failed_at DESC, e.id LIMIT $2`,
    [opts.status, opts.limit],
  );
  return rows.map(toEntry);
}

/** One entry with the message; `forUpdate` locks it until the transaction ends (replay, discard). */
export async function getErrorQueueItem(
  db: Queryable,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ErrorQueueItem | null> {
  const [row] = await db.query<Row>(`${SELECT} WHERE e.id = $1${opts.forUpdate ? " FOR UPDATE OF e" : ""}`, [id]);
  return row ? { ...toEntry(row), original: row.original! } : null;
}

/** Records a replay that failed again, and why (without the values the error quotes). */
export async function recordReplayFailure(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query(
    "UPDATE message_errors SET attempts = attempts + 1, last_failed_at = now(), reason = $2 WHERE id = $1",
    [id, withoutQuotedValues(reason)],
  );
}

/** Closes an open entry as replayed or discarded, by whom and why. */
export async function resolveErrorQueueItem(
  db: Queryable,
  id: string,
  r: { status: "replayed" | "discarded"; by: string | null; note: string | null },
): Promise<void> {
  await db.query(
    `UPDATE message_errors SET status = $2, resolved_at = now(), resolved_by = $3, resolution_note = $4
     WHERE id = $1 AND status = 'open'`,
    [id, r.status, r.by, r.note],
  );
}
