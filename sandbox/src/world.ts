// The emulator's in-memory world: a SandboxDataset plus the indexes the HTTP API needs (users by id, appointments by
// patient, messages by timestamp). Queries are O(log n + answer); mutations keep every index in step.

import type {
  GroundTruthEntry,
  SandboxAppointment,
  SandboxConversation,
  SandboxDataset,
  SandboxMessage,
  SandboxPatient,
  SandboxStaff,
} from "./model.ts";

/** A PKB user as the REST API sees it. */
export type WorldUser = { kind: "patient"; patient: SandboxPatient } | { kind: "staff"; staff: SandboxStaff };

/** A conversation with its messages in time order and its participant set. */
export interface ConversationEntry {
  conversation: SandboxConversation;
  participants: Set<string>;
  messages: SandboxMessage[];
}

/** One conversation in a /json/messages/after answer: the matching messages and the whole conversation's stats. */
export interface ConversationSlice {
  entry: ConversationEntry;
  messages: SandboxMessage[];
}

/** FHIR patient identifier systems the Aggregated FHIR API accepts. */
export const NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number";
/** PKB public id identifier system. */
export const PUBLIC_ID_SYSTEM = "http://fhir.patientsknowbest.com/id/public-id";

const byStart = (a: SandboxAppointment, b: SandboxAppointment) =>
  a.start < b.start ? -1 : a.start > b.start ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
const byTime = (a: SandboxMessage, b: SandboxMessage) => a.timestamp - b.timestamp || Number(a.id) - Number(b.id);

/** The live world. It takes ownership of the dataset passed in (mutates it in place). */
export class World {
  dataset!: SandboxDataset;
  private patientsByPkbId = new Map<string, SandboxPatient>();
  private patientsByNhs = new Map<string, SandboxPatient>();
  private patientsByPublicId = new Map<string, SandboxPatient>();
  private patientsByEmail = new Map<string, SandboxPatient>();
  private staffByPkbId = new Map<string, SandboxStaff>();
  private staffByUsername = new Map<string, SandboxStaff>();
  private appointmentsById = new Map<string, SandboxAppointment>();
  private appointmentsByPatient = new Map<string, SandboxAppointment[]>();
  private appointmentsByExternalId = new Map<string, SandboxAppointment>();
  /** Ids of appointments the PAS feed deleted: a read answers 410 Gone. */
  private removedAppointmentIds = new Set<string>();
  private conversations = new Map<string, ConversationEntry>();
  /** All messages in (timestamp, id) order: binary-searchable. */
  private timeline: SandboxMessage[] = [];
  private groundTruthByMessage = new Map<string, GroundTruthEntry>();
  private maxMessageId = 0;

  /** Builds the indexes for `dataset`. */
  constructor(dataset: SandboxDataset) {
    this.load(dataset);
  }

  /** Replaces the whole world. */
  load(dataset: SandboxDataset): void {
    this.dataset = dataset;
    this.patientsByPkbId = new Map(dataset.patients.map((p) => [p.pkbId, p]));
    this.patientsByNhs = new Map();
    this.patientsByPublicId = new Map(dataset.patients.map((p) => [p.publicId.toLowerCase(), p]));
    this.patientsByEmail = new Map(dataset.patients.map((p) => [p.email.toLowerCase(), p]));
    for (const p of dataset.patients) if (p.nhsNumber) this.patientsByNhs.set(p.nhsNumber, p);
    this.staffByPkbId = new Map(dataset.staff.map((s) => [s.pkbId, s]));
    this.staffByUsername = new Map(dataset.staff.map((s) => [s.username.toLowerCase(), s]));
    this.appointmentsById = new Map(dataset.appointments.map((a) => [a.id, a]));
    this.appointmentsByPatient = new Map();
    for (const a of dataset.appointments) {
      const list = this.appointmentsByPatient.get(a.patientPkbId) ?? [];
      list.push(a);
      this.appointmentsByPatient.set(a.patientPkbId, list);
    }
    for (const list of this.appointmentsByPatient.values()) list.sort(byStart);
    this.appointmentsByExternalId = new Map(dataset.appointments.map((a) => [a.externalId, a]));
    this.removedAppointmentIds = new Set();
    this.timeline = [...dataset.messages].sort(byTime);
    dataset.messages = this.timeline;
    const messagesById = new Map(this.timeline.map((m) => [m.id, m]));
    this.maxMessageId = this.timeline.reduce((max, m) => Math.max(max, Number(m.id) || 0), 0);
    this.conversations = new Map();
    for (const c of dataset.conversations) {
      const messages = c.messageIds.flatMap((id) => messagesById.get(id) ?? []).sort(byTime);
      this.conversations.set(c.id, { conversation: c, participants: new Set(c.participantIds), messages });
    }
    this.groundTruthByMessage = new Map(dataset.groundTruth.map((g) => [g.messageId, g]));
  }

