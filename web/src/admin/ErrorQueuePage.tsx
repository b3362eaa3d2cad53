// The error queue: PKB messages Rebook could not store or file, set aside so collection carried on. An admin sees why,
// opens the message as PKB sent it (that view is audited), replays it once the cause is fixed, or discards it with a
// reason. Nothing here is deleted: replayed and discarded entries stay listed under their status.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError, get, post, qs } from "../api/client.ts";
import type { ErrorQueueEntry, ErrorQueueItem, ErrorQueueStatus } from "../api/types.ts";
import { useAnnouncer } from "../components/Announcer.tsx";
import { Dialog } from "../components/Dialog.tsx";
import {
  ErrorSummary,
  FieldError,
  Loading,
  PageHeading,
  SelectField,
  Tag,
  useTitle,
  type TagColour,
} from "../components/ui.tsx";
import { ukDateTime } from "../format.ts";
import { collectionChanged } from "../layout/Collection.tsx";
import { resolutionText, setAsideText } from "./error-queue-words.ts";

type Filter = ErrorQueueStatus | "all";

const statusTag: Record<ErrorQueueStatus, [string, TagColour]> = {
  open: ["Waiting", "red"],
  replayed: ["Replayed", "green"],
  discarded: ["Discarded", "grey"],
};

/** The message JSON, pretty-printed when it parses. */
function pretty(original: string): string {
  try {
    return JSON.stringify(JSON.parse(original), null, 2);
  } catch {
    return original;
  }
}

