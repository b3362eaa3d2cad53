// One pass of the whole pipeline: poll every active connection, then work every due request.
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
      connections.push(await ingestConnection(deps, c.id, new Date(), hooks.signal));
    } catch (err) {
      // One connection failing must not stop the others; the error is on the connection and its sync run.
      deps.logger.warn({ connectionId: c.id, err: (err as Error).message }, "polling PKB failed");
      connections.push(emptySummary(c.id, (err as Error).message));
    }
  }
  const [due] = await deps.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM appointment_requests WHERE status = 'processing' AND next_attempt_at <= now()",
  );
  hooks.onIngested?.(due?.n ?? 0);
  const processed = await processDueRequests(deps, { onProgress: hooks.onProcessed, signal: hooks.signal });
  await deps.alerts.flush(); // alerts a webhook could not take earlier are tried again
  return { connections, processed, durationMs: Date.now() - started };
}
