// Message drafts and their finalisation: unrelated conversations, then one time-ordered list with digit-string ids
// increasing with time, conversations listing their messages in time order, and one ground-truth entry per message.

import type {
  GroundTruthEntry,
  GroundTruthKind,
  SandboxAppointment,
  SandboxConversation,
  SandboxMessage,
  SandboxPatient,
  SandboxStaff,
} from "../model.ts";
import { UNRELATED } from "./notes.ts";
import { flatten, type Rng } from "./prng.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** First message id (ids then grow by 1-9 per message, in timestamp order). */
export const FIRST_MESSAGE_ID = 134_000_000;

/** What the builders say about one message; ids are assigned at finalisation, in timestamp order. */
export interface MessageInput {
  ts: number;
  conversationId: string;
  subject: string;
  content: string;
  senderId: string;
  recipientIds: string[];
  patientId: string;
  nhsNumber: string | null;
  status: SandboxMessage["messageStatus"];
  kind: GroundTruthKind;
  /** For change/cancel: the requested appointment. */
  appointment: SandboxAppointment | null;
  /** For follow-ups: the index (from `add`) of the request message. */
  request: number | null;
}

/**
 * Collects messages (ids still empty), their ground truth and conversation participants while the world is built.
 * Messages and truth entries are the final objects, so finalisation only sorts and fills in ids.
 */
export class MessageSink {
  readonly messages: SandboxMessage[] = [];
  readonly truth: GroundTruthEntry[] = [];
  private readonly requestOf: number[] = [];
  readonly participants = new Map<string, string[]>();

  /** Opens a conversation with these participant PKB ids (the caller chose the id). */
  open(conversationId: string, participantIds: string[]): void {
    this.participants.set(conversationId, participantIds);
  }

  /** Adds a message; returns its index, which follow-ups use to point at their request. */
  add(m: MessageInput): number {
    const isRequest = m.kind === "change" || m.kind === "cancel";
    this.messages.push({
      id: "",
      conversationId: m.conversationId,
      subject: m.subject,
      content: m.content,
      timestamp: m.ts,
      senderId: m.senderId,
      onBehalfOfId: null,
      htmlContent: false,
      recipientIds: [...m.recipientIds],
      patientId: m.patientId,
      messageStatus: m.status,
    });
    this.truth.push({
      messageId: "",
      kind: m.kind,
      patientPkbId: m.patientId,
      nhsNumber: m.nhsNumber,
      appointmentId: isRequest ? (m.appointment?.id ?? null) : null,
      externalId: isRequest ? (m.appointment?.externalId ?? null) : null,
      requestMessageId: null,
      ambiguous: false,
    });
    this.requestOf.push(m.request ?? -1);
    return this.messages.length - 1;
  }

  /** Index of the request a follow-up belongs to, or -1. */
  requestIndex(index: number): number {
    return this.requestOf[index] ?? -1;
  }
}

/**
 * Adds about `target` unrelated messages (results, prescriptions, letters, staff-to-staff), some to the appointment
 * team, all at or before `anchorMs` (UTC epoch ms) and within 180 days of it.
 */
