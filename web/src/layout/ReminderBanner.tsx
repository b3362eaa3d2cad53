// The in-app reminder: when a wait for the patient ends, the request's assignee is told at once (live event), with a
// link to the request. Stays until dismissed; several reminders stack.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useEvents } from "../api/events.tsx";
import { useMe } from "../auth/AuthContext.tsx";

export function ReminderBanner() {
  const me = useMe();
  const { subscribe } = useEvents();
  const [ids, setIds] = useState<string[]>([]);
  useEffect(
    () =>
      subscribe((e) => {
        if (e.reminder !== "waiting_ended" || e.assignedUserId !== me.id) return;
        setIds((prev) => (prev.includes(e.requestId) ? prev : [...prev, e.requestId]));
      }),
    [subscribe, me.id],
  );
  if (ids.length === 0) return null;
  return (
    <div className="nhsuk-width-container app-width-container">
      <div className="app-notice app-notice--ok" role="status" data-testid="reminder-banner">
        <p className="nhsuk-body">
          <strong>
            Waiting for the patient has ended on {ids.length === 1 ? "a request" : `${ids.length} requests`} of yours.
          </strong>{" "}
          {ids.length === 1 ? "It is" : "They are"} back on the worklist and the deadline is running again.
        </p>
        <ul className="nhsuk-list">
          {ids.map((id, i) => (
            <li key={id}>
              <Link to={`/requests/${id}`} onClick={() => setIds((prev) => prev.filter((x) => x !== id))}>
                Open request {ids.length > 1 ? i + 1 : ""}
              </Link>
            </li>
          ))}
        </ul>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0"
          onClick={() => setIds([])}
        >
          Dismiss
        </button>
      </div>
    </div>
  );
}
