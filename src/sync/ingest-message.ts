// Files one PKB message: stores it (made storable first) and, when it is new, records it as a request, a follow-up
// of an earlier request, or unrelated. Used by the poll and by a replay from the error queue.
import { classifyMessage } from "../domain/classify.ts";
import { parseRequestSubject } from "../domain/subject.ts";
import type { PkbConversation, PkbMessage } from "../pkb/schemas.ts";
import type { Queryable } from "../store/db.ts";
import {
  classifyMessage as storeClassification,
  classifyMessages,
  insertMessageIfNew,
  insertMessagesIfNew,
  readConversationsSoFar,
  type StoredMessage,
} from "../store/messages.ts";
import type { NewRequest } from "../store/requests.ts";
import {
  createFromMessage,
  createFromMessages,
  recordFollowUps,
  recordFollowUpsMany,
} from "../requests/commands/create.ts";
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

type NewRequestFacts = NewRequest & { unparseableReason: string | null };
export type IngestKind = "request" | "follow_up" | "unrelated" | null;

/** The row a prepared message is stored as. */
function storedMessageOf(p: PreparedMessage): Omit<StoredMessage, "kind" | "requestId"> {
  const m = p.message;
  return {
    pkbMessageId: m.id,
    conversationId: m.conversationId,
    subject: m.subject,
    content: m.content,
    sentAt: new Date(m.timestamp),
    senderId: m.senderId ?? null,
    patientPkbId: m.patientId ?? null,
    messageStatus: m.messageStatus ?? null,
    raw: m,
    rawOriginal: p.rawOriginal,
  };
}

/** Files the conversation's unrelated messages stored after a new request (seen out of order) as its follow-ups. */
async function adoptLaterMessages(tx: Queryable, conversationId: string, requestId: string, sentAt: Date) {
  const adopted = await tx.query<{ pkb_message_id: string }>(
    `UPDATE pkb_messages SET kind = 'follow_up', request_id = $2
     WHERE conversation_id = $1 AND sent_at > $3 AND kind = 'unrelated' RETURNING pkb_message_id`,
    [conversationId, requestId, sentAt],
  );
  await recordFollowUps(
    tx,
    requestId,
    adopted.map((a) => ({ pkbMessageId: a.pkb_message_id })),
  );
}

/** The request a request message makes: its type, the start and subject it names, the note and the PKB team. */
function newRequestOf(m: PkbMessage, conversation: PreparedMessage["conversation"]): NewRequestFacts {
  const parsed = parseRequestSubject(m.subject);
  const recipients = new Set(m.recipientIds ?? []);
  const teamNames = (conversation.participants ?? [])
    .filter((p) => recipients.has(p.id) && p.teamName)
    .map((p) => p.teamName!);
  return {
    pkbMessageId: m.id,
    conversationId: m.conversationId,
    receivedAt: new Date(m.timestamp),
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
  };
}

/** Stores one message and, when it is new, files it as a request, a follow-up or unrelated. Returns its kind or null. */
export async function ingestMessage(
  tx: Queryable,
  prepared: PreparedMessage,
  connectionId: string | null,
): Promise<IngestKind> {
  const { message: m, conversation } = prepared;
  const sentAt = new Date(m.timestamp);
  const stored = await insertMessageIfNew(tx, storedMessageOf(prepared), connectionId);
  if (!stored) return null;
  // The conversation's latest request before this message, by when its own request message came (not its received
  // time, which moves back to the patient's first ask when an earlier one folds into it); a request that attached to
  // another as a repeat (docs/settling.md) has no row of its own any more: its request message is filed on the request
  // it attached to.
  const [latest] = await tx.query<{ id: string }>(
    `SELECT id FROM (
       SELECT r.id, m.sent_at AS at, r.pkb_message_id AS message FROM appointment_requests r
       JOIN pkb_messages m ON m.pkb_message_id = r.pkb_message_id
       WHERE r.conversation_id = $1 AND m.sent_at <= $2
       UNION ALL
       SELECT request_id, sent_at, pkb_message_id FROM pkb_messages
       WHERE conversation_id = $1 AND kind = 'request' AND request_id IS NOT NULL AND sent_at <= $2
     ) c ORDER BY at DESC, message COLLATE "C" DESC LIMIT 1`,
    [m.conversationId, sentAt],
  );
  const kind = classifyMessage(m.subject, latest !== undefined);
  if (kind === "request") {
    const requestId = await createFromMessage(tx, newRequestOf(m, conversation));
    await storeClassification(tx, m.id, "request", requestId);
    // Messages of this conversation already stored after it (seen out of order) are its follow-ups.
    if (requestId) await adoptLaterMessages(tx, m.conversationId, requestId, sentAt);
  } else if (kind === "follow_up") {
    await storeClassification(tx, m.id, "follow_up", latest!.id);
    await recordFollowUps(tx, latest!.id, [{ pkbMessageId: m.id, fromPatient: m.senderId === m.patientId }]);
  } else {
    await storeClassification(tx, m.id, "unrelated", null);
  }
  return kind;
}