export function addUnrelated(
  rng: Rng,
  sink: MessageSink,
  target: number,
  patients: readonly SandboxPatient[],
  staff: readonly SandboxStaff[],
  anchorMs: number,
): void {
  const team = staff.filter((s) => s.receivesAppointmentRequests).map((s) => s.pkbId);
  const clinicians = staff.filter((s) => !s.receivesAppointmentRequests).map((s) => s.pkbId);
  let made = 0;
  while (made < target) {
    const tpl = rng.pick(UNRELATED);
    const patient = rng.pick(patients);
    let first: string;
    let others: string[];
    switch (tpl.route) {
      case "patient-to-clinician":
        first = patient.pkbId;
        others = [rng.pick(clinicians)];
        break;
      case "patient-to-team":
        first = patient.pkbId;
        others = team;
        break;
      case "clinician-to-patient":
        first = rng.pick(clinicians);
        others = [patient.pkbId];
        break;
      case "staff-to-staff": {
        const from = rng.pick(clinicians);
        first = from;
        others = tpl.toTeam ? team : [rng.pick(clinicians.filter((c) => c !== from))];
        break;
      }
    }
    const participants = [first, ...others];
    const conversationId = rng.uuid();
    sink.open(conversationId, participants);
    const u = rng.next();
    const ts = anchorMs - Math.floor(u * u * 180 * DAY_MS);
    const common = {
      conversationId,
      recipientIds: participants,
      patientId: patient.pkbId,
      nhsNumber: patient.nhsNumber,
      kind: "unrelated" as const,
      appointment: null,
      request: null,
    };
    sink.add({
      ...common,
      ts,
      subject: tpl.subject,
      content: tpl.content,
      senderId: first,
      status: rng.chance(0.5) ? "UNREAD" : "READ",
    });
    made += 1;
    if (made < target && rng.chance(0.3)) {
      const replyTs = Math.min(anchorMs, ts + rng.int(5 * MINUTE_MS, 5 * DAY_MS));
      if (replyTs > ts) {
        const sender = rng.pick(others);
        sink.add({
          ...common,
          ts: replyTs,
          subject: flatten(`Re: ${tpl.subject}`),
          content: tpl.reply,
          senderId: sender,
          status: rng.chance(0.5) ? "UNREAD" : "READ",
        });
        made += 1;
      }
    }
  }
}

/** The finished message side of the dataset. */
export interface FinishedMessages {
  messages: SandboxMessage[];
  conversations: SandboxConversation[];
  groundTruth: GroundTruthEntry[];
}

/**
 * Orders messages by timestamp (creation order on ties), assigns increasing digit-string ids from FIRST_MESSAGE_ID,
 * and returns messages, conversations (in order of their first message) and the ground truth (same order).
 */
export function finishMessages(rng: Rng, sink: MessageSink): FinishedMessages {
  const { messages, truth } = sink;
  const n = messages.length;
  const ts = new Float64Array(n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = messages[i]?.timestamp ?? 0;
    order[i] = i;
  }
  order.sort((a, b) => (ts[a] ?? 0) - (ts[b] ?? 0) || a - b);
  let next = FIRST_MESSAGE_ID;
  for (const i of order) {
    next += rng.int(1, 9);
    const id = String(next);
    const message = messages[i];
    const entry = truth[i];
    if (message === undefined || entry === undefined) throw new Error("finishMessages: index out of range");
    message.id = id;
    entry.messageId = id;
  }
  const conversations = new Map<string, SandboxConversation>();
  const sortedMessages: SandboxMessage[] = new Array<SandboxMessage>(n);
  const sortedTruth: GroundTruthEntry[] = new Array<GroundTruthEntry>(n);
  let k = 0;
  for (const i of order) {
    const message = messages[i] as SandboxMessage;
    const entry = truth[i] as GroundTruthEntry;
    const request = sink.requestIndex(i);
    if (request >= 0) entry.requestMessageId = messages[request]?.id ?? null;
    let conversation = conversations.get(message.conversationId);
    if (conversation === undefined) {
      const participantIds = sink.participants.get(message.conversationId);
      if (participantIds === undefined)
        throw new Error(`finishMessages: unknown conversation ${message.conversationId}`);
      conversation = { id: message.conversationId, messageIds: [], participantIds };
      conversations.set(message.conversationId, conversation);
    }
    conversation.messageIds.push(message.id);
    sortedMessages[k] = message;
    sortedTruth[k] = entry;
    k += 1;
  }
  const list: SandboxConversation[] = [];
  // slice() trims each id list to its length (push over-allocates; 120k conversations at size 100000).
  for (const c of conversations.values()) list.push({ ...c, messageIds: c.messageIds.slice() });
  return { messages: sortedMessages, conversations: list, groundTruth: sortedTruth };
}
