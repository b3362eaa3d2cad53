// Polls left unfinished by an instance that died: closed as abandoned when another instance takes the connection
// over (ingest.ts) and at start-up (here), never while a live instance polls the connection.
import { withSessionLock } from "../store/leases.ts";
import { abandonRuns, connectionsWithOpenRuns } from "../store/sync-runs.ts";
import type { SyncDeps } from "./deps.ts";

/** The lock only the instance polling a connection holds. */
export const pollLockName = (connectionId: string): string => `poll:${connectionId}`;

/** Closes, as abandoned, unfinished runs of every connection no live instance is polling; returns how many. */
export async function closeAbandonedRuns(deps: SyncDeps): Promise<number> {
  let closed = 0;
  for (const connectionId of await connectionsWithOpenRuns(deps.db)) {
    const r = await withSessionLock(deps.db, pollLockName(connectionId), () =>
      abandonRuns(deps.db, connectionId, "the instance polling it stopped before finishing (closed at start-up)"),
    );
    if (r.held) closed += r.value;
  }
  if (closed > 0) deps.logger.warn({ closed }, "closed sync runs left unfinished by an instance that stopped");
  return closed;
}
