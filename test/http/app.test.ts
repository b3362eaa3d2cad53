import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/http/server.ts";
import { createConnection, markNeedsReauth } from "../../src/store/connections.ts";
import { buildTestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

describe("status page and health", () => {
  let t: TestDb;
  let app: App;
  beforeAll(async () => {
    t = await engines[0].open();
    ({ app } = await buildTestApp(t.db));
  });
  afterAll(async () => {
    await app.close();
    await t.dispose();
  });

  it("reports health with the store engine and connection states", async () => {
    const res = await app.inject({ method: "GET", url: "/health" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "ok", store: { engine: "pglite", ok: true }, pkb: { sandbox: true } });
  });

  it("degrades health when a connection needs re-authorisation", async () => {
    const c = await createConnection(t.db, { label: "Dr <Brown>", createdBy: null });
    await markNeedsReauth(t.db, c.id, "API_SESSION_EXPIRED");
    const res = await app.inject({ method: "GET", url: "/health" });
    expect(res.json()).toMatchObject({ status: "degraded" });
    const page = await app.inject({ method: "GET", url: "/status" });
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain("Needs re-authorisation");
    expect(page.body).toContain("Dr &lt;Brown&gt;"); // escaped
  });

  it("answers unknown routes with a JSON error", async () => {
    const res = await app.inject({ method: "GET", url: "/api/nothing" });
    expect(res.statusCode).toBe(404);
  });
});
