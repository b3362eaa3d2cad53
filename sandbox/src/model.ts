// The PKB sandbox emulator's world: what the synthetic data generator produces and what the HTTP server serves and
// mutates. Shapes here are the emulator's own; the server turns them into PKB's JSON and FHIR shapes at the edge.
// This file never imports from the repo's src/ (the emulator stays an honest stand-in for PKB).

/** A PKB patient user, served by GET /json/v1/users/{id} and referenced by Appointment participants. */
export interface SandboxPatient {
  /** PKB user id: a string of digits, as in the seed ("3054563"). */
  pkbId: string;
  /** PKB public id (uuid), usable in FHIR searches with system http://fhir.patientsknowbest.com/id/public-id. */
  publicId: string;
  /** Id of the patient's FHIR Patient resource (uuid), used in Appointment.participant.actor.reference. */
  fhirPatientId: string;
  title: string;
  firstName: string;
  lastName: string;
  /** YYYY-MM-DD */
  dob: string;
  gender: "M" | "F";
  email: string;
  phone: string;
  address1: string;
  address2: string;
  city: string;
  county: string;
  postalCode: string;
  /** Valid NHS number (999 test range, modulus 11), or null for the few patients PKB holds without one. */
  nhsNumber: string | null;
}

/** A PKB professional user (clinician or team coordinator); appears as a conversation participant. */
export interface SandboxStaff {
  pkbId: string;
  title: string;
  firstName: string;
  lastName: string;
  teamName: string;
  jobTitle: string;
  email: string;
  /** Sign-in name on the sandbox consent page. Every sandbox user's password is "sandbox". */
  username: string;
  /** True for members of the team nominated to receive appointment requests. */
  receivesAppointmentRequests: boolean;
}

/** FHIR Appointment.status values the emulator uses. PKB maps ACTIVE→booked, CANCELLED→cancelled, DNA→noshow. */
export type AppointmentStatus = "booked" | "pending" | "cancelled" | "noshow" | "fulfilled";

/** An appointment as the trust's HL7 feed put it into PKB. Served by the Aggregated FHIR API. */
export interface SandboxAppointment {
  /** FHIR resource id (uuid). */
  id: string;
  /** http://fhir.patientsknowbest.com/id/menudata-legacy-identifier (digits). */
  legacyId: string;
  /** http://fhir.patientsknowbest.com/id/common-identifier (uuid). */
  commonId: string;
  /** http://fhir.patientsknowbest.com/id/external-identifier: the trust's own appointment id (HL7 SCH-1.1). */
  externalId: string;
  patientPkbId: string;
  status: AppointmentStatus;
  /** Status before a change/cancel request made it pending; restored if the request is withdrawn. */
  statusBeforePending: AppointmentStatus | null;
  /** e.g. "SPEC_03"; the display is resolved when read and can change over time. */
  specialtyCode: string;
  specialtyDisplay: string;
  /** HL7 SCH-7.2, the appointment's subject: appears after " - " in the request message subject. */
  appointmentType: string;
  /** HL7 SCH-8, optional. */
  serviceType: string | null;
  /** HL7 NTE-3 description, optional. */
  comment: string | null;
  /** UTC instant, ISO 8601 with milliseconds and "Z". Served with a +00:00 offset as PKB does. */
  start: string;
  /** UTC instant or null (served as _end with a data-absent-reason). */
  end: string | null;
  locationDisplay: string;
  /** Source organisation (security coding). */
  sourceOrgCode: string;
  sourceOrgDisplay: string;
  versionId: number;
  /** UTC instant of the last change. */
  lastUpdated: string;
  /** UTC instant the record was first recorded in PKB. */
  recordedDate: string;
}

/** One PKB secure message, in the emulator's store; serialised exactly as the seed's message object. */
export interface SandboxMessage {
  /** String of digits, unique, increasing with time. */
  id: string;
  conversationId: string;
  subject: string;
  content: string;
  /** Epoch milliseconds. */
  timestamp: number;
  senderId: string;
  onBehalfOfId: string | null;
  htmlContent: boolean;
  recipientIds: string[];
  /** PKB id of the patient the message is about. */
  patientId: string;
  messageStatus: "DRAFT" | "SENT" | "UNREAD" | "READ";
}

/** A conversation: its messages in time order and its participants (PKB user ids). */
export interface SandboxConversation {
  id: string;
  messageIds: string[];
  participantIds: string[];
}

/** What a message really is, for tests comparing Rebook's results with the truth. */
export type GroundTruthKind =
  | "change" // a change request for appointmentId
  | "cancel" // a cancel request for appointmentId
  | "follow-up" // a later message in a request's conversation (requestMessageId says which)
  | "unrelated"; // any other message: Rebook must store and ignore it

export interface GroundTruthEntry {
  messageId: string;
  kind: GroundTruthKind;
  patientPkbId: string;
  /** null when the patient has no NHS number in PKB. */
  nhsNumber: string | null;
  /** For change/cancel: the appointment the request is about. */
  appointmentId: string | null;
  externalId: string | null;
  /** For follow-ups: the request message they belong to. */
  requestMessageId: string | null;
  /**
   * For change/cancel: true when another appointment of the same patient has the same start and subject, so no
   * honest matcher can tell them apart (Rebook should put it in review rather than auto-link).
   */
  ambiguous: boolean;
}

/** The whole synthetic world. Deterministic for a given (seed, size, anchor). */
export interface SandboxDataset {
  seed: number;
  /** Number of change/cancel requests generated. */
  size: number;
  /** The generator's "now" (UTC ISO instant): the past and future are relative to it. */
  anchor: string;
  /** PKB organisation. */
  organisation: { id: string; name: string; code: string };
  patients: SandboxPatient[];
  staff: SandboxStaff[];
  appointments: SandboxAppointment[];
  conversations: SandboxConversation[];
  /** In increasing timestamp order. */
  messages: SandboxMessage[];
  groundTruth: GroundTruthEntry[];
}

/** Generator options. */
export interface GenerateOptions {
  seed: number;
  /** Number of change/cancel requests, 1..100000. */
  size: number;
  /** "Now" for the generated world; defaults to the start of the current UTC day so a day's runs agree. */
  anchor?: Date;
  /**
   * Settle scenarios (default 0): this many cancel requests whose appointment PKB has since shown cancelled, change
   * requests whose appointment it has since moved, and repeats (a patient asking again about the same appointment).
   */
  settleScenarios?: number;
}
