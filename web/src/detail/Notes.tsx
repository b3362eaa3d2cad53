// Internal notes on a request (never sent to the patient or PKB).
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../api/client.ts";
import type { Note } from "../api/types.ts";
import { addNote, listNotes } from "../api/workflow.ts";
import { FieldError } from "../components/ui.tsx";
import { ukDateTime } from "../format.ts";

export function Notes({
  requestId,
  canAdd,
  version,
  onAdded,
  onEditing,
}: {
  requestId: string;
  canAdd: boolean;
  /** Changes when the request changed elsewhere, to reload. */
  version: number;
  onAdded: () => void;
  onEditing: (editing: boolean) => void;
}) {
  const [notes, setNotes] = useState<Note[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    listNotes(requestId)
      .then((r) => {
        setNotes(r.items);
        setLoadError(null);
      })
      .catch((err: unknown) => setLoadError(err instanceof ApiError ? err.message : "Notes could not be loaded."));
  }, [requestId]);
  useEffect(load, [load, version]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) {
      setError("Enter a note");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await addNote(requestId, text.trim());
      setText("");
      onEditing(false);
      load();
      onAdded();
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
          <div className={`nhsuk-form-group${error ? " nhsuk-form-group--error" : ""}`}>
            <label className="nhsuk-label" htmlFor="note-text">
              Add a note
            </label>
            <div className="nhsuk-hint" id="note-hint">
              Only staff see notes. They are not sent to the patient.
            </div>
            <FieldError id="note-error">{error}</FieldError>
            <textarea
              className={`nhsuk-textarea${error ? " nhsuk-textarea--error" : ""}`}
              id="note-text"
              rows={3}
              maxLength={4000}
              value={text}
              aria-describedby={`note-hint${error ? " note-error" : ""}`}
              onChange={(e) => {
                setText(e.target.value);
                onEditing(e.target.value.trim().length > 0);
              }}
            />
          </div>
          <button className="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
            {busy ? "Saving…" : "Add note"}
          </button>
        </form>
      ) : null}
    </section>
  );
}
