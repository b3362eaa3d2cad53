// Retention: purges what is older than its retention period, in small batches (one short transaction each, rows
// claimed with SKIP LOCKED so nothing waits on the purge), under a lease so one instance purges at a time. Every batch
// writes, in its own transaction, an audit entry of what it removed: the record class, counts and id/time ranges —
// never content. Requests are purged only when closed (status done) and untouched for the whole period; open,
// in-progress, processing and error requests are never purged, however old.
import type { AuditDetails } from "../audit-details.ts";
import type { Db, Queryable } from "./db.ts";
import { recordAudit } from "./audit.ts";
import { acquireLease, releaseLease } from "./leases.ts";

/** How long each class of record is kept. */
export interface RetentionPolicy {
  /** Closed requests (with their history, notes, messages' content and cached patient details). */
  requestYears: number;
  /** Audit entries other than worklist views. */
  auditDays: number;
  /** Audit entries of worklist views (action requests.listed). */
  worklistViewDays: number;
  /** Poll history (sync_runs). */
  syncRunDays: number;
}

/** The record classes, in the order they are purged. */
export const RETENTION_CLASSES = ["requests", "unrelated_messages", "worklist_views", "audit", "sync_runs"] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

/** What a purge removed (or would remove, for a dry run), per class. */
export type PurgeCounts = Record<RetentionClass, number>;

const DAY_MS = 86_400_000;

/** The instant before which each class is purged. Years are calendar years (UTC). */
export function cutoffs(policy: RetentionPolicy, now: Date): Record<RetentionClass, Date> {
  const years = new Date(now);
  years.setUTCFullYear(years.getUTCFullYear() - policy.requestYears);
  return {
    requests: years,
    unrelated_messages: years,
    worklist_views: new Date(now.getTime() - policy.worklistViewDays * DAY_MS),
    audit: new Date(now.getTime() - policy.auditDays * DAY_MS),
    sync_runs: new Date(now.getTime() - policy.syncRunDays * DAY_MS),
  };
}

/**
 * A closed request untouched since $1: done, and nothing about it (its row, its history, its notes, its appointment,
 * its messages) at or after $1, no follow-up work still scheduled for it (request_work), and no PKB confirmation
 * awaited or failed (pkb_confirmations). Add a condition here for any other state that must hold a request back.
 */
const PURGEABLE_REQUEST = `r.status = 'done' AND r.updated_at < $1 AND r.received_at < $1
  AND (r.appointment_start IS NULL OR r.appointment_start < $1)
  AND NOT EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = r.id AND e.at >= $1)
  AND NOT EXISTS (SELECT 1 FROM request_notes n WHERE n.request_id = r.id AND n.created_at >= $1)
  AND NOT EXISTS (SELECT 1 FROM pkb_messages m WHERE m.request_id = r.id AND m.sent_at >= $1)
  AND NOT EXISTS (SELECT 1 FROM request_work w WHERE w.request_id = r.id AND w.due_at IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM pkb_confirmations c WHERE c.request_id = r.id AND c.state <> 'confirmed')`;

/** Empties a message's content, keeping its PKB id, conversation, time and kind. */
const SCRUB_MESSAGE = `subject = '', content = '', raw = '{}'::jsonb, raw_original = NULL, sender_id = NULL,
  patient_pkb_id = NULL, message_status = NULL, purged_at = now()`;

/**
 * Scrubs the messages of the requests $1 (their request message, and any filed on them) and unfiles them. Each side of
 * the OR reads an index (the request message's id through an array, not `IN (SELECT …)`, which PostgreSQL cannot
 * serve by index under an OR: a whole scan of the messages every batch). test/store/indexes.test.ts checks it.
 */
export const SCRUB_REQUESTS_MESSAGES = `UPDATE pkb_messages SET ${SCRUB_MESSAGE}, request_id = NULL
  WHERE pkb_message_id = ANY(ARRAY(SELECT pkb_message_id FROM appointment_requests WHERE id = ANY($1::uuid[])))
     OR request_id = ANY($1::uuid[])
  RETURNING pkb_message_id`;

interface Batch {
  rows: number;
  /** What the batch's audit entry says beyond its class, rows and cutoff. */
  details: Omit<AuditDetails["retention.purged"], "class" | "rows" | "olderThan">;
}

