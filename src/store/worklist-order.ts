// The worklist's urgency orders, as SQL over appointment_requests `r`: "most urgent first" (sort=deadline) ranks by
// deadline state at `now` (overdue, due soon, on track, then appointment passed, then done), then priority (urgent first), then the deadline;
// "highest priority first" (sort=priority) swaps the first two. Both end with the deadline and id, so keyset paging is
// exact; the ranks are computed at the `now` of the first page and carried in the cursor.
import { PRIORITIES } from "../requests/vocabulary.ts";

/** The sorts this module orders. */
export type UrgencySort = "deadline" | "priority";

/** Priorities most pressing first (urgent, high, normal, low): a rank is an index into this list. */
export const PRIORITY_RANKING = [...PRIORITIES].reverse();

/** SQL for a request's priority rank (0 = urgent). The values are the vocabulary's own, never input. */
const PRIORITY_RANK = `CASE r.priority ${PRIORITY_RANKING.map((v, i) => `WHEN '${v}' THEN ${i}`).join(" ")} ELSE ${PRIORITY_RANKING.length} END`;

/**
 * The rank expressions of an urgency sort, first key first. `p` adds a parameter; the deadline state uses the same
 * boundaries as the `due` filter and src/domain/deadline.ts (overdue strictly after; due soon within dueSoonMs).
 */
export function urgencyRanks(
  sort: UrgencySort,
  at: { now: Date; dueSoonMs: number },
  p: (v: unknown) => string,
): string[] {
  const now = p(at.now);
  const soon = p(new Date(at.now.getTime() + at.dueSoonMs));
  // A request whose appointment passed is not overdue work: after every open deadline state, before done.
  const state = `CASE WHEN r.status = 'done' THEN 4 WHEN r.appointment_passed_at IS NOT NULL THEN 3
    WHEN r.deadline_at < ${now}::timestamptz THEN 0
    WHEN r.deadline_at <= ${soon}::timestamptz THEN 1 ELSE 2 END`;
  return sort === "deadline" ? [state, PRIORITY_RANK] : [PRIORITY_RANK, state];
}

/** The keyset condition after a row with these ranks, deadline (timestamptz text) and id. */
export function afterRanks(
  ranks: string[],
  last: { ranks: number[]; key: string; id: string },
  p: (v: unknown) => string,
): string {
  const values = last.ranks.map((r) => `${p(r)}::int`);
  return `(${ranks.join(", ")}, r.deadline_at, r.id) > (${values.join(", ")}, ${p(last.key)}::timestamptz, ${p(last.id)}::uuid)`;
}
