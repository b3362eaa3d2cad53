// Gauges read from the store when Prometheus scrapes: poll lag and re-authorisation state per connection, requests and
// messages by state, and the depths of the queues people or the pipeline work through. The store is the truth shared
// by every instance, so each instance reports the same figures. One snapshot (a handful of counting queries) serves
// every gauge of a scrape and is reused for a few seconds, so several scrapers cannot load the database.
import { Gauge, Registry } from "prom-client";
import type { Queryable } from "../store/db.ts";
import { MATCH_STATES, REQUEST_STATUSES } from "../requests/vocabulary.ts";

/** A queue whose depth is reported as rebook_queue_depth{queue=name}: a query returning one row, one count column. */
export interface QueueDepth {
  name: string;
  sql: string;
}

/**
 * The queues. To report another, add one entry: its depth appears as rebook_queue_depth{queue="…"} (list it, and any
 * alert on it, in docs/operations.md).
 */
export const QUEUES: readonly QueueDepth[] = [
  // Stored, not yet identified/matched/routed by the pipeline.
  {
    name: "awaiting_processing",
    sql: "SELECT count(*)::int AS n FROM appointment_requests WHERE status = 'processing'",
  },
  // Open requests for which a person must choose (or confirm there is no) appointment.
  {
    name: "awaiting_match",
    sql: `SELECT count(*)::int AS n FROM appointment_requests
          WHERE status <> 'done' AND match_state IN ('review', 'no_candidates')`,
  },
  // Requests the pipeline gave up on after PIPELINE_MAX_ATTEMPTS (status error, retried from the request page).
  {
    name: "pipeline_error",
    sql: "SELECT count(*)::int AS n FROM appointment_requests WHERE status = 'error'",
  },
  // Follow-up work of the request processors (src/requests/processors.ts) that is due now, and work they gave up on.
  {
    name: "follow_up_work_due",
    sql: "SELECT count(*)::int AS n FROM request_work WHERE due_at <= now()",
  },
  {
    name: "follow_up_work_gave_up",
    sql: "SELECT count(*)::int AS n FROM request_work WHERE gave_up_at IS NOT NULL",
  },
  // Outcomes (rebooked, cancelled) PKB does not show yet, and those it did not show within CONFIRM_WITHIN_HOURS.
  {
    name: "awaiting_pkb_confirmation",
    sql: "SELECT count(*)::int AS n FROM pkb_confirmations WHERE state = 'awaiting'",
  },
  {
    name: "pkb_not_confirmed",
    sql: "SELECT count(*)::int AS n FROM pkb_confirmations WHERE state = 'not_confirmed'",
  },
  // PKB messages set aside because they could not be stored or filed (the error queue, replayed or discarded by an admin).
  {
    name: "message_errors",
    sql: "SELECT count(*)::int AS n FROM message_errors WHERE status = 'open'",
  },
];

const CONNECTION_STATUSES = ["awaiting_grant", "active", "needs_reauth", "disabled"] as const;
const MESSAGE_KINDS = ["request", "follow_up", "unrelated", "unclassified"] as const;

interface Snapshot {
  at: number;
  connections: {
    id: string;
    status: string;
    lagSeconds: number | null;
    needsReauthSeconds: number;
  }[];
  requests: { status: string; matchState: string; n: number }[];
  messages: Record<string, number>;
  queues: Record<string, number>;
  oldestProcessingSeconds: number;
  overdue: number;
}

async function readSnapshot(db: Queryable): Promise<Snapshot> {
  const connections = await db.query<{
    id: string;
    status: string;
    lag: number | null;
    reauth: number | null;
  }>(
    `SELECT id, status,
       CASE WHEN status IN ('active', 'needs_reauth')
         THEN extract(epoch FROM now() - coalesce(last_sync_finished_at, granted_at, created_at))::float8 END AS lag,
       extract(epoch FROM now() - needs_reauth_since)::float8 AS reauth
     FROM pkb_connections ORDER BY id`,
  );
  const requests = await db.query<{ status: string; match_state: string; n: number }>(
    "SELECT status, match_state, count(*)::int AS n FROM appointment_requests GROUP BY 1, 2",
  );
  const messages = await db.query<{ kind: string; n: number }>(
    "SELECT coalesce(kind, 'unclassified') AS kind, count(*)::int AS n FROM pkb_messages GROUP BY 1",
  );
  const [ages] = await db.query<{ oldest: number | null; overdue: number }>(
    `SELECT (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM appointment_requests
             WHERE status = 'processing') AS oldest,
            (SELECT count(*)::int FROM appointment_requests
             WHERE status IN ('open', 'in_progress') AND deadline_at < now()
               AND appointment_passed_at IS NULL) AS overdue`,
  );
  // Every queue in one round trip, each query as a scalar subquery.
  const [depths] = await db.query<Record<string, number>>(
    `SELECT ${QUEUES.map((q, i) => `(${q.sql}) AS q${i}`).join(", ")}`,
  );
  const queues = Object.fromEntries(QUEUES.map((q, i) => [q.name, depths?.[`q${i}`] ?? 0]));
  return {
    at: Date.now(),
    connections: connections.map((c) => ({
      id: c.id,
      status: c.status,
      lagSeconds: c.lag,
      needsReauthSeconds: c.status === "needs_reauth" ? (c.reauth ?? 0) : 0,
    })),
    requests: requests.map((r) => ({ status: r.status, matchState: r.match_state, n: r.n })),
    messages: Object.fromEntries(messages.map((m) => [m.kind, m.n])),
    queues,
    oldestProcessingSeconds: ages?.oldest ?? 0,
    overdue: ages?.overdue ?? 0,
  };
}

