// Internal notes on a request (never sent to the patient or PKB). The note being typed is kept as a draft in this tab
// until it is added; the design system's character count says how many characters remain (and how many too many: a
// note over the limit is refused with a message, never cut). Reading the notes is a view in the audit log
// (request.notes_viewed), so they are read when the request is opened and again only when its history names a note
// the list does not have yet (added by someone else, or one whose live event this page missed); the person's own note
// comes with the answer to adding it.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../api/client.ts";
import type { HistoryEvent, Note } from "../api/types.ts";
import { warningsOf } from "../api/warnings.ts";
import { addNote, listNotes } from "../api/workflow.ts";
import { CharacterCountTextarea, charCount } from "../components/CharacterCount.tsx";
import { whileSending, type useHeldConfirm } from "../components/HeldConfirm.tsx";
import { ukDateTime } from "../format.ts";
import { useDraft } from "../components/drafts.ts";

/** The longest note the API takes (NOTE_MAX_CHARS). */
export const NOTE_MAX = 4000;

const isBlank = (s: string): boolean => s.trim().length === 0;

/** The ids of the notes a request's history says were added (its note_added rows), as text. */
export function noteIdsIn(history: HistoryEvent[]): string[] {
  return history.flatMap((e) =>
    e.type === "note_added" && (typeof e.data.noteId === "number" || typeof e.data.noteId === "string")
      ? [String(e.data.noteId)]
      : [],
  );
}

export function Notes({
  requestId,
  userId,
  canAdd,
  held,
  noteIds,
  onAdded,
  onEditing,
}: {
  requestId: string;
  userId: string;
  canAdd: boolean;
  /** Asks before writing to a request someone else holds. */
  held: ReturnType<typeof useHeldConfirm>["run"];
  /** The notes the request has, as last loaded (noteIdsIn its history): one the list lacks is read. */
  noteIds: string[];
  /** Added: with what the API warned about the change. */
  onAdded: (warnings: string[]) => void;
  /** Whether a note is being typed (presence, and the warning before leaving). */
  onEditing: (editing: boolean) => void;
}) {
  const [notes, setNotes] = useState<Note[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const draft = useDraft<string>({ userId, kind: "note", requestId }, "", isBlank);
  const text = draft.value;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Only while the note is on its way to the server (not while the person is asked about a held request).
  const [sending, setSending] = useState(false);

  const load = useCallback(() => {
    listNotes(requestId)
      .then((r) => {
        setNotes(r.items);
        setLoadError(null);
      })
      .catch((err: unknown) => setLoadError(err instanceof ApiError ? err.message : "Notes could not be loaded."));
  }, [requestId]);
  // Opening the request: read once.
  useEffect(load, [load]);
  // A note the list lacks (none while the first reading is on its way): read again, once for it. Other changes to the
  // request (a claim, an outcome, a PKB check) leave the notes as they are.
  const missing = notes === null ? "" : noteIds.filter((n) => !notes.some((note) => String(note.id) === n)).join(",");
  useEffect(() => {
    if (missing) load();
  }, [missing, load]);
  const typing = !isBlank(text);
  useEffect(() => {
    onEditing(typing);
    return () => onEditing(false);
  }, [typing, onEditing]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = text.trim();
    if (!body) {
      setError("Enter a note");
      return;
    }
    const over = charCount(body) - NOTE_MAX;
    if (over > 0) {
      setError(
        `The note is ${over.toLocaleString("en-GB")} ${over === 1 ? "character" : "characters"} too long: shorten it to ${NOTE_MAX.toLocaleString("en-GB")} characters or fewer`,
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const added = await held(
        whileSending((override) => addNote(requestId, body, override), setSending),
        {
          action: "Add the note",
          mayOverride: true,
        },
      );
      if (added === null) return;
      draft.discard();
      // The note as saved, from the answer: reading the list again would be another view for no change.
      setNotes((ns) => (ns?.some((n) => n.id === added.note.id) ? ns : [...(ns ?? []), added.note]));
      onAdded(warningsOf(added));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The note could not be saved.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="notes-heading" className="app-section">
      <h2 className="nhsuk-heading-m" id="notes-heading">
        Internal notes
      </h2>
      {loadError ? <p className="nhsuk-body app-muted">{loadError}</p> : null}
      {notes && notes.length === 0 ? <p className="nhsuk-body app-muted">No notes yet.</p> : null}
      {notes && notes.length > 0 ? (
        <ul className="nhsuk-list app-notes" data-testid="notes">
          {notes.map((n) => (
            <li key={n.id} className="app-note">
              <p className="app-note__meta">
                <strong>{n.author?.displayName ?? "Someone"}</strong> · {ukDateTime(n.createdAt)}
              </p>
              <p className="app-note__text">{n.body}</p>
            </li>
          ))}
        </ul>
      ) : null}
      {canAdd ? (
        <form noValidate onSubmit={(e) => void submit(e)}>
          {draft.restored && typing ? (
            <p className="nhsuk-body-s app-muted" data-testid="note-draft-restored">
              Your unsaved note from {ukDateTime(draft.restored)} has been restored.
            </p>
          ) : null}
          <CharacterCountTextarea
            id="note-text"
            label="Add a note"
            hint="Only staff see notes. They are not sent to the patient."
            value={text}
            maxLength={NOTE_MAX}
            error={error}
            onChange={(v) => {
              draft.set(v);
              if (error) setError(null);
            }}
          />
          <button className="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
            {sending ? "Saving…" : "Add note"}
          </button>
        </form>
      ) : null}
    </section>
  );
}
