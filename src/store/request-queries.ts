// Read side of appointment requests for the API: the filtered, searchable, keyset-paginated worklist and one request in
// full (conversation, patient, match evidence and candidates, routing, history). Every value reaches SQL as a parameter.
import { z } from "zod";
import type { Queryable } from "./db.ts";
import { AppError } from "../errors.ts";
import { DEFAULT_DEADLINE_POLICY } from "../domain/deadline.ts";
import { decodeCursor, encodeCursor, paramList } from "./keyset.ts";
import { afterRanks, urgencyRanks } from "./worklist-order.ts";
import type {
  EventType,
  MatchState,
  MessageKind,
  Outcome,
  ParseStatus,
  PatientState,
  PkbConfirmationState,
  PkbFlag,
  Priority,
  RequestStatus,
  RequestType,
} from "../requests/vocabulary.ts";

export type { MatchState, PatientState };
export type RequestSort = "received_desc" | "received_asc" | "appointment_start" | "deadline" | "priority";
/** A request's deadline state (see src/domain/deadline.ts); done requests have none. */
export type DueState = "overdue" | "due_soon" | "on_track" | "passed";

/** Worklist filters; every one given must hold. Lists are OR within themselves. */
export interface RequestFilter {
  /** Only requests of these teams (an empty list matches nothing); null or absent: every request, unrouted included. */
  teamIds?: string[] | null;
  status?: RequestStatus[];
  type?: RequestType[];
  matchState?: MatchState[];
  patientState?: PatientState[];
  /** A team id, or "none" for requests not routed to any team. */
  teamId?: string;
  /** A user id, or "none" for unassigned requests. */
  assignedUserId?: string;
  specialtyCode?: string;
  /** Inclusive lower bound on received_at. */
  receivedFrom?: Date;
  /** Exclusive upper bound on received_at. */
  receivedTo?: Date;
  /** Patient name (word prefixes, accents ignored), NHS number (spaces or dashes allowed), appointment id prefix or specialty name. */
  q?: string;
  /** Requests not done whose deadline is in one of `states` at `now` (empty: none). */
  due?: { states: DueState[]; now: Date; dueSoonMs: number };
  /** Whether PKB shows the outcome (docs/pkb-confirmation.md); "not_needed" = no confirmation row. */
  confirmation?: PkbConfirmationState[];
  /** Open requests PKB shows moved or cancelled since the request (docs/settling.md). */
  pkbFlag?: PkbFlag[];
  /** Requests the patient asked about more than once (repeats attached, or asked again after an outcome). */
  repeated?: boolean;
}

/** Whether PKB shows the request's outcome; instants UTC (due: the limit). */
export interface PkbConfirmationView {
  state: PkbConfirmationState;
  due: Date | null;
  checkedAt: Date | null;
  confirmedAt: Date | null;
  /** What PKB showed at the last check, in words. */
  shows: string | null;
}

/** The linked appointment as the request holds it. */
export interface LinkedAppointment {
  fhirId: string;
  externalId: string | null;
  start: Date | null;
  specialtyCode: string | null;
  specialtyDisplay: string | null;
  type: string | null;
  location: string | null;
  status: string | null;
}

/** One worklist row. */
export interface RequestListItem {
  id: string;
  receivedAt: Date;
  type: RequestType | null;
  status: RequestStatus;
  parseStatus: ParseStatus;
  patient: { pkbUserId: string | null; name: string | null; nhsNumber: string | null };
  matchState: MatchState;
  matchConfidence: number | null;
  appointment: LinkedAppointment | null;
  teamId: string | null;
  teamName: string | null;
  assignedUserId: string | null;
  priority: Priority;
  errorReason: string | null;
  /** When the request is due (kept by the store from received_at and the linked appointment's start). */
  deadlineAt: Date;
  /** Until when the team waits for the patient (the deadline paused); null when not waiting. */
  waitingUntil: Date | null;
  pkbConfirmation: PkbConfirmationView;
  /** How many requests the patient sent for this appointment while it was open (1: no repeat). */
  askedCount: number;
  /** What PKB shows that a person must look at (docs/settling.md); null: nothing. */
  pkbFlag: { kind: PkbFlag; text: string; movedTo: Date | null } | null;
  /** When the request was marked "appointment passed before action"; null: not passed. */
  appointmentPassedAt: Date | null;
  /** The earlier request for the same appointment that was done when this one came ("asked again"). */
  previousRequestId: string | null;
  /** What the patient wrote with the request, and the appointment time their subject named (for their proposals). */
  patientNote: string;
  requestedStart: Date | null;
}

