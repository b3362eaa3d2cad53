// Things a person does to a request from the API, each one use case in the caller's transaction with its history row.
import { AppError, notFound } from "../errors.ts";
import type { Queryable } from "./db.ts";
import { appendEvent } from "./requests.ts";

/**
 * Sends a request the pipeline gave up on (status `error`) back to it: status `processing`, attempts 0, due now, the
 * error reason cleared, and a `retry_requested` event. 404 when there is no such request, 409 `not_in_error` when it is
 * not in error. Call inside a transaction.
 */
export async function retryRequest(
  tx: Queryable,
  props: { requestId: string; actorUserId: string | null },
): Promise<{ id: string; status: "processing"; nextAttemptAt: Date }> {
  const [prev] = await tx.query<{ status: string; attempts: number; error_reason: string | null }>(
    "SELECT status, attempts, error_reason FROM appointment_requests WHERE id = $1 FOR UPDATE",
    [props.requestId],
  );
  if (!prev) throw notFound("Request");
  if (prev.status !== "error") {
    throw new AppError(
      "not_in_error",
      `Only a request in error can be retried; this one is ${prev.status.replace("_", " ")}`,
      409,
    );
  }
  const [row] = await tx.query<{ next_attempt_at: Date }>(
    `UPDATE appointment_requests SET status = 'processing', attempts = 0, next_attempt_at = now(), error_reason = NULL,
       updated_at = now() WHERE id = $1 RETURNING next_attempt_at`,
    [props.requestId],
  );
  await appendEvent(tx, {
    requestId: props.requestId,
    actorUserId: props.actorUserId,
    type: "retry_requested",
    data: { previousAttempts: prev.attempts, previousError: prev.error_reason },
  });
  // Every status change has its status_changed row: reports and timings read the history from these.
  await appendEvent(tx, {
    requestId: props.requestId,
    actorUserId: props.actorUserId,
    type: "status_changed",
    data: { from: "error", to: "processing" },
  });
  return { id: props.requestId, status: "processing", nextAttemptAt: row!.next_attempt_at };
}
