// The audit log: who viewed or changed what, newest first; filter by action, patient (name or NHS number) or request,
// page through, export as CSV. Each entry's details are in plain words, naming the people and teams they refer to
// (audit-details.ts); each entry about a request shows its patient and appointment. The filters and page live in the
// URL; the API audits each page shown.
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { ApiError, get, qs } from "../api/client.ts";
import { useDirectory } from "../api/directory.ts";
import type { AuditEntry } from "../api/types.ts";
import { useMe } from "../auth/AuthContext.tsx";
import { Pagination } from "../components/Pagination.tsx";
import { ErrorSummary, Loading, PageHeading, useTitle } from "../components/ui.tsx";
import { nhsNumber, ukDateTime } from "../format.ts";
import { auditActionChoices, auditActionLabel } from "./audit-actions.ts";
import { auditDetailsWords, type AuditNames } from "./audit-details.ts";

/** The entry's details, a line each ("Outcome: Rebooked", "While Cara Clerk held it"); nothing when it has none. */
function Details({ entry, names }: { entry: AuditEntry; names: AuditNames }) {
  const words = auditDetailsWords(entry.action, entry.details, names);
  if (words.length === 0) return null;
  return (
    <ul className="app-audit-details">
      {words.map((w, i) => (
        <li key={i}>{w}</li>
      ))}
    </ul>
  );
}

/** "3 requests in a list" for a worklist view; "None shown" for a search that found nothing. */
function listedText(d: Record<string, unknown>): string {
  const ids = Array.isArray(d.requestIds) ? d.requestIds.length : 0;
  return ids === 0 ? "None shown" : `${ids} in a list`;
}

