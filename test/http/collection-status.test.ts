// Whether new requests are arriving from PKB, for every signed-in person (issue 10: after PKB revoked the session the
// clerks still read "Live: updates appear as they happen"). GET /api/collection says collecting, stopped (since when,
// why in words, and how the admins were told) or not connected; it names no connection and carries no patient data.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnection, markNeedsReauth } from "../../src/store/connections.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

interface Collection {
  state: "collecting" | "stopped" | "not_connected";
  partial: boolean;
  since: string | null;
  reasons: string[];
  adminsTold: { banner: boolean; alert: boolean };
}

describe("collection status", () => {
  let t: TestDb;
  let rebook: TestApp;
  let clerk: AuthHeaders;
  let viewer: AuthHeaders;
  const get = async (h: AuthHeaders | null) => {
    const res = await rebook.app.inject({ method: "GET", url: "/api/collection", headers: h ?? {} });
    return { status: res.statusCode, body: res.json<Collection>() };
  };

  beforeAll(async () => {
    t = await engines[0].open();
    rebook = await buildTestApp(t.db, { ALERT_WEBHOOK_URL: "https://alerts.trust.test/hook" });
    clerk = await rebook.signIn("clerk");
    viewer = await rebook.signIn("viewer");
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("says not connected before any connection is granted, and needs a session", async () => {
    expect((await get(null)).status).toBe(401);
    expect((await get(clerk)).body).toMatchObject({ state: "not_connected", since: null });
  });

  it("says collecting while every granted connection is active", async () => {
    const c = await createConnection(t.db, { label: "Main", createdBy: null });
    await t.db.query("UPDATE pkb_connections SET status = 'active', granted_at = now() WHERE id = $1", [c.id]);
    expect((await get(clerk)).body).toEqual({
      state: "collecting",
      partial: false,
      since: null,
      reasons: [],
      kinds: [],
      adminsTold: { banner: false, alert: false },
      setAside: { messages: 0, since: null },
    });
  });

  it("tells every role that new requests are not arriving, since when, and that admins were told", async () => {
    const c = await createConnection(t.db, { label: "Second", createdBy: null });
    await t.db.query("UPDATE pkb_connections SET status = 'active', granted_at = now() WHERE id = $1", [c.id]);
    const before = Date.now();
    await markNeedsReauth(t.db, c.id, "invalid_grant");
    for (const who of [clerk, viewer]) {
      const { status, body } = await get(who);
      expect(status).toBe(200);
      expect(body.state).toBe("stopped");
      expect(body.partial).toBe(true); // the first connection still collects
      expect(Date.parse(body.since!)).toBeGreaterThanOrEqual(before - 1000);
      expect(body.reasons).toEqual(["PKB ended Rebook's access: an administrator must grant it again"]);
      expect(body.adminsTold).toEqual({ banner: true, alert: true });
      expect(JSON.stringify(body)).not.toContain("Second"); // no connection names for everyone
    }
  });
});

// The sync's own health (src/store/sync-status.ts) also stops collection: polls failing repeatedly, no poll finished for
// a long time. Messages set aside in the error queue are said separately (they wait for an admin; others arrive).
describe("collection status from the sync's health", () => {
  let t: TestDb;
  let rebook: TestApp;
  let clerk: AuthHeaders;
  const get = async () => {
    const res = await rebook.app.inject({ method: "GET", url: "/api/collection", headers: clerk });
    return res.json<Collection & { kinds: string[]; setAside: { messages: number; since: string | null } }>();
  };
  const activeConnection = async (label: string) => {
    const c = await createConnection(t.db, { label, createdBy: null });
    await t.db.query(
      "UPDATE pkb_connections SET status = 'active', granted_at = now(), last_sync_finished_at = now() WHERE id = $1",
      [c.id],
    );
    return c.id;
  };

  beforeAll(async () => {
    t = await engines[0].open();
    // Polls every minute: a connection not polled for five minutes has stalled.
    rebook = await buildTestApp(t.db, {
      ALERT_WEBHOOK_URL: "https://alerts.trust.test/hook",
      SYNC_INTERVAL_SECONDS: "60",
    });
    clerk = await rebook.signIn("clerk");
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("says stopped when a connection's polls keep failing, since the first failure, and that admins were alerted", async () => {
    const ok = await activeConnection("Healthy");
    const failing = await activeConnection("Failing");
    await t.db.query(
      `INSERT INTO sync_runs (connection_id, started_at, finished_at, error, outcome)
       SELECT $1, now() - (n || ' minutes')::interval, now() - (n || ' minutes')::interval, 'PKB answered 503', 'failed'
       FROM generate_series(1, 3) AS n`,
      [failing],
    );
    const body = await get();
    expect(body.state).toBe("stopped");
    expect(body.partial).toBe(true);
    expect(body.kinds).toEqual(["polls_failing"]);
    expect(body.reasons).toEqual(["Rebook's calls to PKB keep failing"]);
    const [first] = await t.db.query<{ at: Date }>(
      "SELECT min(started_at) AS at FROM sync_runs WHERE connection_id = $1",
      [failing],
    );
    expect(Date.parse(body.since!)).toBe(first!.at.getTime());
    expect(body.adminsTold).toEqual({ banner: true, alert: true });
    expect(JSON.stringify(body)).not.toContain("Failing");
    // A poll that succeeds ends it.
    await t.db.query("INSERT INTO sync_runs (connection_id, finished_at, outcome) VALUES ($1, now(), 'ok')", [failing]);
    expect((await get()).state).toBe("collecting");
    await t.db.query("DELETE FROM pkb_connections WHERE id = ANY($1::uuid[])", [[ok, failing]]);
  });

  it("says stopped when no poll has finished for five poll intervals", async () => {
    const stalled = await activeConnection("Stalled");
    const since = new Date(Date.now() - 20 * 60_000);
    await t.db.query("UPDATE pkb_connections SET last_sync_finished_at = $2 WHERE id = $1", [stalled, since]);
    const body = await get();
    expect(body).toMatchObject({ state: "stopped", partial: false, kinds: ["collection_stalled"] });
    expect(body.reasons).toEqual(["Rebook has not collected from PKB for longer than it should"]);
    expect(Date.parse(body.since!)).toBe(since.getTime());
    expect(body.adminsTold.banner).toBe(true);
    await t.db.query("DELETE FROM pkb_connections WHERE id = $1", [stalled]);
  });

  it("counts messages set aside in the error queue without saying collection stopped", async () => {
    await activeConnection("Main");
    await t.db.query(
      `INSERT INTO message_errors (message_key, original, reason, first_failed_at)
       VALUES ('m1', '{}', 'unreadable', now() - interval '2 hours'), ('m2', '{}', 'unreadable', now())`,
    );
    const body = await get();
    expect(body.state).toBe("collecting");
    expect(body.setAside.messages).toBe(2);
    expect(Date.parse(body.setAside.since!)).toBeLessThan(Date.now() - 60 * 60_000);
  });
});
