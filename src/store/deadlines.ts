// The deadline rules the store applies when it keeps appointment_requests.deadline_at (see migration 0005).
import type { DeadlinePolicy } from "../domain/deadline.ts";
import type { Db } from "./db.ts";

/**
 * Makes the store use `policy` (from REQUEST_SLA_HOURS and APPOINTMENT_LEAD_HOURS): when it differs from the stored
 * one, stores it and recomputes every request's deadline, in one transaction. Returns how many deadlines moved.
 */
export async function applyDeadlinePolicy(
  db: Db,
  policy: Pick<DeadlinePolicy, "requestSlaMs" | "appointmentLeadMs">,
): Promise<{ changed: boolean; recomputed: number }> {
  return db.transaction(async (tx) => {
    const changed = await tx.query(
      `UPDATE deadline_policy SET request_sla = make_interval(secs => $1::double precision / 1000),
         appointment_lead = make_interval(secs => $2::double precision / 1000), updated_at = now()
       WHERE request_sla <> make_interval(secs => $1::double precision / 1000)
          OR appointment_lead <> make_interval(secs => $2::double precision / 1000)
       RETURNING id`,
      [policy.requestSlaMs, policy.appointmentLeadMs],
    );
    if (changed.length === 0) return { changed: false, recomputed: 0 };
    const moved = await tx.query(
      `UPDATE appointment_requests SET deadline_at = request_deadline(received_at, appointment_start)
       WHERE deadline_at <> request_deadline(received_at, appointment_start) RETURNING id`,
    );
    return { changed: true, recomputed: moved.length };
  });
}