/**
 * Files many messages as `ingestMessage` would one after another, in a handful of statements: one insert of them all
 * (those already stored are skipped), one read of what their conversations hold, the decisions made in memory per
 * conversation in time order (a request earlier in the batch counts for the messages after it), one insert of the new
 * requests and one of their history rows, one update classifying every message, and one lock and one history insert
 * for the requests that gained follow-ups. Returns each message's kind (null: already stored), in the order given.
 */
export async function ingestMessages(
  tx: Queryable,
  prepared: readonly PreparedMessage[],
  connectionId: string | null,
  /** Store the new requests claimed for `ms` (`ClaimHandoff`) and add their ids to `ids`. */
  claim?: { ms: number; ids: string[] },
): Promise<IngestKind[]> {
  const stored = await insertMessagesIfNew(tx, prepared.map(storedMessageOf), connectionId);
  const kinds: IngestKind[] = prepared.map(() => null);
  if (stored.size === 0) return kinds;
  // Each new message once (a message sent twice in the batch is new once), by conversation then time.
  const order = prepared
    .map((p, at) => ({ p, at }))
    .filter(({ p }) => stored.delete(p.message.id))
    .sort(
      (a, b) =>
        a.p.message.conversationId.localeCompare(b.p.message.conversationId) ||
        a.p.message.timestamp - b.p.message.timestamp ||
        a.p.message.id.localeCompare(b.p.message.id, "en", { numeric: true }),
    );
  const soFar = await readConversationsSoFar(tx, [...new Set(order.map(({ p }) => p.message.conversationId))]);
  // A request is known by its id when stored before, by its message's id when it comes in this batch; ties in time
  // go to the greater PKB message id (as ingestMessage orders, byte-wise).
  type Ref = { requestId: string } | { messageId: string };
  const requests = new Map<string, { ref: Ref; at: number; key: string }[]>();
  for (const [conversationId, rs] of soFar.requests)
    requests.set(
      conversationId,
      rs.map((r) => ({ ref: { requestId: r.id }, at: r.at.getTime(), key: r.messageId })),
    );
  const decisions: { message: PkbMessage; kind: NonNullable<IngestKind>; request: Ref | null }[] = [];
  const newRequests: NewRequestFacts[] = [];
  for (const { p, at } of order) {
    const m = p.message;
    const conversation = requests.get(m.conversationId) ?? [];
    // The conversation's latest request at or before this message.
    let latest: (typeof conversation)[number] | null = null;
    for (const r of conversation) {
      if (r.at > m.timestamp) continue;
      if (!latest || r.at > latest.at || (r.at === latest.at && r.key > latest.key)) latest = r;
    }
    const kind = classifyMessage(m.subject, latest !== null);
    kinds[at] = kind;
    if (kind === "request") {
      newRequests.push(newRequestOf(m, p.conversation));
      decisions.push({ message: m, kind, request: { messageId: m.id } });
      requests.set(m.conversationId, [...conversation, { ref: { messageId: m.id }, at: m.timestamp, key: m.id }]);
    } else decisions.push({ message: m, kind, request: kind === "follow_up" ? latest!.ref : null });
  }
  const created = await createFromMessages(tx, newRequests, claim?.ms ?? 0);
  if (claim) {
    // Handed over in the order the messages came, as a claim takes them (received, then id): a patient's earlier
    // request starts first (the batch lists them by conversation).
    const receivedAt = new Map(newRequests.map((r) => [r.pkbMessageId, r.receivedAt.getTime()]));
    const inOrder = [...created].map(([messageId, id]) => ({ id, at: receivedAt.get(messageId) ?? 0 }));
    inOrder.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    claim.ids.push(...inOrder.map((r) => r.id));
  }
  const idOf = (ref: Ref | null): string | null =>
    ref === null ? null : "requestId" in ref ? ref.requestId : (created.get(ref.messageId) ?? null);
  await classifyMessages(
    tx,
    decisions.map((d) => ({ pkbMessageId: d.message.id, kind: d.kind, requestId: idOf(d.request) })),
  );
  // Unrelated messages stored before, after a new request in their conversation (seen out of order), are its
  // follow-ups; and the follow-ups of this batch, written together (recordFollowUpsMany).
  for (const d of decisions) {
    const requestId = d.kind === "request" ? idOf(d.request) : null;
    const unrelated = soFar.latestUnrelated.get(d.message.conversationId);
    if (requestId && unrelated && unrelated.getTime() > d.message.timestamp)
      await adoptLaterMessages(tx, d.message.conversationId, requestId, new Date(d.message.timestamp));
  }
  const followUps = new Map<string, { pkbMessageId: string; fromPatient: boolean }[]>();
  for (const d of decisions) {
    const requestId = d.kind === "follow_up" ? idOf(d.request) : null;
    if (!requestId) continue;
    const fromPatient = d.message.senderId === d.message.patientId;
    followUps.set(requestId, [...(followUps.get(requestId) ?? []), { pkbMessageId: d.message.id, fromPatient }]);
  }
  await recordFollowUpsMany(tx, followUps);
  return kinds;
}
