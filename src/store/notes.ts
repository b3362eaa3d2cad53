// The request_notes repository: internal notes staff write on a request (never sent to PKB). SQL only; adding one is
// the addNote command (src/requests/commands/notes.ts), reading them is a view of the request (audited).
import type { Queryable } from "./db.ts";

/** Longest note, in characters (the CHECK constraint of request_notes.body says the same). */
export const NOTE_MAX_CHARS = 4000;

/** One note. `author` null when the author's account was deleted. */
export interface Note {
  id: number;
  body: string;
  createdAt: Date;
  author: { userId: string; displayName: string } | null;
}

interface Row {
  id: number;
  body: string;
  created_at: Date;
  author_user_id: string | null;
  display_name: string | null;
}

const toNote = (r: Row): Note => ({
  id: r.id,
  body: r.body,
  createdAt: r.created_at,
  author: r.author_user_id && r.display_name ? { userId: r.author_user_id, displayName: r.display_name } : null,
});

/** Inserts a note by `authorUserId` and returns it with its author's name. */
export async function insertNote(
  tx: Queryable,
  n: { requestId: string; authorUserId: string; body: string },
): Promise<Note> {
  const [row] = await tx.query<Row>(
    `WITH n AS (INSERT INTO request_notes (request_id, author_user_id, body) VALUES ($1, $2, $3) RETURNING *)
     SELECT n.id, n.body, n.created_at, n.author_user_id, u.display_name FROM n LEFT JOIN users u ON u.id = n.author_user_id`,
    [n.requestId, n.authorUserId, n.body],
  );
  return toNote(row!);
}

/** A request's notes, oldest first. */
export async function selectNotes(db: Queryable, requestId: string): Promise<Note[]> {
  const rows = await db.query<Row>(
    `SELECT n.id, n.body, n.created_at, n.author_user_id, u.display_name FROM request_notes n
     LEFT JOIN users u ON u.id = n.author_user_id WHERE n.request_id = $1 ORDER BY n.created_at, n.id`,
    [requestId],
  );
  return rows.map(toNote);
}
