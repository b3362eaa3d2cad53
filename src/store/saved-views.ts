// Saved worklist views: a name and the worklist's /api/requests query (filters and sort), personal or for a team.
// Who may see and change which view is decided by the routes (src/http/api/views.ts); this is the SQL.
import type { Queryable } from "./db.ts";

/** One saved view. Exactly one of ownerUserId (personal) and teamId (team) is set. */
export interface SavedView {
  id: string;
  name: string;
  ownerUserId: string | null;
  teamId: string | null;
  teamName: string | null;
  /** The /api/requests query: filters and sort, no cursor or limit. */
  query: string;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: string;
  name: string;
  owner_user_id: string | null;
  team_id: string | null;
  team_name: string | null;
  query: string;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const toView = (r: Row): SavedView => ({
  id: r.id,
  name: r.name,
  ownerUserId: r.owner_user_id,
  teamId: r.team_id,
  teamName: r.team_name,
  query: r.query,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SELECT = `SELECT v.*, t.name AS team_name FROM saved_views v LEFT JOIN teams t ON t.id = v.team_id`;

/**
 * The views a person sees: their own, then those of `teamIds` (null: every team's, for admins); each group by name.
 */
export async function listSavedViews(
  db: Queryable,
  userId: string,
  teamIds: readonly string[] | null,
): Promise<SavedView[]> {
  const rows = await db.query<Row>(
    `${SELECT} WHERE v.owner_user_id = $1::uuid OR (v.team_id IS NOT NULL AND ($2::uuid[] IS NULL OR v.team_id = ANY($2::uuid[])))
     ORDER BY v.team_id IS NOT NULL, t.name NULLS FIRST, lower(v.name), v.id`,
    [userId, teamIds],
  );
  return rows.map(toView);
}

/** One view, or null. */
export async function getSavedView(db: Queryable, id: string): Promise<SavedView | null> {
  const [row] = await db.query<Row>(`${SELECT} WHERE v.id = $1::uuid`, [id]);
  return row ? toView(row) : null;
}

/** Creates a view (a unique violation on saved_views_*_name when its owner or team has one of that name). */
export async function createSavedView(
  db: Queryable,
  v: { name: string; ownerUserId: string | null; teamId: string | null; query: string; createdBy: string },
): Promise<SavedView> {
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO saved_views (name, owner_user_id, team_id, query, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [v.name, v.ownerUserId, v.teamId, v.query, v.createdBy],
  );
  return (await getSavedView(db, row!.id))!;
}

/** Renames a view or changes its query; null when it is gone. */
export async function updateSavedView(
  db: Queryable,
  id: string,
  change: { name?: string; query?: string },
): Promise<SavedView | null> {
  const rows = await db.query<{ id: string }>(
    `UPDATE saved_views SET name = COALESCE($2, name), query = COALESCE($3, query), updated_at = now()
     WHERE id = $1::uuid RETURNING id`,
    [id, change.name ?? null, change.query ?? null],
  );
  return rows.length ? getSavedView(db, id) : null;
}

/** Deletes a view; false when it was gone. */
export async function deleteSavedView(db: Queryable, id: string): Promise<boolean> {
  return (await db.query("DELETE FROM saved_views WHERE id = $1::uuid RETURNING id", [id])).length > 0;
}
