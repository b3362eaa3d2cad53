// The poll loop inside the server: one pipeline pass every interval, then the processors' due follow-up work, never
// two at once in this process (the leases and SKIP LOCKED claims keep other instances apart). Stops promptly and
// waits for the pass in progress.
import type { Logger } from "../log.ts";
import type { SyncDeps } from "../sync/deps.ts";
import { syncPass, type SyncPassSummary } from "../sync/run.ts";
import { runRequestWork } from "./request-work.ts";

export interface Poller {
  /** Runs a pass now (or returns the one in progress). */
  runNow(): Promise<SyncPassSummary | null>;
  stop(): Promise<void>;
  lastPass(): { at: Date; summary: SyncPassSummary | null; error: string | null } | null;
}

/** Starts the loop; intervalMs 0 starts nothing but still allows runNow(). */
export function startPoller(deps: SyncDeps, intervalMs: number, logger: Logger): Poller {
  let running: Promise<SyncPassSummary | null> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const abort = new AbortController();
  let last: { at: Date; summary: SyncPassSummary | null; error: string | null } | null = null;

  const pass = (): Promise<SyncPassSummary | null> => {
    running ??= syncPass(deps, { signal: abort.signal })
      .then(async (summary) => {
        try {
          await runRequestWork({ db: deps.db, sync: deps, logger, now: () => new Date() }, { signal: abort.signal });
        } catch (err) {
          // Follow-up work failing (the store went away) must not mark the pipeline pass as failed.
          logger.error({ err: (err as Error).message }, "follow-up work failed");
        }
        last = { at: new Date(), summary, error: null };
        const newRequests = summary.connections.reduce((n, c) => n + c.newRequests, 0);
        if (newRequests > 0 || summary.processed.error > 0)
          logger.info({ newRequests, processed: summary.processed, ms: summary.durationMs }, "sync pass");
        return summary;
      })
      .catch((err: unknown) => {
        last = { at: new Date(), summary: null, error: (err as Error).message };
        logger.error({ err: (err as Error).message }, "sync pass failed");
        return null;
      })
      .finally(() => {
        running = null;
        schedule();
      });
    return running;
  };
  const schedule = (): void => {
    if (stopped || intervalMs <= 0) return;
    timer = setTimeout(() => void pass(), intervalMs);
    timer.unref();
  };
  if (intervalMs > 0) {
    timer = setTimeout(() => void pass(), 1_000);
    timer.unref();
  }
  return {
    runNow: pass,
    lastPass: () => last,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort(); // the pass stops at its next batch boundary, releasing its lease
      await running;
    },
  };
}
