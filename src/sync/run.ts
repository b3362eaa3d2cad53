// The pipeline's two halves and a whole pass. Collection (`collect`: poll every active connection and store what is
// new) and processing (`processDue`: work every due request) are separate so that the poll loop (src/jobs/poller.ts)
// can run them on their own schedules: collection must never wait behind a backlog. `syncPass` is one whole pass, for
// `npm run sync` and the tests: processing starts on the first batch the poll stores and goes on beside it, as the
// server's two loops do, and the pass ends when the poll has ended and nothing is due.
import {
  messagesFetched,
  messagesIngested,
  polls,
  requestsProcessed,
  syncPassDuration,
} from "../metrics/instruments.ts";
import type { ClaimHandoff } from "../jobs/due-work.ts";
import { listConnections } from "../store/connections.ts";
import type { SyncDeps } from "./deps.ts";
import { emptySummary, ingestConnection, type IngestSummary } from "./ingest.ts";
import {
  emptyProcessSummary,
  pipelineHandoff,
  processDueRequests,
  type ProcessOutcome,
  type ProcessSummary,
} from "./process.ts";

export interface SyncPassSummary {
  connections: IngestSummary[];
  processed: ProcessSummary;
  durationMs: number;
}

/**
 * Polls every active connection once (each under its poll lock; one failing never stops the others) and returns what
 * each poll did. `onRequestsStored` is told as soon as a batch of new requests is committed. `signal` stops at the next
 * safe point (between batches): what is stored stays, and the cursor has not moved past what was not.
 */
export async function collect(
  deps: SyncDeps,
  hooks: {
    signal?: AbortSignal;
    /** Leave out connections whose last poll (by any instance) finished less than this long ago. */
    skipPolledWithinMs?: number;
    onRequestsStored?: (count: number) => void;
    /** New requests stored claimed for this process's pipeline drain (`ClaimHandoff`). */
    handoff?: ClaimHandoff;
  } = {},
): Promise<IngestSummary[]> {
  const started = Date.now();
  const connections: IngestSummary[] = [];
  for (const c of await listConnections(deps.db)) {
    if (c.status !== "active") continue;
    if (hooks.signal?.aborted) break;
    const sinceLast = c.lastSyncFinishedAt ? started - c.lastSyncFinishedAt.getTime() : Infinity;
    if (hooks.skipPolledWithinMs && sinceLast < hooks.skipPolledWithinMs) {
      connections.push(emptySummary(c.id, "polled recently"));
      continue;
    }
    try {
      const s = await ingestConnection(deps, c.id, new Date(), hooks.signal, {
        onRequestsStored: hooks.onRequestsStored,
        handoff: hooks.handoff,
      });
      connections.push(s);
      countPoll(s, s.skipped === null ? "ok" : "skipped");
    } catch (err) {
      // One connection failing must not stop the others; the error is on the connection and its sync run.
      deps.logger.warn({ connectionId: c.id, err: (err as Error).message }, "polling PKB failed");
      connections.push(emptySummary(c.id, (err as Error).message));
      polls.inc({ connection: c.id, result: "error" });
    }
  }
  syncPassDuration.observe({ phase: "collect" }, (Date.now() - started) / 1000);
  return connections;
}

/**
 * Works every due request (those stored while it runs included) until none is due, then sends the alerts a webhook
 * could not take earlier: the server's processing loop (`syncPass` has its own, beside the poll).
 */
export async function processDue(
  deps: SyncDeps,
  opts: { signal?: AbortSignal; handoff?: ClaimHandoff } = {},
): Promise<ProcessSummary> {
  const started = Date.now();
  const processed = await processDueRequests(deps, {
    onProgress: counted(),
    signal: opts.signal,
    handoff: opts.handoff,
  });
  await deps.alerts.flush(); // alerts a webhook could not take earlier are tried again
  syncPassDuration.observe({ phase: "process" }, (Date.now() - started) / 1000);
  return processed;
}

/** How many requests in processing are due now. */
async function countDue(deps: SyncDeps): Promise<number> {
  const [due] = await deps.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM appointment_requests WHERE status = 'processing' AND next_attempt_at <= now()",
  );
  return due?.n ?? 0;
}

/** Counts each processed request in the metrics, then tells `onProcessed`. */
const counted =
  (onProcessed?: (o: ProcessOutcome) => void) =>
  (o: ProcessOutcome): void => {
    requestsProcessed.inc({ outcome: o });
    onProcessed?.(o);
  };

