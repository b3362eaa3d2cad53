// PKB connections and sync: each connection's state with Grant access / Re-authorise, last sync and errors; a new
// connection (the browser goes to PKB's consent page and comes back); the pipeline's counts and recent runs.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ApiError, del, get, post } from "../api/client.ts";
import { Dialog } from "../components/Dialog.tsx";
import {
  REQUEST_STATUSES,
  type Connection,
  type ConnectionStatus,
  type SyncRunOutcome,
  type SyncStatus,
} from "../api/types.ts";
import {
  ErrorSummary,
  FieldError,
  Loading,
  PageHeading,
  Tag,
  useTitle,
  Warning,
  type TagColour,
} from "../components/ui.tsx";
import { matchText, statusText, ukDateTime } from "../format.ts";

const statusLabel: Record<ConnectionStatus, [string, TagColour]> = {
  awaiting_grant: ["Waiting for access", "yellow"],
  active: ["Connected", "green"],
  needs_reauth: ["Needs re-authorisation", "red"],
  disabled: ["Switched off", "grey"],
};

const outcomeText: Record<SyncRunOutcome, string> = {
  ok: "Finished",
  failed: "Failed",
  stopped: "Stopped (Rebook was shutting down)",
  abandoned: "Abandoned (the instance polling it stopped)",
};

function runResult(r: SyncStatus["connections"][number]["recentRuns"][number]): string {
  if (!r.finishedAt) return "Running";
  if (r.outcome === "failed" && r.error) return r.error;
  return r.outcome ? outcomeText[r.outcome] : (r.error ?? "Finished");
}

