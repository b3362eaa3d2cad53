// The JSON shapes of Rebook's API as the browser receives them (instants are ISO 8601 strings). They mirror the zod
// schemas beside each route in src/http/api/; the server whitelists fields, so optional ones may be absent on older
// servers. The request's vocabulary and the audit log's actions are not mirrored: they come from the server's single
// definitions (the only modules of src/ the web app may import; test/boundaries.test.ts).
import type {
  EventType,
  MatchState,
  MessageKind,
  Outcome,
  ParseStatus,
  PatientState,
  PersonOutcome,
  PkbConfirmationState,
  PkbFlag,
  Priority,
  RequestStatus,
  RequestType,
} from "../../../src/requests/vocabulary.ts";

export type {
  EventType,
  MatchState,
  MessageKind,
  Outcome,
  ParseStatus,
  PatientState,
  PersonOutcome,
  PkbConfirmationState,
  PkbFlag,
  Priority,
  RequestStatus,
  RequestType,
};
export {
  EVENT_TYPES,
  MATCH_STATES,
  OUTCOMES,
  PERSON_OUTCOMES,
  PKB_FLAGS,
  PRIORITIES,
  REQUEST_STATUSES,
  REQUEST_TYPES,
  WORK_STATUSES,
} from "../../../src/requests/vocabulary.ts";
export { AUDIT_ACTIONS, type AuditAction } from "../../../src/audit-actions.ts";
// Types only: the schemas they are made from stay on the server (no zod in the browser bundle).
export type { AuditDetails, AuditHow } from "../../../src/audit-details.ts";
export type Role = "admin" | "team_lead" | "clerk" | "viewer";
export type DeadlineState = "overdue" | "due_soon" | "on_track" | "passed" | "done" | "waiting";
export type ConnectionStatus = "awaiting_grant" | "active" | "needs_reauth" | "disabled";

/** The signed-in person (GET /api/auth/me). */
export interface Me {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  teamIds: string[];
  leadTeamIds: string[];
}

export interface AuthProviders {
  local: boolean;
  oidc: { displayName: string } | null;
}

export interface LinkedAppointment {
  fhirId: string;
  externalId: string | null;
  start: string | null;
  specialtyCode: string | null;
  specialtyDisplay: string | null;
  type: string | null;
  location: string | null;
  status: string | null;
}

/** When a request should be dealt with, from its age and its appointment's date. */
export interface Deadline {
  at: string | null;
  state: DeadlineState;
  text: string;
  /** Until when the team waits for the patient (the deadline paused). */
  waitingUntil?: string | null;
}

/** A day, time or part of the day the patient proposes in a note (UK date YYYY-MM-DD, UK time HH:MM). */
export interface Proposal {
  text: string;
  date: string | null;
  week: boolean;
  time: string | null;
  partOfDay: "morning" | "afternoon" | "evening" | null;
}

/** One worklist row. */
export interface RequestItem {
  /** What the patient proposes in the request's note, in their order. */
  proposals?: Proposal[];
  id: string;
  receivedAt: string;
  type: RequestType | null;
  status: RequestStatus;
  parseStatus: ParseStatus;
  matchState: MatchState;
  matchConfidence: number | null;
  appointment: LinkedAppointment | null;
  teamId: string | null;
  teamName: string | null;
  assignedUserId: string | null;
  assignedUser?: { id: string; displayName: string } | null;
  priority: Priority;
  errorReason: string | null;
  outcome?: Outcome | null;
  deadline?: Deadline | null;
  pkbConfirmation?: PkbConfirmation;
  /** How many requests the patient sent for this appointment while it was open (docs/settling.md). */
  askedCount?: number;
  /** What PKB shows of the appointment that a person must look at; null: nothing. */
  pkbFlag?: { kind: PkbFlag; text: string; movedTo: string | null } | null;
  /** When the request was marked "appointment passed before action". */
  appointmentPassedAt?: string | null;
  /** The earlier request for the same appointment (asked again after an outcome). */
  previousRequestId?: string | null;
  patient: { pkbUserId: string | null; name: string | null; nhsNumber: string | null };
}

/** Whether PKB shows the request's outcome (docs/pkb-confirmation.md). Instants are ISO strings (UTC). */
export interface PkbConfirmation {
  state: PkbConfirmationState;
  /** The limit: PKB should show the outcome by then. */
  due: string | null;
  checkedAt: string | null;
  confirmedAt: string | null;
  /** What PKB showed at the last check, in words ("PKB still shows Mon 12 Oct 16:00"). */
  shows: string | null;
}

