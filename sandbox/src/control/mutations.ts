// World changes the control API makes: a patient's change/cancel request or a free message (as PKB's UI would
// create them), and the trust's PAS feed rescheduling or cancelling an appointment (as HL7 S13/S15 would).

import { randomUUID } from "node:crypto";
import type { SandboxState } from "../context.ts";
import type { GroundTruthEntry, SandboxAppointment, SandboxMessage } from "../model.ts";
import { isoUtc } from "../util.ts";

/** A control-API failure: HTTP status, stable code and message. */
export interface ControlError {
  status: 400 | 404 | 409;
  error: string;
  message: string;
}

/** The result of adding a message. */
export interface AddedMessage {
  message: SandboxMessage;
  groundTruth: GroundTruthEntry;
}

const REQUEST_NOTICE_MS = 72 * 3_600_000;

function bump(state: SandboxState, a: SandboxAppointment): void {
  a.versionId += 1;
  a.lastUpdated = isoUtc(state.settings.clock());
}

/** A patient's change/cancel request for an appointment, sent now; marks the appointment pending. */
export function addRequestMessage(
  state: SandboxState,
  body: { appointmentId: string; kind: "change" | "cancel"; content?: string | undefined; force?: boolean | undefined },
): AddedMessage | ControlError {
  const { world, settings } = state;
  const a = world.appointment(body.appointmentId);
  if (!a) return { status: 404, error: "unknown_appointment", message: `no appointment ${body.appointmentId}` };
  const patient = world.patient(a.patientPkbId);
  if (!patient) return { status: 404, error: "unknown_patient", message: `no patient ${a.patientPkbId}` };
  const now = settings.clock();
  if (!body.force) {
    if (a.status !== "booked") {
      return {
        status: 409,
        error: "not_booked",
        message: `the appointment is ${a.status}; PKB only offers requests for booked ones (force: true overrides)`,
      };
    }
    if (Date.parse(a.start) - now < REQUEST_NOTICE_MS) {
      return {
        status: 409,
        error: "too_late",
        message: "PKB accepts requests until 72 hours before the appointment (force: true overrides)",
      };
    }
  }
  const team = world.requestTeam().map((s) => s.pkbId);
  const conversation = world.addConversation({
    id: randomUUID(),
    messageIds: [],
    participantIds: [patient.pkbId, ...team],
  });
  const message: SandboxMessage = {
    id: world.nextMessageId(),
    conversationId: conversation.conversation.id,
    subject: settings.formatRequestSubject(body.kind, a.start, a.appointmentType),
    content: body.content ?? `I would like to ${body.kind} this appointment, please.`,
    timestamp: now,
    senderId: patient.pkbId,
    onBehalfOfId: null,
    htmlContent: false,
    recipientIds: [...team, patient.pkbId],
    patientId: patient.pkbId,
    messageStatus: "UNREAD",
  };
  const ambiguous = world
    .appointmentsOf(patient.pkbId)
    .some((o) => o.id !== a.id && o.start === a.start && o.appointmentType === a.appointmentType);
  const groundTruth: GroundTruthEntry = {
    messageId: message.id,
    kind: body.kind,
    patientPkbId: patient.pkbId,
    nhsNumber: patient.nhsNumber,
    appointmentId: a.id,
    externalId: a.externalId,
    requestMessageId: null,
    ambiguous,
  };
  world.addMessage(message, groundTruth);
  if (a.status !== "pending") a.statusBeforePending = a.status;
  a.status = "pending";
  bump(state, a);
  return { message, groundTruth };
}

