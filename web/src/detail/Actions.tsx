// Who has the request and what state it is in: claim, assign (team leads), unassign, start, mark done, reopen.
import { useState } from "react";
import { ApiError } from "../api/client.ts";
import type { Directory } from "../api/directory.ts";
import type { Me, RequestDetail } from "../api/types.ts";
import { assign, claim, retry, setStatus, unassign } from "../api/workflow.ts";
import { canAssignOthers, canWork } from "../auth/permissions.ts";
import { FieldError } from "../components/ui.tsx";

export function Actions({
  request,
  me,
  dir,
  onChanged,
  onRecordOutcome,
}: {
  request: RequestDetail;
  me: Me;
  dir: Directory | null;
  onChanged: (message: string) => void;
  onRecordOutcome: () => void;
}) {
  const [assignee, setAssignee] = useState("");
  const [reopenReason, setReopenReason] = useState("");
  const [reopening, setReopening] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const work = canWork(me, request.teamId);
  const lead = canAssignOthers(me, request.teamId);
  const mine = request.assignment.user?.id === me.id;
  const workable = request.status === "open" || request.status === "in_progress";

  const run = async (fn: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onChanged(message);
      return true;
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "That could not be done.");
      return false;
    } finally {
      setBusy(false);
    }
  };

  if (!work && !lead) {
    return (
      <p className="nhsuk-body app-muted" data-testid="read-only">
        You can read this request but not change it.
      </p>
    );
  }

  const members = (dir?.membersOf(request.teamId) ?? []).filter((m) => m.userId !== request.assignment.user?.id);

  return (
    <div className="app-actions" data-testid="actions">
      {error ? (
        <p className="nhsuk-error-message" role="alert">
          <span className="nhsuk-u-visually-hidden">Error:</span> {error}
        </p>
      ) : null}
      {request.status === "error" ? (
        <button
          className="nhsuk-button"
          type="button"
          disabled={busy}
          onClick={() => void run(() => retry(request.id), "Sent back to processing.")}
        >
          Try again
        </button>
      ) : null}
      {workable && work ? (
        <div className="app-button-stack">
          {!request.assignment.user ? (
            <button
              className="nhsuk-button"
              type="button"
              disabled={busy}
              onClick={() => void run(() => claim(request.id), "You have claimed this request.")}
            >
              Claim
            </button>
          ) : !mine && lead ? (
            <button
              className="nhsuk-button nhsuk-button--secondary"
              type="button"
              disabled={busy}
              onClick={() => void run(() => claim(request.id, true), "You have taken over this request.")}
            >
              Take over from {request.assignment.user.displayName}
            </button>
          ) : null}
          <button
            className="nhsuk-button"
            type="button"
            disabled={busy}
            onClick={onRecordOutcome}
            aria-keyshortcuts="r"
          >
            Record an outcome
          </button>
          {request.status === "open" && mine ? (
            <button
              className="nhsuk-button nhsuk-button--secondary"
              type="button"
              disabled={busy}
              onClick={() => void run(() => setStatus(request.id, "in_progress"), "Marked as in progress.")}
            >
              Mark as in progress
            </button>
          ) : null}
          {request.assignment.user && (mine || lead) ? (
            <button
              className="nhsuk-button nhsuk-button--secondary"
              type="button"
              disabled={busy}
              onClick={() => void run(() => unassign(request.id), "Unassigned.")}
            >
              {mine ? "Give back (unassign me)" : "Unassign"}
            </button>
          ) : null}
        </div>
      ) : null}
      {workable && lead ? (
        <form
          className="app-inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const name = members.find((m) => m.userId === assignee)?.displayName ?? "them";
            if (assignee)
              void run(() => assign(request.id, assignee), `Assigned to ${name}.`).then((ok) => ok && setAssignee(""));
          }}
        >
          <div className="nhsuk-form-group">
            <label className="nhsuk-label" htmlFor="assign-to">
              Assign to
            </label>
            <select
              className="nhsuk-select"
              id="assign-to"
              value={assignee}
              onChange={(e) => setAssignee(e.target.value)}
            >
              <option value="">Choose a team member</option>
              {members.map((m) => (
                <option key={m.userId} value={m.userId}>
                  {m.displayName}
                  {m.available ? "" : " (away)"}
                </option>
              ))}
            </select>
          </div>
          <button className="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy || !assignee}>
            Assign
          </button>
        </form>
      ) : null}
      {request.status === "done" && work ? (
        reopening ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (!reopenReason.trim()) {
                setError("Enter why the request is being reopened");
                return;
              }
              void run(() => setStatus(request.id, "open", reopenReason.trim()), "Reopened.").then(
                (ok) => ok && setReopening(false),
              );
            }}
          >
            <div className="nhsuk-form-group">
              <label className="nhsuk-label" htmlFor="reopen-reason">
                Why reopen it?
              </label>
              <FieldError id="reopen-error">{null}</FieldError>
              <textarea
                className="nhsuk-textarea"
                id="reopen-reason"
                rows={2}
                value={reopenReason}
                onChange={(e) => setReopenReason(e.target.value)}
              />
            </div>
            <button className="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
              Reopen
            </button>
          </form>
        ) : (
          <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => setReopening(true)}>
            Reopen
          </button>
        )
      ) : null}
    </div>
  );
}