export interface RequestPage {
  items: RequestItem[];
  nextCursor: string | null;
  /** How many requests match the filters (every page), counted up to 10,000. */
  total: number;
  /** More than `total` match: the server stopped counting (show "more than 10,000"). Absent on older servers. */
  totalCapped?: boolean;
}

/** A saved worklist view with its count now (GET /api/views). */
export interface SavedView {
  id: string;
  name: string;
  scope: "personal" | "team";
  team: { id: string; name: string } | null;
  /** The /api/requests query: filters and sort. */
  query: string;
  /** Counted up to 10,000. */
  count: number;
  /** More than `count` match (show "10,000+"). Absent on older servers. */
  countCapped?: boolean;
  mayChange: boolean;
}

export interface Evidence {
  factor: string;
  points: number;
  text: string;
}

export interface Candidate {
  fhirId: string;
  externalId: string | null;
  start: string | null;
  startUk: string | null;
  status: string;
  appointmentType: string | null;
  description: string | null;
  specialtyCode: string | null;
  specialtyDisplay: string | null;
  location: string | null;
  /** PKB's id held characters Rebook cannot store: it cannot be linked (a person acts on it in the PAS). */
  fhirIdNotExact?: boolean;
  /** The trust's id held characters Rebook cannot store: externalId is shown made storable, not the PAS's exactly. */
  externalIdNotExact?: boolean;
  score: number;
  evidence: Evidence[];
}

export interface HistoryEvent {
  id: number;
  at: string;
  type: EventType;
  actor: { userId: string; displayName: string } | null;
  data: Record<string, unknown>;
}

export interface Message {
  id: string;
  sentAt: string;
  subject: string;
  content: string;
  senderId: string | null;
  kind: MessageKind | null;
  isRequest: boolean;
  proposals?: Proposal[];
}

/** One request in full (GET /api/requests/:id). */
export interface RequestDetail extends Omit<RequestItem, "patient"> {
  conversationId: string;
  /** The earlier request for the same appointment, done when this one came. */
  previousRequest?: { id: string; receivedAt: string; outcome: Outcome | null; status: RequestStatus } | null;
  outcome: Outcome | null;
  /** {newStart, newStartUk} for rebooked, {reason} for rejected, {note} for needs_patient_contact. */
  outcomeDetails?: Record<string, unknown> | null;
  attempts: number;
  nextAttemptAt: string | null;
  requested: { start: string | null; startUk: string | null; subject: string | null };
  patientNote: string;
  pkbTeamName: string | null;
  patient: {
    state: PatientState;
    pkbUserId: string | null;
    name: string | null;
    nhsNumber: string | null;
    title: string | null;
    firstName: string | null;
    lastName: string | null;
    dob: string | null;
    email: string | null;
    phone: string | null;
    detailsFetchedAt: string | null;
  };
  messages: Message[];
  match: {
    state: MatchState;
    confidence: number | null;
    summary: string[];
    evidence: Evidence[];
    candidates: Candidate[];
  };
  routing: {
    team: { id: string; name: string } | null;
    rule: { id: string; name: string } | null;
    priority: Priority;
  };
  assignment: { user: { id: string; displayName: string; email: string } | null };
  history: HistoryEvent[];
  /** Others viewing or editing it now (not me). */
  presence?: { userId: string; displayName: string; state: "viewing" | "editing"; since: string }[];
}

export interface Note {
  id: number;
  body: string;
  createdAt: string;
  author: { userId: string; displayName: string } | null;
}

export interface TeamMember {
  userId: string;
  displayName: string;
  email: string;
  isLead: boolean;
  capacity: number | null;
  available: boolean;
  /** Can take requests: an active account whose role works them (not a viewer). Absent on older servers. */
  canWork?: boolean;
  openCount: number;
}

export interface Team {
  id: string;
  name: string;
  description: string;
  autoAssign: boolean;
  isDefault: boolean;
  openCount: number;
  /** Working hours by weekday (1 = Monday), UK clock; null = around the clock. */
  workingHours: DayHours[] | null;
  members: TeamMember[];
}

/** A team's hours on one weekday (1 = Monday … 7 = Sunday), "HH:mm" UK clock. */
export interface DayHours {
  weekday: number;
  opens: string;
  closes: string;
}

export interface StaffUser {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  active: boolean;
}

export interface RuleConditions {
  types?: RequestType[];
  specialtyCodes?: string[];
  locations?: string[];
  appointmentTypes?: string[];
  pkbTeams?: string[];
  keywords?: string[];
  matchStates?: MatchState[];
  [key: string]: unknown;
}

