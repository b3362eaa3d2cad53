// Clinical-safety control (docs/clinical-safety.md, H7): Rebook changes nothing in PKB and sends no message to a
// patient, so it cannot tell a patient that a change happened when it did not. Every request the emulator receives
// from Rebook after Grant Access — polling, identifying, matching, re-matching, and staff recording outcomes — is a
// read, or a token request to an OAuth endpoint.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSandbox } from "../../sandbox/src/server.ts";
import { syncPass } from "../../src/sync/run.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { grantThroughConsentPage } from "../helpers/emulator.ts";

describe("what Rebook sends to PKB", () => {
  const seen: { method: string; route: string }[] = [];
  let close: () => Promise<void>;
  let t: TestDb;
  let rebook: TestApp;
  let admin: AuthHeaders;

  beforeAll(async () => {
    // Access tokens that last 3 s: the test waits one out, so Rebook refreshes it (a POST that must be seen).
    const { app } = await buildSandbox({
      seed: 7,
      size: 30,
      anchor: new Date("2025-10-01T00:00:00Z"),
      accessTokenTtl: 3,
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    // Every HTTP request the emulator's server receives, as the server sees it.
    app.server.on("request", (req: { method?: string; url?: string }) => {
      seen.push({ method: req.method ?? "", route: (req.url ?? "").split("?")[0]! });
    });
    close = () => app.close();
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    t = await engines[0].open();
    rebook = await buildTestApp(t.db, {
      PKB_BASE_URL: url,
      PKB_FHIR_BASE_URL: `${url}/aggregated/fhir`,
      PKB_FHIR_TOKEN_URL: `${url}/iam/auth/realms/pkb/protocol/openid-connect/token`,
      SYNC_INITIAL_LOOKBACK_DAYS: "1000",
      TOKEN_REFRESH_AHEAD_SECONDS: "0",
    });
    admin = await rebook.signIn("admin");
    const created = await rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: admin,
      payload: { label: "Appointments" },
    });
    const { connection } = created.json<{ connection: { authorizePath: string } }>();
    expect((await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin })).status).toBe(200);
    await rebook.poller.runNow();
  }, 120_000);
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
    await close?.();
  });

  it("only reads, whatever the pipeline and staff do", async () => {
    seen.length = 0; // from here on, every request comes from Rebook
    await new Promise((r) => setTimeout(r, 3_200)); // the access token expires: the next call refreshes it
    await t.db.query("UPDATE appointment_requests SET status = 'processing', next_attempt_at = now()");
    await t.db.query("DELETE FROM patients");
    await syncPass(rebook.sync);
    const open = await t.db.query<{ id: string; match_state: string }>(
      "SELECT id, match_state FROM appointment_requests WHERE status = 'open' ORDER BY id LIMIT 3",
    );
    expect(open.length).toBe(3);
    for (const r of open) {
      const claim = await rebook.app.inject({ method: "POST", url: `/api/requests/${r.id}/claim`, headers: admin });
      expect(claim.statusCode).toBe(200);
    }
    const rematch = await rebook.app.inject({
      method: "POST",
      url: `/api/requests/${open[0]!.id}/rematch`,
      headers: admin,
    });
    expect(rematch.statusCode).toBeLessThan(500);
    const outcome = await rebook.app.inject({
      method: "POST",
      url: `/api/requests/${open[1]!.id}/outcome`,
      headers: admin,
      payload: { outcome: "cancelled" },
    });
    expect(outcome.json()).toMatchObject({ status: "done", outcome: "cancelled" });

    expect(seen.length).toBeGreaterThan(20);
    const writes = seen.filter((s) => s.method !== "GET" && s.method !== "HEAD");
    const tokenEndpoints = ["/apiToken.action", "/iam/auth/realms/pkb/protocol/openid-connect/token"];
    expect(writes.filter((w) => !(w.method === "POST" && tokenEndpoints.includes(w.route)))).toEqual([]);
    expect(writes.some((w) => w.route === "/apiToken.action")).toBe(true); // the refresh was seen, so the hook works
  }, 120_000);
});