/** One batch of one class, inside `tx`: removes up to `limit` rows older than `before`; returns what it did. */
async function purgeBatch(tx: Queryable, cls: RetentionClass, before: Date, limit: number): Promise<Batch> {
  switch (cls) {
    case "requests": {
      const picked = await tx.query<{ id: string; patient_pkb_id: string | null }>(
        `SELECT r.id, r.patient_pkb_id FROM appointment_requests r WHERE ${PURGEABLE_REQUEST}
         ORDER BY r.updated_at, r.id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [before, limit],
      );
      if (picked.length === 0) return { rows: 0, details: {} };
      const ids = picked.map((p) => p.id);
      await tx.query("DELETE FROM request_timings WHERE request_id = ANY($1::uuid[])", [ids]);
      const events = await tx.query("DELETE FROM request_events WHERE request_id = ANY($1::uuid[]) RETURNING id", [
        ids,
      ]);
      const notes = await tx.query("DELETE FROM request_notes WHERE request_id = ANY($1::uuid[]) RETURNING id", [ids]);
      const messages = await tx.query(SCRUB_REQUESTS_MESSAGES, [ids]);
      const [range] = await tx.query<{ n: number; from: Date; to: Date }>(
        `WITH d AS (DELETE FROM appointment_requests WHERE id = ANY($1::uuid[]) RETURNING received_at)
         SELECT count(*)::int AS n, min(received_at) AS "from", max(received_at) AS "to" FROM d`,
        [ids],
      );
      // Cached patient details that no remaining request needs.
      const patientIds = [...new Set(picked.map((p) => p.patient_pkb_id).filter((p): p is string => p !== null))];
      const patients = await tx.query(
        `DELETE FROM patients p WHERE p.pkb_user_id = ANY($1::text[])
           AND NOT EXISTS (SELECT 1 FROM appointment_requests r WHERE r.patient_pkb_id = p.pkb_user_id)
         RETURNING pkb_user_id`,
        [patientIds],
      );
      return {
        rows: range!.n,
        details: {
          requests: range!.n,
          events: events.length,
          notes: notes.length,
          messagesEmptied: messages.length,
          patientsRemoved: patients.length,
          receivedFrom: range!.from.toISOString(),
          receivedTo: range!.to.toISOString(),
        },
      };
    }
    case "unrelated_messages": {
      const [r] = await tx.query<{ n: number; from: Date | null; to: Date | null }>(
        `WITH d AS (
           UPDATE pkb_messages SET ${SCRUB_MESSAGE} WHERE pkb_message_id IN (
             SELECT pkb_message_id FROM pkb_messages WHERE kind = 'unrelated' AND purged_at IS NULL AND sent_at < $1
             ORDER BY sent_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING sent_at)
         SELECT count(*)::int AS n, min(sent_at) AS "from", max(sent_at) AS "to" FROM d`,
        [before, limit],
      );
      return r!.n === 0
        ? { rows: 0, details: {} }
        : { rows: r!.n, details: { sentFrom: r!.from!.toISOString(), sentTo: r!.to!.toISOString() } };
    }
    case "worklist_views":
    case "audit":
    case "sync_runs": {
      const [table, filter] =
        cls === "sync_runs"
          ? ["sync_runs", "started_at < $1"]
          : cls === "worklist_views"
            ? ["audit_log", "action = 'requests.listed' AND at < $1"]
            : ["audit_log", "action <> 'requests.listed' AND at < $1"];
      const [r] = await tx.query<{ n: number; from: number | null; to: number | null }>(
        `WITH d AS (
           DELETE FROM ${table} WHERE id IN (
             SELECT id FROM ${table} WHERE ${filter} ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING id)
         SELECT count(*)::int AS n, min(id) AS "from", max(id) AS "to" FROM d`,
        [before, limit],
      );
      return r!.n === 0 ? { rows: 0, details: {} } : { rows: r!.n, details: { fromId: r!.from, toId: r!.to } };
    }
  }
}

/** Options of one purge run. */
export interface PurgeOptions {
  /** Identifies this process in the lease. */
  holder: string;
  batchSize: number;
  now?: Date;
  signal?: AbortSignal;
  /** Called after each committed batch (metrics). */
  onBatch?: (cls: RetentionClass, rows: number) => void;
}

const LEASE = "retention";
const LEASE_MS = 10 * 60_000;

/**
 * Purges every class down to its retention period, batch by batch. Returns the rows purged per class, or null when
 * another instance holds the retention lease. Stops between batches when `signal` aborts (all done is kept).
 */
export async function purgeExpired(db: Db, policy: RetentionPolicy, opts: PurgeOptions): Promise<PurgeCounts | null> {
  if (!(await acquireLease(db, LEASE, opts.holder, LEASE_MS))) return null;
  const before = cutoffs(policy, opts.now ?? new Date());
  const counts = Object.fromEntries(RETENTION_CLASSES.map((c) => [c, 0])) as PurgeCounts;
  try {
    for (const cls of RETENTION_CLASSES) {
      for (;;) {
        if (opts.signal?.aborted) return counts;
        const batch = await db.transaction(async (tx) => {
          const b = await purgeBatch(tx, cls, before[cls], opts.batchSize);
          if (b.rows > 0) {
            await recordAudit(tx, {
              actorUserId: null,
              actorLabel: "system (retention)",
              action: "retention.purged",
              details: { class: cls, rows: b.rows, olderThan: before[cls].toISOString(), ...b.details },
            });
          }
          return b;
        });
        counts[cls] += batch.rows;
        if (batch.rows > 0) opts.onBatch?.(cls, batch.rows);
        if (batch.rows < opts.batchSize) break;
        // Renew between batches; if the lease was lost (this run took longer than it), stop and let the holder go on.
        if (!(await acquireLease(db, LEASE, opts.holder, LEASE_MS))) return counts;
      }
    }
    return counts;
  } finally {
    await releaseLease(db, LEASE, opts.holder);
  }
}

/** What purgeExpired would remove now, per class, without removing anything. */
export async function countExpired(db: Queryable, policy: RetentionPolicy, now = new Date()): Promise<PurgeCounts> {
  const before = cutoffs(policy, now);
  const one = async (sql: string, at: Date): Promise<number> => (await db.query<{ n: number }>(sql, [at]))[0]!.n;
  return {
    requests: await one(
      `SELECT count(*)::int AS n FROM appointment_requests r WHERE ${PURGEABLE_REQUEST}`,
      before.requests,
    ),
    unrelated_messages: await one(
      "SELECT count(*)::int AS n FROM pkb_messages WHERE kind = 'unrelated' AND purged_at IS NULL AND sent_at < $1",
      before.unrelated_messages,
    ),
    worklist_views: await one(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'requests.listed' AND at < $1",
      before.worklist_views,
    ),
    audit: await one(
      "SELECT count(*)::int AS n FROM audit_log WHERE action <> 'requests.listed' AND at < $1",
      before.audit,
    ),
    sync_runs: await one("SELECT count(*)::int AS n FROM sync_runs WHERE started_at < $1", before.sync_runs),
  };
}
