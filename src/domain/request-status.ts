// The request's workflow states and the moves people may make between them. The pipeline owns `processing` and
// `error` (retry sends an error back to processing); people move requests between open, in progress and done.
export type Status = "processing" | "open" | "in_progress" | "done" | "error";

/** The statuses a person may set. */
export const WORK_STATUSES = ["open", "in_progress", "done"] as const;
export type WorkStatus = (typeof WORK_STATUSES)[number];

const MOVES: Record<Status, readonly Status[]> = {
  processing: [],
  error: [],
  open: ["in_progress", "done"],
  in_progress: ["open", "done"],
  // Reopening needs a reason.
  done: ["open"],
};

/** Whether a person may move a request from `from` to `to` (staying put is not a move). */
export function canMove(from: Status, to: Status): boolean {
  return MOVES[from].includes(to);
}

/** Whether the move is a reopening (which needs a reason). */
export const isReopen = (from: Status, to: Status): boolean => from === "done" && to === "open";

/** Whether people can act on a request in this status (assign, record an outcome, match): open or in progress. */
export const isWorkable = (s: Status): boolean => s === "open" || s === "in_progress";

/** Readable status, for messages. */
export const statusText = (s: Status): string => s.replace("_", " ");
