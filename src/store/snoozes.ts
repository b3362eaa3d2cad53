// Waiting for the patient, in the store: a request's wait (snoozed_at … snoozed_until), and ending it, which adds the
// working time the SLA clock stood still to sla_paused_ms (working_between, the team's hours; migration 0016). The
// deadline trigger recomputes deadline_at whenever these columns change.
import type { Queryable } from "./db.ts";

/** A request's wait for the patient, or nulls when it is not waiting. */
export interface SnoozeState {
  snoozedAt: Date | null;
  snoozedUntil: Date | null;
  slaPausedMs: number;
}

/** The request's wait (read inside the command's transaction, after its row is locked). */
export async function readSnooze(tx: Queryable, requestId: string): Promise<SnoozeState> {
  const [r] = await tx.query<{ snoozed_at: Date | null; snoozed_until: Date | null; sla_paused_ms: string | number }>(
    "SELECT snoozed_at, snoozed_until, sla_paused_ms FROM appointment_requests WHERE id = $1",
    [requestId],
  );
  return {
    snoozedAt: r?.snoozed_at ?? null,
    snoozedUntil: r?.snoozed_until ?? null,
    slaPausedMs: Number(r?.sla_paused_ms ?? 0),
  };
}

/** Starts (or moves the end of) a wait: from `since` (kept when already waiting) until `until`. */
export async function setSnooze(
  tx: Queryable,
  requestId: string,
  p: { since: Date; until: Date; byUserId: string | null },
): Promise<void> {
  await tx.query(
    `UPDATE appointment_requests SET snoozed_at = COALESCE(snoozed_at, $2), snoozed_until = $3, snoozed_by = $4,
       updated_at = now() WHERE id = $1`,
    [requestId, p.since, p.until, p.byUserId],
  );
}

/**
 * Ends the wait at `at` (or at its planned end, if earlier): the working time waited is added to sla_paused_ms.
 * Returns that working time in ms (0 when the request was not waiting).
 */
export async function clearSnooze(tx: Queryable, requestId: string, at: Date): Promise<number> {
  const [r] = await tx.query<{ paused: string | number }>(
    `WITH w AS (
       SELECT round(1000 * working_between(team_id, GREATEST(snoozed_at, received_at), LEAST($2::timestamptz, snoozed_until)))::bigint AS paused
       FROM appointment_requests WHERE id = $1 AND snoozed_at IS NOT NULL)
     UPDATE appointment_requests r SET sla_paused_ms = r.sla_paused_ms + w.paused, snoozed_at = NULL,
       snoozed_until = NULL, snoozed_by = NULL, updated_at = now()
     FROM w WHERE r.id = $1 RETURNING w.paused`,
    [requestId, at],
  );
  return r ? Number(r.paused) : 0;
}

/** Requests whose wait has ended by `now` (for the reminder job), oldest first, skipping rows another instance holds. */
export async function claimEndedSnoozes(tx: Queryable, now: Date, limit: number): Promise<string[]> {
  const rows = await tx.query<{ id: string }>(
    `SELECT id FROM appointment_requests WHERE snoozed_until IS NOT NULL AND snoozed_until <= $1
     ORDER BY snoozed_until, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows.map((r) => r.id);
}