  /** Any user (patient or staff) by PKB id. */
  user(pkbId: string): WorldUser | undefined {
    const patient = this.patientsByPkbId.get(pkbId);
    if (patient) return { kind: "patient", patient };
    const staff = this.staffByPkbId.get(pkbId);
    return staff ? { kind: "staff", staff } : undefined;
  }

  /** Patient by PKB id. */
  patient(pkbId: string): SandboxPatient | undefined {
    return this.patientsByPkbId.get(pkbId);
  }

  /** Sign-in lookup: staff by username, patients by email address (case-insensitive). */
  signIn(username: string): WorldUser | undefined {
    const key = username.trim().toLowerCase();
    const staff = this.staffByUsername.get(key);
    if (staff) return { kind: "staff", staff };
    const patient = this.patientsByEmail.get(key);
    return patient ? { kind: "patient", patient } : undefined;
  }

  /** Patients matching a FHIR token (system undefined = any accepted system). */
  patientsByIdentifier(system: string | undefined, value: string): SandboxPatient[] {
    const out: SandboxPatient[] = [];
    if (system === undefined || system === NHS_NUMBER_SYSTEM) {
      const p = this.patientsByNhs.get(value.replace(/\s/g, ""));
      if (p) out.push(p);
    }
    if (system === undefined || system === PUBLIC_ID_SYSTEM) {
      const p = this.patientsByPublicId.get(value.toLowerCase());
      if (p && !out.includes(p)) out.push(p);
    }
    return out;
  }

  /** A patient's appointments in start order (shared array: do not mutate). */
  appointmentsOf(patientPkbId: string): readonly SandboxAppointment[] {
    return this.appointmentsByPatient.get(patientPkbId) ?? [];
  }

  /** Appointment by FHIR id. */
  appointment(id: string): SandboxAppointment | undefined {
    return this.appointmentsById.get(id);
  }

  /** Appointment by the trust's external identifier (HL7 SCH-1.1). */
  appointmentByExternalId(externalId: string): SandboxAppointment | undefined {
    return this.appointmentsByExternalId.get(externalId);
  }

  /** True when the appointment existed and the PAS feed deleted it. */
  wasRemoved(id: string): boolean {
    return this.removedAppointmentIds.has(id);
  }

  /** Adds a new appointment (the PAS feed booking one); its id and external identifier must be new. */
  addAppointment(a: SandboxAppointment): void {
    if (this.appointmentsById.has(a.id)) throw new Error(`appointment ${a.id} exists`);
    this.dataset.appointments.push(a);
    this.appointmentsById.set(a.id, a);
    this.appointmentsByExternalId.set(a.externalId, a);
    const list = this.appointmentsByPatient.get(a.patientPkbId) ?? [];
    list.push(a);
    list.sort(byStart);
    this.appointmentsByPatient.set(a.patientPkbId, list);
  }

  /** Deletes an appointment from PKB (O(n) in the dataset; control-API use only). */
  removeAppointment(id: string): void {
    const a = this.appointmentsById.get(id);
    if (!a) return;
    this.appointmentsById.delete(id);
    if (this.appointmentsByExternalId.get(a.externalId) === a) this.appointmentsByExternalId.delete(a.externalId);
    const list = this.appointmentsByPatient.get(a.patientPkbId);
    if (list) list.splice(list.indexOf(a), 1);
    const at = this.dataset.appointments.indexOf(a);
    if (at >= 0) this.dataset.appointments.splice(at, 1);
    this.removedAppointmentIds.add(id);
  }