interface ListRow {
  id: string;
  received_at: Date;
  type: RequestListItem["type"];
  status: RequestStatus;
  parse_status: RequestListItem["parseStatus"];
  patient_pkb_id: string | null;
  first_name: string | null;
  last_name: string | null;
  nhs_number: string | null;
  match_state: MatchState;
  match_confidence: number | null;
  appointment_fhir_id: string | null;
  appointment_external_id: string | null;
  appointment_start: Date | null;
  appointment_specialty_code: string | null;
  appointment_specialty_display: string | null;
  appointment_type: string | null;
  appointment_location: string | null;
  appointment_status: string | null;
  team_id: string | null;
  team_name: string | null;
  assigned_user_id: string | null;
  priority: RequestListItem["priority"];
  error_reason: string | null;
  deadline_at: Date;
  snoozed_until: Date | null;
  pkb_state: "awaiting" | "confirmed" | "not_confirmed" | null;
  pkb_due_at: Date | null;
  pkb_checked_at: Date | null;
  pkb_confirmed_at: Date | null;
  pkb_shows: string | null;
  asked_count: number;
  pkb_flag: PkbFlag | null;
  pkb_flag_text: string | null;
  pkb_moved_to: Date | null;
  appointment_passed_at: Date | null;
  previous_request_id: string | null;
  patient_note: string;
  requested_start: Date | null;
  sort_key: string | null;
  /** The row's ranks in an urgency sort (deadline state and priority). */
  sort_r1?: number;
  sort_r2?: number;
}

/** "First Last" from the cached patient, or null when nothing is known. */
export const patientName = (first: string | null, last: string | null): string | null =>
  [first, last].filter((s) => s && s.trim()).join(" ") || null;

const linkedAppointment = (r: Omit<ListRow, "sort_key" | "sort_r1" | "sort_r2">): LinkedAppointment | null =>
  r.appointment_fhir_id
    ? {
        fhirId: r.appointment_fhir_id,
        externalId: r.appointment_external_id,
        start: r.appointment_start,
        specialtyCode: r.appointment_specialty_code,
        specialtyDisplay: r.appointment_specialty_display,
        type: r.appointment_type,
        location: r.appointment_location,
        status: r.appointment_status,
      }
    : null;

const toItem = (r: Omit<ListRow, "sort_key" | "sort_r1" | "sort_r2">): RequestListItem => ({
  id: r.id,
  receivedAt: r.received_at,
  type: r.type,
  status: r.status,
  parseStatus: r.parse_status,
  patient: { pkbUserId: r.patient_pkb_id, name: patientName(r.first_name, r.last_name), nhsNumber: r.nhs_number },
  matchState: r.match_state,
  matchConfidence: r.match_confidence,
  appointment: linkedAppointment(r),
  teamId: r.team_id,
  teamName: r.team_name,
  assignedUserId: r.assigned_user_id,
  priority: r.priority,
  errorReason: r.error_reason,
  deadlineAt: r.deadline_at,
  waitingUntil: r.snoozed_until,
  pkbConfirmation: {
    state: r.pkb_state ?? "not_needed",
    due: r.pkb_due_at,
    checkedAt: r.pkb_checked_at,
    confirmedAt: r.pkb_confirmed_at,
    shows: r.pkb_shows,
  },
  askedCount: r.asked_count,
  pkbFlag: r.pkb_flag && r.pkb_flag_text ? { kind: r.pkb_flag, text: r.pkb_flag_text, movedTo: r.pkb_moved_to } : null,
  appointmentPassedAt: r.appointment_passed_at,
  previousRequestId: r.previous_request_id,
  patientNote: r.patient_note,
  requestedStart: r.requested_start,
});

