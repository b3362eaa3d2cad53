// The pipeline when things go wrong: expired access tokens, a revoked PKB session and its re-authorisation, a crash
// in the middle of a sync, and PKB failing (5xx, 429, a request that cannot be completed).
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { Db, Queryable } from "../../src/store/db.ts";
import { getConnection, listConnections } from "../../src/store/connections.ts";
import { pipeline } from "../../src/main.ts";
import { createLogger } from "../../src/log.ts";
import { syncPass } from "../../src/sync/run.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { grantThroughConsentPage, startEmulator, type Emulator } from "../helpers/emulator.ts";

interface Truth {
  messageId: string;
  kind: string;
  appointmentId: string | null;
  nhsNumber: string | null;
  patientPkbId: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setUp(
  emulatorOpts: Parameters<typeof startEmulator>[0] = {},
  env: Record<string, string> = {},
  engine: (typeof engines)[number] = engines[0],
): Promise<{ emu: Emulator; t: TestDb; rebook: TestApp; connectionId: string }> {
  // Anchored today: requests added "now" through the control API need appointments more than 72 h ahead.
  const emu = await startEmulator({ size: 30, anchor: today(), ...emulatorOpts });
  cleanups.push(() => emu.stop());
  const t = await engine.open();
  cleanups.push(() => t.dispose());
  const rebook = await buildTestApp(t.db, { ...emu.env, SYNC_INITIAL_LOOKBACK_DAYS: "1000", ...env });
  cleanups.push(() => rebook.app.close());
  const admin = await rebook.signIn("admin");
  const created = await rebook.app.inject({
    method: "POST",
    url: "/api/pkb/connections",
    headers: admin,
    payload: { label: "Team" },
  });
  const { connection } = created.json<{ connection: { id: string; authorizePath: string } }>();
  const granted = await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin });
  expect(granted.status).toBe(200);
  await rebook.poller.runNow(); // the pass Grant Access started
  return { emu, t, rebook, connectionId: connection.id };
}

function today(): Date {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

async function requestCount(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM appointment_requests");
  return row!.n;
}

/** A future booked appointment of a patient with an NHS number that has no open request, for a new request. */
async function bookableAppointment(emu: Emulator, t: TestDb, skip: Set<string> = new Set()): Promise<string> {
  const truth = (await emu.control<{ entries: Truth[] }>("GET", "ground-truth")).entries;
  const requested = new Set(truth.map((x) => x.appointmentId));
  const patients = truth.filter((x) => x.nhsNumber).map((x) => x.nhsNumber!);
  for (const nhs of patients) {
    const bundle = await fetch(
      `${emu.url}/aggregated/fhir/Appointment?actor:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C${nhs}&status=booked&date=ge${new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10)}&_count=100`,
      { headers: { authorization: `Bearer ${await systemToken(emu)}` } },
    ).then((r) => r.json() as Promise<{ entry?: { resource: { id: string } }[] }>);
    const free = (bundle.entry ?? []).map((e) => e.resource.id).find((id) => !requested.has(id) && !skip.has(id));
    if (free) return free;
  }
  void t;
  throw new Error("no bookable appointment in the emulator's data");
}

async function systemToken(emu: Emulator): Promise<string> {
  const res = await fetch(`${emu.env.PKB_FHIR_TOKEN_URL}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "rebook-fhir",
      client_secret: "sandbox-fhir-secret",
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe("token lifecycle", () => {
  it("refreshes expired access tokens silently, rotating the single-use refresh token", async () => {
    const { emu, t, rebook, connectionId } = await setUp({ accessTokenTtl: 2 }, { TOKEN_REFRESH_AHEAD_SECONDS: "0" });
    const before = await getConnection(t.db, connectionId);
    await new Promise((r) => setTimeout(r, 2_300));
    const appointmentId = await bookableAppointment(emu, t);
    await emu.control("POST", "messages", { appointmentId, kind: "change", content: "Can we make it later?" });
    const pass = await syncPass(rebook.sync);
    expect(pass.connections[0]).toMatchObject({ newRequests: 1, skipped: null });
    const after = await getConnection(t.db, connectionId);
    expect(after?.status).toBe("active");
    expect(after!.tokenVersion).toBeGreaterThan(before!.tokenVersion);
    // Concurrent callers share one refresh: reusing a refresh token would have ended the PKB session.
    await new Promise((r) => setTimeout(r, 2_300));
    await Promise.all(Array.from({ length: 5 }, () => rebook.sync.rest.messagesAfter(connectionId, "2099-01-01")));
    expect((await getConnection(t.db, connectionId))?.status).toBe("active");
    const sessions = await emu.control<{ status: string }[]>("GET", "sessions");
    expect(sessions.filter((s) => s.status !== "active")).toEqual([]);
  }, 120_000); // starts the emulator and a store, and waits twice for a token to expire

  it("marks a revoked session as needing re-authorisation, alerts, and catches up after a new grant", async () => {
    const alerts: unknown[] = [];
    const hook = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        alerts.push(JSON.parse(body));
        res.end("ok");
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => hook.close(() => r())));
    const port = (hook.address() as { port: number }).port;
    const { emu, t, rebook, connectionId } = await setUp({}, { ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/alerts` });
    const known = await requestCount(t.db);

    await emu.control("POST", "sessions/revoke", { username: "jack.brown" });
    const a1 = await bookableAppointment(emu, t);
    await emu.control("POST", "messages", { appointmentId: a1, kind: "cancel", content: "No longer needed" });
    const a2 = await bookableAppointment(emu, t, new Set([a1]));
    await emu.control("POST", "messages", { appointmentId: a2, kind: "change", content: "Away that week" });

    const pass = await syncPass(rebook.sync);
    expect(pass.connections[0]?.skipped).toBe("needs re-authorisation");
    const conn = await getConnection(t.db, connectionId);
    expect(conn).toMatchObject({
      status: "needs_reauth",
      needsReauthReason: expect.stringMatching(/API_SESSION_INVALID|invalid_grant/),
    });
    expect((await rebook.app.inject({ method: "GET", url: "/health" })).json()).toMatchObject({ status: "degraded" });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ event: "pkb_connection_needs_reauthorisation", connectionId });
    expect(JSON.stringify(alerts[0])).not.toMatch(/token/i);
    // Paused: further passes do not touch PKB and raise no more alerts.
    await syncPass(rebook.sync);
    expect(alerts).toHaveLength(1);
    expect(await requestCount(t.db)).toBe(known);

    const regrant = await grantThroughConsentPage(rebook.app, `/api/pkb/connections/${connectionId}/authorize`, {
      headers: await rebook.signIn("admin"),
    });
    expect(regrant.status).toBe(200);
    await rebook.poller.runNow();
    await syncPass(rebook.sync);
    expect(await listConnections(t.db)).toHaveLength(1);
    expect((await getConnection(t.db, connectionId))?.status).toBe("active");
    expect(await requestCount(t.db)).toBe(known + 2);
  });
});

