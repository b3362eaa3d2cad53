// The error queue's resolution notes in words an admin reads (the audit log words its replays with them too). A replay
// stores what it filed the message as: a MessageKind, or "already stored" when the message was stored meanwhile
// (src/sync/error-queue.ts). A discard stores the admin's own reason, shown as written.
import type { ErrorQueueEntry, MessageKind } from "../api/types.ts";

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
