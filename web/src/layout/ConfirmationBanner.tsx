// For team leads (and admins), on every page: requests of their teams whose outcome PKB has not shown within the
// limit, with a link to exactly those requests in the worklist.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { get } from "../api/client.ts";
import { plural } from "../format.ts";

const POLL_MS = 60_000;

/** The worklist view of the requests PKB does not show: done, not confirmed in PKB. */
export const NOT_CONFIRMED_WORKLIST = "/requests?status=done&confirmation=not_confirmed";

/** Re-checks the count every minute and whenever the window regains focus. */
export function ConfirmationBanner() {
  const [count, setCount] = useState(0);
  useEffect(() => {
    let stopped = false;
    const load = () => {
      get<{ notConfirmed: number }>("/api/pkb-confirmation/summary")
        .then((s) => {
          if (!stopped) setCount(s.notConfirmed);
        })
        .catch(() => undefined);
    };
    load();
    const t = window.setInterval(load, POLL_MS);
    window.addEventListener("focus", load);
    return () => {
      stopped = true;
      window.clearInterval(t);
      window.removeEventListener("focus", load);
    };
  }, []);
  if (count === 0) return null;
  return (
    <div className="nhsuk-width-container app-width-container">
      <div
        className="nhsuk-notification-banner app-confirmation-banner"
        role="region"
        aria-labelledby="confirmation-banner-title"
        data-testid="confirmation-banner"
      >
        <div className="nhsuk-notification-banner__header">
          <h2 className="nhsuk-notification-banner__title" id="confirmation-banner-title">
            Important
          </h2>
        </div>
        <div className="nhsuk-notification-banner__content">
          <p className="nhsuk-notification-banner__heading">
            {count === 1 ? "1 request is" : `${plural(count, "request")} are`} not confirmed in PKB
          </p>
          <p className="nhsuk-body">
            The outcome was recorded in Rebook, but PKB still does not show it, so the patient may not know. Check the
            change reached the trust&apos;s PAS and its feed to PKB.
          </p>
          <p className="nhsuk-body nhsuk-u-margin-bottom-0">
            <Link className="nhsuk-notification-banner__link" to={NOT_CONFIRMED_WORKLIST}>
              Show the requests not confirmed in PKB
            </Link>
          </p>
        </div>
      </div>
    </div>
  );
}
