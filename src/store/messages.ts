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

/**
 * Stores many messages in one statement, skipping those already stored (by PKB id, also a repeat within `ms`); returns
 * the ids this call stored.
 */
export async function insertMessagesIfNew(
  db: Queryable,
  ms: readonly Omit<StoredMessage, "kind" | "requestId">[],
  seenThroughConnectionId: string | null,
): Promise<Set<string>> {
  if (ms.length === 0) return new Set();
  // The rows go as one JSON document: the driver would write each message's JSON as an element of a text array,
  // escaping every quote in it. The instants go beside it as the driver writes them (a Date's JSON for a year past
  // 9999, "+010000-…", is not one PostgreSQL reads), zipped with the rows by ROWS FROM.
  const rows = await db.query<{ pkb_message_id: string }>(
    `INSERT INTO pkb_messages (pkb_message_id, conversation_id, subject, content, sent_at, sender_id, patient_pkb_id,
       message_status, raw, first_seen_connection_id, raw_original)
     SELECT m.id, m.conversation_id, m.subject, m.content, m.sent_at, m.sender_id, m.patient_pkb_id, m.message_status,
       m.raw, $3::uuid, m.raw_original
     FROM ROWS FROM (
       json_to_recordset($1::json) AS (id text, conversation_id text, subject text, content text, sender_id text,
         patient_pkb_id text, message_status text, raw jsonb, raw_original text),
       unnest($2::timestamptz[])
     ) AS m(id, conversation_id, subject, content, sender_id, patient_pkb_id, message_status, raw, raw_original, sent_at)
     ON CONFLICT (pkb_message_id) DO NOTHING RETURNING pkb_message_id`,
    [
      JSON.stringify(
        ms.map((m) => ({
          id: m.pkbMessageId,
          conversation_id: m.conversationId,
          subject: m.subject,
          content: m.content,
          sender_id: m.senderId,
          patient_pkb_id: m.patientPkbId,
          message_status: m.messageStatus,
          raw: m.raw,
          raw_original: m.rawOriginal ?? null,
        })),
      ),
      ms.map((m) => m.sentAt),
      seenThroughConnectionId,
    ],
  );
  return new Set(rows.map((r) => r.pkb_message_id));
}

/** What filing new messages needs to know of their conversations already stored. */
export interface ConversationsSoFar {
  /**
   * Per conversation, its requests, when each one's request message came and which message it is (a repeat's message
   * counts for the request it joined).
   */
  requests: Map<string, { id: string; at: Date; messageId: string }[]>;
  /** Per conversation, the latest unrelated message's time (a request before it adopts it as a follow-up). */
  latestUnrelated: Map<string, Date>;
}

/** Reads, in one statement, what filing new messages needs of their conversations (by conversation id). */
export async function readConversationsSoFar(
  db: Queryable,
  conversationIds: readonly string[],
): Promise<ConversationsSoFar> {
  const out: ConversationsSoFar = { requests: new Map(), latestUnrelated: new Map() };
  if (conversationIds.length === 0) return out;
  const rows = await db.query<{
    what: "request" | "unrelated";
    conversation_id: string;
    id: string | null;
    at: Date;
    message: string | null;
  }>(
    // Per conversation, through the conversation indexes (OFFSET 0 keeps each a look-up: never a scan of every
    // request or message, which PostgreSQL may prefer for a long list of conversations).
    // A request counts from when its own request message came, not its received time (which moves back to the
    // patient's first ask when an earlier one folds into it, docs/settling.md).
    `SELECT 'request' AS what, c.id AS conversation_id, r.id::text AS id, r.sent_at AS at, r.pkb_message_id AS message
     FROM unnest($1::text[]) AS c(id)
     CROSS JOIN LATERAL (SELECT r.id, m.sent_at, r.pkb_message_id FROM appointment_requests r
                         JOIN pkb_messages m ON m.pkb_message_id = r.pkb_message_id
                         WHERE r.conversation_id = c.id OFFSET 0) r
     UNION ALL
     SELECT 'request', c.id, m.request_id::text, m.sent_at, m.pkb_message_id
     FROM unnest($1::text[]) AS c(id)
     CROSS JOIN LATERAL (SELECT request_id, sent_at, pkb_message_id FROM pkb_messages
                         WHERE conversation_id = c.id AND kind = 'request' AND request_id IS NOT NULL OFFSET 0) m
     UNION ALL
     SELECT 'unrelated', c.id, NULL, u.at, NULL
     FROM unnest($1::text[]) AS c(id)
     CROSS JOIN LATERAL (SELECT max(sent_at) AS at FROM pkb_messages
                         WHERE conversation_id = c.id AND kind = 'unrelated') u
     WHERE u.at IS NOT NULL`,
    [conversationIds],
  );
  for (const r of rows) {
    if (r.what === "unrelated") out.latestUnrelated.set(r.conversation_id, r.at);
    else
      out.requests.set(r.conversation_id, [
        ...(out.requests.get(r.conversation_id) ?? []),
        { id: r.id!, at: r.at, messageId: r.message! },
      ]);
  }
  return out;
}

/** Records, in one statement, what the pipeline decided each of many messages is. */
export async function classifyMessages(
  db: Queryable,
  decisions: readonly { pkbMessageId: string; kind: NonNullable<StoredMessage["kind"]>; requestId: string | null }[],
): Promise<void> {
  if (decisions.length === 0) return;
  await db.query(
    `UPDATE pkb_messages m SET kind = d.kind, request_id = d.request_id
     FROM unnest($1::text[], $2::text[], $3::uuid[]) AS d(id, kind, request_id) WHERE m.pkb_message_id = d.id`,
    [decisions.map((d) => d.pkbMessageId), decisions.map((d) => d.kind), decisions.map((d) => d.requestId)],
  );
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

/** The request a stored message is filed on (its own, or the one it follows up); null when none or not stored. */
export async function requestOfMessage(db: Queryable, pkbMessageId: string): Promise<string | null> {
  const [row] = await db.query<{ request_id: string | null }>(
    "SELECT request_id FROM pkb_messages WHERE pkb_message_id = $1",
    [pkbMessageId],
  );
  return row?.request_id ?? null;
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
