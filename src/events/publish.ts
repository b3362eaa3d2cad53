// Publishing request changes that happened elsewhere (the pipeline): reads each request's current team, status and
// assignee after the change committed and puts one event per request on the bus. Never throws: a live update is a hint,
// and the pipeline must not fail because a screen could not be told.
import type { Db } from "../store/db.ts";
import { eventBus, type RequestChange } from "./bus.ts";

interface Row {
  id: string;
  team_id: string | null;
  status: RequestChange["status"];
  assigned_user_id: string | null;
}

async function publishRows(db: Db, type: RequestChange["type"], rows: Row[]): Promise<void> {
  const at = new Date().toISOString();
  await eventBus(db).publishMany(
    rows.map((r) => ({
      type,
      requestId: r.id,
      teamId: r.team_id,
      status: r.status,
      assignedUserId: r.assigned_user_id,
      actorUserId: null, // the pipeline's changes
      at,
    })),
  );
}

/** An event for a request whose state the caller has in hand (its writer kept it up to date): nothing to read. */
export async function publishRequestState(
  db: Db,
  type: RequestChange["type"],
  r: { id: string; teamId: string | null; status: RequestChange["status"]; assignedUserId: string | null },
): Promise<void> {
  await publishRows(db, type, [{ id: r.id, team_id: r.teamId, status: r.status, assigned_user_id: r.assignedUserId }]);
}

/** publishRequestState for many requests at once (one NOTIFY per few dozen); never throws. */
export async function publishRequestStates(
  db: Db,
  type: RequestChange["type"],
  rs: readonly { id: string; teamId: string | null; status: RequestChange["status"]; assignedUserId: string | null }[],
): Promise<void> {
  if (rs.length === 0) return;
  try {
    await publishRows(
      db,
      type,
      rs.map((r) => ({ id: r.id, team_id: r.teamId, status: r.status, assigned_user_id: r.assignedUserId })),
    );
  } catch {
    // A live update is a hint: the store is the truth.
  }
}

/** `request.updated` for one request, after the transaction that changed it committed. */
export async function publishRequestUpdated(db: Db, requestId: string): Promise<void> {
  try {
    const rows = await db.query<Row>(
      "SELECT id, team_id, status, assigned_user_id FROM appointment_requests WHERE id = $1",
      [requestId],
    );
    await publishRows(db, "request.updated", rows);
  } catch {
    // The store went away (shutdown) or the request was deleted: nothing to tell.
  }
}

/** `request.created` for the requests made from these PKB messages, after the batch that stored them committed. */
export async function publishRequestsCreated(db: Db, pkbMessageIds: readonly string[]): Promise<void> {
  if (pkbMessageIds.length === 0) return;
  try {
    const rows = await db.query<Row>(
      `SELECT id, team_id, status, assigned_user_id FROM appointment_requests WHERE pkb_message_id = ANY($1::text[])
       ORDER BY received_at, id`,
      [pkbMessageIds],
    );
    await publishRows(db, "request.created", rows);
  } catch {
    // As above.
  }
}
