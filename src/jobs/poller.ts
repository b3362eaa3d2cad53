// The poll loop inside the server: one pipeline pass every interval, then the processors' due follow-up work, never
// two at once in this process (the poll locks and SKIP LOCKED claims keep other instances apart). Stops promptly and
// waits for the pass in progress. Several instances share the polling: a scheduled pass leaves out a connection
// another instance polled within the interval, and while another instance is polling one ("leased elsewhere") the
// next pass comes after TAKEOVER_PROBE_MS, so if that instance dies its connection is polled again within seconds (its
// lock dies with it).
import type { Logger } from "../log.ts";
import type { SyncDeps } from "../sync/deps.ts";
import { syncPass, type SyncPassSummary } from "../sync/run.ts";
import { runRequestWork } from "./request-work.ts";

/** How soon to try again when another instance was polling a connection (a dead holder is replaced this fast). */
export const TAKEOVER_PROBE_MS = 5_000;

export interface Poller {
  /** Runs a pass now (or returns the one in progress). */
  runNow(): Promise<SyncPassSummary | null>;
  /**
   * Asks for a pass as soon as possible: now, or straight after the pass in progress (which may have missed the work
   * that prompted this, e.g. requests made due by a new grant).
   */
  wake(): void;
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
  let again = false;
  let nextDelay = intervalMs;

  const pass = (scheduled = false): Promise<SyncPassSummary | null> => {
    running ??= syncPass(deps, {
      signal: abort.signal,
      // A scheduled pass leaves to others what they just polled; one asked for (runNow) polls everything.
      ...(scheduled && intervalMs > 0 ? { skipPolledWithinMs: intervalMs * 0.8 } : {}),
    })
      .then(async (summary) => {
        const contended = summary.connections.some((c) => c.skipped === "leased elsewhere");
        nextDelay = contended ? Math.min(intervalMs, TAKEOVER_PROBE_MS) : intervalMs;
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
        if (again && !stopped) {
          again = false;
          void pass();
        } else schedule();
      });
    return running;
  };
  const schedule = (): void => {
    if (stopped || intervalMs <= 0) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void pass(true), nextDelay);
    timer.unref();
  };
  if (intervalMs > 0) {
    timer = setTimeout(() => void pass(true), 1_000);
    timer.unref();
  }
  return {
    runNow: () => pass(),
    wake() {
      if (stopped) return;
      if (running) again = true;
      else void pass();
    },
    lastPass: () => last,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort(); // the pass stops at its next batch boundary, releasing its lease
      await running;
    },
  };
}
