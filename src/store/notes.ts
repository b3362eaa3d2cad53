// Internal notes on a request: what staff want each other to know (never sent to PKB). Adding one is a change to the
// request (history row, audit entry, live update); reading them is a view of the request (audited).
import { AppError } from "../errors.ts";
import type { Queryable } from "./db.ts";
import { appendEvent } from "./requests.ts";
import { auditAction, lockRequest, resultOf, type ActionContext, type WorkflowResult } from "./workflow-base.ts";

/** Longest note, in characters. */
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

/** Adds a note (1..4000 characters after trimming, else 400 `invalid_note`) by someone who may work the request. */
export async function addNote(
  tx: Queryable,
  props: ActionContext & { requestId: string; body: string },
): Promise<{ note: Note; result: WorkflowResult }> {
  const body = props.body.trim();
  if (body.length === 0 || [...body].length > NOTE_MAX_CHARS) {
    throw new AppError("invalid_note", `A note has 1 to ${NOTE_MAX_CHARS} characters`, 400);
  }
  const r = await lockRequest(tx, props.requestId, props.actor, "work");
  const [row] = await tx.query<Row>(
    `WITH n AS (INSERT INTO request_notes (request_id, author_user_id, body) VALUES ($1, $2, $3) RETURNING *)
     SELECT n.id, n.body, n.created_at, n.author_user_id, u.display_name FROM n LEFT JOIN users u ON u.id = n.author_user_id`,
    [r.id, props.actor.id, body],
  );
  const note = toNote(row!);
  await appendEvent(tx, {
    requestId: r.id,
    actorUserId: props.actor.id,
    type: "note_added",
    data: { noteId: note.id },
  });
  await auditAction(tx, props, "request.note_added", r.id, { noteId: note.id });
  return { note, result: await resultOf(tx, r.id, true) };
}

/** A request's notes, oldest first, for someone who may see the request (else 404); the view is audited. */
export async function listNotes(tx: Queryable, props: ActionContext & { requestId: string }): Promise<Note[]> {
  const r = await lockRequest(tx, props.requestId, props.actor, "view", { lock: false });
  const rows = await tx.query<Row>(
    `SELECT n.id, n.body, n.created_at, n.author_user_id, u.display_name FROM request_notes n
     LEFT JOIN users u ON u.id = n.author_user_id WHERE n.request_id = $1 ORDER BY n.created_at, n.id`,
    [r.id],
  );
  await auditAction(tx, props, "request.notes_viewed", r.id);
  return rows.map(toNote);
}
