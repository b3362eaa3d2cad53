// The history's rows in words: every event type a request's history can hold, as a clerk reads it.
import type { EventType, HistoryEvent } from "../api/types.ts";
import { outcomeText, plural, statusText, ukDateTime } from "../format.ts";

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

type Describe = (d: Record<string, unknown>, who: (id: unknown) => string | null) => string;

const status = (v: unknown): string => statusText[v as keyof typeof statusText] ?? String(v);

/**
 * What PKB showed of the linked appointment when it was matched, when that answer was the link's first look at it
 * (`settledAtLink`, docs/settling.md): "; PKB then showed it as pending, starting Fri 4 Dec 2026, 08:15". The status is
 * PKB's own word, as the match panel shows it. A start that is not a date is left out: one odd row must not break the
 * whole history.
 */
function shownAtLink(d: Record<string, unknown>): string {
  const s = d.settledAtLink as { pkbStatus?: unknown; start?: unknown } | null | undefined;
  const pkbStatus = str(s?.pkbStatus);
  if (!pkbStatus) return "";
  const start = str(s?.start);
  const when = start && Number.isFinite(Date.parse(start)) ? `, starting ${ukDateTime(start)}` : "";
  return `; PKB then showed it as ${pkbStatus}${when}`;
}

/**
 * Every event type in words. A Record over the server's EventType: a new event type without a label here fails the
 * web app's typecheck.
 */
