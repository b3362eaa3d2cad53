// Record what was done: rebooked (to a new UK date and time), cancelled, rejected (with a reason) or needs patient
// contact (with a note). Radios with conditional follow-up questions, an error summary, and the server's own problems.
// What is typed is kept as a draft in this tab (through a session that ends, a reload, leaving the page) until it is
// saved or discarded ("Close without saving": never a bare "Cancel", which beside "Cancelled" would read as cancelling
// the appointment). A new time already past must be confirmed as a change made in the past. "Save and next" goes on
// to the next request of the worklist view the request was opened from.
import { Fragment, useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../api/client.ts";
import type { PersonOutcome as Outcome, Proposal } from "../api/types.ts";
import { warningsOf } from "../api/warnings.ts";
import { recordOutcome, type OutcomeInput } from "../api/workflow.ts";
import { CharacterCountTextarea, charCount } from "../components/CharacterCount.tsx";
import {
  checkDateTime,
  DateTimeInput,
  emptyDateTime,
  isPastUk,
  toIsoParts,
  type DateTimeValue,
} from "../components/DateTimeInput.tsx";
import { whileSending, type useHeldConfirm } from "../components/HeldConfirm.tsx";
import { ErrorSummary, FieldError, Inset, type Problem } from "../components/ui.tsx";
import { outcomeText, suggestedStart, ukDateTime } from "../format.ts";
import { useDraft } from "../components/drafts.ts";

const OUTCOMES: { value: Outcome; hint: string }[] = [
  { value: "rebooked", hint: "The appointment has been moved in the booking system" },
  { value: "cancelled", hint: "The appointment has been cancelled in the booking system" },
  { value: "rejected", hint: "The request cannot be met; tell us why" },
  { value: "needs_patient_contact", hint: "Someone needs to speak to the patient first" },
];

const TEXT_MAX = 2000;

/** The form as typed: what is kept as the draft. */
interface Draft {
  outcome: Outcome | "";
  when: DateTimeValue;
  reason: string;
  note: string;
  confirmPast: boolean;
}
const EMPTY: Draft = { outcome: "", when: emptyDateTime, reason: "", note: "", confirmPast: false };
const isEmpty = (d: Draft): boolean =>
  !d.outcome && !d.reason.trim() && !d.note.trim() && !Object.values(d.when).some((v: string) => v.trim());

type Errors = { outcome?: string; date?: string; time?: string; reason?: string; note?: string; past?: string };

export function OutcomeForm({
  requestId,
  proposals,
  userId,
  held,
  mayOverride,
  hasNext,
  onDone,
  onCancel,
  onEditing,
  onDirty,
}: {
  requestId: string;
  /** What the patient proposes: the first day fills the rebook date. */
  proposals?: Proposal[];
  userId: string;
  /** Asks before writing to a request someone else holds. */
  held: ReturnType<typeof useHeldConfirm>["run"];
  /** Whether this person may go ahead on a request someone else holds. */
  mayOverride: boolean;
  /** Whether there is a next request to go on to ("Save and next"). */
  hasNext: boolean;
  /** Saved: the confirmation, whether to go on to the next request, and what the API warned about the outcome. */
  onDone: (text: string, next: boolean, warnings: string[]) => void;
  onCancel: () => void;
  onEditing: (editing: boolean) => void;
  onDirty: (dirty: boolean) => void;
}) {
  const draft = useDraft<Draft>({ userId, kind: "outcome", requestId }, EMPTY, isEmpty);
  const { outcome, when, reason, note, confirmPast } = draft.value;
  const set = (change: Partial<Draft>) => draft.set({ ...draft.value, ...change });
  const [errors, setErrors] = useState<Errors>({});
  const [serverProblems, setServerProblems] = useState<Problem[]>([]);
  const [pastFromServer, setPastFromServer] = useState(false);
  const [busy, setBusy] = useState(false);
  // Only while the outcome is on its way to the server (not while the person is asked about a held request).
  const [sending, setSending] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  const suggestion = suggestedStart(proposals);

  useEffect(() => {
    first.current?.focus();
    onEditing(true);
    return () => onEditing(false);
  }, [onEditing]);
  const dirty = !isEmpty(draft.value);
  useEffect(() => {
    onDirty(dirty);
    return () => onDirty(false);
  }, [dirty, onDirty]);

  // A rebooking to a time already past: say so beside the date, and ask for the confirmation.
  const typedStart = outcome === "rebooked" && !checkDateTime(when) ? toIsoParts(when) : null;
  const inPast = pastFromServer || (typedStart !== null && isPastUk(typedStart));

  const submit = async (e: FormEvent, next: boolean) => {
    e.preventDefault();
    const errs: Errors = {};
    if (!outcome) errs.outcome = "Select what happened to the request";
    if (outcome === "rebooked") Object.assign(errs, checkDateTime(when) ?? {});
    if (outcome === "rebooked" && inPast && !confirmPast && !errs.date && !errs.time)
      errs.past = "The new appointment is in the past: correct the date, or confirm the change was made in the past";
    if (outcome === "rejected" && !reason.trim()) errs.reason = "Enter why the request was rejected";
    if (outcome === "rejected" && charCount(reason.trim()) > TEXT_MAX)
      errs.reason = `The reason must be ${TEXT_MAX.toLocaleString("en-GB")} characters or fewer`;
    if (outcome === "needs_patient_contact" && !note.trim())
      errs.note = "Enter what the patient needs to be contacted about";
    if (outcome === "needs_patient_contact" && charCount(note.trim()) > TEXT_MAX)
      errs.note = `The note must be ${TEXT_MAX.toLocaleString("en-GB")} characters or fewer`;
    setErrors(errs);
    setServerProblems([]);
    if (Object.keys(errs).length || !outcome) return;
    let input: OutcomeInput;
    if (outcome === "rebooked")
      input = { outcome, newStart: toIsoParts(when), ...(inPast && confirmPast ? { confirmPast: true } : {}) };
    else if (outcome === "rejected") input = { outcome, reason: reason.trim() };
    else if (outcome === "needs_patient_contact") input = { outcome, note: note.trim() };
    else input = { outcome };
    setBusy(true);
    try {
      const saved = await held(
        whileSending((override) => recordOutcome(requestId, input, override), setSending),
        { action: "Save the outcome", mayOverride },
      );
      if (saved === null) return;
      draft.discard();
      onDone(`Outcome recorded: ${outcomeText[outcome]}.`, next, warningsOf(saved));
    } catch (err) {
      const ae = err instanceof ApiError ? err : null;
      if (ae?.code === "new_start_in_past") {
        setPastFromServer(true);
        setErrors({ past: ae.message });
        return;
      }
      // The server's word on the new start, beside the field it is about: a time the clocks skip that night is the
      // time's fault (the date is fine), a date that does not exist the date's.
      if (ae?.code === "nonexistent_time" || ae?.code === "invalid_date") {
        setErrors(ae.code === "nonexistent_time" ? { time: ae.message } : { date: ae.message });
        return;
      }
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
    ...(errors.past ? [{ href: "#confirm-past", text: errors.past }] : []),
    ...(errors.reason ? [{ href: "#outcome-reason", text: errors.reason }] : []),
    ...(errors.note ? [{ href: "#outcome-note", text: errors.note }] : []),
    ...serverProblems,
  ];

  return (
    <form className="app-panel" noValidate onSubmit={(e) => void submit(e, false)} data-testid="outcome-form">
      <ErrorSummary problems={problems} />
      {draft.restored ? (
        <Inset>
          <p data-testid="draft-restored">
            Your unsaved draft from {ukDateTime(draft.restored)} has been restored. Save it, or close without saving to
            discard it.
          </p>
        </Inset>
      ) : null}
      <div className={`nhsuk-form-group${errors.outcome ? " nhsuk-form-group--error" : ""}`}>
        <fieldset className="nhsuk-fieldset" aria-describedby={errors.outcome ? "outcome-error" : undefined}>
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
            <h2 className="nhsuk-fieldset__heading">Record an outcome</h2>
          </legend>
          <FieldError id="outcome-error">{errors.outcome}</FieldError>
          <div className="nhsuk-radios nhsuk-radios--conditional">
            {OUTCOMES.map((o, i) => (
              // No wrapper element: the design system spaces a revealed block from the option after it as siblings.
              <Fragment key={o.value}>
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
                    onChange={() =>
                      set(
                        o.value === "rebooked" && suggestion && !Object.values(when).some((v: string) => v.trim())
                          ? { outcome: o.value, when: suggestion.value }
                          : { outcome: o.value },
                      )
                    }
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
                    {suggestion && JSON.stringify(when) === JSON.stringify(suggestion.value) ? (
                      <p className="nhsuk-body-s" data-testid="suggested-start">
                        Filled in from the patient’s note (“<bdi>{suggestion.text}</bdi>”): check it against the booking
                        system.
                      </p>
                    ) : null}
                    <DateTimeInput
                      idPrefix="new-start"
                      legend="New appointment date"
                      value={when}
                      onChange={(v) => {
                        setPastFromServer(false);
                        set({ when: v, confirmPast: false });
                      }}
                      errors={errors.date || errors.time ? { date: errors.date, time: errors.time } : null}
                    />
                    {inPast ? (
                      <PastConfirm
                        checked={confirmPast}
                        error={errors.past}
                        onChange={(c) => set({ confirmPast: c })}
                      />
                    ) : null}
                  </div>
                ) : null}
                {outcome === "rejected" && o.value === "rejected" ? (
                  <div className="nhsuk-radios__conditional">
                    <CharacterCountTextarea
                      id="outcome-reason"
                      label="Reason for rejecting"
                      value={reason}
                      maxLength={TEXT_MAX}
                      error={errors.reason}
                      onChange={(v) => set({ reason: v })}
                    />
                  </div>
                ) : null}
                {outcome === "needs_patient_contact" && o.value === "needs_patient_contact" ? (
                  <div className="nhsuk-radios__conditional">
                    <CharacterCountTextarea
                      id="outcome-note"
                      label="What the patient needs to be contacted about"
                      value={note}
                      maxLength={TEXT_MAX}
                      error={errors.note}
                      onChange={(v) => set({ note: v })}
                    />
                  </div>
                ) : null}
              </Fragment>
            ))}
          </div>
        </fieldset>
      </div>
      <div className="app-button-row">
        <button className="nhsuk-button" type="submit" disabled={busy}>
          {sending ? "Saving…" : "Save outcome"}
        </button>
        {hasNext ? (
          <button
            className="nhsuk-button nhsuk-button--secondary"
            type="button"
            disabled={busy}
            onClick={(e) => void submit(e, true)}
          >
            Save and next
          </button>
        ) : null}
        <button
          className="nhsuk-button nhsuk-button--secondary"
          type="button"
          onClick={() => {
            draft.discard();
            onCancel();
          }}
        >
          Close without saving
        </button>
      </div>
    </form>
  );
}

/** The new time is already past: the warning, and the checkbox that says the change really was made in the past. */
function PastConfirm({
  checked,
  error,
  onChange,
}: {
  checked: boolean;
  error: string | undefined;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div className={`nhsuk-form-group${error ? " nhsuk-form-group--error" : ""}`} data-testid="past-warning">
      <div className="nhsuk-warning-callout app-warning-compact">
        <p className="nhsuk-warning-callout__label">
          <span role="text">
            <span className="nhsuk-u-visually-hidden">Important: </span>This date and time has already passed
          </span>
        </p>
        <p>
          Check the date. If the appointment really was changed to a time now past, confirm it below: the history will
          say so.
        </p>
      </div>
      <FieldError id="confirm-past-error">{error}</FieldError>
      <div className="nhsuk-checkboxes">
        <div className="nhsuk-checkboxes__item">
          <input
            className="nhsuk-checkboxes__input"
            id="confirm-past"
            type="checkbox"
            checked={checked}
            aria-describedby={error ? "confirm-past-error" : undefined}
            onChange={(e) => onChange(e.target.checked)}
          />
          <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="confirm-past">
            This change was made in the past
          </label>
        </div>
      </div>
    </div>
  );
}
