// Folds the report rollups' appended rows (migration report_rollups) every interval, so report range queries read about one row
// per day and key. Correctness never depends on it (readers sum whatever rows there are); it keeps them fast.
import type { Logger } from "../log.ts";
import { compactReportRollups } from "../reports/rollups.ts";
import type { Queryable } from "../store/db.ts";

/** A running compaction loop. */
export interface RollupCompactor {
  /** Stops the loop and waits for a compaction in progress. */
  stop(): Promise<void>;
}

/** Compacts every `intervalMs` (never two at once in this process; other processes skip while one compacts). */
export function startRollupCompactor(db: Queryable, intervalMs: number, logger: Logger): RollupCompactor {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = (): void => {
    if (running || stopped) return;
    running = compactReportRollups(db)
      .then(() => undefined)
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, "report rollup compaction failed"))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