export interface Rule {
  id: string;
  position: number;
  name: string;
  enabled: boolean;
  conditions: RuleConditions;
  teamId: string;
  teamName: string;
  assignUserId: string | null;
  assignUserName: string | null;
  priority: Priority | null;
}

export interface Connection {
  id: string;
  label: string;
  status: ConnectionStatus;
  pkbUserName: string | null;
  scope: string | null;
  grantedAt: string | null;
  accessExpiresAt: string | null;
  hasRefreshToken: boolean;
  messagesCursor: string | null;
  lastSyncStartedAt: string | null;
  lastSyncFinishedAt: string | null;
  lastSyncError: string | null;
  needsReauthSince: string | null;
  needsReauthReason: string | null;
  authorizePath: string;
}

/** A sync problem an admin should look at (what makes /health "degraded"). */
export interface SyncProblem {
  kind: "needs_reauthorisation" | "polls_failing" | "collection_stalled" | "error_queue";
  connectionId: string | null;
  label: string | null;
  reason: string;
  since: string | null;
}

export type SyncRunOutcome = "ok" | "failed" | "stopped" | "abandoned";

export interface SyncStatus {
  now: string;
  health: { status: "ok" | "degraded"; problems: SyncProblem[] };
  connections: {
    id: string;
    label: string;
    status: ConnectionStatus;
    lastSyncFinishedAt: string | null;
    lastSyncError: string | null;
    newestMessageAt: string | null;
    lagSeconds: number | null;
    recentRuns: {
      id: number;
      startedAt: string;
      finishedAt: string | null;
      fetched: number;
      newMessages: number;
      newRequests: number;
      followUps: number;
      unrelated: number;
      error: string | null;
      outcome: SyncRunOutcome | null;
    }[];
  }[];
  pipeline: {
    byStatus: Record<RequestStatus, number>;
    byMatchState: Record<MatchState, number>;
    dueNow: number;
    inError: number;
    recentErrors: { requestId: string; reason: string | null; at: string }[];
  };
  lastPass: { at: string; error: string | null } | null;
}

export type ErrorQueueStatus = "open" | "replayed" | "discarded";

/** A PKB message the poll set aside (GET /api/sync/error-queue): no message text. */
export interface ErrorQueueEntry {
  id: string;
  pkbMessageId: string | null;
  conversationId: string | null;
  connectionId: string | null;
  connectionLabel: string | null;
  reason: string;
  status: ErrorQueueStatus;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
}

/** One entry with the message as PKB sent it (JSON text); opening it is audited. */
export interface ErrorQueueItem extends ErrorQueueEntry {
  original: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actorUserId: string | null;
  actorLabel: string;
  /** One of AUDIT_ACTIONS, or an action an older Rebook wrote. */
  action: string;
  requestId: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  /** The request's patient and appointment; null when the entry is about no request or it was purged. */
  request: {
    patientName: string | null;
    nhsNumber: string | null;
    appointmentStart: string | null;
    appointmentExternalId: string | null;
  } | null;
}

/** What routing rules pick from: the values Rebook has seen on requests' appointments. */
export interface RuleChoices {
  specialties: { code: string; display: string | null; requests: number }[];
  locations: { value: string; requests: number }[];
  appointmentTypes: { value: string; requests: number }[];
}

/** A draft rule's condition value that no request Rebook has seen has. */
export interface UnseenCondition {
  rule: { position: number; name: string };
  condition: "specialtyCodes" | "locations" | "appointmentTypes";
  value: string;
  message: string;
}

export interface SimulationResult {
  unseen: UnseenCondition[];
  total: number;
  changed: number;
  byTeam: { teamId: string | null; teamName: string; current: number; simulated: number }[];
  samples: {
    requestId: string;
    receivedAt: string;
    currentTeam: { id: string; name: string } | null;
    simulatedTeam: { id: string; name: string } | null;
    rule: { position: number; name: string } | null;
  }[];
}

/** Whether new requests are arriving from PKB (GET /api/collection). */
export interface Collection {
  state: "collecting" | "stopped" | "not_connected";
  partial: boolean;
  since: string | null;
  reasons: string[];
  kinds: ("needs_reauthorisation" | "polls_failing" | "collection_stalled")[];
  adminsTold: { banner: boolean; alert: boolean };
  /** PKB messages set aside in the error queue for an admin. */
  setAside: { messages: number; since: string | null };
}
