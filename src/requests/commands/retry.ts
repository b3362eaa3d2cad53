// Sending a request the pipeline gave up on back to it.
import type { Db } from "../../store/db.ts";
import { runCommand, type ActionContext } from "../command.ts";
import { requireInError } from "../state.ts";

/**
 * Sends a request in error back to the pipeline: status `processing`, attempts 0, due now, the error reason cleared,
 * with `retry_requested` and `status_changed` events. 404 / 403 by access, 409 `not_in_error` when it is not in error.
 * The caller nudges the pipeline to run (it is due straight away).
 */
export async function retryRequest(
  db: Db,
  props: ActionContext & { requestId: string },
): Promise<{ id: string; status: "processing"; nextAttemptAt: Date }> {
  const nextAttemptAt = new Date();
  const result = await runCommand(db, props, async (w) => {
    const r = w.request;
    requireInError(r.status);
    const previous = { previousAttempts: r.attempts, previousError: r.errorReason };
    await w.update({ attempts: 0, next_attempt_at: nextAttemptAt, error_reason: null });
    await w.event("retry_requested", previous);
    await w.moveStatus("processing");
    await w.audit("request.retried");
  });
  return { id: result.id, status: "processing", nextAttemptAt };
}
