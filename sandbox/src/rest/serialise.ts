// PKB's custom REST JSON shapes, exactly as the seed shows them: users (GET /json/v1/users/{id}) and
// conversations with messages (GET /json/messages/after/{date}). Key order follows the seed.

import type { SandboxMessage, SandboxPatient, SandboxStaff } from "../model.ts";
import { stableDigits } from "../util.ts";
import type { ConversationSlice, World, WorldUser } from "../world.ts";

/** A nationalIds entry. */
export interface NationalIdJson {
  value: string;
  name: string;
  countryCodes: string[];
}

/** A contacts entry. */
export interface ContactJson {
  id: string;
  contactType: "PHONE" | "EMAIL";
  contactValue: string;
  phoneUseType: "MOBILE_PHONE" | "HOME_PHONE" | null;
  primary: boolean;
  confirmed: boolean;
}

/** The user object of GET /json/v1/users/{id}. */
export interface UserJson {
  id: string;
  userType: null;
  heightCm: null;
  heightFeet: null;
  heightInches: null;
  heightInchesTotal: null;
  weightKg: null;
  weightLbs: null;
  title: string;
  firstName: string;
  lastName: string;
  dob: string | null;
  dateDeceased: null;
  isDeceased: boolean;
  genderMF: "m" | "f" | null;
  gender: "M" | "F" | null;
  email: string;
  phone: string | null;
  address1: string | null;
  address2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
  jobTitle: string | null;
  organizationName: string | null;
  teamName: string | null;
  nationalIds: NationalIdJson[];
  orgLevelIds: null;
  teamLevelIds: null;
  contacts: ContactJson[];
  patient: boolean;
}

const NULLS = {
  userType: null,
  heightCm: null,
  heightFeet: null,
  heightInches: null,
  heightInchesTotal: null,
  weightKg: null,
  weightLbs: null,
} as const;

function emailContact(pkbId: string, email: string): ContactJson {
  const id = stableDigits(`contact:email:${pkbId}`, 7);
  return { id, contactType: "EMAIL", contactValue: email, phoneUseType: null, primary: true, confirmed: true };
}

function patientJson(p: SandboxPatient): UserJson {
  const phoneUseType = p.phone.replace(/\s/g, "").startsWith("07") ? "MOBILE_PHONE" : "HOME_PHONE";
  return {
    id: p.pkbId,
    ...NULLS,
    title: p.title,
    firstName: p.firstName,
    lastName: p.lastName,
    dob: p.dob,
    dateDeceased: null,
    isDeceased: false,
    genderMF: p.gender === "M" ? "m" : "f",
    gender: p.gender,
    email: p.email,
    phone: p.phone,
    address1: p.address1,
    address2: p.address2,
    city: p.city,
    state: p.county,
    postalCode: p.postalCode,
    country: "GB-ENG",
    jobTitle: null,
    organizationName: null,
    teamName: null,
    nationalIds: p.nhsNumber ? [{ value: p.nhsNumber, name: "NHS number", countryCodes: ["GB-ENG", "GB-WLS"] }] : [],
    orgLevelIds: null,
    teamLevelIds: null,
    contacts: [
      {
        id: stableDigits(`contact:phone:${p.pkbId}`, 5),
        contactType: "PHONE",
        contactValue: p.phone,
        phoneUseType,
        primary: true,
        confirmed: false,
      },
      emailContact(p.pkbId, p.email),
    ],
    patient: true,
  };
}

function staffJson(s: SandboxStaff, organisationName: string): UserJson {
  return {
    id: s.pkbId,
    ...NULLS,
    title: s.title,
    firstName: s.firstName,
    lastName: s.lastName,
    dob: null,
    dateDeceased: null,
    isDeceased: false,
    genderMF: null,
    gender: null,
    email: s.email,
    phone: null,
    address1: null,
    address2: null,
    city: null,
    state: null,
    postalCode: null,
    country: "GB-ENG",
    jobTitle: s.jobTitle,
    organizationName: organisationName,
    teamName: s.teamName,
    nationalIds: [],
    orgLevelIds: null,
    teamLevelIds: null,
    contacts: [emailContact(s.pkbId, s.email)],
    patient: false,
  };
}

/** A user in PKB's REST shape (patients carry nationalIds; staff have none). */
export function userJson(user: WorldUser, organisationName: string): UserJson {
  return user.kind === "patient" ? patientJson(user.patient) : staffJson(user.staff, organisationName);
}

/** A conversation participant; PKB leaves `title` empty here even when the user has one (as in the seed). */
export interface ParticipantJson {
  id: string;
  firstName: string;
  lastName: string;
  title: string;
  teamName: string;
  jobTitle: string;
}

/** A message in the seed's shape. */
export interface MessageJson {
  id: string;
  conversationId: string;
  subject: string;
  content: string;
  attachmentCount: number;
  attachments: null;
  timestamp: number;
  senderId: string;
  onBehalfOfId: string | null;
  htmlContent: boolean;
  recipientIds: string[];
  patientId: string;
  messageStatus: SandboxMessage["messageStatus"];
}

/** A conversation in the seed's shape. */
export interface ConversationJson {
  id: string;
  messages: MessageJson[];
  participants: ParticipantJson[];
  latestMessageId: number;
  messageCount: number;
}

/** One message in PKB's shape. */
export function messageJson(m: SandboxMessage): MessageJson {
  return {
    id: m.id,
    conversationId: m.conversationId,
    subject: m.subject,
    content: m.content,
    attachmentCount: 0,
    attachments: null,
    timestamp: m.timestamp,
    senderId: m.senderId,
    onBehalfOfId: m.onBehalfOfId,
    htmlContent: m.htmlContent,
    recipientIds: [...m.recipientIds],
    patientId: m.patientId,
    messageStatus: m.messageStatus,
  };
}

function participantJson(world: World, id: string): ParticipantJson {
  const u = world.user(id);
  if (!u) return { id, firstName: "", lastName: "", title: "", teamName: "", jobTitle: "" };
  if (u.kind === "patient") {
    const p = u.patient;
    return { id, firstName: p.firstName, lastName: p.lastName, title: "", teamName: "", jobTitle: "" };
  }
  const s = u.staff;
  return { id, firstName: s.firstName, lastName: s.lastName, title: "", teamName: s.teamName, jobTitle: s.jobTitle };
}

/**
 * A conversation of a /json/messages/after answer: `messages` are only those after the point; `latestMessageId`
 * and `messageCount` describe the whole conversation.
 */
export function conversationJson(world: World, slice: ConversationSlice): ConversationJson {
  const all = slice.entry.messages;
  const latest = all[all.length - 1];
  return {
    id: slice.entry.conversation.id,
    messages: slice.messages.map(messageJson),
    participants: slice.entry.conversation.participantIds.map((id) => participantJson(world, id)),
    latestMessageId: Number(latest?.id ?? 0),
    messageCount: all.length,
  };
}
