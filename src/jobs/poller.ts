// The poll loop inside the server: two loops that never wait for each other.
// - Collection polls every connection on its own schedule, every interval, however much processing is due: a backlog
//   of any size never delays the next poll. Several instances share the polling: a scheduled poll leaves out a
//   connection another instance polled within the interval, and while another instance is polling one ("leased
//   elsewhere") the next poll comes after TAKEOVER_PROBE_MS, so if that instance dies its connection is polled again
//   within seconds (its lock dies with it).
// - Processing works the due requests (a pool keeping PIPELINE_CONCURRENCY in flight), then the processors' due
//   follow-up work. It runs when woken — as soon as a poll commits new requests, when access is granted again — and
//   every interval for work that became due with time (retries, follow-ups).
// Each loop runs one pass at a time in this process (poll locks and SKIP LOCKED claims keep other instances apart).
// runNow() is one whole pass as `npm run sync` does it: a poll, then processing that starts after it. stop() is prompt:
// it aborts both at their next safe point (a poll between batches; processing finishes the requests in flight and
// gives back the ones it claimed ahead) and waits for them.
import type { Logger } from "../log.ts";
import type { SyncDeps } from "../sync/deps.ts";
import type { IngestSummary } from "../sync/ingest.ts";
import { emptyProcessSummary, pipelineHandoff, type ProcessSummary } from "../sync/process.ts";
import { collect, processDue, type SyncPassSummary } from "../sync/run.ts";
import { runRequestWork } from "./request-work.ts";

/** How soon to try again when another instance was polling a connection (a dead holder is replaced this fast). */
export const TAKEOVER_PROBE_MS = 5_000;

/** When the first poll comes after start-up. */
const FIRST_POLL_MS = 1_000;

export interface Poller {
  /** Runs a whole pass now: a poll (or the one in progress), then processing that starts after it. */
  runNow(): Promise<SyncPassSummary | null>;
  /**
   * Asks for a poll and for processing as soon as possible: now, or straight after the run in progress (which may have
   * missed the work that prompted this, e.g. requests made due by a new grant).
   */
  wake(): void;
  stop(): Promise<void>;
  /** The latest poll and processing run of this process: their summaries, when the latest ended, and its error. */
  lastPass(): { at: Date; summary: SyncPassSummary | null; error: string | null } | null;
}

/** A pass run one at a time: started (or joined) now, or queued to start again after the one in progress. */
interface Serial<T> {
  /** The run in progress, or a new one. */
  join(scheduled?: boolean): Promise<T | null>;
  /** A run that starts after this call: the next one if one is in progress (queued once however often asked). */
  fresh(): Promise<T | null>;
  /** The run in progress and the one queued after it, if any. */
  settled(): Promise<void>;
}

function serial<T>(
  body: (scheduled: boolean) => Promise<T | null>,
  opts: { stopped: () => boolean; after: (result: T | null) => void; clearTimer: () => void },
): Serial<T> {
  let current: Promise<T | null> | null = null;
  let next: Promise<T | null> | null = null;
  const launch = (scheduled: boolean): Promise<T | null> => {
    opts.clearTimer();
    const run: Promise<T | null> = body(scheduled).then(
      (result) => {
        current = null;
        if (!next && !opts.stopped()) opts.after(result);
        return result;
      },
      () => {
        current = null;
        if (!next && !opts.stopped()) opts.after(null);
        return null;
      },
    );
    current = run;
    return run;
  };
  return {
    join: (scheduled = false) => current ?? launch(scheduled),
    fresh() {
      if (!current) return launch(false);
      next ??= current.then(() => {
        next = null;
        return opts.stopped() ? null : launch(false);
      });
      return next;
    },
    async settled() {
      await current;
      await next;
    },
  };
}

