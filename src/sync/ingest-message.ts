// Files one PKB message: stores it (made storable first) and, when it is new, records it as a request, a follow-up
// of an earlier request, or unrelated. Used by the poll and by a replay from the error queue.
import { classifyMessage } from "../domain/classify.ts";
import { parseRequestSubject } from "../domain/subject.ts";
import type { PkbConversation, PkbMessage } from "../pkb/schemas.ts";
import type { Queryable } from "../store/db.ts";
import { classifyMessage as storeClassification, insertMessageIfNew } from "../store/messages.ts";
import { createFromMessage, recordFollowUps } from "../requests/commands/create.ts";
import { isStorableText, storableJson } from "../store/storable.ts";

/** A message ready to store: its text made storable, with the exact original kept when that changed anything. */
export interface PreparedMessage {
  message: PkbMessage;
  /** What Rebook reads of the conversation (participants made storable). */
  conversation: Pick<PkbConversation, "id" | "participants">;
  /** The message exactly as received, as JSON text, when some of its text could not be stored as is; else null. */
  rawOriginal: string | null;
}

/** A message that cannot be filed however its text is treated (e.g. an identifier PostgreSQL cannot store). */
export class UnfileableMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnfileableMessageError";
  }
}

/**
 * Makes a message storable. Text (subject, content, names, anything in the raw message) has U+0000 and lone
 * surrogates replaced by U+FFFD; identifiers are never altered (a changed id would be another message): a message
 * whose identifiers PostgreSQL cannot store, or whose timestamp is no instant, throws UnfileableMessageError.
 */
export function prepareMessage(m: PkbMessage, conversation: PkbConversation): PreparedMessage {
  const ids = [m.id, m.conversationId, m.senderId, m.patientId].filter((v): v is string => typeof v === "string");
  if (!ids.every(isStorableText))
    throw new UnfileableMessageError("The message's identifiers contain characters PostgreSQL cannot store");
  if (!Number.isFinite(m.timestamp) || Number.isNaN(new Date(m.timestamp).getTime()))
    throw new UnfileableMessageError("The message's timestamp is not a valid instant");
  const message = storableJson(m);
  return {
    message: message.value,
    conversation: storableJson({ id: conversation.id, participants: conversation.participants }).value,
    rawOriginal: message.changed ? JSON.stringify(m) : null,
  };
}

/** Stores one message and, when it is new, files it as a request, a follow-up or unrelated. Returns its kind or null. */
export async function ingestMessage(
  tx: Queryable,
  prepared: PreparedMessage,
  connectionId: string | null,
): Promise<"request" | "follow_up" | "unrelated" | null> {
  const { message: m, conversation, rawOriginal } = prepared;
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
      rawOriginal,
    },
    connectionId,
  );
  if (!stored) return null;
  // The conversation's latest request before this message; a request that attached to another as a repeat
  // (docs/settling.md) has no row of its own any more: its request message is filed on the request it attached to.
  const [latest] = await tx.query<{ id: string }>(
    `SELECT id FROM (
       SELECT id, received_at AS at FROM appointment_requests WHERE conversation_id = $1 AND received_at <= $2
       UNION ALL
       SELECT request_id, sent_at FROM pkb_messages
       WHERE conversation_id = $1 AND kind = 'request' AND request_id IS NOT NULL AND sent_at <= $2
     ) c ORDER BY at DESC, id DESC LIMIT 1`,
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
