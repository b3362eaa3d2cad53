// The worklist view as it lives in the URL (bookmarkable, shareable; back and forward work): filters, search, sort
// and the page (the keyset cursors that led to it). Turned into an /api/requests query here and nowhere else.
import type { MatchState, RequestStatus, RequestType } from "../api/types.ts";
import { confirmationChoices, confirmationValues, type ConfirmationChoice } from "./confirmation-choices.ts";

export type StatusChoice = "active" | "open" | "in_progress" | "done" | "error" | "processing" | "all";
export type MatchChoice = "" | "needs_person" | "matched" | "not_identified" | "pending";
export type DueChoice = "" | "overdue" | "due_soon" | "passed";
/** Settling (docs/settling.md): PKB shows the appointment changed since the request, or the patient asked again. */
export type FlagChoice = "" | "pkb_changed" | "repeated";
export type SortChoice = "deadline" | "priority" | "received_desc" | "received_asc" | "appointment_start";

export interface WorklistView {
  team: string;
  status: StatusChoice;
  type: "" | RequestType;
  specialty: string;
  match: MatchChoice;
  mine: boolean;
  due: DueChoice;
  /** Whether PKB shows the outcome (docs/pkb-confirmation.md). */
  confirmation: ConfirmationChoice;
  /** PKB shows a change since the request, or the patient asked more than once. */
  flag: FlagChoice;
  q: string;
  sort: SortChoice;
  /** Requests per page. */
  per: number;
  /** Cursors of the pages before this one were left by (empty on the first page). */
  pages: string[];
  /** The saved view this one started from (its id), kept while the filters change so it can be updated. */
  saved: string;
}

export const statusChoices: [StatusChoice, string][] = [
  ["active", "Open or in progress"],
  ["open", "Open"],
  ["in_progress", "In progress"],
  ["done", "Done"],
  ["error", "Error"],
  ["processing", "Being processed"],
  ["all", "Any status"],
];

export const matchChoices: [MatchChoice, string][] = [
  ["", "Any"],
  ["needs_person", "Appointment to choose"],
  ["matched", "Appointment matched"],
  ["not_identified", "Patient not identified"],
  ["pending", "Still matching"],
];

export const dueChoices: [DueChoice, string][] = [
  ["", "Any"],
  ["overdue", "Overdue"],
  ["due_soon", "Due soon"],
  ["passed", "Appointment passed"],
];

export const flagChoices: [FlagChoice, string][] = [
  ["", "Any"],
  ["pkb_changed", "PKB shows a change since the request"],
  ["repeated", "Patient asked more than once"],
];

export const sortChoices: [SortChoice, string][] = [
  ["deadline", "Most urgent first"],
  ["priority", "Highest priority first"],
  ["received_desc", "Newest first"],
  ["received_asc", "Oldest first"],
  ["appointment_start", "Soonest appointment first"],
];

const statusValues: Record<StatusChoice, RequestStatus[] | null> = {
  active: ["open", "in_progress"],
  open: ["open"],
  in_progress: ["in_progress"],
  done: ["done"],
  error: ["error"],
  processing: ["processing"],
  all: null,
};

const matchValues: Record<Exclude<MatchChoice, "">, MatchState[]> = {
  needs_person: ["review", "no_candidates"],
  matched: ["auto_linked", "manual"],
  not_identified: ["not_applicable"],
  pending: ["pending"],
};

const oneOf = <T extends string>(v: string | null, allowed: readonly T[], fallback: T): T =>
  v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;

/** Reads the view from the URL; anything unknown falls back to the default. */
export function readView(p: URLSearchParams): WorklistView {
  return {
    team: p.get("team") ?? "",
    status: oneOf(
      p.get("status"),
      statusChoices.map(([v]) => v),
      "active",
    ),
    type: oneOf(p.get("type"), ["", "change", "cancel"] as const, ""),
    specialty: p.get("specialty") ?? "",
    match: oneOf(
      p.get("match"),
      matchChoices.map(([v]) => v),
      "",
    ),
    mine: p.get("mine") === "1",
    due: oneOf(p.get("due"), ["", "overdue", "due_soon", "passed"] as const, ""),
    flag: oneOf(p.get("flag"), ["", "pkb_changed", "repeated"] as const, ""),
    confirmation: oneOf(
      p.get("confirmation"),
      confirmationChoices.map(([v]) => v),
      "",
    ),
    q: p.get("q") ?? "",
    sort: oneOf(
      p.get("sort"),
      sortChoices.map(([v]) => v),
      DEFAULT_SORT,
    ),
    per: PAGE_SIZES.includes(Number(p.get("per"))) ? Number(p.get("per")) : PAGE_SIZE,
    pages: (p.get("page") ?? "").split(".").filter(Boolean),
    saved: p.get("view") ?? "",
  };
}

/** The URL query for a view (defaults left out, so links stay short). */
export function writeView(v: WorklistView): URLSearchParams {
  const p = new URLSearchParams();
  if (v.team) p.set("team", v.team);
  if (v.status !== "active") p.set("status", v.status);
  if (v.type) p.set("type", v.type);
  if (v.specialty) p.set("specialty", v.specialty);
  if (v.match) p.set("match", v.match);
  if (v.mine) p.set("mine", "1");
  if (v.due) p.set("due", v.due);
  if (v.confirmation) p.set("confirmation", v.confirmation);
  if (v.flag) p.set("flag", v.flag);
  if (v.q.trim()) p.set("q", v.q.trim());
  if (v.sort !== DEFAULT_SORT) p.set("sort", v.sort);
  if (v.per !== PAGE_SIZE) p.set("per", String(v.per));
  if (v.pages.length) p.set("page", v.pages.join("."));
  if (v.saved) p.set("view", v.saved);
  return p;
}

