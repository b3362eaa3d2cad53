// Which live request events a tab takes as its own write (already loaded after the write's answer, so not loaded again).

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
