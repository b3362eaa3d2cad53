// The served OpenAPI document, checked by an independent linter (Redocly's recommended rules): no errors, and no
// warnings but the few accepted below, each for a stated reason. Also: every operation has an operationId, a summary
// and a security requirement, public ones explicitly none.
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

/** Warnings accepted, by rule and where, with why. */
const ACCEPTED: { rule: string; pointer: RegExp; why: string }[] = [
  {
    rule: "info-license",
    pointer: /^#\/info$/,
    why: "Rebook is a private package with no licence to declare; inventing one would be wrong",
  },
  {
    rule: "operation-2xx-response",
    pointer: /^#\/paths\/~1api~1(auth~1oidc~1(start|callback)|pkb~1connections~1\{id\}~1authorize)\/get\/responses$/,
    why: "browser redirects: they answer 302 (or an error), never 2xx",
  },
];

type Operation = { operationId?: string; summary?: string; security?: Record<string, string[]>[] };

describe("the OpenAPI document", () => {
  let t: TestDb;
  let rebook: TestApp;
  let source: string;

  beforeAll(async () => {
    t = await engines[0].open();
    rebook = await buildTestApp(t.db, { PUBLIC_URL: "https://rebook.trust.nhs.uk" });
    const res = await rebook.app.inject({ method: "GET", url: "/api/openapi.json" });
    expect(res.statusCode).toBe(200);
    source = res.body;
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("passes Redocly's recommended rules: no errors, and only the accepted warnings", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source, absoluteRef: "openapi.json", config });
    const described = problems.map((p) => ({
      rule: p.ruleId,
      severity: p.severity,
      pointer: p.location[0]?.pointer ?? "",
      message: p.message,
    }));
    expect(described.filter((p) => p.severity === "error")).toEqual([]);
    const unexpected = described.filter((p) => !ACCEPTED.some((a) => a.rule === p.rule && a.pointer.test(p.pointer)));
    expect(unexpected).toEqual([]);
  });

  it("declares how to authenticate once, and on every operation who may call it", () => {
    const doc = JSON.parse(source) as {
      servers: { url: string }[];
      components: { securitySchemes: Record<string, { type: string; in: string; name: string }> };
      paths: Record<string, Record<string, Operation>>;
    };
    expect(doc.servers).toEqual([expect.objectContaining({ url: "https://rebook.trust.nhs.uk" })]);
    expect(doc.components.securitySchemes).toEqual({
      sessionCookie: expect.objectContaining({ type: "apiKey", in: "cookie", name: "rebook_session" }),
      csrfToken: expect.objectContaining({ type: "apiKey", in: "header", name: "x-csrf-token" }),
    });
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(ops.length).toBeGreaterThan(60);
    const ids = ops.map((o) => o.op.operationId);
    expect(ops.filter((o) => !o.op.operationId || !o.op.summary).map((o) => o.key)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const security = (key: string) => ops.find((o) => o.key === key)?.op.security;
    expect(security("POST /api/auth/login")).toEqual([]);
    expect(security("GET /health")).toEqual([]);
    expect(security("GET /api/requests")).toEqual([{ sessionCookie: [] }]);
    expect(security("POST /api/requests/{id}/notes")).toEqual([{ sessionCookie: [], csrfToken: [] }]);
    expect(security("POST /api/auth/password")).toEqual([{ sessionCookie: [], csrfToken: [] }]);
    expect(ops.filter((o) => o.op.security === undefined).map((o) => o.key)).toEqual([]);
  });
});
