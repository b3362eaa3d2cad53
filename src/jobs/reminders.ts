// The waiting-for-patient reminder inside the server: every minute, ends the waits that are due (each request back on
// the worklist, its assignee told by a live event). Every instance runs the timer; rows are claimed with
// FOR UPDATE SKIP LOCKED, so two instances never end the same wait twice.
import type { Logger } from "../log.ts";
import { endDueWaits } from "../requests/commands/snooze.ts";
import type { Db } from "../store/db.ts";

export interface ReminderJob {
  /** Ends the waits due now; returns how many. */
  runNow(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the reminder timer (intervalMs 0 schedules nothing; runNow still works). */
export function startReminderJob(db: Db, intervalMs: number, logger: Logger): ReminderJob {
  let running: Promise<number> | null = null;
  const run = (): Promise<number> => {
    running ??= endDueWaits(db)
      .then((n) => {
        if (n > 0) logger.info({ ended: n }, "waits for the patient ended");
        return n;
      })
      .catch((err: unknown) => {
        logger.error({ err: (err as Error).message }, "ending waits for the patient failed");
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = intervalMs > 0 ? setInterval(() => void run(), intervalMs) : null;
  timer?.unref();
  return {
    runNow: run,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