/** Calls a caller's hook (a progress display) without letting its failure stop the work. */
function tell<A extends unknown[]>(hook: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    hook?.(...args);
  } catch {
    // Best effort: what the pass does never depends on its display.
  }
}

/**
 * Runs one whole pass: polls every active connection and works what it stores meanwhile. Processing works what is due
 * at once and is woken by every batch of new requests the poll commits, so it keeps pace with the poll (a poll of a big
 * backlog is mostly the store's time, which the processing uses); once the poll has ended, what is still due is
 * worked, then the alerts a webhook could not take earlier are tried again. `onQueued` tells how many requests await
 * processing: the due ones when the pass starts, then again with each batch the poll stores; `onCollected` is told
 * when the poll has ended; `onProcessed` ticks once per request (the hooks are a display: their failures are
 * ignored). `signal` stops the pass early at the next safe point (between batches), e.g. on shutdown; all work done is
 * kept. If processing fails (the store), the poll is stopped at its next batch and the error thrown once both halves
 * have stopped.
 */
export async function syncPass(
  deps: SyncDeps,
  hooks: {
    onQueued?: (total: number) => void;
    onCollected?: () => void;
    onProcessed?: (o: ProcessOutcome) => void;
    signal?: AbortSignal;
    /** Leave out connections whose last poll (by any instance) finished less than this long ago. */
    skipPolledWithinMs?: number;
  } = {},
): Promise<SyncPassSummary> {
  const started = Date.now();
  const failed = new AbortController();
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, failed.signal]) : failed.signal;
  let queued = hooks.onQueued ? await countDue(deps) : 0;
  tell(hooks.onQueued, queued);
  let polling = true;
  let wake: () => void = () => {};
  // The poll stores its new requests claimed for this pass's drain, which takes them without claiming them itself.
  // It starts once the drain has looked at what is already due (or processing has ended), so that its first batch
  // can be handed over too.
  // Its poll waits for the drain's room rather than run ahead: this drain is the only one its rows could go to.
  const handoff = pipelineHandoff({ waitForRoom: true });
  let processingEnded: () => void = () => {};
  const ended = new Promise<void>((resolve) => (processingEnded = resolve));
  const collecting = handoff
    .producing(async () => {
      await Promise.race([handoff.ready, ended]);
      return collect(deps, {
        signal,
        skipPolledWithinMs: hooks.skipPolledWithinMs,
        handoff,
        onRequestsStored: (count) => {
          wake();
          queued += count;
          tell(hooks.onQueued, queued);
        },
      });
    })
    .finally(() => {
      polling = false;
      wake();
      tell(hooks.onCollected);
    });
  const processed = emptyProcessSummary();
  let processingMs = 0;
  const processing = (async () => {
    for (;;) {
      const pollEnded = !polling;
      // Armed before the drain: a batch stored while it runs (or the poll's end) is not missed.
      const stored = new Promise<void>((resolve) => (wake = resolve));
      const drainStarted = Date.now();
      const drained = await processDueRequests(deps, {
        onProgress: counted((o) => tell(hooks.onProcessed, o)),
        signal,
        handoff,
      });
      processingMs += Date.now() - drainStarted;
      for (const k of Object.keys(processed) as ProcessOutcome[]) processed[k] += drained[k];
      // Everything the poll stored was due before this drain began: the pass is done.
      if (pollEnded || signal.aborted) return;
      await stored;
    }
  })()
    .catch((error: unknown) => {
      failed.abort(); // the poll stops at its next batch: what it stored stays, for the next pass
      throw error;
    })
    .finally(() => processingEnded());
  // Both halves finish before the pass returns or throws: processing never goes on behind its caller's back.
  const [polled, worked] = await Promise.allSettled([collecting, processing]);
  if (worked.status === "rejected") throw worked.reason;
  if (polled.status === "rejected") throw polled.reason;
  await deps.alerts.flush(); // alerts a webhook could not take earlier are tried again
  syncPassDuration.observe({ phase: "process" }, processingMs / 1000);
  return { connections: polled.value, processed, durationMs: Date.now() - started };
}

/** Counts one poll and what it stored. A poll that stopped on a session end (not thrown) counts as skipped. */
function countPoll(s: IngestSummary, result: "ok" | "skipped"): void {
  polls.inc({ connection: s.connectionId, result });
  messagesFetched.inc(s.fetched);
  messagesIngested.inc({ kind: "request" }, s.newRequests);
  messagesIngested.inc({ kind: "follow_up" }, s.followUps);
  messagesIngested.inc({ kind: "unrelated" }, s.unrelated);
}
