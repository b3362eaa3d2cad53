// One pass of the whole pipeline: poll every active connection, then work every due request.
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
 * Runs one pass. `onIngested` reports how many requests await processing; `onProcessed` ticks once per request.
 * `signal` stops the pass early at the next safe point (between batches), e.g. on shutdown; all work done is kept.
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
      const s = await ingestConnection(deps, c.id, new Date(), hooks.signal);
      connections.push(s);
      countPoll(s, s.skipped === null ? "ok" : "skipped");
    } catch (err) {
      // One connection failing must not stop the others; the error is on the connection and its sync run.
      deps.logger.warn({ connectionId: c.id, err: (err as Error).message }, "polling PKB failed");
      connections.push(emptySummary(c.id, (err as Error).message));
      polls.inc({ connection: c.id, result: "error" });
    }
  }
  const [due] = await deps.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM appointment_requests WHERE status = 'processing' AND next_attempt_at <= now()",
  );
  hooks.onIngested?.(due?.n ?? 0);
  const processed = await processDueRequests(deps, {
    onProgress: (o) => {
      requestsProcessed.inc({ outcome: o });
      hooks.onProcessed?.(o);
    },
    signal: hooks.signal,
  });
  await deps.alerts.flush(); // alerts a webhook could not take earlier are tried again
  const durationMs = Date.now() - started;
  syncPassDuration.observe(durationMs / 1000);
  return { connections, processed, durationMs };
}

/** Counts one poll and what it stored. A poll that stopped on a session end (not thrown) counts as skipped. */
function countPoll(s: IngestSummary, result: "ok" | "skipped"): void {
  polls.inc({ connection: s.connectionId, result });
  messagesFetched.inc(s.fetched);
  messagesIngested.inc({ kind: "request" }, s.newRequests);
  messagesIngested.inc({ kind: "follow_up" }, s.followUps);
  messagesIngested.inc({ kind: "unrelated" }, s.unrelated);
}
