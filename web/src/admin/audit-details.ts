// The audit log's details in plain words, as an admin reads them (often in an information-governance enquiry): "Reply
// ready to send to the patient", "Outcome: Rebooked", never the stored "offered: true". Every key each action writes
// (AuditDetails, src/audit-details.ts, which is what recordAudit takes) has its words here: the mapping is typed over
// AuditDetails, so a key added to a writer without words fails the typecheck. The log keeps rows for years, so a key
// or an action this Rebook no longer writes, or a value of a kind the words do not expect, still reads, as stored:
// "Escalated to: Duty manager". The CSV export keeps the stored details (JSON) for analysis.
import type { AuditAction, AuditDetails, AuditHow, Outcome, RequestStatus } from "../api/types.ts";
import { dobText, matchText, outcomeText, statusText, typeText, ukDate, ukDateTime } from "../format.ts";
import { confirmationChoices } from "../worklist/confirmation-choices.ts";
import {
  dueChoices,
  flagChoices,
  matchChoices,
  PAGE_SIZE,
  sortChoices,
  statusChoices,
  viewFromQuery,
} from "../worklist/view.ts";
import { auditActionLabel } from "./audit-actions.ts";
import { filedAsText, queuedMessageText, setAsideText, type QueuedMessageFate } from "./error-queue-words.ts";

/** Names of the people and teams that details name by id (the directory). */
export interface AuditNames {
  people: ReadonlyMap<string, string>;
  teams: ReadonlyMap<string, string>;
}

/** One entry's details as stored (an older row may hold anything), with names for the ids in them. */
interface Reading {
  d: Record<string, unknown>;
  person(id: string): string;
  team(id: string): string;
}

/**
 * The words for one key's value: a phrase; null when there is nothing to add (another key's words say it, or another
 * column shows it); undefined when the value is not of the kind written, so it is shown as stored.
 */
type Word = (v: unknown, r: Reading) => string | null | undefined;

/** Every key of every action, with its words; an action's phrases come in this order. */
type DetailWords = { [A in AuditAction]: { [K in keyof AuditDetails[A] & string]-?: Word } };