const LIST_COLUMNS = `r.id, r.received_at, r.type, r.status, r.parse_status, r.patient_pkb_id, p.first_name, p.last_name,
  COALESCE(r.nhs_number, p.nhs_number) AS nhs_number, r.match_state, r.match_confidence, r.appointment_fhir_id,
  r.appointment_external_id, r.appointment_start, r.appointment_specialty_code, r.appointment_specialty_display,
  r.appointment_type, r.appointment_location, r.appointment_status, r.team_id, t.name AS team_name, r.assigned_user_id,
  r.priority, r.error_reason, r.deadline_at, r.snoozed_until, pc.state AS pkb_state, pc.due_at AS pkb_due_at,
  pc.checked_at AS pkb_checked_at, pc.confirmed_at AS pkb_confirmed_at, pc.shows AS pkb_shows, r.asked_count,
  r.pkb_flag, r.pkb_flag_text, r.pkb_moved_to, r.appointment_passed_at, r.previous_request_id, r.patient_note,
  r.requested_start`;

/** The join LIST_COLUMNS' PKB confirmation needs (no row: not needed). */
const CONFIRMATION_JOIN = "LEFT JOIN pkb_confirmations pc ON pc.request_id = r.id";

/** Escapes LIKE's wildcards so a search term matches literally. */
const likeLiteral = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Longest search text the worklist takes (the API refuses more with a field error). */
export const SEARCH_MAX_LENGTH = 100;

/**
 * The search condition for `q`, or null when q has nothing to search for. A request matches when any of these holds:
 * the trust's appointment id begins with q (any case); q is an NHS number (10 digits, spaces or dashes allowed); every
 * word of q begins the patient's first or last name; q begins the specialty's name. Names and specialties compare
 * without accents or case (rebook_fold, migration 0016). Each alternative is its own index scan; the
 * requests found are then read by id.
 */
function searchCondition(q: string, p: (v: unknown) => string): string | null {
  const text = q.trim().replace(/\s+/g, " ");
  if (!text) return null;
  const prefix = (s: string): string => `rebook_fold(${p(likeLiteral(s))}) || '%'`;
  const ids = [
    `SELECT id FROM appointment_requests WHERE lower(appointment_external_id) LIKE ${p(`${likeLiteral(text.toLowerCase())}%`)}`,
  ];
  const digits = text.replace(/[\s-]+/g, "");
  if (/^\d{10}$/.test(digits)) ids.push(`SELECT id FROM appointment_requests WHERE nhs_number = ${p(digits)}`);
  const words = text.split(/[\s,]+/).filter((w) => /\p{L}/u.test(w));
  if (words.length > 0) {
    // Every word must begin the first or the last name: "ann smi" finds Ann Smith, "wisn" finds Wiśniewski.
    const perWord = words.map((w) => {
      const pattern = prefix(w);
      return `(rebook_fold(pt.first_name) LIKE ${pattern} OR rebook_fold(pt.last_name) LIKE ${pattern})`;
    });
    ids.push(
      `SELECT pr.id FROM patients pt JOIN appointment_requests pr ON pr.patient_pkb_id = pt.pkb_user_id
       WHERE ${perWord.join(" AND ")}`,
    );
    ids.push(
      `SELECT id FROM appointment_requests WHERE rebook_fold(appointment_specialty_display) LIKE ${prefix(text)}`,
    );
  }
  // An array first (an InitPlan): the rows are then fetched by primary key, however large the team's history is.
  return `r.id = ANY(ARRAY(${ids.join(" UNION ")}))`;
}