/** The request's patient and appointment in a few words, or its id when the request has neither. */
function RequestCell({ entry }: { entry: AuditEntry }) {
  const r = entry.request;
  if (!entry.requestId) return null;
  const who = r?.patientName ?? (r?.nhsNumber ? `NHS ${nhsNumber(r.nhsNumber)}` : null);
  const when = r?.appointmentStart ? ukDateTime(r.appointmentStart) : r?.appointmentExternalId;
  if (!r) return <span className="app-muted">Request {entry.requestId.slice(0, 8)} (no longer held)</span>;
  return (
    <>
      <Link to={`/requests/${entry.requestId}`}>{who ?? `Request ${entry.requestId.slice(0, 8)}`}</Link>
      {r.patientName && r.nhsNumber ? (
        <>
          <br />
          <span className="app-secondary">NHS number {nhsNumber(r.nhsNumber)}</span>
        </>
      ) : null}
      {when ? (
        <>
          <br />
          <span className="app-secondary">Appointment {when}</span>
        </>
      ) : null}
    </>
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function AuditPage() {
  useTitle("Audit log");
  const dir = useDirectory(useMe());
  const names = useMemo<AuditNames | null>(
    () => (dir ? { people: dir.names, teams: new Map(dir.teams.map((t) => [t.id, t.name])) } : null),
    [dir],
  );
  const [params, setParams] = useSearchParams();
  const action = params.get("action") ?? "";
  const requestId = params.get("request") ?? "";
  const patient = params.get("patient") ?? "";
  const pages = (params.get("page") ?? "").split(".").filter(Boolean);
  const [page, setPage] = useState<{ items: AuditEntry[]; nextCursor: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [requestField, setRequestField] = useState(requestId);
  const [patientField, setPatientField] = useState(patient);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const filter = { action: action || undefined, patient: patient || undefined, request_id: requestId || undefined };
  const query = qs({ ...filter, cursor: pages.at(-1), limit: 50 });

  useEffect(() => {
    setPage(null);
    get<{ items: AuditEntry[]; nextCursor: string | null }>(`/api/audit${query}`)
      .then((p) => {
        setPage(p);
        setError(null);
      })
      .catch((err: unknown) => setError(err instanceof ApiError ? err.message : "The audit log could not be loaded."));
  }, [query]);

  const go = (change: Record<string, string>, keepPage = false) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!keepPage) next.delete("page");
    setParams(next);
  };
  const pageLink = (p: string[]) => {
    const next = new URLSearchParams(params);
    if (p.length) next.set("page", p.join("."));
    else next.delete("page");
    const s = next.toString();
    return `/admin/audit${s ? `?${s}` : ""}`;
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = requestField.trim();
    if (v && !UUID.test(v)) {
      setFieldError("Enter a request id, like 3f2b…, or leave it empty");
      return;
    }
    setFieldError(null);
    go({ request: v, patient: patientField.trim().replace(/\s+/g, " ") });
  };

  return (
    <>
      <PageHeading>Audit log</PageHeading>
      <p className="nhsuk-body">Every view of a patient's request and every change, with who did it and when.</p>
      {error ? <ErrorSummary problems={[{ text: error }]} /> : null}
      <form className="app-filters app-filters__row" noValidate onSubmit={submit} aria-label="Filter the audit log">
        <div className="nhsuk-form-group app-filters__fit">
          <label className="nhsuk-label" htmlFor="audit-action">
            Action
          </label>
          <select
            className="nhsuk-select"
            id="audit-action"
            value={action}
            onChange={(e) => go({ action: e.target.value })}
          >
            {auditActionChoices.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="audit-patient">
            Patient name or NHS number
          </label>
          <input
            className="nhsuk-input"
            id="audit-patient"
            autoComplete="off"
            spellCheck={false}
            maxLength={100}
            value={patientField}
            onChange={(e) => setPatientField(e.target.value)}
          />
        </div>
        <div className={`nhsuk-form-group${fieldError ? " nhsuk-form-group--error" : ""}`}>
          <label className="nhsuk-label" htmlFor="audit-request">
            Request id
          </label>
          {fieldError ? (
            <span className="nhsuk-error-message" id="audit-request-error">
              <span className="nhsuk-u-visually-hidden">Error:</span> {fieldError}
            </span>
          ) : null}
          <input
            className="nhsuk-input"
            id="audit-request"
            spellCheck={false}
            value={requestField}
            onChange={(e) => setRequestField(e.target.value)}
          />
        </div>
        <div className="nhsuk-form-group app-filters__submit">
          <button className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0" type="submit">
            Apply
          </button>
        </div>
      </form>
      <p className="nhsuk-body">
        <a className="nhsuk-button nhsuk-button--secondary" href={`/api/audit/export.csv${qs(filter)}`} download>
          Export as CSV
        </a>
      </p>
      {(page === null || names === null) && !error ? <Loading what="Loading the audit log" /> : null}
      {page && names ? (
        page.items.length === 0 ? (
          <p className="nhsuk-body">Nothing matches.</p>
        ) : (
          <div className="app-table-scroll" role="region" aria-label="Audit entries" tabIndex={0}>
            <table className="nhsuk-table app-worklist" data-testid="audit">
              <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Audit entries, newest first</caption>
              <thead className="nhsuk-table__head">
                <tr className="nhsuk-table__row">
                  <th className="nhsuk-table__header" scope="col">
                    When
                  </th>
                  <th className="nhsuk-table__header" scope="col">
                    Who
                  </th>
                  <th className="nhsuk-table__header" scope="col">
                    Action
                  </th>
                  <th className="nhsuk-table__header" scope="col">
                    Patient and appointment
                  </th>
                  <th className="nhsuk-table__header" scope="col">
                    From
                  </th>
                </tr>
              </thead>
              <tbody className="nhsuk-table__body">
                {page.items.map((e) => (
                  <tr className="nhsuk-table__row" key={e.id}>
                    <td className="nhsuk-table__cell app-nowrap">{ukDateTime(e.at)}</td>
                    <td className="nhsuk-table__cell">{e.actorLabel}</td>
                    <td className="nhsuk-table__cell">
                      {auditActionLabel(e.action)}
                      <Details entry={e} names={names} />
                    </td>
                    <td className="nhsuk-table__cell">
                      {e.requestId ? (
                        <RequestCell entry={e} />
                      ) : e.action === "requests.listed" ? (
                        <span className="app-muted">{listedText(e.details)}</span>
                      ) : (
                        <span className="app-muted">None</span>
                      )}
                    </td>
                    <td className="nhsuk-table__cell">{e.ip ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      <Pagination
        label="Audit log pages"
        previous={pages.length ? { to: pageLink(pages.slice(0, -1)), label: `Page ${pages.length}` } : null}
        next={
          page?.nextCursor ? { to: pageLink([...pages, page.nextCursor]), label: `Page ${pages.length + 2}` } : null
        }
      />
    </>
  );
}