/**
 * A registry of gauges computed from the store at scrape time. `maxAgeMs` is how long one snapshot is reused (scrapes
 * from several Prometheus servers, or a scrape right after another, read it once).
 */
export function storeGaugeRegistry(db: Queryable, opts: { maxAgeMs?: number } = {}): Registry {
  const maxAgeMs = opts.maxAgeMs ?? 5_000;
  const registry = new Registry();
  // The snapshot being read or last read; `at` is set once it has been read. Checked synchronously, so the gauges of
  // one scrape (collected concurrently) share a single read.
  let current: { promise: Promise<Snapshot>; at: number | null } | null = null;
  const snapshot = (): Promise<Snapshot> => {
    if (current && (current.at === null || Date.now() - current.at <= maxAgeMs)) return current.promise;
    const entry: { promise: Promise<Snapshot>; at: number | null } = { promise: readSnapshot(db), at: null };
    current = entry;
    entry.promise.then(
      (s) => (entry.at = s.at),
      () => {
        if (current === entry) current = null; // a failed read is never reused
      },
    );
    return entry.promise;
  };

  new Gauge({
    name: "rebook_poll_lag_seconds",
    help: "Seconds since the connection's last successful poll finished (since its grant when never polled); active and needs_reauth connections",
    labelNames: ["connection"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of (await snapshot()).connections)
        if (c.lagSeconds !== null) this.set({ connection: c.id }, c.lagSeconds);
    },
  });
  new Gauge({
    name: "rebook_pkb_connection_status",
    help: "1 for the connection's current status (awaiting_grant, active, needs_reauth, disabled), 0 for the others",
    labelNames: ["connection", "status"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of (await snapshot()).connections)
        for (const s of CONNECTION_STATUSES) this.set({ connection: c.id, status: s }, c.status === s ? 1 : 0);
    },
  });
  new Gauge({
    name: "rebook_pkb_connection_needs_reauth_seconds",
    help: "Seconds the connection has needed re-authorisation (0 when it does not)",
    labelNames: ["connection"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of (await snapshot()).connections) this.set({ connection: c.id }, c.needsReauthSeconds);
    },
  });
  new Gauge({
    name: "rebook_requests",
    help: "Appointment requests in the store, by status and match state",
    labelNames: ["status", "match_state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = (await snapshot()).requests;
      for (const status of REQUEST_STATUSES)
        for (const matchState of MATCH_STATES) {
          const n = rows.find((r) => r.status === status && r.matchState === matchState)?.n ?? 0;
          this.set({ status, match_state: matchState }, n);
        }
    },
  });
  new Gauge({
    name: "rebook_messages",
    help: "PKB messages in the store, by kind (request, follow_up, unrelated, unclassified)",
    labelNames: ["kind"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const m = (await snapshot()).messages;
      for (const kind of MESSAGE_KINDS) this.set({ kind }, m[kind] ?? 0);
    },
  });
  new Gauge({
    name: "rebook_queue_depth",
    help: "Items waiting in each queue (awaiting_processing, awaiting_match, pipeline_error, …)",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const q = (await snapshot()).queues;
      for (const [queue, n] of Object.entries(q)) this.set({ queue }, n);
    },
  });
  new Gauge({
    name: "rebook_oldest_processing_request_age_seconds",
    help: "Age of the oldest request the pipeline has not finished with (0 when none)",
    registers: [registry],
    async collect() {
      this.set((await snapshot()).oldestProcessingSeconds);
    },
  });
  new Gauge({
    name: "rebook_requests_overdue",
    help: "Open or in-progress requests past their deadline (not those whose appointment passed: docs/settling.md)",
    registers: [registry],
    async collect() {
      this.set((await snapshot()).overdue);
    },
  });
  return registry;
}
