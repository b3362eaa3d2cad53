// Health checks and the status page. Without sign-in they say only how things stand (a load balancer's answer, counts
// on the page): no connection ids, labels, PKB user names or errors; a signed-in admin gets the details. Liveness
// (the process answers) and readiness (the store answers and every migration is applied) are separate.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/http/server.ts";
import { createConnection, markNeedsReauth } from "../../src/store/connections.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

describe("status page and health", () => {
  let t: TestDb;
  let rebook: TestApp;
  let app: App;
  let admin: AuthHeaders;
  let clerk: AuthHeaders;
  beforeAll(async () => {
    t = await engines[0].open();
    rebook = await buildTestApp(t.db);
    app = rebook.app;
    admin = await rebook.signIn("admin");
    clerk = await rebook.signIn("clerk");
  });
  afterAll(async () => {
    await app.close();
    await t.dispose();
  });

  it("answers a load balancer with the bare status, and an admin with the details", async () => {
    const bare = await app.inject({ method: "GET", url: "/health" });
    expect(bare.statusCode).toBe(200);
    expect(bare.json()).toEqual({ status: "ok" });
    expect((await app.inject({ method: "GET", url: "/health", headers: clerk })).json()).toEqual({ status: "ok" });
    const full = await app.inject({ method: "GET", url: "/health", headers: admin });
    expect(full.json()).toMatchObject({ status: "ok", store: { engine: "pglite", ok: true }, pkb: { sandbox: true } });
  });

  it("degrades health when a connection needs re-authorisation, naming it only to an admin", async () => {
    const c = await createConnection(t.db, { label: "Dr <Brown>", createdBy: null });
    await markNeedsReauth(t.db, c.id, "API_SESSION_EXPIRED");
    const bare = await app.inject({ method: "GET", url: "/health" });
    expect(bare.statusCode).toBe(200);
    expect(bare.json()).toEqual({ status: "degraded" });
    const full = await app.inject({ method: "GET", url: "/health", headers: admin });
    expect(full.json()).toMatchObject({
      status: "degraded",
      pkb: { connections: [expect.objectContaining({ id: c.id, label: "Dr <Brown>", status: "needs_reauth" })] },
    });

    const page = await app.inject({ method: "GET", url: "/status" });
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain("1 needs re-authorisation");
    expect(page.body).not.toContain("Brown");
    expect(page.body).not.toContain(c.id);
    expect(page.body).not.toContain("API_SESSION_EXPIRED");
    const clerkPage = await app.inject({ method: "GET", url: "/status", headers: clerk });
    expect(clerkPage.body).not.toContain("Brown");
    const adminPage = await app.inject({ method: "GET", url: "/status", headers: admin });
    expect(adminPage.body).toContain("Needs re-authorisation");
    expect(adminPage.body).toContain("Dr &lt;Brown&gt;"); // escaped
    expect(adminPage.body).toContain(c.id);
  });

  it("has a liveness check that needs nothing but the process, and a readiness check of the store", async () => {
    const live = await app.inject({ method: "GET", url: "/health/live" });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: "ok" });
    const ready = await app.inject({ method: "GET", url: "/health/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready" });
  });

  it("is not ready while a migration is missing, and is down (503) when the store does not answer", async () => {
    const [last] = await t.db.query<{ version: number; name: string; checksum: string }>(
      "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations) RETURNING *",
    );
    try {
      const ready = await app.inject({ method: "GET", url: "/health/ready" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: "not_ready", reason: "migrations_pending" });
    } finally {
      await t.db.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        last!.version,
        last!.name,
        last!.checksum,
      ]);
    }
    const gone = await engines[0].open();
    const lonely = await buildTestApp(gone.db);
    await gone.db.close();
    try {
      const health = await lonely.app.inject({ method: "GET", url: "/health" });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toEqual({ status: "down" });
      const ready = await lonely.app.inject({ method: "GET", url: "/health/ready" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: "not_ready", reason: "store_unreachable" });
      expect((await lonely.app.inject({ method: "GET", url: "/health/live" })).statusCode).toBe(200);
    } finally {
      await lonely.app.close();
    }
  });

  it("answers unknown routes with a JSON error", async () => {
    const res = await app.inject({ method: "GET", url: "/api/nothing" });
    expect(res.statusCode).toBe(404);
  });
});