function filterConditions(f: RequestFilter, p: (v: unknown) => string): string[] {
  const where: string[] = [];
  // One value as a plain equality, so the planner can walk (status, received_at DESC, id) in order.
  const oneOf = (column: string, values: readonly string[] | undefined): void => {
    if (values?.length === 1) where.push(`${column} = ${p(values[0])}`);
    else if (values?.length) where.push(`${column} = ANY(${p(values)}::text[])`);
  };
  if (f.teamIds) where.push(f.teamIds.length ? `r.team_id = ANY(${p(f.teamIds)}::uuid[])` : "false");
  oneOf("r.status", f.status);
  oneOf("r.type", f.type);
  oneOf("r.match_state", f.matchState);
  oneOf("r.patient_state", f.patientState);
  if (f.teamId === "none") where.push("r.team_id IS NULL");
  else if (f.teamId) where.push(`r.team_id = ${p(f.teamId)}::uuid`);
  if (f.assignedUserId === "none") where.push("r.assigned_user_id IS NULL");
  else if (f.assignedUserId) where.push(`r.assigned_user_id = ${p(f.assignedUserId)}::uuid`);
  if (f.specialtyCode) where.push(`r.appointment_specialty_code = ${p(f.specialtyCode)}`);
  if (f.receivedFrom) where.push(`r.received_at >= ${p(f.receivedFrom)}`);
  if (f.receivedTo) where.push(`r.received_at < ${p(f.receivedTo)}`);
  if (f.q) {
    const search = searchCondition(f.q, p);
    if (search) where.push(search);
  }
  if (f.confirmation) {
    const stored = f.confirmation.filter((x) => x !== "not_needed");
    const any = stored.length ? `pc.state = ANY(${p(stored)}::text[])` : "false";
    where.push(f.confirmation.includes("not_needed") ? `(pc.state IS NULL OR ${any})` : any);
  }
  if (f.pkbFlag) {
    where.push(f.pkbFlag.length ? `(r.status <> 'done' AND r.pkb_flag = ANY(${p(f.pkbFlag)}::text[]))` : "false");
  }
  if (f.repeated !== undefined) {
    const repeated = "(r.asked_count > 1 OR r.previous_request_id IS NOT NULL)";
    where.push(f.repeated ? repeated : `NOT ${repeated}`);
  }
  if (f.due) {
    const { now, dueSoonMs } = f.due;
    const at = (d: Date): string => `${p(d)}::timestamptz`; // only the bounds used become parameters
    const soon = new Date(now.getTime() + dueSoonMs);
    // A request whose appointment passed is not deadline work: it is in "passed", never overdue (docs/settling.md).
    const states = f.due.states.map((s) =>
      s === "passed"
        ? "r.appointment_passed_at IS NOT NULL"
        : `(r.appointment_passed_at IS NULL AND ${
            s === "overdue"
              ? `r.deadline_at < ${at(now)}`
              : s === "due_soon"
                ? `(r.deadline_at >= ${at(now)} AND r.deadline_at <= ${at(soon)})`
                : `r.deadline_at > ${at(soon)}`
          })`,
    );
    where.push(states.length ? `(r.status <> 'done' AND (${states.join(" OR ")}))` : "false");
  }
  return where;
}

/**
 * Where counting stops: a list's total and a saved view's count say "10,000+" beyond it, rather than count a whole
 * history (200,000 requests of a team over a year) on every page a clerk loads.
 */
export const COUNT_CAP = 10_000;

