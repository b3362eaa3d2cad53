// Appointment requests and their history. Every state change goes through a function here that writes the change and
// its request_events row in the caller's transaction.
import type { Queryable } from "./db.ts";

export type RequestStatus = "processing" | "open" | "in_progress" | "done" | "error";

/** One history entry. `actorUserId` null means the system did it. */
export interface RequestEvent {
  id: number;
  requestId: string;
  at: Date;
  actorUserId: string | null;
  type: string;
  data: Record<string, unknown>;
}

/** The fields a new request starts with: what the message itself says. */
export interface NewRequest {
  pkbMessageId: string;
  conversationId: string;
  receivedAt: Date;
  type: "change" | "cancel" | null;
  parseStatus: "parsed" | "unparseable";
  requestedStart: Date | null;
  requestedSubject: string | null;
  patientNote: string;
  pkbTeamName: string | null;
  patientPkbId: string | null;
}

/**
 * Creates the request for a message and its first history event, or returns null when the message already has one
 * (so ingesting the same message twice is harmless). Call inside a transaction.
 */
export async function createRequest(tx: Queryable, r: NewRequest): Promise<string | null> {
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
  const id = rows[0]?.id;
  if (!id) return null;
  await appendEvent(tx, {
    requestId: id,
    actorUserId: null,
    type: "received",
    data: { parseStatus: r.parseStatus, type: r.type },
  });
  return id;
}

/** Appends a history event. */
export async function appendEvent(
  tx: Queryable,
  e: { requestId: string; actorUserId: string | null; type: string; data?: Record<string, unknown>; at?: Date },
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
    type: string;
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

/**
 * Claims up to `limit` requests whose pipeline work is due, skipping rows another worker holds: `FOR UPDATE SKIP
 * LOCKED`, so concurrent workers never take the same request. Call inside a transaction; the locks last until it ends.
 */
export async function claimDueRequests(tx: Queryable, limit: number): Promise<string[]> {
  const rows = await tx.query<{ id: string }>(
    `SELECT id FROM appointment_requests
     WHERE status = 'processing' AND next_attempt_at <= now()
     ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map((r) => r.id);
}

/** Changes a request's workflow status and records the change. */
export async function setStatus(
  tx: Queryable,
  requestId: string,
  status: RequestStatus,
  actorUserId: string | null,
  data: Record<string, unknown> = {},
): Promise<void> {
  const [prev] = await tx.query<{ status: RequestStatus }>(
    "SELECT status FROM appointment_requests WHERE id = $1 FOR UPDATE",
    [requestId],
  );
  if (!prev) throw new Error(`Request ${requestId} does not exist`);
  if (prev.status === status) return;
  await tx.query("UPDATE appointment_requests SET status = $2, updated_at = now() WHERE id = $1", [requestId, status]);
  await appendEvent(tx, {
    requestId,
    actorUserId,
    type: "status_changed",
    data: { from: prev.status, to: status, ...data },
  });
}