const str = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const instant = (v: unknown): v is string => str(v) && Number.isFinite(Date.parse(v));
const ukDay = (v: unknown): v is string => str(v) && /^\d{4}-\d{2}-\d{2}$/.test(v);
/** 5000 as "5,000". */
const count = (n: number): string => n.toLocaleString("en-GB");
/** "1 note", "5,000 audit entries". */
const many = (n: number, one: string, more = `${one}s`): string => `${count(n)} ${n === 1 ? one : more}`;
/** Text the person typed, on one line, in quotes. */
const quoted = (s: string): string => `“${s.replace(/\s+/g, " ").trim()}”`;
/** The start of an id, enough to find it in the CSV export. */
const shortId = (id: string): string => id.slice(0, 8);
/** "Overdue" → "overdue" inside a phrase; "PKB shows …" stays. */
const lower = (s: string): string => (/^[A-Z][a-z]/.test(s) ? `${s[0]!.toLowerCase()}${s.slice(1)}` : s);
/** "a, b and c". */
const list = (parts: string[]): string =>
  parts.length < 2 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)!}`;
const inWords = <T extends string>(words: Record<T, string>, v: string): string =>
  Object.hasOwn(words, v) ? words[v as T] : v;
const choice = <T extends string>(choices: [T, string][], v: T): string => choices.find(([c]) => c === v)?.[1] ?? v;

/** "Take over from" for the key takeOverFrom, "Rows read" for rows_read. */
function keyText(key: string): string {
  const words = key
    .replace(/[_.]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .trim();
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

/** A stored value as readable text: yes or no, "none", a list, an object's keys and values. */
function valueText(v: unknown): string {
  if (v === null || v === undefined) return "none";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return count(v);
  if (typeof v === "string") return v.replace(/\s+/g, " ").trim();
  if (Array.isArray(v)) return v.length ? v.map(valueText).join(", ") : "none";
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length ? entries.map(([k, x]) => `${keyText(k).toLowerCase()} ${valueText(x)}`).join(", ") : "none";
  }
  return ""; // JSON holds nothing else
}

/** A key with no words (an older Rebook's), or a value of a kind its words do not expect: "Escalated to: Duty manager". */
const asStored = (key: string, v: unknown): string => `${keyText(key)}: ${valueText(v)}`;

/**
 * Words for two keys read together ("From Open to In progress"): the first key says both, the second says itself only
 * when the first is missing or not of the kind written. `say` gives a value's words, or undefined for one it cannot.
 */
function pair(
  fromKey: string,
  toKey: string,
  say: (v: unknown, r: Reading) => string | undefined,
  words: { both: (a: string, b: string) => string; from: (a: string) => string; to: (b: string) => string },
): [Word, Word] {
  const from: Word = (v, r) => {
    const a = say(v, r);
    if (a === undefined) return undefined;
    const b = say(r.d[toKey], r);
    return b === undefined ? words.from(a) : words.both(a, b);
  };
  const to: Word = (v, r) => {
    const b = say(v, r);
    if (b === undefined) return undefined;
    return say(r.d[fromKey], r) === undefined ? words.to(b) : null;
  };
  return [from, to];
}

/** "From Open to In progress". */
const fromTo = {
  both: (a: string, b: string) => `From ${a} to ${b}`,
  from: (a: string) => `From ${a}`,
  to: (b: string) => `To ${b}`,
};

/** How a change was made when not the usual way (src/requests/command.ts howMade), as the request's history says it. */
const HOW: { [K in keyof AuditHow]-?: Word } = {
  override: (v, r) => {
    const holder = v && typeof v === "object" ? (v as { holderId?: unknown }).holderId : undefined;
    return str(holder) ? `While ${r.person(holder)} held it` : undefined;
  },
  bulk: (v) => (v === true ? "In a bulk change" : undefined),
};

const reason: Word = (v) => (str(v) ? `Reason: ${v}` : undefined);
const outcome = (v: unknown): string | undefined => (str(v) ? inWords<Outcome>(outcomeText, v) : undefined);
/** The error queue's message by PKB's id, and what became of it, in the queue's words (error-queue-words.ts). */
const queued =
  (fate: QueuedMessageFate): Word =>
  (v) =>
    v === null || str(v) ? queuedMessageText(v, fate) : undefined;
/** The entry's id, which the error queue page does not show, only when the row names no PKB id (an older Rebook's). */
const entry: Word = (v, r) => (str(r.d.pkbMessageId) ? null : str(v) ? `Error queue entry ${shortId(v)}` : undefined);
const heldFor: Word = (v) => (str(v) ? setAsideText(v) : undefined);
const teamOrNone = (v: unknown, r: Reading): string | undefined =>
  v === null ? "no team" : str(v) ? r.team(v) : undefined;

const [statusFrom, statusTo] = pair(
  "from",
  "to",
  (v) => (str(v) ? inWords<RequestStatus>(statusText, v) : undefined),
  fromTo,
);
const [teamFrom, teamTo] = pair("fromTeamId", "toTeamId", teamOrNone, fromTo);
const [exportFrom, exportTo] = pair("from", "to", (v) => (ukDay(v) ? dobText(v) : undefined), {
  both: (a, b) => `Requests received ${a} to ${b}`,
  from: (a) => `Requests received from ${a}`,
  to: (b) => `Requests received up to ${b}`,
});
/** A range of days ("Received 1 January 2018 to 3 February 2018"), one day said once. */
const days = (what: string) => ({
  both: (a: string, b: string) => (a === b ? `${what} ${a}` : `${what} ${a} to ${b}`),
  from: (a: string) => `${what} from ${a}`,
  to: (b: string) => `${what} up to ${b}`,
});
const day = (v: unknown): string | undefined => (instant(v) ? ukDate(v) : undefined);
const [receivedFrom, receivedTo] = pair("receivedFrom", "receivedTo", day, days("Received"));
const [sentFrom, sentTo] = pair("sentFrom", "sentTo", day, days("Sent"));
const [idFrom, idTo] = pair(
  "fromId",
  "toId",
  (v) => (num(v) ? count(v) : str(v) && /^\d+$/.test(v) ? count(Number(v)) : undefined),
  { both: (a, b) => `Entries ${a} to ${b}`, from: (a) => `Entries from ${a}`, to: (b) => `Entries up to ${b}` },
);

/** What one retention batch removed, by record class (src/store/retention.ts). */
const PURGED: Record<AuditDetails["retention.purged"]["class"], (n: number) => string> = {
  requests: (n) => `${many(n, "closed request")} deleted`,
  unrelated_messages: (n) => `${many(n, "PKB message")} that asked for no change emptied`,
  worklist_views: (n) => `${many(n, "worklist view entry", "worklist view entries")} deleted`,
  audit: (n) => `${many(n, "audit entry", "audit entries")} deleted`,
  sync_runs: (n) => `${many(n, "poll history record")} deleted`,
};
const purgedClass = (v: unknown): v is keyof typeof PURGED => str(v) && Object.hasOwn(PURGED, v);

/** What a purge of requests removed with them, said once, at the first of these keys present. */
const REMOVED_WITH = ["events", "notes", "messagesEmptied", "patientsRemoved"] as const;
const removedWith =
  (key: (typeof REMOVED_WITH)[number]): Word =>
  (v, r) => {
    if (!num(v)) return undefined;
    if (REMOVED_WITH.find((k) => num(r.d[k])) !== key) return null;
    const n = (k: (typeof REMOVED_WITH)[number]) => {
      const x = r.d[k];
      return num(x) ? x : null;
    };
    const events = n("events");
    const notes = n("notes");
    const emptied = n("messagesEmptied");
    const patients = n("patientsRemoved");
    const parts = [
      ...(events === null ? [] : [many(events, "history event")]),
      ...(notes === null ? [] : [many(notes, "note")]),
      ...(emptied === null ? [] : [`${many(emptied, "message")} emptied`]),
      ...(patients === null ? [] : [`${count(patients)} ${patients === 1 ? "patient's" : "patients'"} cached details`]),
    ];
    return `With ${list(parts)}`;
  };

/** "Connection “Appointments team”". */
const connectionLabel: Word = (v) => (v === null ? null : str(v) ? `Connection ${quoted(v)}` : undefined);
/** The connection's id, only when there is no label to name it by. */
const connectionIdOrLabel: Word = (v, r) => (str(r.d.label) ? null : str(v) ? `Connection ${shortId(v)}` : undefined);
/** Who signed in to PKB to grant access (PKB's name for them). */
const grantedBy =
  (how: string): Word =>
  (v) =>
    v === null ? "PKB did not say which of its users granted access" : str(v) ? `${how} in PKB by ${v}` : undefined;
/** A connection's status before it was re-authorised (ConnectionStatus, the connections page's words). */
const BEFORE_GRANT: Record<string, string> = {
  needs_reauth: "It had lost access to PKB: it needed re-authorisation",
  active: "It still had access to PKB",
  disabled: "It was switched off",
  awaiting_grant: "It was waiting for access",
};
/** Why Grant Access came back without access. */
const GRANT_FAILED: Record<AuditDetails["pkb.connection_grant_failed"]["reason"], string> = {
  access_denied: "Access was refused in PKB",
  grant_failed: "PKB did not grant access",
  not_your_grant: "Not granted: the link back from PKB was followed by someone other than the person who started it",
};
/** PKB's OAuth error codes (RFC 6749) in words; another code is said with spaces for its underscores. */
const PKB_ERRORS: Record<string, string> = {
  invalid_grant: "PKB said the sign-in had expired or was already used",
  invalid_scope: "PKB refused the access Rebook asks for",
  server_error: "PKB had a problem of its own",
  temporarily_unavailable: "PKB was unavailable for a while",
};
const pkbErrorText = (v: string): string =>
  Object.hasOwn(PKB_ERRORS, v) ? PKB_ERRORS[v]! : `PKB said: ${v.replace(/_+/g, " ")}`;

const SIGN_IN: Record<AuditDetails["user.signed_in"]["method"], string> = {
  password: "With a password",
  oidc: "With single sign-on",
};

/** Reply channels by name (src/requests/reply-channel.ts); another channel is named as stored. */
const CHANNELS: Record<string, string> = { copy_and_open_pkb: "Reply copied into PKB and sent there" };

/** A saved view's filters and sort in the worklist's own words: "Open or in progress, overdue; most urgent first". */
function filtersText(query: string, r: Reading): string {
  const v = viewFromQuery(query, { per: PAGE_SIZE, saved: "" });
  const parts = [
    choice(statusChoices, v.status),
    ...(v.team ? [`team ${r.team(v.team)}`] : []),
    ...(v.type ? [`${lower(typeText[v.type])} requests`] : []),
    ...(v.specialty ? [`specialty ${v.specialty}`] : []),
    ...(v.match ? [lower(choice(matchChoices, v.match))] : []),
    ...(v.mine ? ["assigned to me"] : []),
    ...(v.due ? [lower(choice(dueChoices, v.due))] : []),
    ...(v.confirmation ? [lower(choice(confirmationChoices, v.confirmation))] : []),
    ...(v.flag ? [lower(choice(flagChoices, v.flag))] : []),
    ...(v.q ? [`search ${quoted(v.q)}`] : []),
  ];
  return `${parts.join(", ")}; ${lower(choice(sortChoices, v.sort))}`;
}

const VIEW = {
  viewId: () => null, // the name says which view; the id is in the CSV export
  name: (v: unknown) => (str(v) ? `View ${quoted(v)}` : undefined),
  scope: (v: unknown, r: Reading) =>
    v === "team"
      ? `A team view, shared with ${str(r.d.teamId) ? r.team(r.d.teamId) : "a team"}`
      : v === "personal"
        ? "A personal view"
        : undefined,
  teamId: (v: unknown, r: Reading) =>
    r.d.scope === "team" || r.d.scope === "personal" || v === null ? null : str(v) ? `Team: ${r.team(v)}` : undefined,
} satisfies Record<string, Word>;

const filters =
  (label: string): Word =>
  (v, r) =>
    str(v) ? `${label}: ${filtersText(v, r)}` : undefined;

/** The words of each action's details. */
const DETAIL_WORDS: DetailWords = {
  "request.viewed": {},
  "requests.listed": {
    shown: () => null, // the next column says how many ("3 in a list")
    search: (v) => (str(v) ? `Searched for ${quoted(v)}` : undefined),
    requestIds: () => null,
  },
  "request.notes_viewed": {},
  "request.claimed": { takeOverFrom: (v, r) => (str(v) ? `Taken over from ${r.person(v)}` : undefined) },
  "request.assigned": { userId: (v, r) => (str(v) ? `Assigned to ${r.person(v)}` : undefined), ...HOW },
  "request.unassigned": {
    previousUserId: (v, r) => (v === null ? null : str(v) ? `Was with ${r.person(v)}` : undefined),
    ...HOW,
  },
  "request.transferred": { fromTeamId: teamFrom, toTeamId: teamTo, reason, ...HOW },
  "request.status_changed": { from: statusFrom, to: statusTo, reason, ...HOW },
  "request.outcome_recorded": {
    outcome: (v) => (outcome(v) ? `Outcome: ${outcome(v)}` : undefined),
    inPast: (v) => (v === true ? "Confirmed as a change made in the past" : undefined),
    ...HOW,
  },
  "request.manually_matched": { fhirId: (v) => (str(v) ? `PKB appointment id ${v}` : undefined), ...HOW },
  "request.rematched": {
    decision: (v) => (str(v) ? `Result: ${inWords(matchText, v)}` : undefined),
    candidates: (v) =>
      num(v) ? (v === 0 ? "No candidate appointments" : many(v, "candidate appointment")) : undefined,
    ...HOW,
  },
  "request.note_added": { noteId: () => null, ...HOW }, // the note is on the request; its text is not in the log
  "request.snoozed": { until: (v) => (instant(v) ? `Until ${ukDateTime(v)}` : undefined), ...HOW },
  "request.snooze_ended": HOW,
  "request.reply_prepared": {
    offered: (v) =>
      v === true
        ? "Reply ready to send to the patient"
        : v === false
          ? "No reply ready to send: no outcome yet, or PKB did not show the change yet"
          : undefined,
  },
  "request.patient_answered": {
    outcome: (v) => (v === null ? null : outcome(v) ? `Outcome: ${outcome(v)}` : undefined),
    channel: (v) => (str(v) ? (Object.hasOwn(CHANNELS, v) ? CHANNELS[v]! : `Through ${v}`) : undefined),
  },
  "request.retried": {},
  "view.created": { ...VIEW, query: filters("Filters") },
  "view.updated": {
    viewId: VIEW.viewId,
    name: VIEW.name,
    previousName: (v) => (str(v) ? `Renamed from ${quoted(v)}` : undefined),
    query: filters("Filters"),
    previousQuery: filters("Filters before"),
  },
  "view.deleted": VIEW,
  "user.signed_in": {
    method: (v) => (str(v) && Object.hasOwn(SIGN_IN, v) ? SIGN_IN[v as keyof typeof SIGN_IN] : undefined),
  },
  "user.signed_out": {},
  "user.password_changed": {},
  "user.sign_in_unlocked": {
    userId: (v, r) => (str(v) ? `For ${r.person(v)}` : undefined),
    lifted: (v) => (v === true ? "Failed attempts cleared" : v === false ? "There was no delay to lift" : undefined),
  },
  "team.hours_changed": {
    teamId: (v, r) => (str(v) ? `Team: ${r.team(v)}` : undefined),
    from: (v) => (str(v) ? `Hours before: ${v}` : undefined),
    to: (v) => (str(v) ? `Hours now: ${v}` : undefined),
    recomputed: (v) =>
      num(v)
        ? v === 0
          ? "No open request's deadline moved"
          : `Deadlines of ${many(v, "open request")} worked out again`
        : undefined,
  },
  "reply_template.changed": {
    outcome: (v) => (outcome(v) ? `For the outcome ${outcome(v)}` : undefined),
    before: (v) => (v === null ? "Before: none" : str(v) ? `Before: ${quoted(v)}` : undefined),
    after: (v) => (str(v) ? `Now: ${quoted(v)}` : undefined),
  },
  "pkb.connection_granted": {
    label: connectionLabel,
    connectionId: connectionIdOrLabel,
    pkbUserName: grantedBy("Granted"),
  },
  "pkb.connection_reauthorised": {
    label: connectionLabel,
    connectionId: connectionIdOrLabel,
    pkbUserName: grantedBy("Re-authorised"),
    previousStatus: (v) => (str(v) && Object.hasOwn(BEFORE_GRANT, v) ? BEFORE_GRANT[v] : undefined),
    startedFor: (v) => {
      const label = v && typeof v === "object" ? (v as { label?: unknown }).label : undefined;
      return str(label)
        ? `Grant Access was started for connection ${quoted(label)}; the PKB user already had this connection, so it was re-authorised instead`
        : undefined;
    },
  },
  "pkb.connection_grant_failed": {
    label: connectionLabel,
    connectionId: connectionIdOrLabel,
    reason: (v) =>
      str(v) && Object.hasOwn(GRANT_FAILED, v) ? GRANT_FAILED[v as keyof typeof GRANT_FAILED] : undefined,
    pkbError: (v, r) =>
      v === null || (v === "access_denied" && r.d.reason === "access_denied")
        ? null
        : str(v)
          ? pkbErrorText(v)
          : undefined,
    startedBy: (v, r) =>
      v === null ? "Started by a person no longer listed" : str(v) ? `Started by ${r.person(v)}` : undefined,
  },
  "pkb.connection_removed": {
    connectionId: (v, r) => (str(r.d.label) ? null : str(v) ? `Connection ${shortId(v)}` : undefined),
    label: (v) => (v === null ? null : str(v) ? `Connection ${quoted(v)} (access was never granted)` : undefined),
  },
  "error_queue.viewed": { pkbMessageId: queued("opened"), entryId: entry },
  "error_queue.replayed": {
    pkbMessageId: queued("stored"),
    heldFor,
    // The error queue's own words (web/src/admin/error-queue-words.ts).
    filedAs: (v) => (v === null || str(v) ? filedAsText(v) : undefined),
    entryId: entry,
  },
  "error_queue.replay_failed": {
    pkbMessageId: queued("waiting"),
    heldFor,
    reason: (v, r) =>
      v === r.d.heldFor && str(v)
        ? "Still could not be filed, for the same reason"
        : str(v)
          ? `Still could not be filed: ${v}`
          : undefined,
    entryId: entry,
  },
  "error_queue.discarded": {
    pkbMessageId: queued("discarded"),
    heldFor,
    reason: (v) => (str(v) ? `Why it was discarded: ${quoted(v)}` : undefined),
    entryId: entry,
  },
  "report.rows_exported": {
    from: exportFrom,
    to: exportTo,
    teamId: (v, r) =>
      v === null ? null : v === "none" ? "Requests no team owns" : str(v) ? `Team: ${r.team(v)}` : undefined,
    specialtyCode: (v) =>
      v === null ? null : v === "none" ? "Requests without a specialty" : str(v) ? `Specialty: ${v}` : undefined,
    type: (v) => (v === null ? null : str(v) ? `${inWords(typeText, v)} requests only` : undefined),
  },
  "audit.viewed": {
    requestIds: (v) =>
      Array.isArray(v) ? (v.length ? `Entries about ${many(v.length, "request")} shown` : null) : undefined,
    search: (v) => (str(v) ? `Searched for patient ${quoted(v)}` : undefined),
  },
  "audit.exported": {
    filter: (v) => {
      if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
      const parts = Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => {
        if (x === undefined || x === null) return [];
        if (k === "action" && str(x)) return [auditActionLabel(x)];
        if (k === "patient" && str(x)) return [`patient ${quoted(x)}`];
        if (k === "requestId" && str(x)) return [`request ${shortId(x)}`];
        return [`${keyText(k).toLowerCase()} ${valueText(x)}`];
      });
      return parts.length ? `Filtered to ${parts.join(", ")}` : "The whole log";
    },
  },
  "retention.purged": {
    class: (v, r) => (purgedClass(v) && num(r.d.rows) ? PURGED[v](r.d.rows) : undefined),
    rows: (v, r) => (purgedClass(r.d.class) && num(v) ? null : undefined),
    olderThan: (v) => (instant(v) ? `Older than ${ukDate(v)}` : undefined),
    requests: (v, r) => (num(v) && v === r.d.rows ? null : num(v) ? many(v, "request") : undefined),
    events: removedWith("events"),
    notes: removedWith("notes"),
    messagesEmptied: removedWith("messagesEmptied"),
    patientsRemoved: removedWith("patientsRemoved"),
    receivedFrom,
    receivedTo,
    sentFrom,
    sentTo,
    fromId: idFrom,
    toId: idTo,
  },
  "tokens.rekeyed": {
    resealed: (v) => (num(v) ? `${many(v, "token")} re-encrypted` : undefined),
    alreadyCurrent: (v) => (num(v) ? `${count(v)} already under the current key` : undefined),
    failed: (v) => (num(v) ? (v === 0 ? "None failed" : `${count(v)} could not be re-encrypted`) : undefined),
    keyId: (v) => (str(v) ? `Current key: ${v}` : undefined),
  },
};

/**
 * An entry's details in words, one phrase each, in the order a reader needs them ([] when there is nothing to say).
 * Keys its action's words do not know (an older Rebook's) follow, as stored, in alphabetical order.
 */
export function auditDetailsWords(action: string, details: Record<string, unknown>, names: AuditNames): string[] {
  const words: Record<string, Word> = Object.hasOwn(DETAIL_WORDS, action) ? DETAIL_WORDS[action as AuditAction] : {};
  const r: Reading = {
    d: details,
    person: (id) => names.people.get(id) ?? `a person not listed (id ${shortId(id)})`,
    team: (id) => names.teams.get(id) ?? `a team not listed (id ${shortId(id)})`,
  };
  const out: string[] = [];
  for (const [key, word] of Object.entries(words)) {
    const v = details[key];
    if (!Object.hasOwn(details, key) || v === undefined) continue;
    const said = word(v, r);
    if (said === undefined) out.push(asStored(key, v));
    else if (said !== null) out.push(said);
  }
  for (const key of Object.keys(details).sort()) {
    if (!Object.hasOwn(words, key) && details[key] !== undefined) out.push(asStored(key, details[key]));
  }
  return out;
}
