// On the request page: waiting for the patient (a request that needs patient contact is put aside until a date, its
// deadline paused, and comes back with a reminder) and answering the patient (the reply for the outcome filled in,
// copy to the clipboard, open the conversation in PKB, record "patient answered"). PKB has no API to send messages,
// so the reply is sent in PKB; the server says how (its ReplyChannel) and whether a reply is offered yet. Preparing
// the reply is audited (request.reply_prepared), so it is asked for only when there is one to show and when what it is
// made from changes.
import { useEffect, useState, type FormEvent } from "react";
import { ApiError, get, post } from "../api/client.ts";
import type { RequestDetail } from "../api/types.ts";
import { warningsOf } from "../api/warnings.ts";
import type { WorkflowResult } from "../api/workflow.ts";
import { checkDate, checkTime, DateInput, toIsoParts, type DateValue } from "../components/DateTimeInput.tsx";
import { ErrorSummary, FieldError, type Problem } from "../components/ui.tsx";
import { dayText, partsOf, ukToday } from "../format.ts";

type Held = <T>(
  write: (override: boolean) => Promise<T>,
  opts: { action: string; mayOverride: boolean },
) => Promise<T | null>;

const base = (id: string) => `/api/requests/${encodeURIComponent(id)}`;

/** Today + n days on the UK clock, as the date input's day, month and year. */
function ukDatePlus(days: number): DateValue {
  const d = new Date(Date.now() + days * 86_400_000);
  return partsOf(ukToday(d));
}

/** API errors about the date itself (or the date and time together): shown beside the date as well as in the summary. */
const DATE_CODES = new Set(["invalid_date", "wait_not_in_future", "wait_too_long"]);
/** API errors about the time alone (one the clocks skip on that date): shown beside the time. */
const TIME_CODES = new Set(["nonexistent_time"]);

