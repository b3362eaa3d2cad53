// The security headers on every response: JSON, the API documentation, the status page, the health checks, redirects,
// errors, 404s, and the live-update stream (which writes its own head). HSTS only over https.
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

/** Every response carries these, whatever it is. */
const ALWAYS: Record<string, string | RegExp> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": /camera=\(\)/,
  "content-security-policy": /frame-ancestors 'none'/,
};

const missing = (res: LightMyRequestResponse, extra: Record<string, string | RegExp> = {}): string[] => {
  const problems: string[] = [];
  for (const [name, want] of Object.entries({ ...ALWAYS, ...extra })) {
    const got = res.headers[name];
    const ok = typeof got === "string" && (typeof want === "string" ? got === want : want.test(got));
    if (!ok) problems.push(`${name}: ${String(got)}`);
  }
  return problems;
};

describe("security headers", () => {
  let t: TestDb;
  let rebook: TestApp;
  let admin: AuthHeaders;

  beforeAll(async () => {
    t = await engines[0].open();
    rebook = await buildTestApp(t.db, { PUBLIC_URL: "https://rebook.trust.nhs.uk" });
    admin = await rebook.signIn("admin");
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  const get = (url: string, opts: Partial<InjectOptions> = {}) => rebook.app.inject({ method: "GET", url, ...opts });

  it.each([
    ["/api/docs", 200],
    ["/api/docs/static/index.html", 302],
    ["/api/docs/static/swagger-ui.css", 200],
    ["/api/docs/json", 200],
    ["/api/openapi.json", 200],
    ["/status", 200],
    ["/health", 200],
    ["/api/requests", 401],
    ["/api/nothing-here", 404],
    ["/nothing-here.js", 404],
    ["/", -1],
  ])("on GET %s", async (url, status) => {
    const res = await get(url);
    if (status > 0) expect(res.statusCode).toBe(status);
    expect(missing(res, { "strict-transport-security": /^max-age=\d+/ })).toEqual([]);
  });

  it("on a validation error and on a signed-in JSON answer", async () => {
    const bad = await get("/api/requests?limit=nope", { headers: admin });
    expect(bad.statusCode).toBe(400);
    expect(missing(bad)).toEqual([]);
    const ok = await get("/api/auth/me", { headers: admin });
    expect(ok.statusCode).toBe(200);
    expect(missing(ok, { "content-security-policy": "default-src 'none'; frame-ancestors 'none'" })).toEqual([]);
  });

  it("on the status page and the API documentation, with a policy that lets nothing inline run", async () => {
    for (const url of ["/status", "/api/docs/static/index.html"]) {
      const res = await get(url, { headers: admin });
      const csp = String(res.headers["content-security-policy"]);
      expect(csp, url).not.toContain("'unsafe-inline'");
      expect(csp, url).not.toContain("'unsafe-eval'");
      expect(csp, url).toMatch(/(default-src 'none'|script-src 'self')/);
    }
  });

  it("on the live-update stream", async () => {
    const abort = new AbortController();
    const res = await rebook.app.inject({
      method: "GET",
      url: "/api/events",
      headers: admin,
      payloadAsStream: true,
      signal: abort.signal,
    });
    abort.abort();
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(missing(res, { "strict-transport-security": /^max-age=\d+/ })).toEqual([]);
  });

  it("sends no HSTS over plain http", async () => {
    const plain = await buildTestApp(t.db);
    try {
      const res = await plain.app.inject({ method: "GET", url: "/health" });
      expect(res.headers["strict-transport-security"]).toBeUndefined();
      expect(missing(res)).toEqual([]);
    } finally {
      await plain.app.close();
    }
  });
});