export function ErrorQueuePage() {
  useTitle("Error queue");
  const { announce } = useAnnouncer();
  const [filter, setFilter] = useState<Filter>("open");
  const [items, setItems] = useState<ErrorQueueEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [viewing, setViewing] = useState<ErrorQueueItem | null>(null);
  const [discarding, setDiscarding] = useState<ErrorQueueEntry | null>(null);
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(() => {
    get<{ items: ErrorQueueEntry[] }>(`/api/sync/error-queue${qs({ status: filter })}`)
      .then((r) => setItems(r.items))
      .catch((err: unknown) =>
        setError(err instanceof ApiError ? err.message : "The error queue could not be loaded."),
      );
  }, [filter]);
  useEffect(load, [load]);

  const view = async (e: ErrorQueueEntry) => {
    setBusy(e.id);
    setError(null);
    try {
      setViewing(await get<ErrorQueueItem>(`/api/sync/error-queue/${e.id}`));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The message could not be opened.");
    } finally {
      setBusy(null);
    }
  };

  const replay = async (e: ErrorQueueEntry) => {
    setBusy(e.id);
    setError(null);
    try {
      await post(`/api/sync/error-queue/${e.id}/replay`);
      announce(`Message ${e.pkbMessageId ?? "without an id"} replayed: it is stored now`);
    } catch (err) {
      const message = err instanceof ApiError ? err.message : "The message could not be replayed.";
      setError(message);
      announce(message, true);
    } finally {
      setBusy(null);
      load();
      // The "messages could not be read" line on every page counts the waiting entries: it follows at once.
      collectionChanged();
    }
  };

  const discard = async (ev: FormEvent) => {
    ev.preventDefault();
    if (!discarding) return;
    if (!reason.trim()) {
      setReasonError("Enter why this message is discarded");
      return;
    }
    setBusy(discarding.id);
    try {
      await post(`/api/sync/error-queue/${discarding.id}/discard`, { reason: reason.trim() });
      announce(`Message ${discarding.pkbMessageId ?? "without an id"} discarded`);
      setDiscarding(null);
      setReason("");
      setReasonError(null);
    } catch (err) {
      setReasonError(err instanceof ApiError ? err.message : "The message could not be discarded.");
    } finally {
      setBusy(null);
      load();
      // The "messages could not be read" line on every page counts the waiting entries: it follows at once.
      collectionChanged();
    }
  };

  return (
    <>
      <PageHeading>Error queue</PageHeading>
      <p className="nhsuk-body">
        PKB messages Rebook could not store or file are set aside here so that collection carries on. Each shows why.
        Replay a message once its cause is fixed, or discard it with a reason. Opening a message is recorded in the
        audit log: it may hold patient details.
      </p>
      {error ? <ErrorSummary problems={[{ text: error }]} /> : null}
      <SelectField<Filter>
        id="queue-status"
        label="Show"
        value={filter}
        onChange={(f) => {
          setError(null);
          setFilter(f);
        }}
        options={[
          ["open", "Waiting for someone"],
          ["replayed", "Replayed"],
          ["discarded", "Discarded"],
          ["all", "All"],
        ]}
      />
      {items === null ? <Loading what="Loading the error queue" /> : null}
      {items && items.length === 0 ? (
        <p className="nhsuk-body" data-testid="queue-empty">
          {filter === "open" ? "No messages are waiting: every message was stored." : "No messages here."}
        </p>
      ) : null}
      {items && items.length > 0 ? (
        <div className="app-table-scroll" role="region" aria-label="Messages set aside" tabIndex={0}>
          <table className="nhsuk-table app-worklist" data-testid="error-queue">
            <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Messages set aside</caption>
            <thead className="nhsuk-table__head">
              <tr className="nhsuk-table__row">
                <th className="nhsuk-table__header" scope="col">
                  Set aside
                </th>
                <th className="nhsuk-table__header" scope="col">
                  PKB message
                </th>
                <th className="nhsuk-table__header" scope="col">
                  Why
                </th>
                <th className="nhsuk-table__header" scope="col">
                  Status
                </th>
                <th className="nhsuk-table__header" scope="col">
                  <span className="nhsuk-u-visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {items.map((e) => {
                const [text, colour] = statusTag[e.status];
                const note = resolutionText(e);
                const name = `message ${e.pkbMessageId ?? "without an id"}`;
                return (
                  <tr className="nhsuk-table__row" key={e.id}>
                    <td className="nhsuk-table__cell">
                      {ukDateTime(e.firstFailedAt)}
                      {e.attempts > 1 ? (
                        <>
                          <br />
                          <span className="app-secondary">
                            {e.attempts} failures, last {ukDateTime(e.lastFailedAt)}
                          </span>
                        </>
                      ) : null}
                    </td>
                    <td className="nhsuk-table__cell">
                      {e.pkbMessageId ?? "No id"}
                      <br />
                      <span className="app-secondary">{e.connectionLabel ?? "Unknown connection"}</span>
                    </td>
                    <td className="nhsuk-table__cell">{e.reason}</td>
                    <td className="nhsuk-table__cell">
                      <Tag colour={colour}>{text}</Tag>
                      {note ? (
                        <>
                          <br />
                          <span className="app-secondary">{note}</span>
                        </>
                      ) : null}
                    </td>
                    <td className="nhsuk-table__cell">
                      <button
                        type="button"
                        className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-1"
                        disabled={busy === e.id}
                        onClick={() => void view(e)}
                      >
                        View<span className="nhsuk-u-visually-hidden"> {name}</span>
                      </button>{" "}
                      {e.status === "open" ? (
                        <>
                          <button
                            type="button"
                            className="nhsuk-button nhsuk-button--small nhsuk-u-margin-bottom-1"
                            disabled={busy === e.id}
                            onClick={() => void replay(e)}
                          >
                            Replay<span className="nhsuk-u-visually-hidden"> {name}</span>
                          </button>{" "}
                          <button
                            type="button"
                            className="nhsuk-button nhsuk-button--warning nhsuk-button--small nhsuk-u-margin-bottom-1"
                            disabled={busy === e.id}
                            onClick={() => setDiscarding(e)}
                          >
                            Discard<span className="nhsuk-u-visually-hidden"> {name}</span>
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}

      <Dialog open={viewing !== null} title="Message as PKB sent it" onClose={() => setViewing(null)} wide>
        {viewing ? (
          <>
            <p className="nhsuk-body">{setAsideText(viewing.reason)}</p>
            <pre
              className="app-pre"
              data-testid="queue-original"
              tabIndex={0}
              role="region"
              aria-label="The message as JSON"
            >
              {pretty(viewing.original)}
            </pre>
          </>
        ) : null}
      </Dialog>

      <Dialog
        open={discarding !== null}
        title="Discard this message"
        onClose={() => setDiscarding(null)}
        closeButton={false}
      >
        <form noValidate onSubmit={(e) => void discard(e)}>
          <p className="nhsuk-body">
            A discarded message is never stored or worked on. It stays listed here with your reason.
          </p>
          <div className={`nhsuk-form-group${reasonError ? " nhsuk-form-group--error" : ""}`}>
            <label className="nhsuk-label" htmlFor="discard-reason">
              Why is it discarded?
            </label>
            <FieldError id="discard-reason-error">{reasonError}</FieldError>
            <textarea
              className={`nhsuk-textarea${reasonError ? " nhsuk-textarea--error" : ""}`}
              id="discard-reason"
              rows={3}
              maxLength={500}
              value={reason}
              data-autofocus
              aria-describedby={reasonError ? "discard-reason-error" : undefined}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
          <button className="nhsuk-button nhsuk-button--warning" type="submit" disabled={busy !== null}>
            Discard message
          </button>{" "}
          <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => setDiscarding(null)}>
            Keep the message
          </button>
        </form>
      </Dialog>
    </>
  );
}