  /** Conversation by id. */
  conversation(id: string): ConversationEntry | undefined {
    return this.conversations.get(id);
  }

  /** Ground truth of a message, if any. */
  groundTruthOf(messageId: string): GroundTruthEntry | undefined {
    return this.groundTruthByMessage.get(messageId);
  }

  /** Staff members of the team nominated to receive appointment requests (all staff when none is flagged). */
  requestTeam(): SandboxStaff[] {
    const team = this.dataset.staff.filter((s) => s.receivesAppointmentRequests);
    return team.length > 0 ? team : this.dataset.staff;
  }

  /** Index of the first message with timestamp > afterMs (binary search). */
  private firstAfter(afterMs: number): number {
    let lo = 0;
    let hi = this.timeline.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.timeline[mid]?.timestamp ?? Infinity) > afterMs) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * The conversations `userId` takes part in (participant, sender or recipient) with messages whose timestamp is
   * strictly greater than `afterMs`; each with only those messages (time order). Conversations come newest first
   * (by their latest matching message). O(log n + messages after the point).
   */
  conversationsAfter(userId: string, afterMs: number): ConversationSlice[] {
    const slices = new Map<string, ConversationSlice>();
    for (let i = this.firstAfter(afterMs); i < this.timeline.length; i++) {
      const m = this.timeline[i];
      if (!m) continue;
      const entry = this.conversations.get(m.conversationId);
      if (!entry) continue;
      if (!entry.participants.has(userId) && m.senderId !== userId && !m.recipientIds.includes(userId)) continue;
      let slice = slices.get(entry.conversation.id);
      if (!slice) {
        slice = { entry, messages: [] };
        slices.set(entry.conversation.id, slice);
      }
      slice.messages.push(m);
    }
    const out = [...slices.values()];
    const latest = (s: ConversationSlice) => s.messages[s.messages.length - 1]?.timestamp ?? 0;
    return out.sort((a, b) => latest(b) - latest(a));
  }

  /** A fresh message id: one more than the largest so far. */
  nextMessageId(): string {
    this.maxMessageId += 1;
    return String(this.maxMessageId);
  }

  /** Adds a new conversation (no messages yet). */
  addConversation(conversation: SandboxConversation): ConversationEntry {
    const entry = { conversation, participants: new Set(conversation.participantIds), messages: [] };
    this.dataset.conversations.push(conversation);
    this.conversations.set(conversation.id, entry);
    return entry;
  }

  /** Adds a message to an existing conversation, keeping the timeline sorted; records its ground truth. */
  addMessage(message: SandboxMessage, truth: GroundTruthEntry): void {
    const entry = this.conversations.get(message.conversationId);
    if (!entry) throw new Error(`unknown conversation ${message.conversationId}`);
    this.maxMessageId = Math.max(this.maxMessageId, Number(message.id) || 0);
    const at = this.firstAfter(message.timestamp);
    this.timeline.splice(at, 0, message);
    entry.messages.push(message);
    entry.messages.sort(byTime);
    entry.conversation.messageIds = entry.messages.map((m) => m.id);
    for (const id of [message.senderId, ...message.recipientIds]) {
      if (!entry.participants.has(id)) {
        entry.participants.add(id);
        entry.conversation.participantIds.push(id);
      }
    }
    this.dataset.groundTruth.push(truth);
    this.groundTruthByMessage.set(truth.messageId, truth);
  }

  /** Re-sorts a patient's appointments after a start time changed. */
  reindexAppointment(appointment: SandboxAppointment): void {
    this.appointmentsByPatient.get(appointment.patientPkbId)?.sort(byStart);
  }

  /** Counts for the control API's summary. */
  counts(): Record<string, number> {
    const d = this.dataset;
    return {
      patients: d.patients.length,
      staff: d.staff.length,
      appointments: d.appointments.length,
      pendingAppointments: d.appointments.filter((a) => a.status === "pending").length,
      conversations: d.conversations.length,
      messages: this.timeline.length,
      groundTruth: d.groundTruth.length,
    };
  }
}
