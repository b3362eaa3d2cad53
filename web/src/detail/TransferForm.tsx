// Moving a misrouted request to another team, with a reason. The new team's auto-assignment then applies; whoever
// held it here lets go. (A clerk who is not in the new team will no longer see the request.)
import { useState } from "react";
import type { RequestDetail, Team } from "../api/types.ts";
import { transfer } from "../api/workflow.ts";
import { CharacterCountTextarea, charCount } from "../components/CharacterCount.tsx";
import { FieldError } from "../components/ui.tsx";

const REASON_MAX = 2000;

export function TransferForm({
  request,
  teams,
  busy,
  run,
}: {
  request: RequestDetail;
  teams: Team[];
  busy: boolean;
  /** Runs the write (asking first when someone else holds the request); resolves false when it was not done. */
  run: (fn: (override: boolean) => Promise<unknown>, message: string, teamId: string) => Promise<boolean>;
}) {
  const [teamId, setTeamId] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<{ team?: string; reason?: string }>({});
  const others = teams.filter((t) => t.id !== request.teamId);
  if (others.length === 0) return null;
  return (
    <details className="nhsuk-details app-transfer" data-testid="transfer">
      <summary className="nhsuk-details__summary">
        <span className="nhsuk-details__summary-text">Transfer to another team</span>
      </summary>
      <div className="nhsuk-details__text">
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const errs: typeof errors = {};
            if (!teamId) errs.team = "Select the team to transfer the request to";
            if (!reason.trim()) errs.reason = "Enter why the request is moving to another team";
            else if (charCount(reason.trim()) > REASON_MAX)
              errs.reason = `The reason must be ${REASON_MAX.toLocaleString("en-GB")} characters or fewer`;
            setErrors(errs);
            if (errs.team || errs.reason) return;
            const name = others.find((t) => t.id === teamId)?.name ?? "the team";
            void run((o) => transfer(request.id, teamId, reason.trim(), o), `Transferred to ${name}.`, teamId).then(
              (ok) => {
                if (!ok) return;
                setTeamId("");
                setReason("");
              },
            );
          }}
        >
          <div className={`nhsuk-form-group${errors.team ? " nhsuk-form-group--error" : ""}`}>
            <label className="nhsuk-label" htmlFor="transfer-team">
              Team
            </label>
            <FieldError id="transfer-team-error">{errors.team}</FieldError>
            <select
              className={`nhsuk-select${errors.team ? " nhsuk-select--error" : ""}`}
              id="transfer-team"
              value={teamId}
              aria-describedby={errors.team ? "transfer-team-error" : undefined}
              onChange={(e) => setTeamId(e.target.value)}
            >
              <option value="">Choose a team</option>
              {others.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
          <CharacterCountTextarea
            id="transfer-reason"
            label="Why it is moving"
            value={reason}
            maxLength={REASON_MAX}
            rows={2}
            error={errors.reason}
            onChange={setReason}
          />
          <button className="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
            Transfer
          </button>
        </form>
      </div>
    </details>
  );
}
