// Raw PKB messages, stored exactly as received and de-duplicated by PKB's message id.
import type { Queryable } from "./db.ts";

/** A PKB message as Rebook keeps it. `raw` is the message object exactly as PKB sent it. */
export interface StoredMessage {
  pkbMessageId: string;
  conversationId: string;
  subject: string;
  content: string;
  sentAt: Date;
  senderId: string | null;
  patientPkbId: string | null;
  messageStatus: string | null;
  raw: unknown;
  /** The message exactly as received (JSON text) when some of its text had to be made storable; else null. */
  rawOriginal?: string | null;
  kind: "request" | "follow_up" | "unrelated" | null;
  requestId: string | null;
}

/** Stores a message unless one with the same PKB id exists; returns true when this call stored it. */
export async function insertMessageIfNew(
  db: Queryable,
  m: Omit<StoredMessage, "kind" | "requestId">,
  seenThroughConnectionId: string | null,
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO pkb_messages (pkb_message_id, conversation_id, subject, content, sent_at, sender_id, patient_pkb_id,
       message_status, raw, first_seen_connection_id, raw_original)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (pkb_message_id) DO NOTHING RETURNING pkb_message_id`,
    [
      m.pkbMessageId,
      m.conversationId,
      m.subject,
      m.content,
      m.sentAt,
      m.senderId,
      m.patientPkbId,
      m.messageStatus,
      JSON.stringify(m.raw),
      seenThroughConnectionId,
      m.rawOriginal ?? null,
    ],
  );
  return rows.length === 1;
}

interface Row {
  pkb_message_id: string;
  conversation_id: string;
  subject: string;
  content: string;
  sent_at: Date;
  sender_id: string | null;
  patient_pkb_id: string | null;
  message_status: string | null;
  raw: unknown;
  raw_original: string | null;
  kind: StoredMessage["kind"];
  request_id: string | null;
}

const toMessage = (r: Row): StoredMessage => ({
  pkbMessageId: r.pkb_message_id,
  conversationId: r.conversation_id,
  subject: r.subject,
  content: r.content,
  sentAt: r.sent_at,
  senderId: r.sender_id,
  patientPkbId: r.patient_pkb_id,
  messageStatus: r.message_status,
  raw: r.raw,
  rawOriginal: r.raw_original,
  kind: r.kind,
  requestId: r.request_id,
});

/** The messages of one conversation, oldest first. */
export async function listConversation(db: Queryable, conversationId: string): Promise<StoredMessage[]> {
  return (
    await db.query<Row>("SELECT * FROM pkb_messages WHERE conversation_id = $1 ORDER BY sent_at, pkb_message_id", [
      conversationId,
    ])
  ).map(toMessage);
}

/** Records what the pipeline decided a message is. */
export async function classifyMessage(
  db: Queryable,
  pkbMessageId: string,
  kind: NonNullable<StoredMessage["kind"]>,
  requestId: string | null,
): Promise<void> {
  await db.query("UPDATE pkb_messages SET kind = $2, request_id = $3 WHERE pkb_message_id = $1", [
    pkbMessageId,
    kind,
    requestId,
  ]);
}