/** Wait for the patient until a date, or stop waiting. */
export function WaitPanel({
  request,
  held,
  mayOverride,
  onChanged,
}: {
  request: RequestDetail;
  held: Held;
  mayOverride: boolean;
  /** Done: the confirmation, and what the API warned about the change. */
  onChanged: (message: string, warnings: string[]) => void;
}) {
  const waitingUntil = request.deadline?.state === "waiting" ? request.deadline : null;
  const [date, setDate] = useState<DateValue>(() => ukDatePlus(7));
  const [time, setTime] = useState("09:00");
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState<{ date?: string; time?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (write: (override: boolean) => Promise<unknown>, action: string, message: string) => {
    setBusy(true);
    setError(null);
    try {
      const r = await held(write, { action, mayOverride });
      if (r !== null) onChanged(message, warningsOf(r));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "That could not be done.");
      if (err instanceof ApiError && DATE_CODES.has(err.code)) setErrors({ date: err.message });
      if (err instanceof ApiError && TIME_CODES.has(err.code)) setErrors({ time: err.message });
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // The same checks and messages as the app's other dates; no time means 09:00.
    const errs = { date: checkDate(date, "date to wait until"), time: time ? checkTime(time) : undefined };
    setErrors(errs);
    setError(null);
    if (errs.date || errs.time) return;
    const until = toIsoParts({ ...date, time: time || "09:00" });
    void run(
      (override) =>
        post<WorkflowResult>(`${base(request.id)}/wait`, {
          until,
          ...(note.trim() ? { note: note.trim() } : {}),
          ...(override ? { override: true } : {}),
        }),
      "wait for the patient",
      `Waiting for the patient until ${dayText(until.date)}, ${until.time}: the deadline is paused and the request comes back then.`,
    );
  };

  const problems: Problem[] = [
    ...(errors.date ? [{ href: "#wait-until-day", text: errors.date }] : []),
    ...(errors.time ? [{ href: "#wait-time", text: errors.time }] : []),
    ...(error && error !== errors.date && error !== errors.time ? [{ text: error }] : []),
  ];

  return (
    <section className="app-section app-panel" aria-labelledby="wait-heading" data-testid="wait-panel">
      <h2 className="nhsuk-heading-m" id="wait-heading">
        Waiting for the patient
      </h2>
      {waitingUntil ? (
        <>
          <p className="nhsuk-body" data-testid="waiting-text">
            <strong>{waitingUntil.text}.</strong> The deadline is paused until then; the request comes back to the
            worklist and its assignee is reminded.
          </p>
          {error ? <ErrorSummary problems={[{ text: error }]} /> : null}
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary"
            disabled={busy}
            onClick={() =>
              void run(
                (override) => post<WorkflowResult>(`${base(request.id)}/wait/end`, override ? { override: true } : {}),
                "stop waiting for the patient",
                "Stopped waiting for the patient: the deadline is running again.",
              )
            }
          >
            Stop waiting
          </button>
        </>
      ) : (
        <form noValidate onSubmit={submit}>
          <ErrorSummary problems={problems} />
          <p className="nhsuk-body">
            Put this request aside until the patient has had time to answer. Its deadline pauses while you wait.
          </p>
          <DateInput
            idPrefix="wait-until"
            legend="Wait until"
            hint="UK date, at most 90 days ahead, for example 27 3 2026"
            value={date}
            onChange={setDate}
            error={errors.date}
          />
          <div className={`nhsuk-form-group${errors.time ? " nhsuk-form-group--error" : ""}`}>
            <label className="nhsuk-label" htmlFor="wait-time">
              Remind at (time, 24-hour)
            </label>
            <div className="nhsuk-hint" id="wait-time-hint">
              UK time, for example 14:30; 09:00 when left blank
            </div>
            <FieldError id="wait-time-error">{errors.time}</FieldError>
            <input
              className={`nhsuk-input nhsuk-input--width-5${errors.time ? " nhsuk-input--error" : ""}`}
              id="wait-time"
              inputMode="numeric"
              autoComplete="off"
              aria-describedby={`wait-time-hint${errors.time ? " wait-time-error" : ""}`}
              value={time}
              onChange={(e) => setTime(e.target.value.trim())}
            />
          </div>
          <div className="nhsuk-form-group">
            <label className="nhsuk-label" htmlFor="wait-note">
              Note (optional)
            </label>
            <input
              className="nhsuk-input"
              id="wait-note"
              maxLength={2000}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </div>
          <button className="nhsuk-button" type="submit" disabled={busy}>
            Wait for the patient
          </button>
        </form>
      )}
    </section>
  );
}

interface Reply {
  outcome: string | null;
  offered: boolean;
  reason: string | null;
  text: string | null;
  missing: string[];
  delivery: { kind: "copy_and_open"; openUrl: string; instructions: string } | { kind: "api"; instructions: string };
  answered: { at: string; by: string | null } | null;
}

const when = (iso: string) =>
  new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );

/**
 * What the server makes the reply from (readReplySource, src/store/replies.ts), as the request page has it: the
 * outcome and a rebooking's new start, what PKB confirmation says, the conversation, the patient's first name, the
 * appointment's start and place, the team, and whether the patient was answered (recorded, or reopened since). Other
 * changes (a claim, a note, a PKB check that changes nothing of these) leave the reply as it is.
 */
function replyInputs(r: RequestDetail): string {
  const answeredOrReopened = r.history.filter((e) => e.type === "patient_answered" || e.type === "reopened").length;
  return JSON.stringify([
    r.id,
    r.outcome,
    r.outcome === "rebooked" ? (r.outcomeDetails?.newStart ?? null) : null,
    r.pkbConfirmation?.state ?? null,
    r.conversationId,
    r.patient.firstName,
    r.appointment?.start ?? r.requested.start,
    r.appointment?.location ?? null,
    r.routing.team?.name ?? null,
    answeredOrReopened,
  ]);
}

