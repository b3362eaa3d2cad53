// The appointment_requests and request_events repository: SQL only. Which change is allowed, and which history rows
// it writes, is decided by the commands in src/requests/commands/ (the only writers of a request's state).
import type {
  EventType,
  MatchState,
  Outcome,
  ParseStatus,
  PatientState,
  PkbFlag,
  Priority,
  RequestStatus,
  RequestType,
} from "../requests/vocabulary.ts";
import type { Queryable } from "./db.ts";

/** One history entry. `actorUserId` null means the system did it. */
export interface RequestEvent {
  id: number;
  requestId: string;
  at: Date;
  actorUserId: string | null;
  type: EventType;
  data: Record<string, unknown>;
}

/** The fields a new request starts with: what the message itself says. */
export interface NewRequest {
  pkbMessageId: string;
  conversationId: string;
  receivedAt: Date;
  type: RequestType | null;
  parseStatus: ParseStatus;
  requestedStart: Date | null;
  requestedSubject: string | null;
  patientNote: string;
  pkbTeamName: string | null;
  patientPkbId: string | null;
}

/**
 * Inserts the request for a message, due for the pipeline now, or returns null when the message already has one (so
 * ingesting the same message twice is harmless).
 */
export async function insertRequest(tx: Queryable, r: NewRequest): Promise<string | null> {
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO appointment_requests (pkb_message_id, conversation_id, received_at, type, parse_status,
       requested_start, requested_subject, patient_note, pkb_team_name, patient_pkb_id, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
     ON CONFLICT (pkb_message_id) DO NOTHING RETURNING id`,
    [
      r.pkbMessageId,
      r.conversationId,
      r.receivedAt,
      r.type,
      r.parseStatus,
      r.requestedStart,
      r.requestedSubject,
      r.patientNote,
      r.pkbTeamName,
      r.patientPkbId,
    ],
  );
  return rows[0]?.id ?? null;
}

/**
 * Inserts the requests for many messages in one statement, due for the pipeline now, or `claimMs` from now when they
 * are stored claimed for this process's pipeline (`ClaimHandoff`: from the statement's clock, not the transaction's
 * start, so a slow batch does not shorten the lease); returns the new request's id per message id (a message that
 * already has a request is left out).
 */
export async function insertRequests(
  tx: Queryable,
  rs: readonly NewRequest[],
  claimMs = 0,
): Promise<Map<string, string>> {
  if (rs.length === 0) return new Map();
  const rows = await tx.query<{ id: string; pkb_message_id: string }>(
    `INSERT INTO appointment_requests (pkb_message_id, conversation_id, received_at, type, parse_status,
       requested_start, requested_subject, patient_note, pkb_team_name, patient_pkb_id, next_attempt_at)
     SELECT r.*, CASE WHEN $11::double precision > 0
                      THEN clock_timestamp() + make_interval(secs => $11::double precision / 1000) ELSE now() END
     FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],
       $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[])
       AS r(pkb_message_id, conversation_id, received_at, type, parse_status, requested_start, requested_subject,
            patient_note, pkb_team_name, patient_pkb_id)
     ON CONFLICT (pkb_message_id) DO NOTHING RETURNING id, pkb_message_id`,
    [
      rs.map((r) => r.pkbMessageId),
      rs.map((r) => r.conversationId),
      rs.map((r) => r.receivedAt),
      rs.map((r) => r.type),
      rs.map((r) => r.parseStatus),
      rs.map((r) => r.requestedStart),
      rs.map((r) => r.requestedSubject),
      rs.map((r) => r.patientNote),
      rs.map((r) => r.pkbTeamName),
      rs.map((r) => r.patientPkbId),
      claimMs,
    ],
  );
  return new Map(rows.map((r) => [r.pkb_message_id, r.id]));
}

/**
 * Appends many history events in one statement, in the order given (their ids follow it). The rows go as one JSON
 * document: the driver would write each event's JSON as an element of a text array, escaping every quote in it.
 */
export async function appendEvents(
  tx: Queryable,
  es: readonly { requestId: string; actorUserId: string | null; type: EventType; data?: Record<string, unknown> }[],
): Promise<void> {
  if (es.length === 0) return;
  await tx.query(
    `INSERT INTO request_events (request_id, actor_user_id, type, data, at)
     SELECT e.request_id, e.actor_user_id, e.type, e.data, now()
     FROM ROWS FROM (json_to_recordset($1::json) AS (request_id uuid, actor_user_id uuid, type text, data jsonb))
       WITH ORDINALITY AS e(request_id, actor_user_id, type, data, n)
     ORDER BY e.n`,
    [
      JSON.stringify(
        es.map((e) => ({ request_id: e.requestId, actor_user_id: e.actorUserId, type: e.type, data: e.data ?? {} })),
      ),
    ],
  );
}

/** The workflow facts of a request (no patient data): what access checks and rules look at. */
export interface RequestState {
  id: string;
  status: RequestStatus;
  teamId: string | null;
  assignedUserId: string | null;
  assignedName: string | null;
  outcome: Outcome | null;
  matchState: MatchState;
  appointmentFhirId: string | null;
  attempts: number;
  errorReason: string | null;
}

type StateRow = {
  id: string;
  status: RequestStatus;
  team_id: string | null;
  assigned_user_id: string | null;
  assigned_name: string | null;
  outcome: Outcome | null;
  match_state: MatchState;
  appointment_fhir_id: string | null;
  attempts: number;
  error_reason: string | null;
};

const STATE_COLUMNS = `r.id, r.status, r.team_id, r.assigned_user_id, u.display_name AS assigned_name, r.outcome,
  r.match_state, r.appointment_fhir_id, r.attempts, r.error_reason`;

const toState = (r: StateRow): RequestState => ({
  id: r.id,
  status: r.status,
  teamId: r.team_id,
  assignedUserId: r.assigned_user_id,
  assignedName: r.assigned_name,
  outcome: r.outcome,
  matchState: r.match_state,
  appointmentFhirId: r.appointment_fhir_id,
  attempts: r.attempts,
  errorReason: r.error_reason,
});

/** Reads a request's workflow facts, locking the row (FOR UPDATE) unless `lock` is false; null when there is none. */
export async function readRequestState(tx: Queryable, id: string, lock: boolean): Promise<RequestState | null> {
  const [r] = await tx.query<StateRow>(
    `SELECT ${STATE_COLUMNS} FROM appointment_requests r LEFT JOIN users u ON u.id = r.assigned_user_id
     WHERE r.id = $1 ${lock ? "FOR UPDATE OF r" : ""}`,
    [id],
  );
  return r ? toState(r) : null;
}

/** The workflow facts of many requests, locked (FOR UPDATE, in id order); those that do not exist are left out. */
export async function lockRequestStates(tx: Queryable, ids: readonly string[]): Promise<Map<string, RequestState>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.query<StateRow>(
    `SELECT ${STATE_COLUMNS} FROM appointment_requests r LEFT JOIN users u ON u.id = r.assigned_user_id
     WHERE r.id = ANY($1::uuid[]) ORDER BY r.id FOR UPDATE OF r`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, toState(r)]));
}

/** The columns of appointment_requests a command may set, with their types. */
export interface RequestPatch {
  status?: RequestStatus;
  assigned_user_id?: string | null;
  team_id?: string | null;
  routing_rule_id?: string | null;
  priority?: Priority;
  outcome?: Outcome | null;
  /** Stored as jsonb. */
  outcome_details?: Record<string, unknown> | null;
  patient_state?: PatientState;
  nhs_number?: string | null;
  match_state?: MatchState;
  match_confidence?: number | null;
  /** Stored as jsonb. */
  match_evidence?: unknown;
  /** Stored as jsonb. */
  candidates?: unknown;
  appointment_fhir_id?: string | null;
  appointment_external_id?: string | null;
  appointment_specialty_code?: string | null;
  appointment_specialty_display?: string | null;
  appointment_type?: string | null;
  appointment_start?: Date | string | null;
  appointment_location?: string | null;
  appointment_status?: string | null;
  error_reason?: string | null;
  attempts?: number;
  next_attempt_at?: Date | null;
  type?: RequestType | null;
  asked_count?: number;
  /**
   * Only ever moved back, to an earlier ask of the patient folded into the request (attachOrLink, docs/settling.md):
   * the work item counts from the first ask, its deadline and report day following by the store's triggers.
   */
  received_at?: Date;
  previous_request_id?: string | null;
  pkb_flag?: PkbFlag | null;
  pkb_flag_text?: string | null;
  pkb_moved_to?: Date | null;
  appointment_passed_at?: Date | null;
}

const JSON_COLUMNS = new Set(["outcome_details", "match_evidence", "candidates"]);
// The only names that reach the SQL text; values are always parameters.
const PATCH_COLUMNS = new Set<string>([
  "status",
  "assigned_user_id",
  "team_id",
  "routing_rule_id",
  "priority",
  "outcome",
  "outcome_details",
  "patient_state",
  "nhs_number",
  "match_state",
  "match_confidence",
  "match_evidence",
  "candidates",
  "appointment_fhir_id",
  "appointment_external_id",
  "appointment_specialty_code",
  "appointment_specialty_display",
  "appointment_type",
  "appointment_start",
  "appointment_location",
  "appointment_status",
  "error_reason",
  "attempts",
  "next_attempt_at",
  "type",
  "asked_count",
  "received_at",
  "previous_request_id",
  "pkb_flag",
  "pkb_flag_text",
  "pkb_moved_to",
  "appointment_passed_at",
]);

/** Sets the given columns of one request (and updated_at). `next_attempt_at: "now"` is not a thing: pass a Date. */
export async function updateRequest(tx: Queryable, id: string, patch: RequestPatch): Promise<void> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return;
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [column, value] of entries) {
    if (!PATCH_COLUMNS.has(column)) throw new Error(`appointment_requests.${column} cannot be patched`);
    params.push(JSON_COLUMNS.has(column) && value !== null ? JSON.stringify(value) : value);
    sets.push(`${column} = $${params.length}`);
  }
  await tx.query(`UPDATE appointment_requests SET ${sets.join(", ")}, updated_at = now() WHERE id = $1`, params);
}

/**
 * Sets columns of many requests in one statement (and their updated_at): each request gets its own patch, a column
 * its patch leaves out keeps its value (jsonb_populate_record over the row itself).
 */
export async function updateRequests(tx: Queryable, patches: ReadonlyMap<string, RequestPatch>): Promise<void> {
  const columns = new Set<string>();
  const rows: { id: string; patch: Record<string, unknown> }[] = [];
  for (const [id, patch] of patches) {
    const set: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (!PATCH_COLUMNS.has(column)) throw new Error(`appointment_requests.${column} cannot be patched`);
      columns.add(column);
      set[column] = value;
    }
    if (Object.keys(set).length > 0) rows.push({ id, patch: set });
  }
  if (rows.length === 0) return;
  const cols = [...columns];
  await tx.query(
    `UPDATE appointment_requests AS r SET (${cols.join(", ")}, updated_at) =
       (SELECT ${cols.map((c) => `x.${c}`).join(", ")}, now() FROM jsonb_populate_record(r, d.patch) AS x)
     FROM jsonb_to_recordset($1::jsonb) AS d(id uuid, patch jsonb) WHERE r.id = d.id`,
    [JSON.stringify(rows)],
  );
}

/** Appends a history event. */
export async function appendEvent(
  tx: Queryable,
  e: { requestId: string; actorUserId: string | null; type: EventType; data?: Record<string, unknown>; at?: Date },
): Promise<void> {
  await tx.query(
    "INSERT INTO request_events (request_id, actor_user_id, type, data, at) VALUES ($1, $2, $3, $4, COALESCE($5, now()))",
    [e.requestId, e.actorUserId, e.type, JSON.stringify(e.data ?? {}), e.at ?? null],
  );
}

/** A request's history, oldest first. */
export async function listEvents(db: Queryable, requestId: string): Promise<RequestEvent[]> {
  const rows = await db.query<{
    id: number;
    request_id: string;
    at: Date;
    actor_user_id: string | null;
    type: EventType;
    data: Record<string, unknown>;
  }>("SELECT * FROM request_events WHERE request_id = $1 ORDER BY at, id", [requestId]);
  return rows.map((r) => ({
    id: r.id,
    requestId: r.request_id,
    at: r.at,
    actorUserId: r.actor_user_id,
    type: r.type,
    data: r.data,
  }));
}

/** What a command answers about a request after its change: its workflow fields and its assignee's name. */
export interface RequestSummaryRow {
  status: RequestStatus;
  outcome: Outcome | null;
  outcome_details: Record<string, unknown> | null;
  team_id: string | null;
  assigned_user_id: string | null;
  display_name: string | null;
  match_state: MatchState;
}

/** Reads the fields a command's result reports. */
export async function readRequestSummary(tx: Queryable, id: string): Promise<RequestSummaryRow | null> {
  const [r] = await tx.query<RequestSummaryRow>(
    `SELECT r.status, r.outcome, r.outcome_details, r.team_id, r.assigned_user_id, u.display_name, r.match_state
     FROM appointment_requests r LEFT JOIN users u ON u.id = r.assigned_user_id WHERE r.id = $1`,
    [id],
  );
  return r ?? null;
}

/** The stored match candidates of a request (jsonb, as the pipeline wrote them). */
export async function readCandidates(tx: Queryable, id: string): Promise<unknown> {
  const [r] = await tx.query<{ candidates: unknown }>("SELECT candidates FROM appointment_requests WHERE id = $1", [
    id,
  ]);
  return r?.candidates ?? [];
}

/** What the pipeline and a re-match search PKB with: the patient's NHS number and what the message asked about. */
export interface MatchFacts {
  nhsNumber: string | null;
  requestedStart: Date | null;
  requestedSubject: string | null;
  receivedAt: Date;
}

/** Reads a request's match facts (patient data: read only after the access check). */
export async function readMatchFacts(tx: Queryable, id: string): Promise<MatchFacts | null> {
  const [r] = await tx.query<{
    nhs_number: string | null;
    requested_start: Date | null;
    requested_subject: string | null;
    received_at: Date;
  }>("SELECT nhs_number, requested_start, requested_subject, received_at FROM appointment_requests WHERE id = $1", [
    id,
  ]);
  return r
    ? {
        nhsNumber: r.nhs_number,
        requestedStart: r.requested_start,
        requestedSubject: r.requested_subject,
        receivedAt: r.received_at,
      }
    : null;
}

/** Open and in-progress requests per assignee in a team (for round-robin assignment). */
export async function openCountsByAssignee(tx: Queryable, teamId: string): Promise<Map<string, number>> {
  const rows = await tx.query<{ assigned_user_id: string; n: number }>(
    `SELECT assigned_user_id, count(*)::int AS n FROM appointment_requests
     WHERE team_id = $1 AND status IN ('open', 'in_progress') AND assigned_user_id IS NOT NULL GROUP BY assigned_user_id`,
    [teamId],
  );
  return new Map(rows.map((o) => [o.assigned_user_id, o.n]));
}