/** How many requests match `filter` (the worklist's total, a saved view's count), counting up to COUNT_CAP. */
export async function countRequests(db: Queryable, filter: RequestFilter): Promise<{ count: number; capped: boolean }> {
  const { params, p } = paramList();
  const where = filterConditions(filter, p);
  // The confirmation join only when that filter needs it: most counts read appointment_requests alone.
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM appointment_requests r
       ${filter.confirmation ? CONFIRMATION_JOIN : ""}
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       LIMIT ${p(COUNT_CAP + 1)}
     ) matching`,
    params,
  );
  const n = row?.n ?? 0;
  return { count: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
}

/**
 * One page of the worklist: `limit` rows in `sort` order after `cursor` (opaque, from the previous page's nextCursor),
 * and the cursor of the next page (null on the last). Ties in the sort key are broken by id, so paging visits every
 * row exactly once. `appointment_start` sorts requests without a linked appointment last. `deadline` (most urgent
 * first) and `priority` rank by deadline state at `urgency.now` and priority (see worklist-order.ts); later pages rank
 * at the first page's instant.
 */
export async function listRequests(
  db: Queryable,
  opts: {
    filter?: RequestFilter;
    sort?: RequestSort;
    cursor?: string | null;
    limit: number;
    /** For the urgency sorts: now, and how long before its deadline a request is due soon. */
    urgency?: { now: Date; dueSoonMs: number };
  },
): Promise<{ items: RequestListItem[]; nextCursor: string | null }> {
  const sort = opts.sort ?? "received_desc";
  const { params, p } = paramList();
  const filter = opts.filter ?? {};
  const where = filterConditions(filter, p);
  const column =
    sort === "appointment_start"
      ? "r.appointment_start"
      : sort === "deadline" || sort === "priority"
        ? "r.deadline_at"
        : "r.received_at";
  const cursor = opts.cursor ? decodeCursor(opts.cursor, sort) : null;
  const urgent = sort === "deadline" || sort === "priority";
  let rankedAt = opts.urgency?.now ?? new Date();
  if (urgent && cursor) {
    if (!cursor.ranks || cursor.ranks.length !== 2 || !cursor.at || cursor.key === null) {
      throw new AppError("invalid_cursor", "The cursor is not one this API gave out", 400);
    }
    rankedAt = new Date(cursor.at);
  }
  const ranks = urgent
    ? urgencyRanks(sort, { now: rankedAt, dueSoonMs: opts.urgency?.dueSoonMs ?? DEFAULT_DEADLINE_POLICY.dueSoonMs }, p)
    : [];
  if (cursor) {
    const c = cursor;
    // Ties on received_at go by id ascending when newest first (and descending when oldest first): the order of
    // appointment_requests_worklist (status, received_at DESC, id), so a one-status page is one index range scan.
    if (sort === "received_desc") {
      const [key, id] = [p(c.key), p(c.id)];
      where.push(
        `r.received_at <= ${key}::timestamptz AND (r.received_at < ${key}::timestamptz OR r.id > ${id}::uuid)`,
      );
    } else if (sort === "received_asc") {
      const [key, id] = [p(c.key), p(c.id)];
      where.push(
        `r.received_at >= ${key}::timestamptz AND (r.received_at > ${key}::timestamptz OR r.id < ${id}::uuid)`,
      );
    } else if (urgent) {
      // deadline_at is never null: the ranks, then the deadline, ties by id.
      where.push(afterRanks(ranks, { ranks: c.ranks!, key: c.key!, id: c.id }, p));
    } else if (c.key === null) {
      where.push(`(r.appointment_start IS NULL AND r.id > ${p(c.id)}::uuid)`);
    } else {
      const [key, id] = [p(c.key), p(c.id)];
      where.push(`((r.appointment_start, r.id) > (${key}::timestamptz, ${id}::uuid) OR r.appointment_start IS NULL)`);
    }
  }
  const order =
    sort === "received_desc"
      ? "r.received_at DESC, r.id"
      : sort === "received_asc"
        ? "r.received_at, r.id DESC"
        : urgent
          ? `${ranks.join(", ")}, r.deadline_at, r.id`
          : "r.appointment_start NULLS LAST, r.id";
  const rankColumns = urgent ? `, ${ranks[0]} AS sort_r1, ${ranks[1]} AS sort_r2` : "";
  // Two steps: the page's ids in order, reading only what the filters and the order need (for the urgency sorts an
  // index-only scan of appointment_requests_open_deadline, migration 0028, however many requests are open), then
  // those rows in full with their patient, team and confirmation. The outer query orders by the same expressions.
  const rows = await db.query<ListRow>(
    `WITH page AS MATERIALIZED (
       SELECT r.id${rankColumns}
       FROM appointment_requests r
       ${filter.confirmation ? CONFIRMATION_JOIN : ""}
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY ${order} LIMIT ${p(opts.limit + 1)}
     )
     SELECT ${LIST_COLUMNS}, ${column}::text AS sort_key${urgent ? ", page.sort_r1, page.sort_r2" : ""}
     FROM page
     JOIN appointment_requests r ON r.id = page.id
     LEFT JOIN patients p ON p.pkb_user_id = r.patient_pkb_id
     LEFT JOIN teams t ON t.id = r.team_id
     ${CONFIRMATION_JOIN}
     ORDER BY ${urgent ? `page.sort_r1, page.sort_r2, r.deadline_at, r.id` : order}`,
    params,
  );
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    nextCursor:
      rows.length > opts.limit && last
        ? encodeCursor({
            sort,
            key: last.sort_key,
            id: last.id,
            ...(urgent ? { ranks: [last.sort_r1!, last.sort_r2!], at: rankedAt.toISOString() } : {}),
          })
        : null,
  };
}

// ---- One request in full ----

const evidenceSchema = z.object({ factor: z.string(), points: z.number(), text: z.string() });
/**
 * A scored candidate as the pipeline stores it in appointment_requests.candidates (parsed when read back: the request
 * page, and linking one by hand in src/requests/commands/match.ts).
 */
export const storedCandidateSchema = z.object({
  fhirId: z.string(),
  externalId: z.string().nullable(),
  start: z.string().nullable(),
  status: z.string(),
  appointmentType: z.string().nullable(),
  description: z.string().nullable(),
  specialtyCode: z.string().nullable(),
  specialtyDisplay: z.string().nullable(),
  location: z.string().nullable(),
  /** PKB's id was made storable (domain/match.ts Candidate): shown, never linked. */
  fhirIdNotExact: z.boolean().optional(),
  /** The trust's id was made storable: shown, never stored as the request's PAS id. */
  externalIdNotExact: z.boolean().optional(),
  score: z.number(),
  evidence: z.array(evidenceSchema),
});
/** match_evidence: the decision's summary and the best candidate's evidence ([] until the request was matched). */
const storedEvidenceSchema = z.union([
  z.array(z.never()).transform(() => ({ summary: [] as string[], best: [] as z.infer<typeof evidenceSchema>[] })),
  z.object({ summary: z.array(z.string()), best: z.array(evidenceSchema) }),
]);

export type Evidence = z.infer<typeof evidenceSchema>;
export type StoredCandidate = Omit<z.infer<typeof storedCandidateSchema>, "start"> & { start: Date | null };

/** One message of the request's PKB conversation (never the raw JSON). */
export interface ConversationMessage {
  id: string;
  sentAt: Date;
  subject: string;
  content: string;
  senderId: string | null;
  kind: MessageKind | null;
  /** True for the message this request was made from. */
  isRequest: boolean;
}

/** One history entry with the acting user's name (null actor = the system). */
export interface HistoryEntry {
  id: number;
  at: Date;
  type: EventType;
  actor: { userId: string; displayName: string } | null;
  data: Record<string, unknown>;
}

/** Everything a person needs to act on one request. */
export interface RequestDetail extends RequestListItem {
  conversationId: string;
  outcome: Outcome | null;
  /** {newStart, newStartUk, repeatedHour?} for rebooked, {reason} for rejected, {note} for needs_patient_contact. */
  outcomeDetails: Record<string, unknown> | null;
  attempts: number;
  nextAttemptAt: Date | null;
  requestedStart: Date | null;
  requestedSubject: string | null;
  patientNote: string;
  pkbTeamName: string | null;
  patientState: PatientState;
  patientDetails: {
    title: string | null;
    firstName: string | null;
    lastName: string | null;
    dob: string | null;
    email: string | null;
    phone: string | null;
    fetchedAt: Date;
  } | null;
  evidence: { summary: string[]; best: Evidence[] };
  candidates: StoredCandidate[];
  routingRule: { id: string; name: string } | null;
  assignedUser: { id: string; displayName: string; email: string } | null;
  messages: ConversationMessage[];
  history: HistoryEntry[];
  /** The earlier request for the same appointment (asked again after its outcome). */
  previousRequest: { id: string; receivedAt: Date; outcome: Outcome | null; status: RequestStatus } | null;
}

interface DetailRow extends Omit<ListRow, "sort_key" | "sort_r1" | "sort_r2"> {
  conversation_id: string;
  pkb_message_id: string;
  outcome: Outcome | null;
  outcome_details: Record<string, unknown> | null;
  attempts: number;
  next_attempt_at: Date | null;
  requested_start: Date | null;
  requested_subject: string | null;
  patient_note: string;
  pkb_team_name: string | null;
  patient_state: PatientState;
  match_evidence: unknown;
  candidates: unknown;
  title: string | null;
  dob: string | null;
  email: string | null;
  phone: string | null;
  fetched_at: Date | null;
  rule_id: string | null;
  rule_name: string | null;
  user_display_name: string | null;
  user_email: string | null;
}

/** One request with its conversation, patient, match, routing and history; null when there is no such request. */
export async function getRequestDetail(db: Queryable, id: string): Promise<RequestDetail | null> {
  const [r] = await db.query<DetailRow>(
    `SELECT ${LIST_COLUMNS}, r.conversation_id, r.pkb_message_id, r.outcome, r.outcome_details, r.attempts, r.next_attempt_at,
       r.requested_start, r.requested_subject, r.patient_note, r.pkb_team_name, r.patient_state, r.match_evidence,
       r.candidates, p.title, p.dob, p.email, p.phone, p.fetched_at, rr.id AS rule_id, rr.name AS rule_name,
       u.display_name AS user_display_name, u.email AS user_email
     FROM appointment_requests r
     LEFT JOIN patients p ON p.pkb_user_id = r.patient_pkb_id
     LEFT JOIN teams t ON t.id = r.team_id
     ${CONFIRMATION_JOIN}
     LEFT JOIN routing_rules rr ON rr.id = r.routing_rule_id
     LEFT JOIN users u ON u.id = r.assigned_user_id
     WHERE r.id = $1`,
    [id],
  );
  if (!r) return null;
  const messages = await db.query<{
    pkb_message_id: string;
    sent_at: Date;
    subject: string;
    content: string;
    sender_id: string | null;
    kind: ConversationMessage["kind"];
  }>(
    // Its own conversation, and the messages of repeats attached to it (docs/settling.md).
    `SELECT pkb_message_id, sent_at, subject, content, sender_id, kind FROM pkb_messages
     WHERE conversation_id = $1 OR request_id = $2 ORDER BY sent_at, pkb_message_id`,
    [r.conversation_id, id],
  );
  const [previous] = r.previous_request_id
    ? await db.query<{ id: string; received_at: Date; outcome: Outcome | null; status: RequestStatus }>(
        "SELECT id, received_at, outcome, status FROM appointment_requests WHERE id = $1",
        [r.previous_request_id],
      )
    : [];
  const events = await db.query<{
    id: number;
    at: Date;
    type: EventType;
    actor_user_id: string | null;
    display_name: string | null;
    data: Record<string, unknown>;
  }>(
    `SELECT e.id, e.at, e.type, e.actor_user_id, u.display_name, e.data FROM request_events e
     LEFT JOIN users u ON u.id = e.actor_user_id WHERE e.request_id = $1 ORDER BY e.at, e.id`,
    [id],
  );
  return {
    ...toItem(r),
    conversationId: r.conversation_id,
    outcome: r.outcome,
    outcomeDetails: r.outcome_details,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    requestedStart: r.requested_start,
    requestedSubject: r.requested_subject,
    patientNote: r.patient_note,
    pkbTeamName: r.pkb_team_name,
    patientState: r.patient_state,
    patientDetails: r.fetched_at
      ? {
          title: r.title,
          firstName: r.first_name,
          lastName: r.last_name,
          dob: r.dob,
          email: r.email,
          phone: r.phone,
          fetchedAt: r.fetched_at,
        }
      : null,
    evidence: storedEvidenceSchema.parse(r.match_evidence),
    candidates: z
      .array(storedCandidateSchema)
      .parse(r.candidates)
      .map((c) => ({ ...c, start: c.start ? new Date(c.start) : null })),
    routingRule: r.rule_id && r.rule_name ? { id: r.rule_id, name: r.rule_name } : null,
    assignedUser:
      r.assigned_user_id && r.user_display_name && r.user_email
        ? { id: r.assigned_user_id, displayName: r.user_display_name, email: r.user_email }
        : null,
    messages: messages.map((m) => ({
      id: m.pkb_message_id,
      sentAt: m.sent_at,
      subject: m.subject,
      content: m.content,
      senderId: m.sender_id,
      kind: m.kind,
      isRequest: m.pkb_message_id === r.pkb_message_id,
    })),
    previousRequest: previous
      ? { id: previous.id, receivedAt: previous.received_at, outcome: previous.outcome, status: previous.status }
      : null,
    history: events.map((e) => ({
      id: e.id,
      at: e.at,
      type: e.type,
      actor: e.actor_user_id && e.display_name ? { userId: e.actor_user_id, displayName: e.display_name } : null,
      data: e.data,
    })),
  };
}

/** A specialty seen on a linked appointment, with the name PKB gave it (the most recent one if it changed). */
export interface SpecialtySeen {
  code: string;
  display: string | null;
  requests: number;
}

/** Every specialty any request's appointment has had, by name: for filters in the worklist and the reports. */
export async function listSpecialties(db: Queryable): Promise<SpecialtySeen[]> {
  const rows = await db.query<{ code: string; display: string | null; requests: number }>(
    `SELECT appointment_specialty_code AS code,
            (array_agg(appointment_specialty_display ORDER BY received_at DESC)
               FILTER (WHERE appointment_specialty_display IS NOT NULL))[1] AS display,
            count(*)::int AS requests
       FROM appointment_requests
      WHERE appointment_specialty_code IS NOT NULL
      GROUP BY appointment_specialty_code`,
  );
  return rows.sort((a, b) => (a.display ?? a.code).localeCompare(b.display ?? b.code, "en-GB"));
}
