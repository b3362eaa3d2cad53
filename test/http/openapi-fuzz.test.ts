// Every operation of the served OpenAPI document, fed inputs built from its own schemas and then broken: U+0000, lone
// surrogates, very long strings, wrong types, extra and missing fields, odd numbers and dates, malformed and deeply
// nested JSON, the wrong content type. As a signed-in admin (with the CSRF token) and signed out, on the real
// PostgreSQL. No input may give a 500, and no other 5xx the operation does not document (a 502 from rematch when PKB
// cannot be reached is documented). Bounded: a few runs per operation and caller, well under a minute.
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnection } from "../../src/store/connections.ts";
import { createTeam } from "../../src/store/people.ts";
import { appendRule } from "../../src/store/routing-rules.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { seedRequest } from "../helpers/requests.ts";

/** Runs per operation and caller (each a request). */
const RUNS = 8;

interface Schema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
  $ref?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  minimum?: number;
  maximum?: number;
}
interface Parameter {
  in: "path" | "query" | "header" | "cookie";
  name: string;
  required?: boolean;
  schema?: Schema;
}
/** A request the fuzz sends (before the caller's headers). */
interface FuzzRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  payload?: string;
  headers: Record<string, string>;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}

/** Strings that have broken servers before. */
const NASTY_STRINGS = [
  "a\u0000b",
  "\u0000",
  "x\ud800y",
  "\udfff",
  "",
  " ",
  "x".repeat(10_000),
  "é".repeat(3_000),
  "💥".repeat(500),
  "' OR 1=1 --",
  "%00",
  "../../etc/passwd",
  "\u202e\u0007\u001b[2J",
  "1e309",
  "-1",
  "9".repeat(40),
  "2025-02-30",
  "2025-13-01T25:61:00Z",
  "null",
  "<script>alert(1)</script>",
  "00000000-0000-0000-0000-000000000000",
];
const nastyString = fc.constantFrom(...NASTY_STRINGS);
const nastyNumber = fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53 + 1, 1.5, 10 ** 21);
/** A value of any JSON type (for "wrong type" inputs). */
const anyJson = fc.oneof(
  nastyString,
  nastyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.constant({ "a\u0000": 1 }),
);

