// Waiting for the patient: a request whose outcome is "needs patient contact" is put aside until a date (snoozed), its
// deadline paused meanwhile; when the date comes the reminder job brings it back to the worklist and tells its
// assignee (a live event), or a person ends the wait early (the patient answered). Recording a final outcome ends it.
import { formatUkDateTime, UK_ZONE } from "../../domain/uk-time.ts";
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
import { instantOfWallClock, repeatedHourWarning } from "../wall-clock-input.ts";

/** The longest wait for a patient, in days. */
export const MAX_WAIT_DAYS = 90;

/** When a wait ends, and what the person is told about it. */
export interface WaitDecision {
  until: Date;
  /** Non-fatal things the person should know: today the repeated autumn hour's, as a rebooking's. */
  warnings: string[];
}

/**
 * The instant a wait ends, from its UK date ("YYYY-MM-DD") and time ("HH:mm", 09:00 when not given), read as the
 * outcome's new start is (wall-clock-input.ts): 400 `invalid_date` for a date that does not exist, 400
 * `nonexistent_time` for a time skipped when the clocks go forward (the date is fine), a time in the repeated autumn
 * hour taken as the first (BST) one with a warning that says so; then 400 `wait_not_in_future` unless after `now`, 400
 * `wait_too_long` past MAX_WAIT_DAYS.
 */
export function decideWaitUntil(until: { date: string; time?: string }, now: Date, zone = UK_ZONE): WaitDecision {
  const input = { date: until.date, time: until.time ?? "09:00" };
  const { instant, repeated } = instantOfWallClock(input, zone);
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
  return { until: instant, warnings: repeated ? [repeatedHourWarning(input, instant, zone)] : [] };
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
 * Waits for the patient until `until` (UK date, time 09:00 unless given; a time in the repeated autumn hour is the first
 * and the result warns so): only for a request whose outcome is "needs patient contact" (409 `not_waiting_for_patient`
 * otherwise) that is open or in progress. Waiting again moves the end of the wait. Someone else's request needs
 * override (409 `held_by_other`).
 */
export async function waitForPatient(
  db: Db,
  props: ActionContext &
    WriteOptions & { requestId: string; until: { date: string; time?: string }; note?: string | null; now?: Date },
): Promise<CommandResult> {
  const now = props.now ?? new Date();
  // Decided before the request is loaded: a time that does not exist is a 400 whoever asks.
  const { until, warnings } = decideWaitUntil(props.until, now);
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
    // Said even when the wait already ends then: the person asked again and is told again which 01:30 it is.
    for (const warning of warnings) w.warn(warning);
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
            actorUserId: null,
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
