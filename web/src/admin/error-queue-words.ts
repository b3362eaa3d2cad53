// The error queue's words for why a message was set aside and what became of it, as an admin reads them (the audit log
// words the queue's entries with them too). A replay stores what it filed the message as: a MessageKind, or "already
// stored" when the message was stored meanwhile (src/sync/error-queue.ts). A discard stores the admin's own reason,
// shown as written.
import type { ErrorQueueEntry, MessageKind } from "../api/types.ts";

/** Why a message was set aside: the reason the poll (or the last failed replay) recorded. */
export function setAsideText(reason: string): string {
  return `Why it was set aside: ${reason}`;
}

/** What became of a set-aside message after an admin acted on it ("opened": nothing, it was only looked at). */
export type QueuedMessageFate = "opened" | "stored" | "waiting" | "discarded";

const FATE: Record<QueuedMessageFate, string> = {
  opened: "",
  stored: ": stored now",
  waiting: ": still not stored; it waits in the error queue",
  discarded: ": never stored or worked on",
};

/** The message by PKB's id, as the queue lists it, and what became of it: "PKB message 4821: stored now". */
export function queuedMessageText(pkbMessageId: string | null, fate: QueuedMessageFate): string {
  return `${pkbMessageId === null ? "A PKB message without an id" : `PKB message ${pkbMessageId}`}${FATE[fate]}`;
}

/** What a replay filed the message as. A Record over the server's MessageKind: a new kind fails the typecheck. */
const FILED_AS: Record<MessageKind, string> = {
  request: "Filed as a new request on the worklist",
  follow_up: "Filed as a follow-up to the patient's earlier request in the same PKB conversation",
  unrelated: "Stored as a message that is not a change or cancel request: no request was made",
};

/** The note a replay leaves when the message needed no filing. */
const ALREADY_STORED = "already stored";

const isKind = (note: string): note is MessageKind => Object.hasOwn(FILED_AS, note);

/**
 * What a replay filed the message as, in words: a MessageKind; "already stored", or null (as the audit log's
 * error_queue.replayed records it), when the message needed no filing. Any other text is shown as written.
 */
export function filedAsText(kind: string | null): string {
  if (kind === null || kind === ALREADY_STORED)
    return "It was already stored (PKB sent it again): nothing more to file";
  return isKind(kind) ? FILED_AS[kind] : kind;
}

/** The entry's resolution note for the Status column, or null when it has none. */
export function resolutionText(e: Pick<ErrorQueueEntry, "status" | "resolutionNote">): string | null {
  const note = e.resolutionNote;
  if (!note) return null;
  return e.status === "replayed" ? filedAsText(note) : note;
}
