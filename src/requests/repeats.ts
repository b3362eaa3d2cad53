// Pure rules for a repeat: a new request for an appointment that already has an open request (docs/settling.md).
import type { RequestType } from "./vocabulary.ts";

/**
 * The open request's type once a repeat of `repeat` type attaches to it: a cancel after a change makes it a cancel
 * request (the patient's latest word, and the one that frees the slot); anything else leaves it as it is (a change
 * after a cancel stays a cancel until a person reads the patient's messages: Rebook never un-cancels on its own).
 */
export function typeAfterRepeat(open: RequestType | null, repeat: RequestType | null): RequestType | null {
  if (repeat === "cancel" && open !== "cancel") return "cancel";
  return open ?? repeat;
}

/**
 * Whether the requested start names more than one of the patient's appointments (twins: the same start, e.g. two
 * clinics booked together). Then the start cannot tell which appointment a request is about, so two requests naming it
 * are never folded into one by the start alone (hazard H1a in docs/clinical-safety.md): a person links each.
 */
export function startSharedByCandidates(
  candidates: readonly { start: Date | string | null }[],
  requestedStart: Date | null,
): boolean {
  if (!requestedStart) return false;
  const at = requestedStart.getTime();
  return candidates.filter((c) => c.start !== null && new Date(c.start).getTime() === at).length > 1;
}
