// Which live request events a tab takes as its own write (already loaded after the write's answer, so not loaded again),
// and which failed writes may have been made all the same (so the tab loads the request again itself).
import { ApiError } from "./client.ts";

/**
 * Whether a live request event is the change this tab made itself: named as made from this tab (`tab`, its TAB_ID)
 * and by this person (`userId`). An event naming this tab but made by someone else is theirs, and must be shown.
 */
export function isThisTabsOwn(
  e: { tabId: string | null; actorUserId: string | null },
  tab: string,
  userId: string,
): boolean {
  return e.tabId !== null && e.tabId === tab && e.actorUserId === userId;
}

/**
 * Whether a write that failed may have been made all the same: no answer reached the page (status 0, the connection
 * was cut) or a 5xx (a proxy's time-out, or a failure after the change was saved). Its live event is this tab's own
 * and is not loaded for, so the page loads the request again to show what it now is.
 */
export function mayHaveBeenMade(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 0 || err.status >= 500);
}
