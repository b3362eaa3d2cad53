// Access to one request for the signed-in user: a request they may not see answers 404 (as if it did not exist, so
// its existence is not leaked); one they may see but not change answers 403.
import { AppError, notFound } from "../errors.ts";
import type { Queryable } from "../store/db.ts";
import { canAssignOthers, canViewRequest, canWorkRequest, type SessionUser } from "./permissions.ts";

/** What the caller wants to do with the request. */
export type RequestAccess = "view" | "work" | "assign";

const allowed: Record<RequestAccess, (user: SessionUser, teamId: string | null) => boolean> = {
  view: canViewRequest,
  work: canWorkRequest,
  assign: canAssignOthers,
};

/** 404 unless `user` may see a request owned by `teamId`; 403 unless they may also do `need`. */
export function checkRequestAccess(user: SessionUser, teamId: string | null, need: RequestAccess): void {
  if (!canViewRequest(user, teamId)) throw notFound("Request");
  if (!allowed[need](user, teamId)) {
    throw new AppError("forbidden", "You do not have permission to do that to this request", 403);
  }
}

/**
 * Loads the owning team of request `id` and checks `need` for `user` (see checkRequestAccess); returns the team id.
 * Pass `forUpdate` inside a transaction to lock the row.
 */
export async function authorizeRequest(
  db: Queryable,
  user: SessionUser,
  id: string,
  need: RequestAccess,
  opts: { forUpdate?: boolean } = {},
): Promise<{ teamId: string | null }> {
  const [row] = await db.query<{ team_id: string | null }>(
    `SELECT team_id FROM appointment_requests WHERE id = $1${opts.forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  if (!row) throw notFound("Request");
  checkRequestAccess(user, row.team_id, need);
  return { teamId: row.team_id };
}
