// The gauges read from the store at scrape time, on PGlite and PostgreSQL: re-authorisation state, poll lag, requests by
// state, queue depths, and one snapshot shared by the gauges of a scrape.
import { afterEach, describe, expect, it } from "vitest";
import { createConnection, markNeedsReauth } from "../../src/store/connections.ts";
import { storeGaugeRegistry } from "../../src/metrics/store-gauges.ts";
import type { Queryable } from "../../src/store/db.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { parsePrometheus } from "../helpers/prometheus.ts";
import { seedRequest } from "../helpers/requests.ts";

const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined =>
  parsePrometheus(text)
    .get(name)
    ?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe.each(engines)("store gauges on $name", (engine) => {
  let t: TestDb | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  it("report re-authorisation, poll lag, requests by state and queue depths as the store changes", async () => {
    t = await engine.open();
    const db = t.db;
    const registry = storeGaugeRegistry(db, { maxAgeMs: 0 });
    const conn = await createConnection(db, { label: "Clinic", createdBy: null });
    await db.query(
      "UPDATE pkb_connections SET status = 'active', granted_at = now(), last_sync_finished_at = now() - interval '90 seconds' WHERE id = $1",
      [conn.id],
    );
    const open = await seedRequest(db, { teamId: null, status: "open" });
    await seedRequest(db, { teamId: null, status: "error" });
    await seedRequest(db, { teamId: null, status: "done" });
    await db.query("UPDATE appointment_requests SET match_state = 'no_candidates' WHERE id = $1", [open]);

    let text = await registry.metrics();
    const lag = sample(text, "rebook_poll_lag_seconds", { connection: conn.id })!;
    expect(lag).toBeGreaterThanOrEqual(90);
    expect(lag).toBeLessThan(150);
    expect(sample(text, "rebook_pkb_connection_status", { connection: conn.id, status: "active" })).toBe(1);
    expect(sample(text, "rebook_pkb_connection_needs_reauth_seconds", { connection: conn.id })).toBe(0);
    expect(sample(text, "rebook_requests", { status: "open", match_state: "no_candidates" })).toBe(1);
    expect(sample(text, "rebook_requests", { status: "in_progress", match_state: "manual" })).toBe(0);
    expect(sample(text, "rebook_queue_depth", { queue: "awaiting_match" })).toBe(1);
    expect(sample(text, "rebook_queue_depth", { queue: "pipeline_error" })).toBe(1);
    expect(sample(text, "rebook_queue_depth", { queue: "awaiting_processing" })).toBe(0);
    expect(sample(text, "rebook_messages", { kind: "unclassified" })).toBe(3);
    expect(sample(text, "rebook_queue_depth", { queue: "awaiting_pkb_confirmation" })).toBe(0);
    expect(sample(text, "rebook_queue_depth", { queue: "message_errors" })).toBe(0);

    await markNeedsReauth(db, conn.id, "API_SESSION_EXPIRED");
    await db.query("UPDATE pkb_connections SET needs_reauth_since = now() - interval '10 minutes' WHERE id = $1", [
      conn.id,
    ]);
    const done = await seedRequest(db, { teamId: null, status: "done" });
    await db.query(
      `INSERT INTO pkb_confirmations (request_id, outcome, outcome_at, due_at) VALUES ($1, 'cancelled', now(), now())`,
      [done],
    );
    await db.query(
      "INSERT INTO message_errors (message_key, original, reason) VALUES ('m1', '{}', 'could not be stored')",
    );
    text = await registry.metrics();
    expect(sample(text, "rebook_queue_depth", { queue: "awaiting_pkb_confirmation" })).toBe(1);
    expect(sample(text, "rebook_queue_depth", { queue: "pkb_not_confirmed" })).toBe(0);
    expect(sample(text, "rebook_queue_depth", { queue: "message_errors" })).toBe(1);
    expect(sample(text, "rebook_pkb_connection_status", { connection: conn.id, status: "active" })).toBe(0);
    expect(sample(text, "rebook_pkb_connection_status", { connection: conn.id, status: "needs_reauth" })).toBe(1);
    expect(sample(text, "rebook_pkb_connection_needs_reauth_seconds", { connection: conn.id })).toBeGreaterThan(590);
  });

  it("reads the store once for all the gauges of a scrape, and again only when the snapshot is old", async () => {
    t = await engine.open();
    const db = t.db;
    let queries = 0;
    const counting: Queryable = {
      query: (sql, params) => {
        queries++;
        return db.query(sql, params);
      },
    };
    const registry = storeGaugeRegistry(counting, { maxAgeMs: 60_000 });
    await registry.metrics();
    const perSnapshot = queries;
    expect(perSnapshot).toBeGreaterThan(0);
    expect(perSnapshot).toBeLessThan(10);
    await Promise.all([registry.metrics(), registry.metrics()]);
    expect(queries).toBe(perSnapshot); // reused within maxAgeMs
    const fresh = storeGaugeRegistry(counting, { maxAgeMs: 0 });
    await fresh.metrics();
    await new Promise((r) => setTimeout(r, 5));
    await fresh.metrics();
    expect(queries).toBe(perSnapshot * 3);
  });
});
