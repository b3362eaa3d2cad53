// The two bulk forms that change what becomes of requests: one outcome for all of them (not a rebooking: each has its
// own new time), and a transfer to another team with a reason. Each checks its fields, then hands over to the bar,
// which asks for confirmation naming the requests.
import { useState } from "react";
import type { Team } from "../api/types.ts";
import type { BulkOutcomeInput } from "../api/workflow.ts";
import { FieldError } from "../components/ui.tsx";
import { outcomeText } from "../format.ts";

type BulkOutcome = BulkOutcomeInput["outcome"];
const BULK_OUTCOMES: BulkOutcome[] = ["cancelled", "rejected", "needs_patient_contact"];

export function BulkOutcomeForm({
  busy,
  onSubmit,
}: {
  busy: boolean;
  onSubmit: (o: BulkOutcomeInput, label: string) => void;
}) {
  const [outcome, setOutcome] = useState<BulkOutcome | "">("");
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const needsText = outcome === "rejected" || outcome === "needs_patient_contact";
  return (
    <form
      className="app-bulk__form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!outcome) return;
        if (needsText && !text.trim()) {
          setError(outcome === "rejected" ? "Enter why the requests were rejected" : "Enter what the patients need");
          return;
        }
        setError(null);
        const o: BulkOutcomeInput =
          outcome === "rejected"
            ? { outcome, reason: text.trim() }
            : outcome === "needs_patient_contact"
              ? { outcome, note: text.trim() }
              : { outcome };
        onSubmit(o, outcomeText[outcome]);
      }}
    >
      <label className="nhsuk-label" htmlFor="bulk-outcome">
        Record an outcome
      </label>
      <select
        className="nhsuk-select"
        id="bulk-outcome"
        value={outcome}
        onChange={(e) => setOutcome(e.target.value as BulkOutcome | "")}
      >
        <option value="">Choose an outcome</option>
        {BULK_OUTCOMES.map((o) => (
          <option key={o} value={o}>
            {outcomeText[o]}
          </option>
        ))}
      </select>
      {needsText ? (
        <div className={`nhsuk-form-group app-bulk__text${error ? " nhsuk-form-group--error" : ""}`}>
          <label className="nhsuk-label" htmlFor="bulk-outcome-text">
            {outcome === "rejected" ? "Reason for rejecting" : "What the patients need to be contacted about"}
          </label>
          <FieldError id="bulk-outcome-text-error">{error}</FieldError>
          <input
            className={`nhsuk-input${error ? " nhsuk-input--error" : ""}`}
            id="bulk-outcome-text"
            value={text}
            maxLength={2000}
            aria-describedby={error ? "bulk-outcome-text-error" : undefined}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
      ) : null}
      <button
        className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
        type="submit"
        disabled={busy || !outcome}
      >
        Record outcome
      </button>
    </form>
  );
}

export function BulkTransferForm({
  busy,
  teams,
  onSubmit,
}: {
  busy: boolean;
  teams: Team[];
  onSubmit: (teamId: string, reason: string) => void;
}) {
  const [teamId, setTeamId] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="app-bulk__form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!teamId) return;
        if (!reason.trim()) {
          setError("Enter why the requests are moving to another team");
          return;
        }
        setError(null);
        onSubmit(teamId, reason.trim());
      }}
    >
      <label className="nhsuk-label" htmlFor="bulk-transfer-team">
        Transfer to team
      </label>
      <select
        className="nhsuk-select"
        id="bulk-transfer-team"
        value={teamId}
        onChange={(e) => setTeamId(e.target.value)}
      >
        <option value="">Choose a team</option>
        {teams.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
      <div className={`nhsuk-form-group app-bulk__text${error ? " nhsuk-form-group--error" : ""}`}>
        <label className="nhsuk-label" htmlFor="bulk-transfer-reason">
          Reason for the transfer
        </label>
        <FieldError id="bulk-transfer-reason-error">{error}</FieldError>
        <input
          className={`nhsuk-input${error ? " nhsuk-input--error" : ""}`}
          id="bulk-transfer-reason"
          value={reason}
          maxLength={2000}
          aria-describedby={error ? "bulk-transfer-reason-error" : undefined}
          onChange={(e) => setReason(e.target.value)}
        />
      </div>
      <button
        className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
        type="submit"
        disabled={busy || !teamId}
      >
        Transfer
      </button>
    </form>
  );
}
