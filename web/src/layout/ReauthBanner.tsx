// For admins, on every page: a PKB connection that needs re-authorisation, with the one-step Re-authorise.
import { useEffect, useState } from "react";
import { get } from "../api/client.ts";
import type { Connection } from "../api/types.ts";
import { ukDateTime } from "../format.ts";

const POLL_MS = 60_000;

/** Re-checks the connections every minute and whenever the window regains focus. */
export function ReauthBanner() {
  const [broken, setBroken] = useState<Connection[]>([]);
  useEffect(() => {
    let stopped = false;
    const load = () => {
      get<Connection[]>("/api/pkb/connections")
        .then((cs) => {
          if (!stopped) setBroken(cs.filter((c) => c.status === "needs_reauth"));
        })
        .catch(() => undefined);
    };
    load();
    const t = window.setInterval(load, POLL_MS);
    window.addEventListener("focus", load);
    window.addEventListener("rebook:connections-changed", load);
    return () => {
      stopped = true;
      window.clearInterval(t);
      window.removeEventListener("focus", load);
      window.removeEventListener("rebook:connections-changed", load);
    };
  }, []);
  if (broken.length === 0) return null;
  return (
    <div className="nhsuk-width-container app-width-container">
      <div
        className="nhsuk-notification-banner app-reauth-banner"
        role="region"
        aria-labelledby="reauth-banner-title"
        data-testid="reauth-banner"
      >
        <div className="nhsuk-notification-banner__header">
          <h2 className="nhsuk-notification-banner__title" id="reauth-banner-title">
            Important
          </h2>
        </div>
        <div className="nhsuk-notification-banner__content">
          <p className="nhsuk-notification-banner__heading">
            {broken.length === 1 ? "A PKB connection needs" : `${broken.length} PKB connections need`} re-authorisation
          </p>
          {broken.map((c) => (
            <div key={c.id} className="app-reauth-banner__item">
              <p className="nhsuk-body">
                <strong>{c.label}</strong>: PKB ended the session
                {c.needsReauthSince ? ` on ${ukDateTime(c.needsReauthSince)}` : ""}, so new requests are not being
                collected. Nothing is lost: collection resumes where it stopped once access is granted again.
              </p>
              <a className="nhsuk-button nhsuk-u-margin-bottom-2" href={c.authorizePath}>
                Re-authorise<span className="nhsuk-u-visually-hidden"> {c.label}</span>
              </a>
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
