// Bulk actions for team leads and admins on the selected requests: assign (only to people who can take every one of
// them), move between open and in progress, record one outcome (after a confirmation that says how many and which),
// or transfer to another team with a reason (confirmed the same way). Requests someone else holds are not changed
// until the lead says so, with the holders named.
import { useState } from "react";
import { ApiError } from "../api/client.ts";
import type { RequestItem, Team } from "../api/types.ts";
import { bulkWarnings } from "../api/warnings.ts";
import { bulk, type BulkAction, type BulkOutcomeInput, type BulkResult } from "../api/workflow.ts";
import { Dialog } from "../components/Dialog.tsx";
import { nhsNumber, plural } from "../format.ts";
import { assignableFor } from "./assignable.ts";
import { BulkOutcomeForm, BulkTransferForm } from "./BulkForms.tsx";

/**
 * What a bulk action did: a sentence, each request that could not be changed (patient and reason), and what the API
 * warned about those changed (each after its patient).
 */
export type BulkReport = (message: string, failed: { id: string; message: string }[], warnings: string[]) => void;

const patientLabel = (r: RequestItem | undefined): string =>
  r
    ? `${r.patient.name ?? "Patient not identified"}${r.patient.nhsNumber ? ` (${nhsNumber(r.patient.nhsNumber)})` : ""}`
    : "";

interface Pending {
  title: string;
  /** What pressing the button does, e.g. "Record the outcome". */
  confirm: string;
  detail: string | null;
  action: BulkAction;
  what: string;
}

