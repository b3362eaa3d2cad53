// Who has the request and what state it is in: claim, assign (team leads: only people who can take it), unassign,
// start, reopen, and transfer to another team. Done comes with an outcome (the form beside). A change to a request
// someone else holds is asked about first (the holder named).
import { useState } from "react";
import { ApiError } from "../api/client.ts";
import type { Directory } from "../api/directory.ts";
import type { Me, RequestDetail } from "../api/types.ts";
import { warningsOf } from "../api/warnings.ts";
import { assign, claim, retry, setStatus, unassign } from "../api/workflow.ts";
import { canAssignOthers, canView, canWork } from "../auth/permissions.ts";
import type { useHeldConfirm } from "../components/HeldConfirm.tsx";
import { FieldError } from "../components/ui.tsx";
import { assignableFor } from "../worklist/assignable.ts";
import { TransferForm } from "./TransferForm.tsx";

export function Actions({
  request,
  me,
  dir,
  held,
  onChanged,
  onLeft,
  onRecordOutcome,
}: {
  request: RequestDetail;
  me: Me;
  dir: Directory | null;
  /** Asks before writing to a request someone else holds. */
  held: ReturnType<typeof useHeldConfirm>["run"];
  /** Done: the confirmation, and what the API warned about the change. */
  onChanged: (message: string, warnings: string[]) => void;
  /** The request left this person's sight (transferred to a team they are not in): back to the worklist. */
  onLeft: (message: string, warnings: string[]) => void;
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

  /** Runs a write (asking first when someone else holds the request); false when it was not done. */
  const run = async (
    fn: (override: boolean) => Promise<unknown>,
    message: string,
    action = "Change it",
    after: (message: string, warnings: string[]) => void = onChanged,
  ) => {
    setBusy(true);
    setError(null);
    try {
      const done = await held(fn, { action, mayOverride: lead });
      if (done === null) return false;
      after(message, warningsOf(done));
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

  // Only people who can take it: members of its team who work requests (not viewers, not other teams).
  const members = assignableFor(dir?.teams ?? [], [request.teamId]).filter(
    (m) => m.userId !== request.assignment.user?.id,
  );

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
              onClick={() =>
                void run((o) => setStatus(request.id, "in_progress", undefined, o), "Marked as in progress.")
              }
            >
              Mark as in progress
            </button>
          ) : null}
          {request.assignment.user && (mine || lead) ? (
            <button
              className="nhsuk-button nhsuk-button--secondary"
              type="button"
              disabled={busy}
              onClick={() => void run((o) => unassign(request.id, o), "Unassigned.", "Unassign it")}
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
              void run((o) => assign(request.id, assignee, o), `Assigned to ${name}.`, `Assign it to ${name}`).then(
                (ok) => ok && setAssignee(""),
              );
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
              void run((o) => setStatus(request.id, "open", reopenReason.trim(), o), "Reopened.", "Reopen it").then(
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
      {workable && work ? (
        <TransferForm
          request={request}
          teams={dir?.teams ?? []}
          busy={busy}
          run={(fn, message, teamId) => run(fn, message, "Transfer it", canView(me, teamId) ? onChanged : onLeft)}
        />
      ) : null}
    </div>
  );
}
