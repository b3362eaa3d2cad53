// "Patient answered": the person records that they sent the reply in PKB (or a channel that sends did). Who and when
// go on the request and in its history; reports count the share of requests answered.
import { AppError } from "../../errors.ts";
import type { Db } from "../../store/db.ts";
import { runCommand, UNCHANGED, type ActionContext, type CommandResult } from "../command.ts";

/**
 * Records that the patient was answered, through `channel` (its name): 409 `no_outcome` before an outcome is recorded
 * (the reply says what was done). Recording it again changes nothing. Anyone who may work the request may record it.
 */
export async function recordPatientAnswered(
  db: Db,
  props: ActionContext & { requestId: string; channel: string },
): Promise<CommandResult> {
  return runCommand(db, props, async (w) => {
    if (!w.request.outcome) {
      throw new AppError("no_outcome", "Record the outcome before the patient is answered", 409);
    }
    const [r] = await w.tx.query<{ patient_answered_at: Date | null }>(
      "SELECT patient_answered_at FROM appointment_requests WHERE id = $1",
      [w.request.id],
    );
    if (r?.patient_answered_at) return UNCHANGED;
    await w.tx.query(
      "UPDATE appointment_requests SET patient_answered_at = now(), patient_answered_by = $2, updated_at = now() WHERE id = $1",
      [w.request.id, props.actor.id],
    );
    await w.event("patient_answered", { outcome: w.request.outcome, channel: props.channel });
    await w.audit("request.patient_answered", { outcome: w.request.outcome, channel: props.channel });
  });
}