function lagText(seconds: number | null): string {
  if (seconds === null) return "No messages yet";
  if (seconds < 3600) return `${Math.round(seconds / 60)} minutes`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} hours`;
  return `${Math.round(seconds / 86_400)} days`;
}

export function ConnectionsPage() {
  useTitle("PKB connections");
  const [connections, setConnections] = useState<Connection[] | null>(null);
  const [sync, setSync] = useState<SyncStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [label, setLabel] = useState("Appointment management team");
  const [labelError, setLabelError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // A Grant Access started and never finished: removed after a confirmation.
  const [removing, setRemoving] = useState<Connection | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const remove = async (c: Connection) => {
    setBusy(true);
    try {
      await del(`/api/pkb/connections/${c.id}`);
      setNotice(`${c.label} has been removed.`);
      load();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The connection could not be removed.");
    } finally {
      setBusy(false);
      setRemoving(null);
    }
  };

  const load = useCallback(() => {
    Promise.all([get<Connection[]>("/api/pkb/connections"), get<SyncStatus>("/api/sync/status")])
      .then(([c, s]) => {
        setConnections(c);
        setSync(s);
        setError(null);
        window.dispatchEvent(new Event("rebook:connections-changed"));
      })
      .catch((err: unknown) => setError(err instanceof ApiError ? err.message : "Connections could not be loaded."));
  }, []);
  useEffect(() => {
    load();
    const t = window.setInterval(load, 15_000);
    return () => window.clearInterval(t);
  }, [load]);

  const connect = async (e: FormEvent) => {
    e.preventDefault();
    if (!label.trim()) {
      setLabelError("Enter a name for this connection");
      return;
    }
    setLabelError(null);
    setBusy(true);
    try {
      const r = await post<{ authorizeUrl: string }>("/api/pkb/connections", { label: label.trim() });
      // Off to PKB's sign-in and consent page; PKB sends the browser back to Rebook.
      window.location.assign(r.authorizeUrl);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "Grant access could not be started.");
      setBusy(false);
    }
  };

  const byConnection = new Map((sync?.connections ?? []).map((c) => [c.id, c]));

  return (
    <>
      <PageHeading>PKB connections</PageHeading>
      <p className="nhsuk-body">
        Rebook collects appointment requests through a PKB user who receives them (a clinician or team coordinator).
        That person grants Rebook access once; if PKB ends the session, they grant it again with Re-authorise. Nothing
        is lost meanwhile: collection resumes where it stopped.
      </p>
      {error ? <ErrorSummary problems={[{ text: error }]} /> : null}
      {sync && sync.health.problems.length > 0 ? (
        <Warning heading="Collection needs attention">
          <ul className="nhsuk-list nhsuk-list--bullet" data-testid="sync-problems">
            {sync.health.problems.map((p, i) => (
              <li key={i}>
                {p.label ? <strong>{p.label}: </strong> : null}
                {p.reason}
                {p.since ? ` (since ${ukDateTime(p.since)})` : ""}
                {p.kind === "error_queue" ? (
                  <>
                    {" "}
                    <Link to="/admin/error-queue">Open the error queue</Link>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </Warning>
      ) : null}
      {connections === null ? <Loading what="Loading connections" /> : null}
      {connections && connections.length === 0 ? (
        <p className="nhsuk-body" data-testid="no-connections">
          Rebook is not connected to PKB yet.
        </p>
      ) : null}
      {connections && connections.length > 0 ? (
        <div className="app-table-scroll" role="region" aria-label="PKB connections" tabIndex={0}>
          <table className="nhsuk-table app-worklist" data-testid="connections">
            <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">PKB connections</caption>
            <thead className="nhsuk-table__head">
              <tr className="nhsuk-table__row">
                <th className="nhsuk-table__header" scope="col">
                  Connection
                </th>
                <th className="nhsuk-table__header" scope="col">
                  Status
                </th>
                <th className="nhsuk-table__header" scope="col">
                  Last sync
                </th>
                <th className="nhsuk-table__header" scope="col">
                  Newest message
                </th>
                <th className="nhsuk-table__header" scope="col">
                  Problems
                </th>
                <th className="nhsuk-table__header" scope="col">
                  <span className="nhsuk-u-visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {connections.map((c) => {
                const s = byConnection.get(c.id);
                const [text, colour] = statusLabel[c.status];
                const problem = c.status === "needs_reauth" ? c.needsReauthReason : c.lastSyncError;
                return (
                  <tr className="nhsuk-table__row" key={c.id}>
                    <td className="nhsuk-table__cell">
                      <strong>{c.label}</strong>
                      <br />
                      <span className="app-secondary">
                        {c.pkbUserName ? `As ${c.pkbUserName}` : "Not granted yet"}
                        {c.grantedAt ? `, granted ${ukDateTime(c.grantedAt)}` : ""}
                      </span>
                    </td>
                    <td className="nhsuk-table__cell">
                      <Tag colour={colour}>{text}</Tag>
                    </td>
                    <td className="nhsuk-table__cell">
                      {c.lastSyncFinishedAt ? ukDateTime(c.lastSyncFinishedAt) : "Never"}
                    </td>
                    <td className="nhsuk-table__cell">
                      {s?.newestMessageAt ? (
                        <>
                          {ukDateTime(s.newestMessageAt)}
                          <br />
                          <span className="app-secondary">{lagText(s.lagSeconds)} ago</span>
                        </>
                      ) : (
                        "None yet"
                      )}
                    </td>
                    <td className="nhsuk-table__cell">{problem ?? <span className="app-muted">None</span>}</td>
                    <td className="nhsuk-table__cell">
                      {c.status !== "active" ? (
                        <a className="nhsuk-button nhsuk-button--small nhsuk-u-margin-bottom-0" href={c.authorizePath}>
                          {c.status === "needs_reauth" ? "Re-authorise" : "Grant access"}
                          <span className="nhsuk-u-visually-hidden"> for {c.label}</span>
                        </a>
                      ) : null}
                      {c.status === "awaiting_grant" ? (
                        <button
                          type="button"
                          className="nhsuk-button nhsuk-button--small nhsuk-button--secondary nhsuk-u-margin-bottom-0 nhsuk-u-margin-left-2"
                          onClick={() => setRemoving(c)}
                        >
                          Remove<span className="nhsuk-u-visually-hidden"> {c.label}</span>
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}

      {notice ? (
        <div className="app-notice app-notice--ok" role="status">
          <p className="nhsuk-body nhsuk-u-margin-bottom-0">{notice}</p>
        </div>
      ) : null}
      <Dialog
        open={removing !== null}
        title={`Remove ${removing?.label ?? "this connection"}?`}
        onClose={() => setRemoving(null)}
        closeButton={false}
      >
        <p className="nhsuk-body">
          Access was never granted for this connection, so it holds nothing from PKB. Removing it cannot be undone; you
          can start Grant access again at any time.
        </p>
        <div className="app-button-row">
          <button
            type="button"
            className="nhsuk-button nhsuk-button--warning nhsuk-u-margin-bottom-0"
            disabled={busy}
            onClick={() => removing && void remove(removing)}
          >
            Remove connection
          </button>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
            onClick={() => setRemoving(null)}
          >
            Keep the connection
          </button>
        </div>
      </Dialog>

      <form className="app-panel" noValidate onSubmit={(e) => void connect(e)}>
        <h2 className="nhsuk-heading-m">Connect to PKB</h2>
        <p className="nhsuk-body">
          You will go to PKB to sign in as the person who receives the appointment requests and grant access, then come
          back here.
        </p>
        <div className={`nhsuk-form-group${labelError ? " nhsuk-form-group--error" : ""}`}>
          <label className="nhsuk-label" htmlFor="connection-label">
            Name for this connection
          </label>
          <FieldError id="connection-label-error">{labelError}</FieldError>
          <input
            className={`nhsuk-input nhsuk-input--width-20${labelError ? " nhsuk-input--error" : ""}`}
            id="connection-label"
            maxLength={200}
            value={label}
            onChange={(e) => setLabel(e.target.value)}
          />
        </div>
        <button className="nhsuk-button" type="submit" disabled={busy}>
          Grant access in PKB
        </button>
      </form>

      {sync ? (
        <section aria-labelledby="pipeline-heading" className="app-section">
          <h2 className="nhsuk-heading-m" id="pipeline-heading">
            Requests in the pipeline
          </h2>
          <dl className="nhsuk-summary-list" data-testid="pipeline-counts">
            {REQUEST_STATUSES.map((k) => (
              <div className="nhsuk-summary-list__row" key={k}>
                <dt className="nhsuk-summary-list__key">{statusText[k]}</dt>
                <dd className="nhsuk-summary-list__value">{sync.pipeline.byStatus[k] ?? 0}</dd>
              </div>
            ))}
            {(["auto_linked", "review", "no_candidates", "not_applicable"] as const).map((k) => (
              <div className="nhsuk-summary-list__row" key={k}>
                <dt className="nhsuk-summary-list__key">{matchText[k]}</dt>
                <dd className="nhsuk-summary-list__value">{sync.pipeline.byMatchState[k] ?? 0}</dd>
              </div>
            ))}
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Last pipeline pass</dt>
              <dd className="nhsuk-summary-list__value">
                {sync.lastPass
                  ? `${ukDateTime(sync.lastPass.at)}${sync.lastPass.error ? `: ${sync.lastPass.error}` : ""}`
                  : "Not yet"}
              </dd>
            </div>
          </dl>
          {sync.pipeline.recentErrors.length ? (
            <>
              <h3 className="nhsuk-heading-s">Recent errors</h3>
              <ul className="nhsuk-list nhsuk-list--bullet">
                {sync.pipeline.recentErrors.map((e) => (
                  <li key={e.requestId}>
                    {ukDateTime(e.at)}: {e.reason ?? "Unknown error"} (
                    <Link to={`/requests/${e.requestId}`}>open the request</Link>)
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {sync.connections.map((c) =>
            c.recentRuns.length ? (
              <div key={c.id}>
                <h3 className="nhsuk-heading-s">Recent collections: {c.label}</h3>
                <table className="nhsuk-table">
                  <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">
                    Recent collections for {c.label}
                  </caption>
                  <thead className="nhsuk-table__head">
                    <tr className="nhsuk-table__row">
                      <th className="nhsuk-table__header" scope="col">
                        Started
                      </th>
                      <th className="nhsuk-table__header nhsuk-table__header--numeric" scope="col">
                        Messages read
                      </th>
                      <th className="nhsuk-table__header nhsuk-table__header--numeric" scope="col">
                        New requests
                      </th>
                      <th className="nhsuk-table__header nhsuk-table__header--numeric" scope="col">
                        Follow-ups
                      </th>
                      <th className="nhsuk-table__header" scope="col">
                        Result
                      </th>
                    </tr>
                  </thead>
                  <tbody className="nhsuk-table__body">
                    {c.recentRuns.map((r) => (
                      <tr className="nhsuk-table__row" key={r.id}>
                        <td className="nhsuk-table__cell">{ukDateTime(r.startedAt)}</td>
                        <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{r.fetched}</td>
                        <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{r.newRequests}</td>
                        <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{r.followUps}</td>
                        <td className="nhsuk-table__cell">{runResult(r)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null,
          )}
        </section>
      ) : null}
    </>
  );
}
