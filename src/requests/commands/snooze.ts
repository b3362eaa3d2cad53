// Waiting for the patient: a request whose outcome is "needs patient contact" is put aside until a date (snoozed), its
// deadline paused meanwhile; when the date comes the reminder job brings it back to the worklist and tells its
// assignee (a live event), or a person ends the wait early (the patient answered). Recording a final outcome ends it.
import { formatUkDateTime, UK_ZONE, wallClockToInstant } from "../../domain/uk-time.ts";
import { AppError } from "../../errors.ts";
import { eventBus, type RequestChange } from "../../events/bus.ts";
import type { Db } from "../../store/db.ts";
import { claimEndedSnoozes, clearSnooze, readSnooze, setSnooze } from "../../store/snoozes.ts";
import {
  howMade,
  runCommand,
  systemCommandIn,
  UNCHANGED,
  type ActionContext,
  type CommandResult,
  type RequestWriter,
  type WriteOptions,
} from "../command.ts";
import { requireHolderOrOverride, requireWorkable } from "../state.ts";

/** The longest wait for a patient, in days. */
export const MAX_WAIT_DAYS = 90;

/**
 * The instant a wait ends, from its UK date ("YYYY-MM-DD") and time ("HH:mm", 09:00 when not given): 400
 * `invalid_date` for a date that does not exist, 400 `nonexistent_time` for a time skipped when the clocks go forward
 * (the date is fine; as the outcome's new start), 400 `wait_not_in_future` unless after `now`, 400 `wait_too_long`
 * past MAX_WAIT_DAYS.
 */
export function decideWaitUntil(until: { date: string; time?: string }, now: Date, zone = UK_ZONE): Date {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(until.date);
  const t = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(until.time ?? "09:00");
  if (!d || !t) throw new AppError("invalid_date", "Give the date as YYYY-MM-DD and the time as HH:mm (24-hour)", 400);
  let converted: ReturnType<typeof wallClockToInstant>;
  try {
    converted = wallClockToInstant(
      { year: Number(d[1]), month: Number(d[2]), day: Number(d[3]), hour: Number(t[1]), minute: Number(t[2]) },
      zone,
    );
  } catch {
    throw new AppError("invalid_date", `${until.date} is not a date`, 400);
  }
  if (converted.issue === "gap") {
    throw new AppError(
      "nonexistent_time",
      `${until.time ?? "09:00"} on ${until.date} does not exist in the UK: the clocks go forward that night. Choose another time.`,
      400,
    );
  }
  const instant = converted.instant;
  if (instant.getTime() <= now.getTime()) {
    throw new AppError("wait_not_in_future", "Choose a date and time in the future to wait until", 400);
  }
  if (instant.getTime() > now.getTime() + MAX_WAIT_DAYS * 86_400_000) {
    throw new AppError(
      "wait_too_long",
      `Wait at most ${MAX_WAIT_DAYS} days; contact the patient again before then`,
      400,
    );
  }
  return instant;
}

/** Ends the request's wait, if any, recording why and how long the deadline stood still. False when not waiting. */
export async function endWait(
  w: RequestWriter,
  at: Date,
  reason: "reminder" | "ended" | "outcome",
  extra = {},
): Promise<boolean> {
  const { snoozedAt } = await readSnooze(w.tx, w.request.id);
  if (!snoozedAt) return false;
  const pausedMs = await clearSnooze(w.tx, w.request.id, at);
  await w.event("snooze_ended", { reason, pausedMs, ...extra });
  return true;
}

/**
 * Waits for the patient until `until` (UK date, time 09:00 unless given): only for a request whose outcome is "needs
 * patient contact" (409 `not_waiting_for_patient` otherwise) that is open or in progress. Waiting again moves the end
 * of the wait. Someone else's request needs override (409 `held_by_other`).
 */
export async function waitForPatient(
  db: Db,
  props: ActionContext &
    WriteOptions & { requestId: string; until: { date: string; time?: string }; note?: string | null; now?: Date },
): Promise<CommandResult> {
  const now = props.now ?? new Date();
  const until = decideWaitUntil(props.until, now);
  const note = props.note?.trim() || null;
  return runCommand(db, props, async (w) => {
    requireWorkable(w.request);
    if (w.request.outcome !== "needs_patient_contact") {
      throw new AppError(
        "not_waiting_for_patient",
        'Only a request that needs patient contact can wait for the patient: record "Needs patient contact" first',
        409,
      );
    }
    const how = howMade(requireHolderOrOverride(props.actor, w.request, props.override), props);
    const current = await readSnooze(w.tx, w.request.id);
    if (current.snoozedUntil?.getTime() === until.getTime()) return UNCHANGED;
    await setSnooze(w.tx, w.request.id, { since: now, until, byUserId: props.actor.id });
    const data = { until: until.toISOString(), untilUk: formatUkDateTime(until), ...(note ? { note } : {}) };
    await w.event("snoozed", { ...data, ...how });
    await w.audit("request.snoozed", { until: data.until, ...how });
  });
}

/** Stops waiting for the patient now (they answered, or the team will call): the deadline runs again. */
export async function stopWaiting(
  db: Db,
  props: ActionContext & WriteOptions & { requestId: string; now?: Date },
): Promise<CommandResult> {
  return runCommand(db, props, async (w) => {
    const how = howMade(requireHolderOrOverride(props.actor, w.request, props.override), props);
    if (!(await endWait(w, props.now ?? new Date(), "ended", how))) return UNCHANGED;
    await w.audit("request.snooze_ended", how);
  });
}

/**
 * The reminder: ends every wait due by `now`, each in its own transaction (`snooze_ended`, reason reminder), then
 * tells the request's people with a live `request.updated` carrying `reminder: "waiting_ended"` (the web app shows the
 * assignee a notice). Instances may run it at once: rows another holds are skipped. Returns how many ended.
 */
export async function endDueWaits(db: Db, now = new Date(), batch = 100): Promise<number> {
  let ended = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const ids = await claimEndedSnoozes(tx, now, batch);
      const events: RequestChange[] = [];
      for (const id of ids) {
        await systemCommandIn(tx, id, async (w) => {
          if (!(await endWait(w, now, "reminder"))) return UNCHANGED;
          events.push({
            type: "request.updated" as const,
            requestId: id,
            teamId: w.request.teamId,
            status: w.request.status,
            assignedUserId: w.request.assignedUserId,
            at: new Date().toISOString(),
            reminder: "waiting_ended" as const,
          });
        });
      }
      return { count: ids.length, events };
    });
    for (const e of done.events) {
      try {
        await eventBus(db).publish(e);
      } catch {
        // A live event is a hint: the request is back on the worklist whatever happens here.
      }
    }
    ended += done.events.length;
    if (done.count < batch) return ended;
  }
}
