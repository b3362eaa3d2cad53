// The audit log: who saw or changed what. Every view of a patient's request writes a row here.
import type { Queryable } from "./db.ts";
import { decodeCursor, encodeCursor, paramList } from "./keyset.ts";

/** One audit entry. `actorUserId` null: the actor is only known by `actorLabel`. */
export interface AuditEntry {
  id: number;
  at: Date;
  actorUserId: string | null;
  actorLabel: string;
  action: string;
  requestId: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

/** Writes one audit entry. */
export async function recordAudit(
  db: Queryable,
  e: {
    actorUserId: string | null;
    actorLabel: string;
    action: string;
    requestId?: string | null;
    details?: Record<string, unknown>;
    ip?: string | null;
  },
): Promise<void> {
  await db.query(
    "INSERT INTO audit_log (actor_user_id, actor_label, action, request_id, details, ip) VALUES ($1, $2, $3, $4, $5, $6)",
    [e.actorUserId, e.actorLabel, e.action, e.requestId ?? null, JSON.stringify(e.details ?? {}), e.ip ?? null],
  );
}

interface Row {
  id: number;
  at: Date;
  actor_user_id: string | null;
  actor_label: string;
  action: string;
  request_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  sort_key: string;
}

/** One page of the audit log, newest first, optionally for one request and/or one action. */
export async function listAudit(
  db: Queryable,
  opts: { requestId?: string; action?: string; cursor?: string | null; limit: number },
): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const { params, p } = paramList();
  const where: string[] = [];
  if (opts.requestId) {
    // The request's own entries, and the lists it was shown in (a partial GIN index serves the second).
    const id = p(opts.requestId);
    where.push(`(request_id = ${id}::uuid OR (action = 'requests.listed' AND details->'requestIds' ? ${id}::text))`);
  }
  if (opts.action) where.push(`action = ${p(opts.action)}`);
  if (opts.cursor) {
    const c = decodeCursor(opts.cursor, "at_desc");
    where.push(`(at, id) < (${p(c.key)}::timestamptz, ${p(Number(c.id))}::int8)`);
  }
  const rows = await db.query<Row>(
    `SELECT *, at::text AS sort_key FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY at DESC, id DESC LIMIT ${p(opts.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: r.id,
      at: r.at,
      actorUserId: r.actor_user_id,
      actorLabel: r.actor_label,
      action: r.action,
      requestId: r.request_id,
      details: r.details,
      ip: r.ip,
    })),
    nextCursor:
      rows.length > opts.limit && last
        ? encodeCursor({ sort: "at_desc", key: last.sort_key, id: String(last.id) })
        : null,
  };
}
