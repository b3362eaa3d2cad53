// The request_work repository: follow-up work on a request, one row per request and processor (`kind`). SQL only;
// processors (src/requests/processors.ts) decide when work is due and src/jobs/request-work.ts does it.
import type { DueQueue } from "../jobs/due-work.ts";
import type { Queryable } from "./db.ts";

/** The due-work description of one processor's rows in request_work (see src/jobs/due-work.ts). */
export const requestWorkQueue = (kind: string): DueQueue => ({
  table: "request_work",
  id: "id",
  idType: "bigint",
  due: "due_at",
  attempts: "attempts",
  where: { sql: "kind = $1", params: [kind] },
  version: "schedule_version",
});

/**
 * Schedules `kind` work on a request at `dueAt` (or moves it there when it is already scheduled), with its attempts
 * counted from zero again. Call in the transaction that wrote the event the work follows from.
 */
export async function scheduleWork(
  tx: Queryable,
  w: { requestId: string; kind: string; dueAt: Date | "now" },
): Promise<void> {
  await tx.query(
    `INSERT INTO request_work (request_id, kind, due_at) VALUES ($1, $2, COALESCE($3, now()))
     ON CONFLICT (request_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at, attempts = 0, last_error = NULL,
       gave_up_at = NULL, updated_at = now(), schedule_version = request_work.schedule_version + 1`,
    [w.requestId, w.kind, w.dueAt === "now" ? null : w.dueAt],
  );
}

/** scheduleWork for many requests in one statement (a request listed twice for a kind: its last due time). */
export async function scheduleWorkMany(
  tx: Queryable,
  ws: readonly { requestId: string; kind: string; dueAt: Date | "now" }[],
): Promise<void> {
  const latest = [...new Map(ws.map((w) => [`${w.requestId} ${w.kind}`, w])).values()];
  if (latest.length === 0) return;
  await tx.query(
    `INSERT INTO request_work (request_id, kind, due_at)
     SELECT w.request_id, w.kind, COALESCE(w.due_at, now())
     FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS w(request_id, kind, due_at)
     ON CONFLICT (request_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at, attempts = 0, last_error = NULL,
       gave_up_at = NULL, updated_at = now(), schedule_version = request_work.schedule_version + 1`,
    [
      latest.map((w) => w.requestId),
      latest.map((w) => w.kind),
      latest.map((w) => (w.dueAt === "now" ? null : w.dueAt)),
    ],
  );
}

/** Cancels any scheduled `kind` work on a request (the work became moot). */
export async function cancelWork(tx: Queryable, w: { requestId: string; kind: string }): Promise<void> {
  await tx.query(
    `UPDATE request_work SET due_at = NULL, updated_at = now(), schedule_version = schedule_version + 1
     WHERE request_id = $1 AND kind = $2`,
    [w.requestId, w.kind],
  );
}

/** One work item as its processor sees it. */
export interface WorkItem {
  id: number;
  requestId: string;
  kind: string;
  attempts: number;
  dueAt: Date | null;
  /** The schedule's version when read: the work's settling (settleWorks, reschedule, giveUpWork) needs it. */
  version: number;
}

/** Reads work items by id in one statement, in the order of `ids`; null for one that is gone (its request deleted). */
export async function readWorks(db: Queryable, ids: readonly (number | string)[]): Promise<(WorkItem | null)[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{
    id: number;
    request_id: string;
    kind: string;
    attempts: number;
    due_at: Date | null;
    schedule_version: number;
  }>("SELECT id, request_id, kind, attempts, due_at, schedule_version FROM request_work WHERE id = ANY($1::bigint[])", [
    ids.map(String),
  ]);
  const found = new Map(
    rows.map((r) => [
      String(r.id),
      {
        id: r.id,
        requestId: r.request_id,
        kind: r.kind,
        attempts: r.attempts,
        dueAt: r.due_at,
        version: r.schedule_version,
      },
    ]),
  );
  return ids.map((id) => found.get(String(id)) ?? null);
}

// The work's settling (below, and `reschedule` with the item's version) changes the row only while its schedule is the
// one the work read (WorkItem.version): an event that scheduled or cancelled the same work meanwhile has the last word
// (migration 0025_request_work_version).

/** How a worked item is settled: finished (`delayMs` null), or due again `delayMs` from now with its attempts at zero. */
export interface WorkSettling {
  item: Pick<WorkItem, "id" | "version">;
  delayMs: number | null;
}

/**
 * Settles many worked items in one statement, each as finished (`delayMs` null: no due time, attempts and last error
 * cleared) or due again `delayMs` from now with its attempts at zero; only while its schedule is the one the work read.
 */
export async function settleWorks(db: Queryable, settlings: readonly WorkSettling[]): Promise<void> {
  if (settlings.length === 0) return;
  // The rows are locked in key order first (as renewClaims locks them), so two batches never wait on each other in a
  // cycle. An item listed twice (a lease ran out and the row was worked again): its last settling.
  const last = [...new Map(settlings.map((s) => [String(s.item.id), s])).values()];
  await db.query(
    `WITH held AS MATERIALIZED (SELECT id FROM request_work WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE)
     UPDATE request_work w SET
       due_at = CASE WHEN s.delay_ms IS NULL THEN NULL ELSE now() + make_interval(secs => s.delay_ms / 1000) END,
       attempts = 0,
       last_error = CASE WHEN s.delay_ms IS NULL THEN NULL ELSE w.last_error END,
       updated_at = CASE WHEN s.delay_ms IS NULL THEN now() ELSE w.updated_at END
     FROM unnest($1::bigint[], $2::integer[], $3::double precision[]) AS s(id, version, delay_ms), held
     WHERE held.id = s.id AND w.id = s.id AND w.schedule_version = s.version`,
    [last.map((s) => String(s.item.id)), last.map((s) => s.item.version), last.map((s) => s.delayMs)],
  );
}

/**
 * Marks a work item given up after its last failed attempt, with the reason. False when an event scheduled or
 * cancelled the work meanwhile: nothing was given up.
 */
export async function giveUpWork(
  db: Queryable,
  item: Pick<WorkItem, "id" | "version">,
  attempts: number,
  reason: string,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE request_work SET due_at = NULL, attempts = $3, last_error = $4, gave_up_at = now(), updated_at = now()
     WHERE id = $1 AND schedule_version = $2 RETURNING id`,
    [item.id, item.version, attempts, reason],
  );
  return rows.length > 0;
}