/** Makes the store fail like a crashed process after `n` more transactions. */
function crashingAfter(db: Db, n: number): Db {
  let left = n;
  return {
    ...db,
    engine: db.engine,
    query: (sql, params) => db.query(sql, params),
    withSession: (fn) => db.withSession(fn),
    close: () => db.close(),
    transaction: (fn) => {
      if (left-- <= 0) return Promise.reject(new Error("simulated crash"));
      return db.transaction(fn);
    },
  };
}

describe.each(engines)("a crash in the middle of a sync on $name", (engine) => {
  it("loses and duplicates nothing after a restart", async () => {
    const emu = await startEmulator({ size: 400 });
    cleanups.push(() => emu.stop());
    const t = await engine.open();
    cleanups.push(() => t.dispose());
    const env = { ...emu.env, SYNC_INITIAL_LOOKBACK_DAYS: "1000" };
    const first = await buildTestApp(t.db, env);
    cleanups.push(() => first.app.close());
    const admin = await first.signIn("admin");
    const created = await first.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: admin,
      payload: { label: "Team" },
    });
    const { connection } = created.json<{ connection: { authorizePath: string } }>();
    // Grant without letting the background pass run to completion: crash the store under a fresh pipeline instead.
    await grantThroughConsentPage(first.app, connection.authorizePath, { headers: admin });
    await first.poller.stop();
    await t.db.query("DELETE FROM appointment_requests");
    await t.db.query("DELETE FROM pkb_messages");
    await t.db.query("UPDATE pkb_connections SET messages_cursor = NULL");

    const crashing = pipeline(first.config, crashingAfter(t.db, 2), first.cipher, createLogger("silent"));
    // Dies after two transactions (the poll's, and the claims of the processing that runs beside it): part of the
    // backlog is stored, the rest is not.
    await syncPass(crashing).catch(() => undefined);
    const partial = await requestCount(t.db);
    expect(partial).toBeGreaterThan(0);
    const truth = (await emu.control<{ entries: Truth[] }>("GET", "ground-truth")).entries;
    const requests = truth.filter((x) => x.kind === "change" || x.kind === "cancel");
    expect(partial).toBeLessThan(requests.length);

    // Restart: a new process with a new instance id; claims left by the dead one lapse (simulated: time passes).
    await t.db.query("UPDATE appointment_requests SET next_attempt_at = now() WHERE status = 'processing'");
    await t.db.query("DELETE FROM leases");
    const restarted = pipeline(first.config, t.db, first.cipher, createLogger("silent"));
    await syncPass(restarted);
    await syncPass(restarted);
    const rows = await t.db.query<{ pkb_message_id: string; status: string }>(
      "SELECT pkb_message_id, status FROM appointment_requests",
    );
    expect(rows.map((r) => r.pkb_message_id).sort()).toEqual(requests.map((r) => r.messageId).sort());
    expect(rows.every((r) => r.status === "open")).toBe(true);
    const received = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM request_events WHERE type = 'received'",
    );
    expect(received[0]?.n).toBe(requests.length);
    // Every request and follow-up message (all sent to the appointment team) is stored once (the key forbids twice).
    const stored = new Set(
      (await t.db.query<{ id: string }>("SELECT pkb_message_id AS id FROM pkb_messages")).map((r) => r.id),
    );
    const teamMessages = truth.filter((x) => x.kind !== "unrelated").map((x) => x.messageId);
    expect(teamMessages.filter((id) => !stored.has(id))).toEqual([]);
  }, 120_000);
});

