// The preview pane (Epic In Basket's habit): the request under the worklist's cursor, beside the list, so a clerk
// triages with j/k (or the arrow keys) without leaving it. Loading it is a view of the patient's request, so it goes
// through GET /api/requests/:id and is audited as request.viewed; it loads once the cursor has rested on a row
// (a row flicked past is not viewed). Open (Enter), claim (c) and record an outcome (r) work as on the list.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { ApiError, get } from "../api/client.ts";
import type { Me, RequestDetail, RequestItem } from "../api/types.ts";
import { canWork } from "../auth/permissions.ts";
import { PatientBanner } from "../detail/PatientBanner.tsx";
import { outcomeText, priorityText, typeText, ukDateTime } from "../format.ts";
import { ConfirmationTag } from "./confirmation.tsx";
import { DeadlineTag, MatchTag, StatusTag } from "./cues.tsx";

/** How long the cursor rests on a row before its request is loaded (and the view audited). */
const REST_MS = 250;

export function Preview({
  item,
  me,
  version,
  busy,
  linkState,
  onClaim,
}: {
  /** The row under the cursor, or null. */
  item: RequestItem | null;
  me: Me;
  /** Changes when the row changed (live updates, a claim): reloads the preview. */
  version: string;
  busy: boolean;
  /** The state the request page needs for "Back" and "Save and next". */
  linkState: { backTo: string; queue: string[] };
  onClaim: (r: RequestItem) => void;
}) {
  const [request, setRequest] = useState<RequestDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = item?.id ?? null;

  useEffect(() => {
    if (!id) {
      setRequest(null);
      return;
    }
    const ctl = new AbortController();
    const t = window.setTimeout(() => {
      get<RequestDetail>(`/api/requests/${encodeURIComponent(id)}`, { signal: ctl.signal })
        .then((r) => {
          setRequest(r);
          setError(null);
        })
        .catch((err: unknown) => {
          if ((err as Error).name === "AbortError") return;
          setError(err instanceof ApiError ? err.message : "The request could not be loaded.");
        });
    }, REST_MS);
    return () => {
      window.clearTimeout(t);
      ctl.abort();
    };
  }, [id, version]);

  const shown = request && request.id === id ? request : null;
  return (
    <aside className="app-preview" aria-labelledby="preview-heading" data-testid="preview">
      <h2 className="nhsuk-u-visually-hidden" id="preview-heading">
        Preview{shown ? `: ${shown.patient.name ?? "patient not identified"}` : ""}
      </h2>
      {!item ? (
        <p className="nhsuk-body app-muted">
          Choose a request with <kbd>j</kbd> and <kbd>k</kbd> (or the arrow keys) to see it here.
        </p>
      ) : error ? (
        <p className="nhsuk-body" role="alert">
          {error}
        </p>
      ) : !shown ? (
        <p className="nhsuk-body app-muted" aria-busy="true">
          Loading the request…
        </p>
      ) : (
        <PreviewBody r={shown} item={item} me={me} busy={busy} linkState={linkState} onClaim={onClaim} />
      )}
    </aside>
  );
}

function PreviewBody({
  r,
  item,
  me,
  busy,
  linkState,
  onClaim,
}: {
  r: RequestDetail;
  item: RequestItem;
  me: Me;
  busy: boolean;
  linkState: { backTo: string; queue: string[] };
  onClaim: (r: RequestItem) => void;
}) {
  const work = canWork(me, r.teamId);
  const workable = r.status === "open" || r.status === "in_progress";
  const messages = [...r.messages].sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  const a = r.appointment;
  return (
    <div data-testid="preview-body" data-request-id={r.id}>
      <PatientBanner request={r} label="Patient in the preview" />
      <div className="app-preview__actions">
        {work && workable && !r.assignment.user ? (
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0"
            disabled={busy}
            onClick={() => onClaim(item)}
            aria-keyshortcuts="c"
          >
            Claim
          </button>
        ) : null}
        {work && workable ? (
          <Link
            className="nhsuk-button nhsuk-button--small nhsuk-u-margin-bottom-0"
            to={`/requests/${r.id}?action=outcome`}
            state={linkState}
            aria-keyshortcuts="r"
          >
            Record outcome
          </Link>
        ) : null}
        <Link className="app-preview__open" to={`/requests/${r.id}`} state={linkState} aria-keyshortcuts="Enter o">
          Open the request
        </Link>
      </div>
      <ul className="app-tag-row" aria-label="Request summary">
        <li>
          <StatusTag status={r.status} />
        </li>
        <li>
          <span className="nhsuk-u-visually-hidden">Deadline: </span>
          <DeadlineTag deadline={r.deadline} />
        </li>
        {r.priority !== "normal" ? <li>Priority: {priorityText[r.priority]}</li> : null}
        {r.pkbConfirmation && r.pkbConfirmation.state !== "not_needed" ? (
          <li>
            <ConfirmationTag confirmation={r.pkbConfirmation} />
          </li>
        ) : null}
        <li>
          Assigned to:{" "}
          {r.assignment.user ? (r.assignment.user.id === me.id ? "you" : r.assignment.user.displayName) : "nobody"}
        </li>
      </ul>
      <h3 className="nhsuk-heading-s">{r.type ? `${typeText[r.type]} request` : "Unreadable request"}</h3>
      <dl className="nhsuk-summary-list app-preview__facts">
        <div className="nhsuk-summary-list__row">
          <dt className="nhsuk-summary-list__key">Appointment</dt>
          <dd className="nhsuk-summary-list__value">
            {a ? (
              <>
                {a.start ? ukDateTime(a.start) : "Time not known"}
                <br />
                <span className="app-secondary">
                  {[a.specialtyDisplay ?? a.specialtyCode, a.location, a.externalId ? `ID ${a.externalId}` : null]
                    .filter(Boolean)
                    .join(" · ")}
                </span>
              </>
            ) : (
              "Not linked"
            )}
          </dd>
        </div>
        <div className="nhsuk-summary-list__row">
          <dt className="nhsuk-summary-list__key">Match</dt>
          <dd className="nhsuk-summary-list__value">
            <MatchTag state={r.matchState} />
          </dd>
        </div>
        {r.requested.startUk ? (
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Asked about</dt>
            <dd className="nhsuk-summary-list__value">{r.requested.startUk}</dd>
          </div>
        ) : null}
        {r.outcome ? (
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Outcome</dt>
            <dd className="nhsuk-summary-list__value">{outcomeText[r.outcome]}</dd>
          </div>
        ) : null}
        <div className="nhsuk-summary-list__row">
          <dt className="nhsuk-summary-list__key">Team</dt>
          <dd className="nhsuk-summary-list__value">{r.routing.team?.name ?? "None"}</dd>
        </div>
      </dl>
      <h3 className="nhsuk-heading-s">Messages from the patient</h3>
      <ol className="app-thread app-preview__thread">
        {messages.map((m) => (
          <li key={m.id} className="app-thread__message">
            <p className="app-thread__meta">
              <time dateTime={m.sentAt}>{ukDateTime(m.sentAt)}</time>
            </p>
            <p className="app-thread__subject">{m.subject}</p>
            {m.content.trim() ? <p className="app-thread__content">{m.content}</p> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