/** Starts the loops; intervalMs 0 starts nothing but still allows runNow() and wake(). */
export function startPoller(deps: SyncDeps, intervalMs: number, logger: Logger): Poller {
  let stopped = false;
  const abort = new AbortController();
  let lastPoll: { at: Date; connections: IngestSummary[]; durationMs: number; error: string | null } | null = null;
  let lastWork: { at: Date; processed: ProcessSummary; durationMs: number; error: string | null } | null = null;
  const timers: { poll: NodeJS.Timeout | null; work: NodeJS.Timeout | null } = { poll: null, work: null };
  const clear = (which: "poll" | "work") => () => {
    if (timers[which]) clearTimeout(timers[which]);
    timers[which] = null;
  };
  const later = (which: "poll" | "work", ms: number, run: () => void): void => {
    if (stopped || intervalMs <= 0) return;
    clear(which)();
    timers[which] = setTimeout(run, ms);
    timers[which].unref();
  };

  // A poll stores its new requests claimed for the processing loop's drain while one runs with room for them, so they
  // are worked without being claimed. The drain is not kept open for the poll: the loops never wait for each other.
  const handoff = pipelineHandoff();
  const processing: Serial<ProcessSummary> = serial(
    async () => {
      const started = Date.now();
      try {
        const processed = await processDue(deps, { signal: abort.signal, handoff });
        try {
          await runRequestWork({ db: deps.db, sync: deps, logger, now: () => new Date() }, { signal: abort.signal });
        } catch (err) {
          // Follow-up work failing (the store went away) must not mark the pipeline's processing as failed.
          logger.error({ err: (err as Error).message }, "follow-up work failed");
        }
        lastWork = { at: new Date(), processed, durationMs: Date.now() - started, error: null };
        if (processed.error > 0 || processed.auto_linked + processed.review + processed.no_candidates > 0)
          logger.info({ processed, ms: lastWork.durationMs }, "processed due requests");
        return processed;
      } catch (err) {
        const error = (err as Error).message;
        lastWork = { at: new Date(), processed: lastWork?.processed ?? emptyProcessSummary(), durationMs: 0, error };
        logger.error({ err: error }, "processing due requests failed");
        return null;
      }
    },
    {
      stopped: () => stopped,
      clearTimer: clear("work"),
      after: () => later("work", intervalMs, () => void processing.join(true)),
    },
  );

  let contended = false;
  const collection: Serial<IngestSummary[]> = serial(
    async (scheduled) => {
      const started = Date.now();
      try {
        const connections = await collect(deps, {
          signal: abort.signal,
          // A scheduled poll leaves to others what they just polled; one asked for (runNow, wake) polls everything.
          ...(scheduled && intervalMs > 0 ? { skipPolledWithinMs: intervalMs * 0.8 } : {}),
          handoff,
          // Processing starts on what a poll stores at once, even while the poll goes on (a long first poll).
          onRequestsStored: () => void processing.fresh(),
        });
        contended = connections.some((c) => c.skipped === "leased elsewhere");
        lastPoll = { at: new Date(), connections, durationMs: Date.now() - started, error: null };
        const newRequests = connections.reduce((n, c) => n + c.newRequests, 0);
        if (newRequests > 0) logger.info({ newRequests, ms: lastPoll.durationMs }, "polled PKB");
        return connections;
      } catch (err) {
        // Listing the connections failed (the store is unreachable): try again at the next interval.
        const error = (err as Error).message;
        lastPoll = { at: new Date(), connections: [], durationMs: Date.now() - started, error };
        logger.error({ err: error }, "polling PKB failed");
        return null;
      }
    },
    {
      stopped: () => stopped,
      clearTimer: clear("poll"),
      after: () =>
        later(
          "poll",
          contended ? Math.min(intervalMs, TAKEOVER_PROBE_MS) : intervalMs,
          () => void collection.join(true),
        ),
    },
  );

  if (intervalMs > 0) {
    later("poll", FIRST_POLL_MS, () => void collection.join(true));
    // Work left due by an earlier run (a restart, another instance's stored requests) does not wait for a poll.
    later("work", FIRST_POLL_MS, () => void processing.join(true));
  }

  return {
    async runNow() {
      const started = Date.now();
      const connections = await collection.join();
      const processed = await processing.fresh();
      if (!connections || !processed) return null;
      return { connections, processed, durationMs: Date.now() - started };
    },
    wake() {
      if (stopped) return;
      void collection.fresh();
      void processing.fresh();
    },
    lastPass() {
      if (!lastPoll && !lastWork) return null;
      const latest = [lastPoll, lastWork].filter((x) => x !== null).sort((a, b) => b.at.getTime() - a.at.getTime())[0]!;
      return {
        at: latest.at,
        error: latest.error,
        summary: {
          connections: lastPoll?.connections ?? [],
          processed: lastWork?.processed ?? emptyProcessSummary(),
          durationMs: latest.durationMs,
        },
      };
    },
    async stop() {
      stopped = true;
      clear("poll")();
      clear("work")();
      abort.abort(); // a poll stops at its next batch, processing once the requests in flight are done
      await Promise.all([collection.settled(), processing.settled()]);
    },
  };
}