const DESCRIBE: Record<EventType, Describe> = {
  received: () => "Request received from PKB",
  subject_unparseable: (d) => `The message subject could not be read${str(d.reason) ? ` (${String(d.reason)})` : ""}`,
  follow_up_received: () => "Follow-up message received",
  patient_identified: () => "Patient identified by NHS number",
  patient_not_identified: (d) => `Patient not identified${str(d.reason) ? `: ${String(d.reason)}` : ""}`,
  appointment_linked: (d) =>
    `${d.manual ? "Appointment chosen by hand" : "Appointment matched automatically"}${str(d.externalId) ? `: ${String(d.externalId)}` : ""}${shownAtLink(d)}`,
  no_appointment_found: () => "No appointment found in PKB near the date asked about",
  match_needs_review: (d) =>
    `Appointment to choose (${typeof d.candidates === "number" ? plural(d.candidates, "candidate") : "candidates"})`,
  rematched: (d) =>
    `PKB searched again: ${str(d.externalId) ? `matched ${String(d.externalId)}` : d.decision === "no_candidates" ? "no appointment found" : "appointment to choose"}`,
  routed: (d) => `Routed${str(d.reason) ? `: ${String(d.reason)}` : ""}`,
  assigned: (d, who) =>
    d.auto
      ? `Assigned automatically to ${who(d.userId) ?? "a team member"}`
      : `Assigned to ${who(d.userId) ?? "a team member"}`,
  unassigned: (d, who) => `Unassigned${d.previousUserId ? ` from ${who(d.previousUserId)}` : ""}`,
  status_changed: (d) =>
    `Status changed${d.from ? ` from ${status(d.from)}` : ""}${d.to ? ` to ${status(d.to)}` : ""}${str(d.reason) ? `: ${String(d.reason)}` : ""}`,
  reopened: (d) => `Reopened${str(d.reason) ? `: ${String(d.reason)}` : ""}`,
  outcome_recorded: (d) => {
    const o = str(d.outcome);
    const label = o ? (outcomeText[o as keyof typeof outcomeText] ?? o) : "Outcome";
    const extra = str(d.newStartUk) ? `to ${String(d.newStartUk)}` : (str(d.reason) ?? str(d.note));
    const past = d.inPast === true ? "; confirmed as a change made in the past" : "";
    return `Outcome recorded: ${label}${extra || past ? ` (${extra ?? ""}${past})` : ""}`;
  },
  transferred: (d) =>
    `Transferred${str(d.fromTeamName) ? ` from ${String(d.fromTeamName)}` : ""}${str(d.toTeamName) ? ` to ${String(d.toTeamName)}` : ""}${str(d.reason) ? `: ${String(d.reason)}` : ""}`,
  note_added: () => "Internal note added",
  error: (d) => `Processing failed${str(d.reason) ? `: ${String(d.reason)}` : ""}`,
  retry_requested: () => "Sent back to processing",
  pkb_confirmed: (d) =>
    `${d.late ? "Confirmed in PKB late" : "Confirmed in PKB"}${str(d.shows) ? `: ${String(d.shows)}` : ""}`,
  pkb_not_confirmed: (d) => `Not confirmed in PKB in time${str(d.shows) ? `: ${String(d.shows)}` : ""}`,
  pkb_already_done: (d) => `Closed automatically, already done in PKB${str(d.shows) ? `: ${String(d.shows)}` : ""}`,
  pkb_flagged: (d) => `Flagged for a person${str(d.shows) ? `: ${String(d.shows)}` : ""}`,
  // A row of a person's re-link without its words (as appointment_passed_cleared's) still says why.
  pkb_flag_cleared: (d) =>
    `Flag cleared${str(d.shows) ? `: ${String(d.shows)}` : d.relinked === true ? ": another appointment was linked" : ""}`,
  // A row with `correctedFrom` says why the mark now stands (the request counts from an earlier ask); the row it
  // corrects stays in the history as it was written.
  appointment_passed: (d) => {
    const before = d.before === "received" ? " before the request was received" : " before action";
    if (str(d.correctedFrom)) return `Appointment passed, reason corrected: ${str(d.shows) ?? `passed${before}`}`;
    return `Marked as appointment passed${str(d.shows) ? `: ${String(d.shows)}` : before}`;
  },
  // PKB showed the appointment ahead: it had not passed after all, and the request is deadline work again; or
  // (`pkbShows`) cancelled or no longer listed: no longer booked. Or (`relinked`) a person linked the request to an
  // appointment: the mark was about the one linked before.
  appointment_passed_cleared: (d) =>
    `Appointment no longer passed: ${
      str(d.shows) ??
      (d.relinked === true
        ? "another appointment was linked"
        : d.pkbShows === "cancelled"
          ? "PKB shows it cancelled, so the request is deadline work again"
          : d.pkbShows === "not_listed"
            ? "PKB no longer lists it, so the request is deadline work again"
            : "PKB shows it has not started yet, so the request is deadline work again")
    }`,
  // PKB shows the linked appointment moved, and no other row of the check said so (a cancel request is never flagged).
  appointment_moved: (d) => {
    const when = (v: unknown): string | null => {
      const at = str(v);
      return at && Number.isFinite(Date.parse(at)) ? ukDateTime(at) : null;
    };
    const [to, from] = [when(d.to), when(d.from)];
    const shows = str(d.shows) ?? (to && from ? `PKB shows it moved to ${to}, from ${from}` : null);
    return `Appointment start updated${shows ? `: ${shows}` : ""}`;
  },
  repeat_received: (d) => {
    const type = str(d.type);
    const raised = d.priorityRaised as { to?: unknown; reason?: unknown } | undefined;
    const priority =
      raised && typeof raised.to === "string"
        ? `; priority raised to ${raised.to}${typeof raised.reason === "string" ? ` (${raised.reason})` : ""}`
        : "";
    // An earlier ask matched after the later one: the request now counts from it (received time and deadline).
    const earlier =
      str(d.receivedMovedFrom) && str(d.receivedAt)
        ? `; this message came first, so the request now counts from it (received ${ukDateTime(String(d.receivedAt))})`
        : "";
    return `The patient asked again${type ? ` (${type === "cancel" ? "to cancel" : "to change"})` : ""}${typeof d.askedCount === "number" ? `: asked ${plural(d.askedCount, "time")}` : ""}${priority}${earlier}`;
  },
  type_changed: (d) =>
    `Request type changed${str(d.from) ? ` from ${String(d.from)}` : ""}${str(d.to) ? ` to ${String(d.to)}` : ""}${str(d.reason) ? `: ${String(d.reason)}` : ""}`,
  asked_again: (d) => {
    const o = str(d.previousOutcome);
    return `Asked again after an outcome${o ? ` (the earlier request: ${outcomeText[o as keyof typeof outcomeText] ?? o})` : ""}`;
  },
  snoozed: (d) =>
    `Waiting for patient until ${str(d.untilUk) ?? "a later date"}; deadline paused${str(d.note) ? ` (${String(d.note)})` : ""}`,
  snooze_ended: (d) =>
    d.reason === "reminder"
      ? "Wait for patient ended: back on the worklist (reminder)"
      : d.reason === "outcome"
        ? "Wait for patient ended: outcome recorded"
        : "Stopped waiting for patient; deadline running again",
  patient_answered: () => "Patient answered (reply sent in PKB)",
};

/** How a person's change was made, when it was not the usual way: on someone else's request, or in bulk. */
function how(d: Record<string, unknown>, who: (id: unknown) => string | null): string {
  const held = d.override && typeof d.override === "object" ? (d.override as { holderId?: unknown }).holderId : null;
  const parts = [
    ...(held ? [`while ${who(held) ?? "a team member"} held it`] : []),
    ...(d.bulk === true ? ["in a bulk change"] : []),
  ];
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** One event in words; `names` gives people's names by id. An unknown type (a newer server) is shown by its name. */
export function describeEvent(e: HistoryEvent, names: ReadonlyMap<string, string>): string {
  const who = (id: unknown): string | null => (typeof id === "string" ? (names.get(id) ?? "a team member") : null);
  const describe = DESCRIBE[e.type] as Describe | undefined;
  if (describe) return `${describe(e.data, who)}${how(e.data, who)}`;
  const type: string = e.type;
  return type.replace(/[_.]/g, " ").replace(/^./, (c) => c.toUpperCase());
}