/** The reply to the patient: filled in, copy, open PKB, record "patient answered". */
export function ReplyPanel({
  request,
  canWork,
  held,
  onChanged,
}: {
  request: RequestDetail;
  canWork: boolean;
  /** Sends the page's writes (the request loaded again when one may have been made without an answer). */
  held: Held;
  /** Done: the confirmation, and what the API warned about the change. */
  onChanged: (message: string, warnings: string[]) => void;
}) {
  const [reply, setReply] = useState<Reply | null>(null);
  const [text, setText] = useState("");
  const [copied, setCopied] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // None before an outcome: the panel shows nothing then.
  const inputs = request.outcome ? replyInputs(request) : null;
  // Recording "patient answered" failed (shown in the panel, which still shows the reply and what the request now is).
  const [writeError, setWriteError] = useState<string | null>(null);

  useEffect(() => {
    if (inputs === null) return;
    let live = true;
    get<Reply>(`${base(request.id)}/reply`)
      .then((r) => {
        if (!live) return;
        setReply(r);
        setText(r.text ?? "");
      })
      .catch(
        (err: unknown) => live && setError(err instanceof ApiError ? err.message : "The reply could not be loaded."),
      );
    return () => {
      live = false;
    };
  }, [inputs, request.id]);

  if (!request.outcome) return null;
  if (error) return <ErrorSummary problems={[{ text: error }]} />;
  if (!reply) return null;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Reply copied. Paste it into the conversation in PKB.");
    } catch {
      const area = document.getElementById("reply-text") as HTMLTextAreaElement | null;
      area?.select();
      setCopied("Copying is not allowed here: the reply is selected, press Ctrl+C to copy it.");
    }
  };

  const answered = async () => {
    setWriteError(null);
    try {
      // Never refused as held by someone else (anyone who may work the request may record it): no override.
      const done = await held(() => post<WorkflowResult>(`${base(request.id)}/patient-answered`, {}), {
        action: "Record patient answered",
        mayOverride: false,
      });
      if (done !== null) onChanged("Recorded that the patient was answered.", warningsOf(done));
    } catch (err) {
      setWriteError(err instanceof ApiError ? err.message : "That could not be recorded.");
    }
  };

  return (
    <section className="app-section app-panel" aria-labelledby="reply-heading" data-testid="reply-panel">
      <h2 className="nhsuk-heading-m" id="reply-heading">
        Answer the patient
      </h2>
      {writeError ? (
        <p className="nhsuk-error-message" role="alert">
          <span className="nhsuk-u-visually-hidden">Error:</span> {writeError}
        </p>
      ) : null}
      {reply.answered ? (
        <p className="nhsuk-body" data-testid="answered">
          <strong>Patient answered</strong> by {reply.answered.by ?? "a former user"} on {when(reply.answered.at)}.
        </p>
      ) : null}
      {!reply.offered ? (
        <p className="nhsuk-body" data-testid="reply-not-offered">
          {reply.reason}
        </p>
      ) : (
        <>
          <p className="nhsuk-body">{reply.delivery.instructions}</p>
          {reply.missing.length > 0 ? (
            <div className="nhsuk-warning-callout">
              <h3 className="nhsuk-warning-callout__label">
                <span role="text">
                  <span className="nhsuk-u-visually-hidden">Important: </span>Fill in before sending
                </span>
              </h3>
              <p>Rebook does not know: {reply.missing.map((m) => `[${m}]`).join(", ")}. Replace them in the text.</p>
            </div>
          ) : null}
          <div className="nhsuk-form-group">
            <label className="nhsuk-label" htmlFor="reply-text">
              Reply to the patient (you can change it before copying)
            </label>
            <textarea
              className="nhsuk-textarea"
              id="reply-text"
              rows={9}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </div>
          {copied ? (
            <p className="nhsuk-body" role="status">
              {copied}
            </p>
          ) : null}
          <div className="app-small-buttons">
            <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => void copy()}>
              Copy reply
            </button>
            {reply.delivery.kind === "copy_and_open" ? (
              <a
                className="nhsuk-button nhsuk-button--secondary"
                href={reply.delivery.openUrl}
                target="_blank"
                rel="noopener noreferrer"
              >
                Open the conversation in PKB<span className="nhsuk-u-visually-hidden"> (opens in a new tab)</span>
              </a>
            ) : null}
            {canWork && !reply.answered ? (
              <button type="button" className="nhsuk-button" onClick={() => void answered()}>
                Record patient answered
              </button>
            ) : null}
          </div>
        </>
      )}
    </section>
  );
}