/** A changed view: any change but paging starts again at the first page. */
export function changeView(v: WorklistView, change: Partial<WorklistView>): WorklistView {
  return { ...v, pages: [], ...change };
}

export const PAGE_SIZE = 50;

/** The longest search the API takes (SEARCH_MAX_LENGTH in src/store/request-queries.ts). */
export const SEARCH_MAX_LENGTH = 100;

/** What is wrong with a view's search, in the design system's words, or null. */
export const searchProblem = (v: WorklistView): string | null =>
  v.q.trim().length > SEARCH_MAX_LENGTH ? `Search must be ${SEARCH_MAX_LENGTH} characters or fewer` : null;
export const PAGE_SIZES = [10, 25, 50, 100];

/** Most urgent first: what a clerk should pick up next is at the top. */
export const DEFAULT_SORT: SortChoice = "deadline";

/** Whether a request in `status` belongs in the view (for live updates of rows not on screen). */
export function statusInView(v: WorklistView, status: RequestStatus): boolean {
  const statuses = statusValues[v.status];
  return statuses === null || statuses.includes(status);
}

/** The /api/requests query string for a view. */
export function apiQuery(v: WorklistView): string {
  const p = new URLSearchParams();
  const statuses = statusValues[v.status];
  if (statuses) p.set("status", statuses.join(","));
  if (v.type) p.set("type", v.type);
  if (v.match) p.set("match_state", matchValues[v.match].join(","));
  if (v.team) p.set("team_id", v.team);
  if (v.specialty.trim()) p.set("specialty_code", v.specialty.trim());
  if (v.mine) p.set("assigned_to", "me");
  if (v.due) p.set("due", v.due);
  if (v.confirmation) p.set("confirmation", confirmationValues[v.confirmation]);
  if (v.flag === "pkb_changed") p.set("pkb_flag", "moved,cancelled");
  if (v.flag === "repeated") p.set("repeated", "true");
  if (v.q.trim()) p.set("q", v.q.trim());
  p.set("sort", v.sort);
  const cursor = v.pages.at(-1);
  if (cursor) p.set("cursor", cursor);
  p.set("limit", String(v.per));
  return p.toString();
}

/** True when the view filters anything (for the "Clear filters" link). */
export const isFiltered = (v: WorklistView): boolean =>
  Boolean(
    v.team ||
    v.status !== "active" ||
    v.type ||
    v.specialty ||
    v.match ||
    v.mine ||
    v.due ||
    v.confirmation ||
    v.flag ||
    v.q,
  );

/**
 * A change of the PKB confirmation filter: a request PKB should show has an outcome, so it is done (or in progress
 * for a late one reopened): "Open or in progress" would show nothing, so the status widens to any.
 */
export function withConfirmation(v: WorklistView, confirmation: ConfirmationChoice): Partial<WorklistView> {
  return confirmation && v.status === "active" ? { confirmation, status: "all" } : { confirmation };
}

/** The filters and sort of a view as a saved view keeps them: the /api/requests query without paging, keys sorted. */
export function viewQuery(v: WorklistView): string {
  const p = new URLSearchParams(apiQuery({ ...v, pages: [] }));
  p.delete("limit");
  p.delete("cursor");
  p.sort();
  return p.toString();
}

const reverse = <T extends string>(values: Record<string, readonly string[] | string | null>, joined: string) =>
  (Object.entries(values).find(([, v]) => (Array.isArray(v) ? v.join(",") : v) === joined)?.[0] ?? null) as T | null;

/**
 * The worklist view of a saved view's query (the inverse of viewQuery): `per` and the saved id come from the caller.
 * Anything the worklist cannot show falls back to its default.
 */
export function viewFromQuery(query: string, keep: { per: number; saved: string }): WorklistView {
  const p = new URLSearchParams(query);
  const status = p.get("status");
  const match = p.get("match_state");
  const confirmation = p.get("confirmation");
  return {
    team: p.get("team_id") ?? "",
    status: status === null ? "all" : (reverse<StatusChoice>(statusValues, status) ?? "active"),
    type: oneOf(p.get("type"), ["", "change", "cancel"] as const, ""),
    specialty: p.get("specialty_code") ?? "",
    match: match === null ? "" : (reverse<MatchChoice>(matchValues, match) ?? ""),
    mine: p.get("assigned_to") === "me",
    due: oneOf(p.get("due"), ["", "overdue", "due_soon", "passed"] as const, ""),
    confirmation: confirmation === null ? "" : (reverse<ConfirmationChoice>(confirmationValues, confirmation) ?? ""),
    flag: p.get("pkb_flag") ? "pkb_changed" : p.get("repeated") === "true" ? "repeated" : "",
    q: p.get("q") ?? "",
    sort: oneOf(
      p.get("sort"),
      sortChoices.map(([v]) => v),
      DEFAULT_SORT,
    ),
    per: keep.per,
    pages: [],
    saved: keep.saved,
  };
}
