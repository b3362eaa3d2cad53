// On the request page: what PKB already shows that a person must know (docs/settling.md) — the appointment moved or
// cancelled since the request, the appointment passed before anyone acted — and how often the patient asked: repeats
// attached to this request, or an earlier request for the same appointment that was already done.
import { Link } from "react-router";
import type { RequestDetail } from "../api/types.ts";
import { plural, ukDateTime } from "../format.ts";
import { earlierRequestText } from "./settle-words.ts";

/** The "What PKB shows" and "Asked before" notices (nothing when there is nothing to say). */
export function SettlePanel({ request: r }: { request: RequestDetail }) {
  const flag = r.status !== "done" ? r.pkbFlag : null;
  const passed = r.appointmentPassedAt && r.status !== "done";
  const asked = (r.askedCount ?? 1) > 1;
  const previous = r.previousRequest ?? null;
  if (!flag && !passed && !asked && !previous) return null;
  return (
    <section aria-labelledby="settle-heading" className="app-section" data-testid="settle">
      <h2 className="nhsuk-heading-m" id="settle-heading">
        Before you act
      </h2>
      {flag ? (
        <div className="nhsuk-warning-callout" data-testid="pkb-flag">
          <h3 className="nhsuk-warning-callout__label">
            <span role="text">
              <span className="nhsuk-u-visually-hidden">Important: </span>
              PKB shows a change
            </span>
          </h3>
          <p className="nhsuk-body">{flag.text}.</p>
          <p className="nhsuk-body nhsuk-u-margin-bottom-0">
            The patient may not know yet. Check with them before you change the appointment again.
          </p>
        </div>
      ) : null}
      {passed ? (
        <div className="nhsuk-inset-text" data-testid="appointment-passed">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p className="nhsuk-body">
            <strong>Appointment passed</strong>
            {r.appointment?.start ? ` (${ukDateTime(r.appointment.start)})` : ""} before anyone acted on this request.
            It is not counted as overdue work: record what happened (for example, contact the patient) when you can.
          </p>
        </div>
      ) : null}
      {asked ? (
        <p className="nhsuk-body" data-testid="asked-count">
          The patient asked about this appointment {plural(r.askedCount ?? 1, "time")}. Their further messages are in
          the conversation below and in the history.
        </p>
      ) : null}
      {previous ? (
        <p className="nhsuk-body" data-testid="asked-again">
          <strong>Asked again after an outcome.</strong> An earlier request for this appointment, received{" "}
          {ukDateTime(previous.receivedAt)}, {earlierRequestText(previous.outcome)}{" "}
          <Link to={`/requests/${previous.id}`}>See the earlier request</Link>
        </p>
      ) : null}
    </section>
  );
}
