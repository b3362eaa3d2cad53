// The pipeline's two halves and a whole pass. Collection (`collect`: poll every active connection and store what is
// new) and processing (`processDue`: work every due request) are separate so that the poll loop (src/jobs/poller.ts)
// can run them on their own schedules: collection must never wait behind a backlog. `syncPass` runs one after the
// other, for `npm run sync` and the tests.
import {
  messagesFetched,
  messagesIngested,
  polls,
  requestsProcessed,
  syncPassDuration,
} from "../metrics/instruments.ts";
import { listConnections } from "../store/connections.ts";
import type { SyncDeps } from "./deps.ts";
import { emptySummary, ingestConnection, type IngestSummary } from "./ingest.ts";
import { processDueRequests, type ProcessOutcome, type ProcessSummary } from "./process.ts";

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
      const s = await ingestConnection(deps, c.id, new Date(), hooks.signal, hooks.onRequestsStored);
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
 * could not take earlier. `onStart` is told how many are due when it begins; `onProcessed` ticks once per request.
 */
export async function processDue(
  deps: SyncDeps,
  hooks: { onStart?: (due: number) => void; onProcessed?: (o: ProcessOutcome) => void; signal?: AbortSignal } = {},
): Promise<ProcessSummary> {
  const started = Date.now();
  if (hooks.onStart) {
    const [due] = await deps.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM appointment_requests WHERE status = 'processing' AND next_attempt_at <= now()",
    );
    hooks.onStart(due?.n ?? 0);
  }
  const processed = await processDueRequests(deps, {
    onProgress: (o) => {
      requestsProcessed.inc({ outcome: o });
      hooks.onProcessed?.(o);
    },
    signal: hooks.signal,
  });
  await deps.alerts.flush(); // alerts a webhook could not take earlier are tried again
  syncPassDuration.observe({ phase: "process" }, (Date.now() - started) / 1000);
  return processed;
}

/**
 * Runs one whole pass: collect, then process. `onIngested` reports how many requests await processing; `onProcessed`
 * ticks once per request. `signal` stops the pass early at the next safe point (between batches), e.g. on shutdown;
 * all work done is kept.
 */
export async function syncPass(
  deps: SyncDeps,
  hooks: {
    onIngested?: (due: number) => void;
    onProcessed?: (o: ProcessOutcome) => void;
    signal?: AbortSignal;
    /** Leave out connections whose last poll (by any instance) finished less than this long ago. */
    skipPolledWithinMs?: number;
  } = {},
): Promise<SyncPassSummary> {
  const started = Date.now();
  const connections = await collect(deps, hooks);
  const processed = await processDue(deps, {
    onStart: (due) => hooks.onIngested?.(due),
    onProcessed: hooks.onProcessed,
    signal: hooks.signal,
  });
  return { connections, processed, durationMs: Date.now() - started };
}

/** Counts one poll and what it stored. A poll that stopped on a session end (not thrown) counts as skipped. */
function countPoll(s: IngestSummary, result: "ok" | "skipped"): void {
  polls.inc({ connection: s.connectionId, result });
  messagesFetched.inc(s.fetched);
  messagesIngested.inc({ kind: "request" }, s.newRequests);
  messagesIngested.inc({ kind: "follow_up" }, s.followUps);
  messagesIngested.inc({ kind: "unrelated" }, s.unrelated);
}