/** Any other message: a follow-up in an existing conversation or a new unrelated one. Sent now. */
export function addFreeMessage(
  state: SandboxState,
  body: {
    patientPkbId: string;
    subject: string;
    content: string;
    conversationId?: string | undefined;
    senderId?: string | undefined;
  },
): AddedMessage | ControlError {
  const { world, settings } = state;
  const patient = world.patient(body.patientPkbId);
  if (!patient) return { status: 404, error: "unknown_patient", message: `no patient ${body.patientPkbId}` };
  const senderId = body.senderId ?? patient.pkbId;
  const sender = world.user(senderId);
  if (!sender || (sender.kind === "patient" && senderId !== patient.pkbId)) {
    return { status: 400, error: "bad_sender", message: "senderId must be the patient or a staff member" };
  }
  let entry = body.conversationId ? world.conversation(body.conversationId) : undefined;
  if (body.conversationId && !entry) {
    return { status: 404, error: "unknown_conversation", message: `no conversation ${body.conversationId}` };
  }
  if (entry && !entry.participants.has(patient.pkbId)) {
    return { status: 400, error: "wrong_patient", message: "the patient is not in that conversation" };
  }
  entry ??= world.addConversation({
    id: randomUUID(),
    messageIds: [],
    participantIds: [patient.pkbId, ...world.requestTeam().map((s) => s.pkbId)],
  });
  const participants = entry.conversation.participantIds;
  const request = entry.messages
    .map((m) => world.groundTruthOf(m.id))
    .find((g) => g?.kind === "change" || g?.kind === "cancel");
  const message: SandboxMessage = {
    id: world.nextMessageId(),
    conversationId: entry.conversation.id,
    subject: body.subject,
    content: body.content,
    timestamp: settings.clock(),
    senderId,
    onBehalfOfId: null,
    htmlContent: false,
    recipientIds: [...participants.filter((id) => id !== patient.pkbId), patient.pkbId],
    patientId: patient.pkbId,
    messageStatus: "UNREAD",
  };
  const groundTruth: GroundTruthEntry = {
    messageId: message.id,
    kind: request ? "follow-up" : "unrelated",
    patientPkbId: patient.pkbId,
    nhsNumber: patient.nhsNumber,
    appointmentId: null,
    externalId: null,
    requestMessageId: request?.messageId ?? null,
    ambiguous: false,
  };
  world.addMessage(message, groundTruth);
  return { message, groundTruth };
}

/** The PAS moves an appointment: booked at the new time, no longer pending. `end` undefined keeps the duration. */
export function rescheduleAppointment(
  state: SandboxState,
  id: string,
  body: { start: string; end?: string | null | undefined },
): SandboxAppointment | ControlError {
  const a = state.world.appointment(id);
  if (!a) return { status: 404, error: "unknown_appointment", message: `no appointment ${id}` };
  const start = Date.parse(body.start);
  let end: number | null;
  if (body.end === undefined) end = a.end === null ? null : start + (Date.parse(a.end) - Date.parse(a.start));
  else end = body.end === null ? null : Date.parse(body.end);
  if (end !== null && end <= start) return { status: 400, error: "bad_end", message: "end must be after start" };
  a.start = isoUtc(start);
  a.end = end === null ? null : isoUtc(end);
  a.status = "booked";
  a.statusBeforePending = null;
  bump(state, a);
  state.world.reindexAppointment(a);
  return a;
}

/** The PAS cancels an appointment (HL7 S15): cancelled, no longer pending. */
export function cancelAppointment(state: SandboxState, id: string): SandboxAppointment | ControlError {
  const a = state.world.appointment(id);
  if (!a) return { status: 404, error: "unknown_appointment", message: `no appointment ${id}` };
  a.status = "cancelled";
  a.statusBeforePending = null;
  bump(state, a);
  return a;
}

/** What the trust's feed can change of an appointment's details (any text, as PKB stores what the feed sends). */
export interface AppointmentDetails {
  appointmentType?: string | undefined;
  comment?: string | null | undefined;
  locationDisplay?: string | undefined;
}

/**
 * The trust's feed updates an appointment's details (an S13/S14 partial update): the given fields, versionId+1, its
 * SCH-1.1 (the key) kept; a cancelled or did-not-attend appointment becomes active again (pkb-api.md).
 */
export function updateAppointmentDetails(
  state: SandboxState,
  id: string,
  details: AppointmentDetails,
): SandboxAppointment | ControlError {
  const a = state.world.appointment(id);
  if (!a) return { status: 404, error: "unknown_appointment", message: `no appointment ${id}` };
  if (details.appointmentType !== undefined) a.appointmentType = details.appointmentType;
  if (details.comment !== undefined) a.comment = details.comment;
  if (details.locationDisplay !== undefined) a.locationDisplay = details.locationDisplay;
  if (a.status === "cancelled" || a.status === "noshow") {
    a.status = "booked";
    a.statusBeforePending = null;
  }
  bump(state, a);
  return a;
}

/** The patient withdraws a request: a pending appointment returns to its status before the request. */
export function withdrawRequest(state: SandboxState, id: string): SandboxAppointment | ControlError {
  const a = state.world.appointment(id);
  if (!a) return { status: 404, error: "unknown_appointment", message: `no appointment ${id}` };
  if (a.status !== "pending") return { status: 409, error: "not_pending", message: "the appointment is not pending" };
  a.status = a.statusBeforePending ?? "booked";
  a.statusBeforePending = null;
  bump(state, a);
  return a;
}
