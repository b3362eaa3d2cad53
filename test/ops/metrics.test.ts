// /metrics: who may read it (token, address allow-list, loopback by default), and what a scrape after real work against
// the emulator says — parsed as Prometheus text, with no label that could carry patient data.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listConnections } from "../../src/store/connections.ts";
import { syncPass } from "../../src/sync/run.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { grantThroughConsentPage, startEmulator, type Emulator } from "../helpers/emulator.ts";
import { parsePrometheus, type Family } from "../helpers/prometheus.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

let shared: TestDb;

/** An app with `env` on one store shared by the access tests (opening a store is the slow part: see beforeAll). */
async function appWith(env: Record<string, string>): Promise<TestApp> {
  const rebook = await buildTestApp(shared.db, env);
  cleanups.push(() => rebook.app.close());
  return rebook;
}

const scrape = (rebook: TestApp, opts: { from?: string; headers?: Record<string, string> } = {}) =>
  rebook.app.inject({ method: "GET", url: "/metrics", remoteAddress: opts.from, headers: opts.headers });

describe("who may read /metrics", () => {
  beforeAll(async () => {
    shared = await engines[0].open();
    cleanups.push(() => shared.dispose());
  });

  it("answers only direct loopback requests when neither a token nor an allow-list is configured", async () => {
    const rebook = await appWith({});
    expect((await scrape(rebook, { from: "127.0.0.1" })).statusCode).toBe(200);
    expect((await scrape(rebook, { from: "::1" })).statusCode).toBe(200);
    const remote = await scrape(rebook, { from: "10.1.2.3" });
    expect(remote.statusCode).toBe(403);
    expect(remote.json()).toMatchObject({ error: { code: "forbidden" } });
    // A reverse proxy on the same host makes every visitor look like loopback: its forwarding headers give it away.
    const proxied = await scrape(rebook, { from: "127.0.0.1", headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(proxied.statusCode).toBe(403);
    expect(proxied.body).not.toContain("rebook_");
  });

  it("requires the bearer token when METRICS_TOKEN is set, from any address", async () => {
    const rebook = await appWith({ METRICS_TOKEN: "s3cret-metrics-token-0123" });
    const none = await scrape(rebook, { from: "127.0.0.1" });
    expect(none.statusCode).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(none.body).not.toContain("rebook_");
    const wrong = await scrape(rebook, { headers: { authorization: "Bearer s3cret-metrics-token-0124" } });
    expect(wrong.statusCode).toBe(401);
    const basic = await scrape(rebook, { headers: { authorization: "Basic czNjcmV0" } });
    expect(basic.statusCode).toBe(401);
    const right = await scrape(rebook, {
      from: "10.1.2.3",
      headers: { authorization: "Bearer s3cret-metrics-token-0123" },
    });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain("rebook_requests");
  });

  it("allows only the listed ranges when METRICS_ALLOW is set (IPv4-mapped addresses included)", async () => {
    const rebook = await appWith({ METRICS_ALLOW: "10.0.0.0/8, 192.168.7.7, fd00::/8" });
    expect((await scrape(rebook, { from: "10.200.0.1" })).statusCode).toBe(200);
    expect((await scrape(rebook, { from: "::ffff:10.200.0.1" })).statusCode).toBe(200);
    expect((await scrape(rebook, { from: "192.168.7.7" })).statusCode).toBe(200);
    expect((await scrape(rebook, { from: "fd12::1" })).statusCode).toBe(200);
    expect((await scrape(rebook, { from: "192.168.7.8" })).statusCode).toBe(403);
    expect((await scrape(rebook, { from: "127.0.0.1" })).statusCode).toBe(403); // loopback is not in the list
  });

  it("needs both when both are set, and reads the client address through a trusted proxy", async () => {
    const rebook = await appWith({
      METRICS_TOKEN: "s3cret-metrics-token-0123",
      METRICS_ALLOW: "10.0.0.0/8",
      TRUST_PROXY: "127.0.0.1",
    });
    const auth = { authorization: "Bearer s3cret-metrics-token-0123" };
    expect((await scrape(rebook, { from: "10.0.0.5" })).statusCode).toBe(401);
    expect((await scrape(rebook, { from: "192.0.2.1", headers: auth })).statusCode).toBe(403);
    const viaProxy = { ...auth, "x-forwarded-for": "10.9.9.9" };
    expect((await scrape(rebook, { from: "127.0.0.1", headers: viaProxy })).statusCode).toBe(200);
    const outsider = { ...auth, "x-forwarded-for": "198.51.100.4" };
    expect((await scrape(rebook, { from: "127.0.0.1", headers: outsider })).statusCode).toBe(403);
  });

  it("refuses a short token and a malformed allow-list at start-up", async () => {
    const { loadConfig } = await import("../../src/config.ts");
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    expect(() => loadConfig({ METRICS_ALLOW: "10.0.0.0/33" })).toThrow(/METRICS_ALLOW: must be addresses or CIDR/);
  });
});

describe("a scrape after real work against the emulator", () => {
  let emu: Emulator;
  let t: TestDb;
  let rebook: TestApp;
  let families: Map<string, Family>;
  let connectionId: string;
  let truth: { patientPkbId: string; nhsNumber: string | null }[];

  const family = (name: string): Family => {
    const f = families.get(name);
    if (!f) throw new Error(`no metric family ${name}`);
    return f;
  };
  /** The sample of `name` (a family or a histogram's _count/_sum/_bucket) whose labels include `labels`. */
  const value = (name: string, labels: Record<string, string>): number => {
    const base = name.replace(/_(count|sum|bucket)$/, "");
    const f = families.get(name) ?? family(base);
    const s = f.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    return s ? s.value : NaN;
  };

  beforeAll(async () => {
    // Access tokens that last 3 s: the test waits one out, so the pass refreshes it.
    emu = await startEmulator({ size: 20, accessTokenTtl: 3 });
    t = await engines[0].open();
    rebook = await buildTestApp(t.db, {
      ...emu.env,
      SYNC_INITIAL_LOOKBACK_DAYS: "1000",
      TOKEN_REFRESH_AHEAD_SECONDS: "0",
    });
    truth = (await emu.control<{ entries: typeof truth }>("GET", "ground-truth")).entries;
    const admin = await rebook.signIn("admin");
    const created = await rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: admin,
      payload: { label: "Appointments" },
    });
    const { connection } = created.json<{ connection: { id: string; authorizePath: string } }>();
    connectionId = connection.id;
    expect((await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin })).status).toBe(200);
    await rebook.poller.runNow();
    // A token past its expiry is refreshed on the next pass; every other patient look-up fails once with a 503.
    await new Promise((r) => setTimeout(r, 3_200));
    await t.db.query("UPDATE appointment_requests SET status = 'processing', next_attempt_at = now()");
    await t.db.query("DELETE FROM patients"); // so the patients are looked up again
    await emu.control("PUT", "faults", { errorRate: 0.5, status: 503, paths: ["/json/v1/users"] });
    await syncPass(rebook.sync);
    await emu.control("DELETE", "faults");
    // One request waiting for a person to choose its appointment (this small data set may have none).
    await t.db.query(
      `UPDATE appointment_requests SET match_state = 'review'
       WHERE id = (SELECT id FROM appointment_requests WHERE status = 'open' ORDER BY id LIMIT 1)`,
    );
    await rebook.app.inject({ method: "GET", url: "/api/requests", headers: admin });
    const res = await scrape(rebook);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    families = parsePrometheus(res.body);
  }, 120_000);
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
    await emu?.stop();
  });

  it("reports poll lag and status per connection, labelled by connection id only", async () => {
    const [c] = await listConnections(t.db);
    expect(c?.id).toBe(connectionId);
    const lag = value("rebook_poll_lag_seconds", { connection: connectionId });
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(120);
    expect(value("rebook_pkb_connection_status", { connection: connectionId, status: "active" })).toBe(1);
    expect(value("rebook_pkb_connection_status", { connection: connectionId, status: "needs_reauth" })).toBe(0);
    expect(value("rebook_pkb_connection_needs_reauth_seconds", { connection: connectionId })).toBe(0);
  });

  it("reports requests and messages by state, and the queue depths, from the store", async () => {
    const [counts] = await t.db.query<{
      total: number;
      review: number;
      open: number;
      processing: number;
      error: number;
    }>(
      `SELECT count(*)::int AS total,
         count(*) FILTER (WHERE status <> 'done' AND match_state IN ('review', 'no_candidates'))::int AS review,
         count(*) FILTER (WHERE status = 'open')::int AS open,
         count(*) FILTER (WHERE status = 'processing')::int AS processing,
         count(*) FILTER (WHERE status = 'error')::int AS error
       FROM appointment_requests`,
    );
    expect(counts!.review).toBeGreaterThan(0);
    const requests = family("rebook_requests").samples;
    expect(requests.reduce((n, m) => n + m.value, 0)).toBe(counts!.total);
    expect(requests.filter((m) => m.labels.status === "open").reduce((n, m) => n + m.value, 0)).toBe(counts!.open);
    expect(value("rebook_queue_depth", { queue: "awaiting_match" })).toBe(counts!.review);
    expect(value("rebook_queue_depth", { queue: "awaiting_processing" })).toBe(counts!.processing);
    expect(value("rebook_queue_depth", { queue: "pipeline_error" })).toBe(counts!.error);
    const [m] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pkb_messages WHERE kind = 'request'");
    expect(value("rebook_messages", { kind: "request" })).toBe(m!.n);
    expect(value("rebook_requests_overdue", {})).toBeGreaterThanOrEqual(0);
  });

  it("counts pipeline throughput, PKB calls by endpoint template and status, errors and token refreshes", () => {
    expect(value("rebook_polls_total", { connection: connectionId, result: "ok" })).toBeGreaterThanOrEqual(2);
    expect(value("rebook_messages_fetched_total", {})).toBeGreaterThan(0);
    expect(value("rebook_messages_ingested_total", { kind: "request" })).toBeGreaterThan(0);
    const processed = family("rebook_requests_processed_total").samples;
    expect(processed.reduce((n, s) => n + s.value, 0)).toBeGreaterThan(0);

    const calls = family("rebook_pkb_request_duration_seconds");
    expect(calls.type).toBe("histogram");
    const endpoints = new Set(calls.samples.map((s) => s.labels.endpoint));
    for (const e of [
      "GET /json/messages/after/{date}",
      "GET /json/v1/users/{id}",
      "GET /json/users/self",
      "GET /Appointment",
      "POST /apiToken.action",
      "POST /protocol/openid-connect/token",
    ])
      expect(endpoints, e).toContain(e);
    // Every failed attempt is counted as an error and timed under its status.
    const failed503 = value("rebook_pkb_request_errors_total", { endpoint: "GET /json/v1/users/{id}", status: "503" });
    expect(failed503).toBeGreaterThan(0);
    const timed503 = value("rebook_pkb_request_duration_seconds_count", {
      endpoint: "GET /json/v1/users/{id}",
      status: "503",
    });
    expect(timed503).toBe(failed503);
    expect(value("rebook_pkb_token_refreshes_total", { result: "ok" })).toBeGreaterThanOrEqual(1);
    expect(value("rebook_pkb_system_token_fetches_total", { result: "ok" })).toBeGreaterThanOrEqual(1);
  });

  it("times HTTP by route template, and includes the event-loop lag", () => {
    const http = family("rebook_http_request_duration_seconds");
    expect(http.type).toBe("histogram");
    const callback = { route: "/api/pkb/oauth/callback", method: "GET", status: "200" };
    expect(value("rebook_http_request_duration_seconds_count", callback)).toBe(1);
    expect(value("rebook_http_request_duration_seconds_count", { route: "/api/requests", status: "200" })).toBe(1);
    expect(family("nodejs_eventloop_lag_seconds").type).toBe("gauge");
    expect(family("nodejs_eventloop_lag_p99_seconds").type).toBe("gauge");
  });

  it("has no label that could carry patient data or a URL with identifiers", () => {
    const secrets = new Set(truth.flatMap((x) => [x.patientPkbId, x.nhsNumber].filter((v): v is string => !!v)));
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const f of families.values())
      for (const s of f.samples)
        for (const [k, v] of Object.entries(s.labels)) {
          expect(secrets.has(v), `${f.name}{${k}="${v}"}`).toBe(false);
          if (k === "connection") expect(v).toMatch(uuid);
          if (k === "route" || k === "endpoint") expect(v, `${f.name} ${k}`).not.toMatch(/[?]|\/\d|[0-9a-f]{8}-/);
        }
  });
});
