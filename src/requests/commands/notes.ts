// Internal notes on a request: adding one is a change to the request (history row, audit entry, live update).
import { AppError } from "../../errors.ts";
import type { Db } from "../../store/db.ts";
import { insertNote, NOTE_MAX_CHARS, type Note } from "../../store/notes.ts";
import { howMade, runCommand, type ActionContext, type CommandResult, type WriteOptions } from "../command.ts";
import { requireHolderOrOverride } from "../state.ts";

/**
 * Adds a note (1..4000 characters after trimming, else 400 `invalid_note`) by someone who may work the request; on a
 * request someone else holds, only with override (anyone who may work it may add one then).
 */
export async function addNote(
  db: Db,
  props: ActionContext & WriteOptions & { requestId: string; body: string },
): Promise<{ note: Note; result: CommandResult }> {
  const body = props.body.trim();
  if (body.length === 0 || [...body].length > NOTE_MAX_CHARS) {
    throw new AppError("invalid_note", `A note has 1 to ${NOTE_MAX_CHARS} characters`, 400);
  }
  let note: Note | undefined;
  const result = await runCommand(db, props, async (w) => {
    const how = howMade(requireHolderOrOverride(props.actor, w.request, props.override, "worker"), props);
    note = await insertNote(w.tx, { requestId: w.request.id, authorUserId: props.actor.id, body });
    await w.event("note_added", { noteId: note.id, ...how });
    await w.audit("request.note_added", { noteId: note.id, ...how });
  });
  return { note: note!, result };
}
