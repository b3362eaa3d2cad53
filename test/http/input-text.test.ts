// Text PostgreSQL cannot store (U+0000) or that is not Unicode at all (a lone surrogate) is refused at the edge, once
// for every route: a 400 invalid_text naming where it was, never a 500, and nothing written. On the real PostgreSQL,
// whose error it would otherwise be.
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam } from "../../src/store/people.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { seedRequest } from "../helpers/requests.ts";

const NUL = "a\u0000b";
const LONE = "a\ud800b";

describe("text inputs PostgreSQL cannot store", () => {
  let t: TestDb;
  let rebook: TestApp;
  let admin: AuthHeaders;
  let requestId: string;
  let teamId: string;

  beforeAll(async () => {
    t = await engines[1].open();
    rebook = await buildTestApp(t.db);
    admin = await rebook.signIn("admin");
    teamId = (await createTeam(t.db, { name: "Eyes" })).id;
    requestId = await seedRequest(t.db, { teamId });
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  /** Each input, with `bad` in it; `inUrl` false leaves out the URL cases (a URL carries bytes, not UTF-16). */
  const cases = (bad: string, inUrl = true): [string, InjectOptions, string][] => [
    ["sign-in email", { method: "POST", url: "/api/auth/login", payload: { email: bad, password: "x" } }, "body.email"],
    ["a note", { method: "POST", url: `/api/requests/${requestId}/notes`, payload: { body: bad } }, "body.body"],
    [
      "an outcome reason",
      { method: "POST", url: `/api/requests/${requestId}/status`, payload: { status: "in_progress", reason: bad } },
      "body.reason",
    ],
    ["a team name", { method: "POST", url: "/api/teams", payload: { name: bad } }, "body.name"],
    [
      "a user's name",
      {
        method: "POST",
        url: "/api/users",
        payload: { email: "new.user@nhs.test", displayName: bad, role: "clerk" },
      },
      "body.displayName",
    ],
    [
      "a routing rule's name",
      { method: "POST", url: "/api/routing-rules", payload: { name: bad, teamId, conditions: {} } },
      "body.name",
    ],
    [
      "a key in a routing rule's conditions",
      { method: "POST", url: "/api/routing-rules", payload: { name: "R", teamId, conditions: { [bad]: [] } } },
      "body.conditions",
    ],
    ...(inUrl ? urlCases(bad) : []),
  ];
  const urlCases = (bad: string): [string, InjectOptions, string][] => [
    ["the worklist search", { method: "GET", url: `/api/requests?q=${encodeURIComponent(bad)}` }, "query.q"],
    [
      "a specialty filter",
      { method: "GET", url: `/api/requests?specialty_code=${encodeURIComponent(bad)}` },
      "query.specialty_code",
    ],
    ["the audit action filter", { method: "GET", url: `/api/audit?action=${encodeURIComponent(bad)}` }, "query.action"],
    [
      "a report filter",
      {
        method: "GET",
        url: `/api/reports/volume?from=2025-03-01&to=2025-03-31&specialty_code=${encodeURIComponent(bad)}`,
      },
      "query.specialty_code",
    ],
    ["a path parameter", { method: "GET", url: `/api/routing-rules/${encodeURIComponent(bad)}` }, "params.id"],
  ];

  it.each([
    ["U+0000", NUL, true],
    ["a lone surrogate", LONE, false],
  ])("refuses %s in every kind of input with 400 invalid_text", async (_what, bad, inUrl) => {
    const before = await t.db.query<{ n: number }>(
      "SELECT (SELECT count(*) FROM teams)::int + (SELECT count(*) FROM users)::int + (SELECT count(*) FROM routing_rules)::int AS n",
    );
    const failures: string[] = [];
    for (const [name, opts, where] of cases(bad, inUrl)) {
      const res = await rebook.app.inject({ ...opts, headers: { ...admin, ...opts.headers } });
      const body = res.json<{ error?: { code: string; message: string } }>();
      if (res.statusCode !== 400 || body.error?.code !== "invalid_text" || !body.error.message.includes(where)) {
        failures.push(`${name}: ${res.statusCode} ${res.body}`);
      }
    }
    expect(failures).toEqual([]);
    const after = await t.db.query<{ n: number }>(
      "SELECT (SELECT count(*) FROM teams)::int + (SELECT count(*) FROM users)::int + (SELECT count(*) FROM routing_rules)::int AS n",
    );
    expect(after).toEqual(before);
  });

  it("refuses it in a header Rebook stores (the user agent at sign-in)", async () => {
    const user = await rebook.createStaff("clerk", { password: "correct horse battery" });
    const res = await rebook.app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "user-agent": NUL },
      payload: { email: user.email, password: "correct horse battery" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: "invalid_text" } });
  });

  it("still takes ordinary text, emoji and accents included", async () => {
    const res = await rebook.app.inject({
      method: "POST",
      url: "/api/teams",
      headers: admin,
      payload: { name: "Ophthalmology – Zoë 👁️" },
    });
    expect(res.statusCode).toBe(201);
  });
});
