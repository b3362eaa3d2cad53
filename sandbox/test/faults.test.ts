// Fault injection: latency, deterministic 5xx, 429 with Retry-After, path filters; the control API is exempt.

import type { FastifyInstance } from "fastify";
import { describe, expect, it } from "vitest";
import { FaultInjector } from "../src/faults.ts";
import { PATIENTS } from "./fixtures.ts";
import { getSystemToken, getUserTokens, getWith, startSandbox } from "./helpers.ts";

const setFaults = (app: FastifyInstance, payload: object) =>
  app.inject({ method: "PUT", url: "/_sandbox/faults", payload });
const FHIR = `/aggregated/fhir/Appointment?actor:Patient.identifier=${PATIENTS.paulNhs}`;

describe("fault injection", () => {
  it("errorRate spreads failures evenly and deterministically", () => {
    const f = new FaultInjector();
    f.set({ latencyMs: 0, errorRate: 0.25, status: 502 });
    const statuses = Array.from({ length: 8 }, () => f.decide("/json/x").reply?.status ?? 200);
    expect(statuses).toEqual([200, 200, 200, 502, 200, 200, 200, 502]);
  });

  it("5xx at the configured rate, with an OperationOutcome on FHIR", async () => {
    const { app } = await startSandbox();
    const token = await getSystemToken(app);
    expect((await setFaults(app, { errorRate: 0.5, status: 503 })).statusCode).toBe(200);
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await getWith(app, FHIR, token);
      statuses.push(res.statusCode);
      if (res.statusCode === 503)
        expect(res.json()).toMatchObject({ resourceType: "OperationOutcome", issue: [{ code: "transient" }] });
    }
    expect(statuses).toEqual([200, 503, 200, 503]);
    expect((await app.inject({ method: "DELETE", url: "/_sandbox/faults" })).json()).toEqual({ faults: null });
    expect((await getWith(app, FHIR, token)).statusCode).toBe(200);
  });

  it("every Nth request → 429 with Retry-After; the control API is never throttled", async () => {
    const { app } = await startSandbox();
    const { access_token } = await getUserTokens(app);
    await setFaults(app, { rateLimit: { every: 3, retryAfterSeconds: 7 } });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const res = await getWith(app, "/json/users/self", access_token);
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(res.headers["retry-after"]).toBe("7");
    }
    expect(statuses).toEqual([200, 200, 429, 200, 200, 429]);
    for (let i = 0; i < 6; i++) expect((await app.inject("/_sandbox/state")).statusCode).toBe(200);
  });

  it("token endpoints fail with OAuth error bodies", async () => {
    const { app } = await startSandbox();
    await setFaults(app, { errorRate: 1, status: 503, paths: ["/iam/"] });
    const res = await app.inject({
      method: "POST",
      url: "/iam/auth/realms/pkb/protocol/openid-connect/token",
      payload: "grant_type=client_credentials",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: "temporarily_unavailable" });
  });

  it("latency is added and paths filter which routes are affected", async () => {
    const { app } = await startSandbox();
    const { access_token } = await getUserTokens(app);
    await setFaults(app, { latencyMs: 150, paths: ["/json/users"] });
    const t = performance.now();
    expect((await getWith(app, "/json/users/self", access_token)).statusCode).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    const matched = async () => (await app.inject("/_sandbox/faults")).json<{ matched: number }>().matched;
    expect(await matched()).toBe(1);
    // Whether a route was affected is read from the injector's count, not timed: a busy machine can take longer than
    // the latency to answer an unaffected route.
    expect((await getWith(app, "/json/messages/after/2025-01-01", access_token)).statusCode).toBe(200);
    expect(await matched()).toBe(1);
    expect((await getWith(app, "/json/users/self", access_token)).statusCode).toBe(200);
    expect(await matched()).toBe(2);
  });

  it("rejects invalid fault settings", async () => {
    const { app } = await startSandbox();
    for (const bad of [{ errorRate: 2 }, { status: 404 }, { rateLimit: { every: 0 } }, { latency: 5 }]) {
      expect((await setFaults(app, bad)).statusCode).toBe(400);
    }
  });
});
