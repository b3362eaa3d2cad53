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
      adminsTold: { banner: false, alert: false },
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
