// Record what was done: rebooked (to a new UK date and time), cancelled, rejected (with a reason) or needs patient
// contact (with a note). Radios with conditional follow-up questions, an error summary, and the server's own problems.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../api/client.ts";
import type { Outcome } from "../api/types.ts";
import { recordOutcome, type OutcomeInput } from "../api/workflow.ts";
import {
  checkDateTime,
  DateTimeInput,
  emptyDateTime,
  toIsoParts,
  type DateTimeValue,
} from "../components/DateTimeInput.tsx";
import { ErrorSummary, FieldError, type Problem } from "../components/ui.tsx";
import { outcomeText } from "../format.ts";

const OUTCOMES: { value: Outcome; hint: string }[] = [
  { value: "rebooked", hint: "The appointment has been moved in the booking system" },
  { value: "cancelled", hint: "The appointment has been cancelled in the booking system" },
  { value: "rejected", hint: "The request cannot be met; tell us why" },
  { value: "needs_patient_contact", hint: "Someone needs to speak to the patient first" },
];

export function OutcomeForm({
  requestId,
  onDone,
  onCancel,
  onEditing,
}: {
  requestId: string;
  onDone: (text: string) => void;
  onCancel: () => void;
  onEditing: (editing: boolean) => void;
}) {
  const [outcome, setOutcome] = useState<Outcome | "">("");
  const [when, setWhen] = useState<DateTimeValue>(emptyDateTime);
  const [reason, setReason] = useState("");
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState<{
    outcome?: string;
    date?: string;
    time?: string;
    reason?: string;
    note?: string;
  }>({});
  const [serverProblems, setServerProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => {
    first.current?.focus();
    onEditing(true);
    return () => onEditing(false);
  }, [onEditing]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: typeof errors = {};
    if (!outcome) errs.outcome = "Select what happened to the request";
    if (outcome === "rebooked") Object.assign(errs, checkDateTime(when) ?? {});
    if (outcome === "rejected" && !reason.trim()) errs.reason = "Enter why the request was rejected";
    if (outcome === "needs_patient_contact" && !note.trim())
      errs.note = "Enter what the patient needs to be contacted about";
    setErrors(errs);
    setServerProblems([]);
    if (Object.keys(errs).length || !outcome) return;
    let input: OutcomeInput;
    if (outcome === "rebooked") input = { outcome, newStart: toIsoParts(when) };
    else if (outcome === "rejected") input = { outcome, reason: reason.trim() };
    else if (outcome === "needs_patient_contact") input = { outcome, note: note.trim() };
    else input = { outcome };
    setBusy(true);
    try {
      await recordOutcome(requestId, input);
      onDone(`Outcome recorded: ${outcomeText[outcome]}.`);
    } catch (err) {
      const ae = err instanceof ApiError ? err : null;
      setServerProblems(
        ae?.problems.length
          ? ae.problems.map((p) => ({ text: p.message }))
          : [{ text: ae?.message ?? "The outcome could not be recorded." }],
      );
    } finally {
      setBusy(false);
    }
  };

  const problems: Problem[] = [
    ...(errors.outcome ? [{ href: "#outcome-rebooked", text: errors.outcome }] : []),
    ...(errors.date ? [{ href: "#new-start-day", text: errors.date }] : []),
    ...(errors.time ? [{ href: "#new-start-time", text: errors.time }] : []),
    ...(errors.reason ? [{ href: "#outcome-reason", text: errors.reason }] : []),
    ...(errors.note ? [{ href: "#outcome-note", text: errors.note }] : []),
    ...serverProblems,
  ];

  return (
    <form className="app-panel" noValidate onSubmit={(e) => void submit(e)} data-testid="outcome-form">
      <ErrorSummary problems={problems} />
      <div className={`nhsuk-form-group${errors.outcome ? " nhsuk-form-group--error" : ""}`}>
        <fieldset className="nhsuk-fieldset" aria-describedby={errors.outcome ? "outcome-error" : undefined}>
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
            <h2 className="nhsuk-fieldset__heading">Record an outcome</h2>
          </legend>
          <FieldError id="outcome-error">{errors.outcome}</FieldError>
          <div className="nhsuk-radios nhsuk-radios--conditional">
            {OUTCOMES.map((o, i) => (
              <div key={o.value}>
                <div className="nhsuk-radios__item">
                  <input
                    ref={i === 0 ? first : undefined}
                    className="nhsuk-radios__input"
                    id={`outcome-${o.value}`}
                    name="outcome"
                    type="radio"
                    value={o.value}
                    checked={outcome === o.value}
                    aria-describedby={`outcome-${o.value}-hint`}
                    onChange={() => setOutcome(o.value)}
                  />
                  <label className="nhsuk-label nhsuk-radios__label" htmlFor={`outcome-${o.value}`}>
                    {outcomeText[o.value]}
                  </label>
                  <div className="nhsuk-hint nhsuk-radios__hint" id={`outcome-${o.value}-hint`}>
                    {o.hint}
                  </div>
                </div>
                {outcome === "rebooked" && o.value === "rebooked" ? (
                  <div className="nhsuk-radios__conditional">
                    <DateTimeInput
                      idPrefix="new-start"
                      legend="New appointment date"
                      value={when}
                      onChange={setWhen}
                      errors={errors.date || errors.time ? { date: errors.date, time: errors.time } : null}
                    />
                  </div>
                ) : null}
                {outcome === "rejected" && o.value === "rejected" ? (
                  <div className="nhsuk-radios__conditional">
                    <div className={`nhsuk-form-group${errors.reason ? " nhsuk-form-group--error" : ""}`}>
                      <label className="nhsuk-label" htmlFor="outcome-reason">
                        Reason for rejecting
                      </label>
                      <FieldError id="outcome-reason-error">{errors.reason}</FieldError>
                      <textarea
                        className={`nhsuk-textarea${errors.reason ? " nhsuk-textarea--error" : ""}`}
                        id="outcome-reason"
                        rows={3}
                        maxLength={2000}
                        value={reason}
                        onChange={(e) => setReason(e.target.value)}
                      />
                    </div>
                  </div>
                ) : null}
                {outcome === "needs_patient_contact" && o.value === "needs_patient_contact" ? (
                  <div className="nhsuk-radios__conditional">
                    <div className={`nhsuk-form-group${errors.note ? " nhsuk-form-group--error" : ""}`}>
                      <label className="nhsuk-label" htmlFor="outcome-note">
                        What the patient needs to be contacted about
                      </label>
                      <FieldError id="outcome-note-error">{errors.note}</FieldError>
                      <textarea
                        className={`nhsuk-textarea${errors.note ? " nhsuk-textarea--error" : ""}`}
                        id="outcome-note"
                        rows={3}
                        maxLength={2000}
                        value={note}
                        onChange={(e) => setNote(e.target.value)}
                      />
                    </div>
                  </div>
                ) : null}
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      <div className="app-button-row">
        <button className="nhsuk-button" type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save outcome"}
        </button>
        <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
