// Incidents people are told about (a connection needing re-authorisation, a connection whose polls keep failing).
// At most one open incident per kind and connection: whoever opens it (one call, one instance) is the one event, and
// its alert and its "resolved" alert go out once each from here (an outbox: delivery is recorded in the same row).
import type { Queryable } from "./db.ts";

export type IncidentKind = "needs_reauthorisation" | "sync_failing";

/** An incident with an alert still to deliver. */
export interface PendingAlert {
  id: number;
  kind: IncidentKind;
  connectionId: string | null;
  connectionLabel: string | null;
  reason: string;
  openedAt: Date;
  resolvedAt: Date | null;
  resolution: string | null;
  /** Which alert is due: the incident's opening, or its resolution (once the opening went out). */
  due: "opened" | "resolved";
  deliveryAttempts: number;
}

/** Opens an incident unless one of this kind is open for the connection; true when this call opened it. */
export async function openIncident(
  db: Queryable,
  i: { kind: IncidentKind; connectionId: string; reason: string },
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO incidents (kind, connection_id, reason) VALUES ($1, $2, $3)
     ON CONFLICT (kind, connection_id) WHERE resolved_at IS NULL DO NOTHING RETURNING id`,
    [i.kind, i.connectionId, i.reason],
  );
  return rows.length === 1;
}

/** Resolves the open incident of this kind for the connection, if any; true when this call resolved one. */
export async function resolveIncident(
  db: Queryable,
  i: { kind: IncidentKind; connectionId: string; resolution: string },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE incidents SET resolved_at = now(), resolution = $3
     WHERE kind = $1 AND connection_id = $2 AND resolved_at IS NULL RETURNING id`,
    [i.kind, i.connectionId, i.resolution],
  );
  return rows.length > 0;
}

/**
 * Claims the oldest incident with an alert due (skipping those another instance is delivering, and `exclude`), locked
 * until the transaction ends. Call inside a transaction; record the delivery with alertDelivered or alertFailed.
 */
export async function claimPendingAlert(tx: Queryable, exclude: number[]): Promise<PendingAlert | null> {
  const [r] = await tx.query<{
    id: number;
    kind: IncidentKind;
    connection_id: string | null;
    label: string | null;
    reason: string;
    opened_at: Date;
    resolved_at: Date | null;
    resolution: string | null;
    opened_alerted_at: Date | null;
    delivery_attempts: number;
  }>(
    `SELECT i.*, c.label FROM incidents i LEFT JOIN pkb_connections c ON c.id = i.connection_id
     WHERE (i.opened_alerted_at IS NULL OR (i.resolved_at IS NOT NULL AND i.resolved_alerted_at IS NULL))
       AND NOT (i.id = ANY($1::bigint[]))
     ORDER BY i.id LIMIT 1 FOR UPDATE OF i SKIP LOCKED`,
    [exclude],
  );
  if (!r) return null;
  return {
    id: r.id,
    kind: r.kind,
    connectionId: r.connection_id,
    connectionLabel: r.label,
    reason: r.reason,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
    due: r.opened_alerted_at === null ? "opened" : "resolved",
    deliveryAttempts: r.delivery_attempts,
  };
}

/** Records that the due alert went out (or was given up on). */
export async function alertDelivered(tx: Queryable, id: number, due: PendingAlert["due"]): Promise<void> {
  await tx.query(
    `UPDATE incidents SET ${due === "opened" ? "opened_alerted_at" : "resolved_alerted_at"} = now(),
       delivery_attempts = 0 WHERE id = $1`,
    [id],
  );
}

/** Records a failed delivery attempt (it is tried again later). */
export async function alertFailed(tx: Queryable, id: number): Promise<void> {
  await tx.query("UPDATE incidents SET delivery_attempts = delivery_attempts + 1 WHERE id = $1", [id]);
}