describe("fuzzing every operation of the OpenAPI document", () => {
  let t: TestDb;
  let rebook: TestApp;
  let admin: AuthHeaders;
  let doc: { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };
  let ids: string[];

  beforeAll(async () => {
    t = await engines[1].open();
    rebook = await buildTestApp(t.db);
    const adminUser = await rebook.createStaff("admin");
    admin = await rebook.signIn(adminUser);
    const team = await createTeam(t.db, { name: "Fuzz" });
    const clerk = await rebook.createStaff("clerk", { teamIds: [team.id] });
    const rule = await appendRule(t.db, {
      name: "Rule",
      enabled: true,
      conditions: {},
      teamId: team.id,
      assignUserId: null,
      priority: null,
    });
    const connection = await createConnection(t.db, { label: "Fuzz", createdBy: adminUser.id });
    const request = await seedRequest(t.db, { teamId: team.id });
    // Real ids, so that some calls get past "not found" into the handlers.
    ids = [team.id, clerk.id, rule.id, connection.id, request];
    const res = await rebook.app.inject({ method: "GET", url: "/api/openapi.json" });
    doc = res.json();
  });
  afterAll(async () => {
    await rebook?.poller.runNow(); // let a pass a retry started finish before the store goes
    await rebook?.poller.stop();
    await rebook?.app.close();
    await t?.dispose();
  });

  const resolve = (s: Schema): Schema =>
    s.$ref ? (doc.components?.schemas?.[s.$ref.replace("#/components/schemas/", "")] ?? {}) : s;

  /** Values for `schema`: well-formed, or (`broken`) sometimes something nasty of its kind or of another type. */
  function arbitrary(raw: Schema, broken: boolean, depth = 0): fc.Arbitrary<unknown> {
    const s = resolve(raw);
    const inner = (x: Schema): fc.Arbitrary<unknown> => (depth > 3 ? anyJson : arbitrary(x, broken, depth + 1));
    const variants: fc.Arbitrary<unknown>[] = [];
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    if (s.enum) variants.push(fc.constantFrom(...s.enum));
    else if (s.anyOf ?? s.oneOf) variants.push(...(s.anyOf ?? s.oneOf)!.map((x) => arbitrary(x, broken, depth)));
    else if (s.allOf?.[0]) variants.push(arbitrary(s.allOf[0], broken, depth));
    else if (type === "string" && s.format === "uuid") variants.push(fc.constantFrom(...ids), fc.uuid());
    else if (type === "string" && (s.format === "date" || s.format === "date-time")) {
      const day = fc.date({ min: new Date("2024-01-01"), max: new Date("2026-12-31"), noInvalidDate: true });
      variants.push(day.map((d) => (s.format === "date" ? d.toISOString().slice(0, 10) : d.toISOString())));
    } else if (type === "string" && s.pattern) variants.push(fc.stringMatching(new RegExp(s.pattern)));
    else if (type === "string") {
      const maxLength = Math.min(s.maxLength ?? 30, 30);
      const minLength = Math.min(s.minLength ?? 0, maxLength);
      variants.push(fc.string({ minLength, maxLength }), fc.string({ unit: "grapheme", minLength, maxLength }));
    } else if (type === "integer")
      variants.push(fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 500, 500) }));
    else if (type === "number") variants.push(fc.double({ noNaN: true, noDefaultInfinity: true }));
    else if (type === "boolean") variants.push(fc.boolean());
    else if (type === "array")
      variants.push(fc.array(inner(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: 3 }));
    else if (type === "object" || s.properties) {
      const props = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, inner(v)]));
      variants.push(fc.record(props, { requiredKeys: s.required?.filter((k) => k in props) ?? [] }));
      if (broken) variants.push(fc.record(props, { requiredKeys: [] }).map((o) => ({ ...o, ["extra\u0000key"]: "x" })));
    } else variants.push(anyJson);
    if (s.nullable) variants.push(fc.constant(null));
    if (!broken) return fc.oneof(...variants);
    return fc.oneof(
      { arbitrary: fc.oneof(...variants), weight: 6 },
      { arbitrary: type === "integer" || type === "number" ? nastyNumber : nastyString, weight: 1 },
      { arbitrary: anyJson, weight: 1 },
    );
  }

  /** A URL component for any value (a lone surrogate cannot be percent-encoded: its UTF-8 bytes are sent raw). */
  const component = (v: unknown): string => {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    try {
      return encodeURIComponent(text);
    } catch {
      return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, "")) + "%ED%A0%80";
    }
  };

  /** One request for `op` at `path`: well-formed half the time, else with broken parts. */
  const requestFor = (path: string, method: string, op: Operation): fc.Arbitrary<FuzzRequest> =>
    fc.oneof(requestOf(path, method, op, false), requestOf(path, method, op, true));

  function requestOf(path: string, method: string, op: Operation, broken: boolean): fc.Arbitrary<FuzzRequest> {
    const params = op.parameters ?? [];
    const pathParams = fc.record(
      Object.fromEntries(params.filter((p) => p.in === "path").map((p) => [p.name, arbitrary(p.schema ?? {}, broken)])),
    );
    // The required query parameters and one or two others (many at once would nearly always fail validation).
    const queryParams = params.filter((p) => p.in === "query");
    const required = queryParams.filter((p) => p.required && !broken);
    const optional = queryParams.filter((p) => !required.includes(p));
    const query = fc
      .subarray(optional, { maxLength: broken ? optional.length : Math.min(2, optional.length) })
      .chain((chosen) =>
        fc.record(Object.fromEntries([...required, ...chosen].map((p) => [p.name, arbitrary(p.schema ?? {}, broken)]))),
      );
    const bodySchema = op.requestBody?.content["application/json"]?.schema;
    const body: fc.Arbitrary<{ payload?: string; type?: string }> = !bodySchema
      ? fc.constant({})
      : !broken
        ? arbitrary(bodySchema, false).map((b) => ({ payload: JSON.stringify(b) ?? "null" }))
        : fc.oneof(
            {
              arbitrary: arbitrary(bodySchema, true).map((b) => ({ payload: JSON.stringify(b) ?? "null" })),
              weight: 8,
            },
            {
              arbitrary: fc.constantFrom(
                { payload: "{" },
                { payload: "[".repeat(5_000) + "]".repeat(5_000) },
                { payload: JSON.stringify({ deep: JSON.parse("[".repeat(2_000) + "]".repeat(2_000)) as unknown }) },
                { payload: "x=1", type: "text/plain" },
                { payload: "x=1", type: "application/x-www-form-urlencoded" },
                { payload: JSON.stringify({ big: "y".repeat(2_000_000) }) },
              ),
              weight: 1,
            },
          );
    return fc.tuple(pathParams, query, body).map(([pp, q, b]) => {
      const url =
        path.replace(/\{(\w+)\}/g, (_, name: string) => component(pp[name])) +
        (Object.keys(q).length
          ? "?" +
            Object.entries(q)
              .map(([k, v]) => `${k}=${component(v)}`)
              .join("&")
          : "");
      return {
        method: method.toUpperCase() as FuzzRequest["method"],
        url,
        ...(b.payload === undefined ? {} : { payload: b.payload }),
        headers: { "content-type": b.type ?? "application/json" },
      };
    });
  }

  const send = async (req: FuzzRequest, op: Operation, auth: Record<string, string>) => {
    const headers = { ...req.headers, ...auth };
    if (!req.payload) delete headers["content-type"];
    if (!("text/event-stream" in (op.responses["200"]?.content ?? {}))) return rebook.app.inject({ ...req, headers });
    const abort = new AbortController();
    const res = await rebook.app.inject({ ...req, headers, payloadAsStream: true, signal: abort.signal });
    abort.abort();
    return res;
  };

  it("gives no 500, and no undocumented 5xx, for any input, signed in or not", { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    let sent = 0;
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(ops.length).toBeGreaterThan(60);
    for (const { path, method, op } of ops) {
      for (const caller of ["admin", "anonymous"] as const) {
        await fc
          .assert(
            fc.asyncProperty(requestFor(path, method, op), async (req) => {
              // Signing out would end the admin's session for the rest of the run: each sign-out gets its own.
              const auth =
                caller === "anonymous" ? {} : op.operationId === "signOut" ? await rebook.signIn("admin") : admin;
              const what = `${caller} ${req.method} ${req.url.slice(0, 200)}`;
              let res: LightMyRequestResponse;
              try {
                res = await send(req, op, auth);
              } catch (err) {
                failures.push(`${what} → threw ${String(err)}`);
                return false;
              }
              sent++;
              const documented = res.statusCode !== 500 && String(res.statusCode) in op.responses;
              if (res.statusCode >= 500 && !documented) {
                failures.push(`${what} → ${res.statusCode} ${res.body.slice(0, 200)}`);
                return false;
              }
              return true;
            }),
            { numRuns: RUNS, endOnFailure: true },
          )
          .catch(() => undefined); // each failure is in `failures`, with the input that caused it
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(ops.length * RUNS);
  });
});
