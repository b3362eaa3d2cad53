// Whether new requests are arriving from PKB, for everyone signed in (GET /api/collection, re-checked every minute,
// when the window regains focus, when an admin changes a connection and when an admin works the error queue). When
// they are not, every page says so, since when, and that the admins know; the worklist's "Live" line says so too.
// Admins also keep the re-authorise banner.
import { Link } from "react-router";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { get } from "../api/client.ts";
import type { Collection } from "../api/types.ts";
import { ukDateTime } from "../format.ts";

const POLL_MS = 60_000;
const CHANGED = "rebook:collection-changed";
const Ctx = createContext<Collection | null>(null);

/** Re-reads the collection status now: call after a change it reports (a message replayed or discarded). */
export function collectionChanged(): void {
  window.dispatchEvent(new Event(CHANGED));
}

/** Loads and keeps the collection status for the signed-in pages. */
export function CollectionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Collection | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = () => {
      get<Collection>("/api/collection")
        .then((c) => {
          if (!stopped) setStatus(c);
        })
        .catch(() => undefined);
    };
    load();
    const t = window.setInterval(load, POLL_MS);
    window.addEventListener("focus", load);
    window.addEventListener("rebook:connections-changed", load);
    window.addEventListener(CHANGED, load);
    return () => {
      stopped = true;
      window.clearInterval(t);
      window.removeEventListener("focus", load);
      window.removeEventListener("rebook:connections-changed", load);
      window.removeEventListener(CHANGED, load);
    };
  }, []);
  return <Ctx.Provider value={status}>{children}</Ctx.Provider>;
}

/** The collection status, or null until it is known. */
export const useCollection = (): Collection | null => useContext(Ctx);

/** "New requests from PKB are not arriving" (or "Some new requests…") with since when. */
export function stoppedHeadline(c: Collection): string {
  return `${c.partial ? "Some new requests" : "New requests"} from PKB are not arriving${c.since ? ` (since ${ukDateTime(c.since)})` : ""}`;
}

/** How the admins know, in a sentence. */
export function adminsToldText(c: Collection): string {
  if (c.adminsTold.alert) return "The administrators have been alerted and see this on every page of Rebook.";
  if (c.adminsTold.banner) return "The administrators have been told: they see this on every page of Rebook.";
  return "The administrators can see this on the PKB connections page.";
}

/** "3 messages from PKB could not be read (since …) and wait for an administrator", or null when none wait. */
export function setAsideText(c: Collection): string | null {
  const n = c.setAside.messages;
  if (n === 0) return null;
  return `${n === 1 ? "1 message" : `${n} messages`} from PKB could not be read${c.setAside.since ? ` (since ${ukDateTime(c.setAside.since)})` : ""} and ${n === 1 ? "waits" : "wait"} for an administrator in the error queue.`;
}

/**
 * The banner on every page while collection has stopped. Admins get it only for problems their re-authorise banner
 * does not show (it says the same, with the button). Messages set aside in the error queue get a quieter line:
 * other requests still arrive.
 */
export function CollectionBanner({ admin }: { admin: boolean }) {
  const c = useCollection();
  if (!c) return null;
  const onlyReauth = c.kinds.every((k) => k === "needs_reauthorisation");
  if (c.state !== "stopped" || (admin && onlyReauth)) {
    const waiting = setAsideText(c);
    if (!waiting) return null;
    return (
      <div className="nhsuk-width-container app-width-container">
        <p className="nhsuk-body-s app-set-aside" role="status" data-testid="set-aside">
          {waiting}
          {admin ? (
            <>
              {" "}
              <Link to="/admin/error-queue">Open the error queue</Link>
            </>
          ) : null}
        </p>
      </div>
    );
  }
  return (
    <div className="nhsuk-width-container app-width-container">
      <div
        className="nhsuk-notification-banner app-reauth-banner"
        role="region"
        aria-labelledby="collection-banner-title"
        data-testid="collection-banner"
      >
        <div className="nhsuk-notification-banner__header">
          <h2 className="nhsuk-notification-banner__title" id="collection-banner-title">
            Important
          </h2>
        </div>
        <div className="nhsuk-notification-banner__content">
          <p className="nhsuk-notification-banner__heading">{stoppedHeadline(c)}</p>
          <p className="nhsuk-body">
            {c.reasons.join(". ")}. {adminsToldText(c)} Nothing is lost: the requests arrive once collection resumes.
            The requests already here can be worked as usual.
          </p>
          {setAsideText(c) ? <p className="nhsuk-body">{setAsideText(c)}</p> : null}
        </div>
      </div>
    </div>
  );
}