describe("PKB failing", () => {
  it("retries 5xx and 429 (honouring Retry-After) and still matches everything", async () => {
    const { emu, t, rebook } = await setUp({ size: 12 });
    await t.db.query("DELETE FROM appointment_requests");
    await t.db.query("DELETE FROM pkb_messages");
    await t.db.query("DELETE FROM patients");
    await t.db.query("UPDATE pkb_connections SET messages_cursor = NULL");
    await emu.control("PUT", "faults", {
      errorRate: 0.25,
      status: 503,
      rateLimit: { every: 7, retryAfterSeconds: 1 },
      paths: ["/json", "/aggregated/fhir", "/iam"],
    });
    let errors = 0;
    // A call that fails five times in a row leaves its request for a later pass (backoff): let time pass, bounded.
    for (let pass = 0; pass < 6; pass++) {
      const summary = await syncPass(rebook.sync);
      errors += summary.processed.error;
      const left = await t.db.query(
        "UPDATE appointment_requests SET next_attempt_at = now() WHERE status = 'processing' RETURNING id",
      );
      if (left.length === 0) break;
    }
    const { matched } = await emu.control<{ matched: number }>("GET", "faults");
    await emu.control("DELETE", "faults");
    expect(matched).toBeGreaterThan(20); // the faults were really in the way (every 4th failed, every 7th throttled)
    expect(errors).toBe(0);
    const open = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM appointment_requests WHERE status = 'open'",
    );
    const truth = (await emu.control<{ entries: Truth[] }>("GET", "ground-truth")).entries;
    expect(open[0]?.n).toBe(truth.filter((x) => x.kind === "change" || x.kind === "cancel").length);
  }, 180_000);

  it("puts a request that keeps failing in error with its reason, without blocking the others, and retries it", async () => {
    const { emu, t, rebook } = await setUp({ size: 10 }, { PIPELINE_MAX_ATTEMPTS: "1" });
    const truth = (await emu.control<{ entries: Truth[] }>("GET", "ground-truth")).entries;
    const victim = truth.find((x) => x.kind === "change" && x.nhsNumber)!;
    await t.db.query("DELETE FROM appointment_requests");
    await t.db.query("DELETE FROM pkb_messages");
    await t.db.query("DELETE FROM patients");
    await t.db.query("UPDATE pkb_connections SET messages_cursor = NULL");
    await emu.control("PUT", "faults", { errorRate: 1, status: 500, paths: [`/json/v1/users/${victim.patientPkbId}`] });
    const pass = await syncPass(rebook.sync);
    const rows = await t.db.query<{
      pkb_message_id: string;
      status: string;
      error_reason: string | null;
      patient_pkb_id: string;
    }>("SELECT pkb_message_id, status, error_reason, patient_pkb_id FROM appointment_requests");
    const failed = rows.filter((r) => r.status === "error");
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((r) => r.patient_pkb_id === victim.patientPkbId)).toBe(true);
    expect(failed[0]?.error_reason).toMatch(/GET user: HTTP 500/);
    expect(rows.filter((r) => r.status === "open")).toHaveLength(rows.length - failed.length);
    expect(pass.processed.error).toBe(failed.length);

    await emu.control("DELETE", "faults");
    await t.db.query(
      "UPDATE appointment_requests SET status = 'processing', attempts = 0, next_attempt_at = now(), error_reason = NULL WHERE status = 'error'",
    );
    await syncPass(rebook.sync);
    const after = await t.db.query<{ status: string }>("SELECT status FROM appointment_requests");
    expect(after.every((r) => r.status === "open")).toBe(true);
  }, 180_000);
});

describe("graceful shutdown", () => {
  it("stops a pass at the next batch, releases its lease, and the next pass completes the work", async () => {
    const { emu, t, rebook } = await setUp({ size: 400 });
    // setUp waited for the first pass; start over with an empty store so there is a long backlog.
    await t.db.query("DELETE FROM appointment_requests");
    await t.db.query("DELETE FROM pkb_messages");
    await t.db.query("UPDATE pkb_connections SET messages_cursor = NULL");
    const pass = rebook.poller.runNow();
    await new Promise((r) => setTimeout(r, 150));
    await rebook.poller.stop();
    await pass;
    expect(await t.db.query("SELECT * FROM leases")).toEqual([]);
    await syncPass(rebook.sync);
    const truth = (await emu.control<{ entries: Truth[] }>("GET", "ground-truth")).entries;
    expect(await requestCount(t.db)).toBe(truth.filter((x) => x.kind === "change" || x.kind === "cancel").length);
  }, 180_000);
});
