// The error queue's commands: set a message aside (the poll), replay it (an admin, once the cause is fixed) and
// discard it (an admin, with a reason). Replay and discard are audited in the same transaction as the change.
import { createHash } from "node:crypto";
import { AppError } from "../errors.ts";
import { readConversation } from "../pkb/rest.ts";
import { recordAudit } from "../store/audit.ts";
import type { Db, Queryable } from "../store/db.ts";
import { requestOfMessage } from "../store/messages.ts";
import {
  getErrorQueueItem,
  recordReplayFailure,
  resolveErrorQueueItem,
  setAside,
  type ErrorQueueEntry,
} from "../store/error-queue.ts";
import { errorFirstLine, isTransientStoreError, withoutQuotedValues } from "../store/pg-errors.ts";
import { isStorableText } from "../store/storable.ts";
import { ingestMessage, prepareMessage } from "./ingest-message.ts";

/** How the key of a message without a PKB id begins. */
const DIGEST = "sha256:";

/** The queue's key for a message: its PKB id (JSON text if not storable), or a digest of it when it has none. */
export function messageKey(messageId: string | null, original: string): string {
  if (messageId === null) return `${DIGEST}${createHash("sha256").update(original).digest("hex")}`;
  return isStorableText(messageId) ? messageId : JSON.stringify(messageId);
}

/** PKB's id of a queued message, from its key (messageKey): null when it had none (the key is a digest of it). */
export function pkbMessageIdOf(key: string | null): string | null {
  return key === null || key.startsWith(DIGEST) ? null : key;
}

/**
 * Which message an admin acted on, and why it was set aside, for the audit log: PKB's id and the entry's reason, never
 * the message's text (patient data).
 */
function queuedMessageDetails(item: ErrorQueueEntry): { pkbMessageId: string | null; heldFor: string } {
  return { pkbMessageId: pkbMessageIdOf(item.messageKey), heldFor: item.reason };
}

/** What the queue keeps of a message: JSON text of {conversation without its messages, message}, as received. */
export function queueOriginal(conversation: unknown, message: unknown): string {
  const { messages: _drop, ...envelope } = (conversation ?? {}) as Record<string, unknown>;
  void _drop;
  return JSON.stringify({ conversation: envelope, message });
}

/**
 * Why an error set a message aside, as one line for the admin (never a stack) and the audit log: the error's words
 * without the values it quotes (withoutQuotedValues: they may be the message's), at most 500 characters, and its
 * SQLSTATE.
 */
export function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  const sqlstate = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : "";
  // The values go before the line is cut: a cut inside a quoted value would leave its end unquoted.
  return `${withoutQuotedValues(errorFirstLine(err, Number.POSITIVE_INFINITY)).slice(0, 500)}${sqlstate}`;
}

/** Sets a message (as received, with its conversation minus its messages) aside with the reason. */
export async function setMessageAside(
  db: Queryable,
  p: {
    connectionId: string | null;
    conversation: unknown;
    message: unknown;
    conversationId: string | null;
    messageId: string | null;
    reason: string;
  },
): Promise<string> {
  const original = queueOriginal(p.conversation, p.message);
  const key = messageKey(p.messageId, original);
  await setAside(db, {
    messageKey: key,
    conversationId: p.conversationId !== null && isStorableText(p.conversationId) ? p.conversationId : null,
    connectionId: p.connectionId,
    original,
    reason: p.reason,
  });
  return key;
}

/** Who acts on the queue, for the audit log. */
export interface QueueActor {
  userId: string;
  label: string;
  ip: string | null;
}

const openItem = async (tx: Queryable, id: string) => {
  const item = await getErrorQueueItem(tx, id, { forUpdate: true });
  if (!item) throw new AppError("not_found", "The error queue entry was not found", 404);
  if (item.status !== "open")
    throw new AppError("not_open", `This entry was already ${item.status}; there is nothing left to do`, 409);
  return item;
};

/**
 * Files a set-aside message as the poll would have. Throws AppError replay_failed (409, with the reason) when it still
 * fails; the failure is recorded on the entry and audited. Returns the entry and, when a request was created, its
 * message id (to announce once committed).
 */
export async function replayErrorQueueItem(
  db: Db,
  id: string,
  by: QueueActor,
): Promise<{ entry: ErrorQueueEntry; createdRequestMessageId: string | null }> {
  const result = await db.transaction(async (tx) => {
    const item = await openItem(tx, id);
    const audit = { actorUserId: by.userId, actorLabel: by.label, ip: by.ip };
    const about = { entryId: id, ...queuedMessageDetails(item) };
    await tx.query("SAVEPOINT replay");
    try {
      const { conversation, message } = JSON.parse(item.original) as { conversation: object; message: unknown };
      const read = readConversation({ ...conversation, messages: [message] });
      const m = read.conversation?.messages[0];
      if (!read.conversation || !m) throw new Error(read.malformed[0]?.reason ?? "the message cannot be read");
      const kind = await ingestMessage(tx, prepareMessage(m, read.conversation), item.connectionId);
      await tx.query("RELEASE SAVEPOINT replay");
      // The note is a MessageKind or "already stored"; the web app words it (web/src/admin/error-queue-words.ts).
      await resolveErrorQueueItem(tx, id, { status: "replayed", by: by.userId, note: kind ?? "already stored" });
      // The entry is about the request the message is filed on, if any: the audit page shows and links it.
      await recordAudit(tx, {
        ...audit,
        action: "error_queue.replayed",
        requestId: await requestOfMessage(tx, m.id),
        details: { ...about, filedAs: kind },
      });
      return { ok: true as const, created: kind === "request" ? m.id : null };
    } catch (err) {
      if (isTransientStoreError(err) || err instanceof AppError) throw err;
      await tx.query("ROLLBACK TO SAVEPOINT replay");
      const reason = reasonOf(err);
      await recordReplayFailure(tx, id, reason);
      await recordAudit(tx, { ...audit, action: "error_queue.replay_failed", details: { ...about, reason } });
      return { ok: false as const, reason };
    }
  });
  if (!result.ok) throw new AppError("replay_failed", `The message still cannot be filed: ${result.reason}`, 409);
  const entry = await getErrorQueueItem(db, id);
  return { entry: entry!, createdRequestMessageId: result.created };
}

/** Discards a set-aside message for good, with the reason (required); audited. */
export async function discardErrorQueueItem(
  db: Db,
  id: string,
  by: QueueActor,
  reason: string,
): Promise<ErrorQueueEntry> {
  await db.transaction(async (tx) => {
    const item = await openItem(tx, id);
    await resolveErrorQueueItem(tx, id, { status: "discarded", by: by.userId, note: reason });
    await recordAudit(tx, {
      actorUserId: by.userId,
      actorLabel: by.label,
      ip: by.ip,
      action: "error_queue.discarded",
      details: { entryId: id, ...queuedMessageDetails(item), reason },
    });
  });
  return (await getErrorQueueItem(db, id))!;
}
