// Bulk actions for team leads and admins: assign, or change the status of, the selected requests at once.
import { useState } from "react";
import { ApiError } from "../api/client.ts";
import { bulk, type BulkAction } from "../api/workflow.ts";
import { plural } from "../format.ts";

export function BulkBar({
  ids,
  people,
  onDone,
  onClear,
}: {
  ids: string[];
  people: { userId: string; displayName: string }[];
  onDone: (message: string, failed: { id: string; message: string }[]) => void;
  onClear: () => void;
}) {
  const [assignee, setAssignee] = useState("");
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: BulkAction, what: string) => {
    setBusy(true);
    setError(null);
    try {
      const r = await bulk(ids, action);
      const failed = r.results.flatMap((x) => (x.ok ? [] : [{ id: x.id, message: x.error.message }]));
      onDone(
        `${what}: ${plural(r.succeeded, "request")} updated${r.failed ? `, ${r.failed} could not be` : ""}.`,
        failed,
      );
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "That could not be done.");
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="app-bulk" role="region" aria-label="Bulk actions" data-testid="bulk-bar">
      <p className="nhsuk-body nhsuk-u-font-weight-bold nhsuk-u-margin-bottom-2">
        {plural(ids.length, "request")} selected
      </p>
      {error ? (
        <p className="nhsuk-error-message" role="alert">
          <span className="nhsuk-u-visually-hidden">Error:</span> {error}
        </p>
      ) : null}
      <div className="app-bulk__row">
        <form
          className="app-bulk__form"
          onSubmit={(e) => {
            e.preventDefault();
            if (assignee === "__none") void run({ action: "unassign" }, "Unassigned");
            else if (assignee) void run({ action: "assign", userId: assignee }, "Assigned");
          }}
        >
          <label className="nhsuk-label" htmlFor="bulk-assignee">
            Assign to
          </label>
          <select
            className="nhsuk-select"
            id="bulk-assignee"
            value={assignee}
            onChange={(e) => setAssignee(e.target.value)}
          >
            <option value="">Choose a person</option>
            {people.map((p) => (
              <option key={p.userId} value={p.userId}>
                {p.displayName}
              </option>
            ))}
            <option value="__none">Nobody (unassign)</option>
          </select>
          <button
            className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
            type="submit"
            disabled={busy || !assignee}
          >
            Assign
          </button>
        </form>
        <form
          className="app-bulk__form"
          onSubmit={(e) => {
            e.preventDefault();
            if (status)
              void run({ action: "status", status: status as "open" | "in_progress" | "done" }, "Status changed");
          }}
        >
          <label className="nhsuk-label" htmlFor="bulk-status">
            Change status to
          </label>
          <select className="nhsuk-select" id="bulk-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Choose a status</option>
            <option value="open">Open</option>
            <option value="in_progress">In progress</option>
            <option value="done">Done</option>
          </select>
          <button
            className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
            type="submit"
            disabled={busy || !status}
          >
            Change status
          </button>
        </form>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0 app-bulk__clear"
          onClick={onClear}
        >
          Clear selection
        </button>
      </div>
    </div>
  );
}
