// The run's own PostgreSQL database (created fresh, dropped afterwards) and the observer's read-only queries of what
// Rebook stored there.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { PollRun, StoredMessage, StoredRequest } from "./verdict.ts";

/** A fresh database: its URL, a small observer pool, and how to drop it. */
export interface RunDatabase {
  name: string;
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** Creates `rebook_chaos_<random>` on the server of `adminUrl`. */
export async function createRunDatabase(adminUrl: string): Promise<RunDatabase> {
  const name = `rebook_chaos_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2, connectionTimeoutMillis: 10_000 });
  pool.on("error", () => undefined); // a dropped connection while the database goes away is expected
  let dropped = false;
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end().catch(() => undefined);
      const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Whether Rebook's tables exist yet (the first instance migrates). */
async function migrated(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    "SELECT to_regclass('appointment_requests') IS NOT NULL AND to_regclass('sync_runs') IS NOT NULL AS ok",
  );
  return rows[0]?.ok ?? false;
}

/** Counts for the progress line. */
export interface Progress {
  messages: number;
  requests: number;
  processing: number;
  open: number;
  error: number;
}

/** How far Rebook has got. */
export async function progress(pool: pg.Pool): Promise<Progress> {
  if (!(await migrated(pool))) return { messages: 0, requests: 0, processing: 0, open: 0, error: 0 };
  const { rows } = await pool.query<Progress>(
    `SELECT (SELECT count(*)::int FROM pkb_messages) AS messages,
            count(*)::int AS requests,
            count(*) FILTER (WHERE status = 'processing')::int AS processing,
            count(*) FILTER (WHERE status NOT IN ('processing', 'error'))::int AS open,
            count(*) FILTER (WHERE status = 'error')::int AS error
     FROM appointment_requests`,
  );
  return rows[0]!;
}

/**
 * The port of the instance holding a connection's poll lock now: a PostgreSQL advisory lock (src/store/leases.ts,
 * key hashtextextended('rebook:poll:<connection id>', 0)) held by a session whose application_name is the instance's
 * (instanceEnv names them by port); null when nobody polls.
 */
export async function pollLockHolderPort(pool: pg.Pool, appPrefix: string): Promise<number | null> {
  const { rows } = await pool.query<{ app: string }>(
    `SELECT a.application_name AS app
     FROM pkb_connections c
     CROSS JOIN LATERAL (SELECT hashtextextended('rebook:poll:' || c.id, 0) AS k) key
     JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid::bigint = (key.k >> 32) & 4294967295 AND l.objid::bigint = key.k & 4294967295
     JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE a.application_name LIKE $1 || '%'
     LIMIT 1`,
    [appPrefix],
  );
  const port = Number(rows[0]?.app.slice(appPrefix.length));
  return Number.isInteger(port) && port > 0 ? port : null;
}

/** Everything stored, for the verdict (from a pool, or anything that answers a query with its rows). */
export async function storedState(pool: {
  query: <R extends pg.QueryResultRow>(sql: string) => Promise<{ rows: R[] }>;
}): Promise<{
  messages: (StoredMessage & { storedAt: number })[];
  requests: StoredRequest[];
  runs: PollRun[];
  connections: { status: string; lastSyncError: string | null }[];
}> {
  const messages = await pool.query<{
    pkb_message_id: string;
    kind: StoredMessage["kind"];
    req_msg: string | null;
    first_seen_at: Date;
  }>(
    `SELECT m.pkb_message_id, m.kind, r.pkb_message_id AS req_msg, m.first_seen_at
     FROM pkb_messages m LEFT JOIN appointment_requests r ON r.id = m.request_id`,
  );
  const requests = await pool.query<{
    pkb_message_id: string;
    type: StoredRequest["type"];
    nhs_number: string | null;
    match_state: string;
    appointment_fhir_id: string | null;
    status: string;
  }>("SELECT pkb_message_id, type, nhs_number, match_state, appointment_fhir_id, status FROM appointment_requests");
  const runs = await pool.query<{ started_at: Date; finished_at: Date | null; error: string | null }>(
    "SELECT started_at, finished_at, error FROM sync_runs",
  );
  const connections = await pool.query<{ status: string; last_sync_error: string | null }>(
    "SELECT status, last_sync_error FROM pkb_connections",
  );
  return {
    messages: messages.rows.map((m) => ({
      messageId: m.pkb_message_id,
      kind: m.kind,
      requestMessageId: m.req_msg,
      storedAt: m.first_seen_at.getTime(),
    })),
    requests: requests.rows.map((r) => ({
      messageId: r.pkb_message_id,
      type: r.type,
      nhsNumber: r.nhs_number,
      matchState: r.match_state,
      appointmentId: r.appointment_fhir_id,
      status: r.status,
    })),
    runs: runs.rows.map((r) => ({
      startedAt: r.started_at.getTime(),
      finishedAt: r.finished_at?.getTime() ?? null,
      error: r.error,
    })),
    connections: connections.rows.map((c) => ({ status: c.status, lastSyncError: c.last_sync_error })),
  };
}
