// Everything that happened to the request, newest last, in words.
import type { HistoryEvent } from "../api/types.ts";
import { outcomeText, plural, statusText, ukDateTime } from "../format.ts";

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

/** One event in words; `names` gives people's names by id. */
export function describeEvent(e: HistoryEvent, names: ReadonlyMap<string, string>): string {
  const d = e.data;
  const who = (id: unknown): string | null => (typeof id === "string" ? (names.get(id) ?? "a team member") : null);
  const status = (v: unknown): string => statusText[v as keyof typeof statusText] ?? String(v);
  switch (e.type) {
    case "received":
      return "Request received from PKB";
    case "subject_unparseable":
      return `The message subject could not be read${str(d.reason) ? ` (${String(d.reason)})` : ""}`;
    case "follow_up_received":
      return "Follow-up message received";
    case "patient_identified":
      return "Patient identified by NHS number";
    case "patient_not_identified":
      return `Patient not identified${str(d.reason) ? `: ${String(d.reason)}` : ""}`;
    case "appointment_linked":
      return `${d.manual ? "Appointment chosen by hand" : "Appointment matched automatically"}${str(d.externalId) ? `: ${String(d.externalId)}` : ""}`;
    case "no_appointment_found":
      return "No appointment found in PKB near the date asked about";
    case "match_needs_review":
      return `Appointment needs choosing by a person (${typeof d.candidates === "number" ? plural(d.candidates, "candidate") : "candidates"})`;
    case "rematched":
      return `PKB searched again: ${str(d.externalId) ? `matched ${String(d.externalId)}` : d.decision === "no_candidates" ? "no appointment found" : "needs choosing by a person"}`;
    case "routed":
      return `Routed${str(d.reason) ? `: ${String(d.reason)}` : ""}`;
    case "assigned":
      return d.auto
        ? `Assigned automatically to ${who(d.userId) ?? "a team member"}`
        : `Assigned to ${who(d.userId) ?? "a team member"}`;
    case "unassigned":
      return `Unassigned${d.previousUserId ? ` from ${who(d.previousUserId)}` : ""}`;
    case "status_changed":
      return `Status changed${d.from ? ` from ${status(d.from)}` : ""}${d.to ? ` to ${status(d.to)}` : ""}${str(d.reason) ? `: ${String(d.reason)}` : ""}`;
    case "reopened":
      return `Reopened${str(d.reason) ? `: ${String(d.reason)}` : ""}`;
    case "outcome_recorded": {
      const o = str(d.outcome);
      const label = o ? (outcomeText[o as keyof typeof outcomeText] ?? o) : "Outcome";
      const extra = str(d.newStartUk) ? `to ${String(d.newStartUk)}` : (str(d.reason) ?? str(d.note));
      return `Outcome recorded: ${label}${extra ? ` (${extra})` : ""}`;
    }
    case "note_added":
      return "Internal note added";
    case "error":
      return `Processing failed${str(d.reason) ? `: ${String(d.reason)}` : ""}`;
    case "retry_requested":
      return "Sent back to processing";
    default:
      return e.type.replace(/[_.]/g, " ").replace(/^./, (c) => c.toUpperCase());
  }
}

export function History({ events, names }: { events: HistoryEvent[]; names: ReadonlyMap<string, string> }) {
  const sorted = [...events].sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id);
  return (
    <section aria-labelledby="history-heading" className="app-section">
      <h2 className="nhsuk-heading-m" id="history-heading">
        History
      </h2>
      <table className="nhsuk-table app-history" data-testid="history">
        <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">
          History of this request, oldest first
        </caption>
        <thead className="nhsuk-table__head">
          <tr className="nhsuk-table__row">
            <th className="nhsuk-table__header" scope="col">
              When
            </th>
            <th className="nhsuk-table__header" scope="col">
              What happened
            </th>
            <th className="nhsuk-table__header" scope="col">
              Who
            </th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {sorted.map((e) => (
            <tr className="nhsuk-table__row" key={e.id}>
              <td className="nhsuk-table__cell app-nowrap">{ukDateTime(e.at)}</td>
              <td className="nhsuk-table__cell">{describeEvent(e, names)}</td>
              <td className="nhsuk-table__cell">{e.actor?.displayName ?? "Rebook"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