export function BulkBar({
  rows,
  teams,
  names,
  onDone,
  onClear,
}: {
  /** The selected requests. */
  rows: RequestItem[];
  teams: Team[];
  names: ReadonlyMap<string, string>;
  onDone: BulkReport;
  onClear: () => void;
}) {
  const [assignee, setAssignee] = useState("");
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [held, setHeld] = useState<{ ids: string[]; resolve: (yes: boolean) => void } | null>(null);
  const ids = rows.map((r) => r.id);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const people = assignableFor(
    teams,
    rows.map((r) => r.teamId),
  );
  const severalTeams = new Set(rows.map((r) => r.teamId)).size > 1;

  /** Asks whether to go ahead on the requests someone else holds (nothing was written to them). */
  const askHeld = (heldIds: string[]) => new Promise<boolean>((resolve) => setHeld({ ids: heldIds, resolve }));
  const answerHeld = (yes: boolean) => {
    held?.resolve(yes);
    setHeld(null);
  };

  const run = async (action: BulkAction, what: string) => {
    setBusy(true);
    setError(null);
    try {
      const first = await bulk(ids, action);
      const heldIds = first.results.flatMap((x) => (!x.ok && x.error.code === "held_by_other" ? [x.id] : []));
      let results: BulkResult["results"] = first.results;
      let left = 0;
      if (heldIds.length > 0) {
        if (await askHeld(heldIds)) {
          const again = new Map((await bulk(heldIds, action, true)).results.map((x) => [x.id, x]));
          results = results.map((x) => again.get(x.id) ?? x);
        } else {
          left = heldIds.length;
          results = results.filter((x) => !heldIds.includes(x.id));
        }
      }
      const succeeded = results.filter((x) => x.ok).length;
      const failed = results.flatMap((x) =>
        x.ok ? [] : [{ id: x.id, message: `${patientLabel(byId.get(x.id))}: ${x.error.message}` }],
      );
      onDone(
        `${what}: ${plural(succeeded, "request")} updated${failed.length ? `, ${failed.length} could not be` : ""}${
          left ? `, ${left} left as they are because someone else has them` : ""
        }.`,
        failed,
        bulkWarnings(results, (id) => patientLabel(byId.get(id))),
      );
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "That could not be done.");
    } finally {
      setBusy(false);
    }
  };

  const confirmOutcome = (o: BulkOutcomeInput, label: string) =>
    setPending({
      title: `Record “${label}” for ${plural(ids.length, "request")}?`,
      confirm: `Record ${label.toLowerCase()} for ${plural(ids.length, "request")}`,
      detail:
        o.outcome === "rejected"
          ? `Reason: ${o.reason}`
          : o.outcome === "needs_patient_contact"
            ? `Note: ${o.note}`
            : null,
      action: { action: "outcome", outcome: o },
      what: `Outcome recorded (${label})`,
    });
  const confirmTransfer = (teamId: string, reason: string) => {
    const name = teams.find((t) => t.id === teamId)?.name ?? "the team";
    setPending({
      title: `Transfer ${plural(ids.length, "request")} to ${name}?`,
      confirm: `Transfer ${plural(ids.length, "request")}`,
      detail: `Reason: ${reason}`,
      action: { action: "transfer", teamId, reason },
      what: `Transferred to ${name}`,
    });
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
          {severalTeams ? (
            <div className="nhsuk-hint app-bulk__hint" id="bulk-assignee-hint">
              Only people in the team of every selected request
            </div>
          ) : null}
          <select
            className="nhsuk-select"
            id="bulk-assignee"
            value={assignee}
            aria-describedby={severalTeams ? "bulk-assignee-hint" : undefined}
            onChange={(e) => setAssignee(e.target.value)}
          >
            <option value="">{people.length ? "Choose a person" : "Nobody can take all of these"}</option>
            {people.map((p) => (
              <option key={p.userId} value={p.userId}>
                {p.displayName}
                {p.available ? "" : " (away)"}
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
            if (status === "open" || status === "in_progress") void run({ action: "status", status }, "Status changed");
          }}
        >
          <label className="nhsuk-label" htmlFor="bulk-status">
            Change status to
          </label>
          <div className="nhsuk-hint app-bulk__hint" id="bulk-status-hint">
            To close requests, record an outcome
          </div>
          <select
            className="nhsuk-select"
            id="bulk-status"
            value={status}
            aria-describedby="bulk-status-hint"
            onChange={(e) => setStatus(e.target.value)}
          >
            <option value="">Choose a status</option>
            <option value="open">Open</option>
            <option value="in_progress">In progress</option>
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
      <div className="app-bulk__row app-bulk__row--more">
        <BulkOutcomeForm busy={busy} onSubmit={confirmOutcome} />
        <BulkTransferForm busy={busy} teams={teams} onSubmit={confirmTransfer} />
      </div>
      <Dialog open={pending !== null} title={pending?.title ?? ""} onClose={() => setPending(null)} closeButton={false}>
        {pending ? (
          <div data-testid="bulk-confirm">
            <p className="nhsuk-body">These requests:</p>
            <ul className="nhsuk-list nhsuk-list--bullet">
              {rows.map((r) => (
                <li key={r.id}>
                  <bdi>{patientLabel(r)}</bdi>
                </li>
              ))}
            </ul>
            {pending.detail ? <p className="nhsuk-body">{pending.detail}</p> : null}
            <div className="app-button-row">
              <button
                type="button"
                className="nhsuk-button"
                onClick={() => {
                  const p = pending;
                  setPending(null);
                  void run(p.action, p.what);
                }}
              >
                {pending.confirm}
              </button>
              <button
                type="button"
                className="nhsuk-button nhsuk-button--secondary"
                data-autofocus
                onClick={() => setPending(null)}
              >
                Go back, change nothing
              </button>
            </div>
          </div>
        ) : null}
      </Dialog>
      <Dialog
        open={held !== null}
        title={
          held ? `${plural(held.ids.length, "request")} ${held.ids.length === 1 ? "is" : "are"} someone else's` : ""
        }
        onClose={() => answerHeld(false)}
        closeButton={false}
      >
        {held ? (
          <div data-testid="bulk-held">
            <p className="nhsuk-body">
              Someone else is working on these, so they have not been changed. Check with them first.
            </p>
            <ul className="nhsuk-list nhsuk-list--bullet">
              {held.ids.map((id) => {
                const r = byId.get(id);
                const holder = r?.assignedUserId ? (names.get(r.assignedUserId) ?? "someone else") : "someone else";
                return (
                  <li key={id}>
                    <bdi>{patientLabel(r)}</bdi>: held by {holder}
                  </li>
                );
              })}
            </ul>
            <div className="app-button-row">
              <button type="button" className="nhsuk-button nhsuk-button--warning" onClick={() => answerHeld(true)}>
                Change them anyway
              </button>
              <button
                type="button"
                className="nhsuk-button nhsuk-button--secondary"
                data-autofocus
                onClick={() => answerHeld(false)}
              >
                Leave them as they are
              </button>
            </div>
          </div>
        ) : null}
      </Dialog>
    </div>
  );
}
