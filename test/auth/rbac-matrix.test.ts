// Role-based access, endpoint by endpoint. Every route the app registers must be in ROUTES below (the test fails on a
// route that is not, and on an entry whose route is gone); every route that is not public answers 401 without a
// session; and each entry says, for each role, what the route answers. Then the rules that matter most, end to end:
// a clerk cannot see, read or change another team's request; leads manage only their own teams; the PKB callback
// belongs to the admin who started the grant; views are audited with the person who looked.
import { randomUUID } from "node:crypto";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeTable } from "../../src/http/api/index.ts";
import { createConnection } from "../../src/store/connections.ts";
import type { Queryable } from "../../src/store/db.ts";
import { setAside } from "../../src/store/error-queue.ts";
import { createTeam, type Role, type User } from "../../src/store/people.ts";
import { appendRule } from "../../src/store/routing-rules.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { seedRequest } from "../helpers/requests.ts";
import { createSavedView } from "../../src/store/saved-views.ts";

type Who = "anonymous" | Role;
const ROLES: Role[] = ["admin", "team_lead", "clerk", "viewer"];

/** What the routes act on: two teams, a person of each role in team A (the lead leads it), and things to act on. */
interface Fixture {
  teamA: string;
  teamB: string;
  users: Record<Role, User>;
  /** Another clerk in team A (someone to assign to, add and remove). */
  member: User;
  /** A request of team A that every role may see. */
  requestA: string;
  connectionId: string;
  db: TestDb["db"];
  /** A fresh request of team A (each call of a route that changes a request gets its own). */
  fresh(status?: "open" | "error", assignedUserId?: string | null): Promise<string>;
  /** A fresh routing rule. */
  rule(): Promise<string>;
  /** A fresh team view of team A. */
  teamView(): Promise<string>;
  /** A fresh user (to change, or to add to and remove from team A). */
  user(): Promise<User>;
}

interface Call {
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  /** A never-ending response (Server-Sent Events): only its status is read. */
  stream?: boolean;
}

interface Entry {
  /** Reachable without signing in (then `anonymous` is what it answers without a session). */
  public?: boolean;
  /** The expected status for each caller tried; `anonymous` defaults to 401 unauthenticated. */
  expect: Partial<Record<Who, number>>;
  /** Builds the request; it may first create what it acts on, so that every caller meets the same state. */
  call(f: Fixture, who: Who): Call | Promise<Call>;
}

/** A fresh error queue entry (a message nobody can read), for the routes that act on one. */
async function queued(db: Queryable): Promise<string> {
  const key = randomUUID();
  await setAside(db, { messageKey: key, conversationId: null, connectionId: null, original: "{}", reason: "Test" });
  const [row] = await db.query<{ id: string }>("SELECT id FROM message_errors WHERE message_key = $1", [key]);
  return row!.id;
}

// Expected statuses by audience: `ok` for those allowed, 403 for the rest.
const adminOnly = (ok: number) => ({ admin: ok, team_lead: 403, clerk: 403, viewer: 403 });
const leadsAndAdmins = (ok: number) => ({ admin: ok, team_lead: ok, clerk: 403, viewer: 403 });
const workers = (ok: number) => ({ admin: ok, team_lead: ok, clerk: ok, viewer: 403 });
const everyone = (ok: number) => ({ admin: ok, team_lead: ok, clerk: ok, viewer: ok });
const reportReaders = (ok: number) => ({ admin: ok, team_lead: ok, clerk: 403, viewer: ok });

const REPORT_RANGE = "from=2025-03-01&to=2025-03-31";
const report = (name: string): Entry => ({
  expect: reportReaders(200),
  call: () => ({ url: `/api/reports/${name}?${REPORT_RANGE}` }),
});

// ====================================================================================================================
// RBAC CLASSIFICATION TABLE — every route of the app, "METHOD /pattern" as registered. A new route makes this test
// fail until it is added here with who may call it (and what they get). Keep it in step with docs/sign-in.md "Roles".
// ====================================================================================================================
const ROUTES: Record<string, Entry> = {
  // ---- Public: the API documentation, sign-in, health, the status page and the web app ----
  "GET /api/docs": { public: true, expect: { anonymous: 200 }, call: () => ({ url: "/api/docs" }) },
  "GET /api/docs/static/index.html": {
    public: true,
    expect: { anonymous: 302 }, // to /api/docs
    call: () => ({ url: "/api/docs/static/index.html" }),
  },
  "GET /api/docs/static/swagger-initializer.js": {
    public: true,
    expect: { anonymous: 200 },
    call: () => ({ url: "/api/docs/static/swagger-initializer.js" }),
  },
  "GET /api/docs/json": { public: true, expect: { anonymous: 200 }, call: () => ({ url: "/api/docs/json" }) },
  "GET /api/docs/yaml": { public: true, expect: { anonymous: 200 }, call: () => ({ url: "/api/docs/yaml" }) },
  "GET /api/docs/static/*": {
    public: true,
    expect: { anonymous: 200 },
    call: () => ({ url: "/api/docs/static/swagger-ui.css" }),
  },
  "GET /api/openapi.json": { public: true, expect: { anonymous: 200 }, call: () => ({ url: "/api/openapi.json" }) },
  "GET /api/auth/providers": {
    public: true,
    expect: { anonymous: 200, ...everyone(200) },
    call: () => ({ url: "/api/auth/providers" }),
  },
  "POST /api/auth/login": {
    public: true,
    expect: { anonymous: 401 }, // invalid_credentials: anyone may try
    call: () => ({ url: "/api/auth/login", payload: { email: "nobody@rebook.test", password: "wrong password" } }),
  },
  "POST /api/auth/logout": { public: true, expect: { anonymous: 204 }, call: () => ({ url: "/api/auth/logout" }) },
  "GET /api/auth/me": {
    public: true,
    expect: { anonymous: 401, ...everyone(200) },
    call: () => ({ url: "/api/auth/me" }),
  },
  "POST /api/auth/password": {
    public: true,
    expect: { anonymous: 401, ...everyone(400) }, // 400 wrong_password: reached, for every signed-in user
    call: () => ({ url: "/api/auth/password", payload: { current: "not the password", new: "a new long passphrase" } }),
  },
  "GET /api/auth/oidc/start": {
    public: true,
    expect: { anonymous: 404 }, // single sign-on is not configured here
    call: () => ({ url: "/api/auth/oidc/start" }),
  },
  "GET /api/auth/oidc/callback": {
    public: true,
    expect: { anonymous: 404 },
    call: () => ({ url: "/api/auth/oidc/callback?state=x&code=y" }),
  },
  "GET /health": { public: true, expect: { anonymous: 200, ...everyone(200) }, call: () => ({ url: "/health" }) },
  "GET /health/live": { public: true, expect: { anonymous: 200 }, call: () => ({ url: "/health/live" }) },
  "GET /health/ready": { public: true, expect: { anonymous: 200 }, call: () => ({ url: "/health/ready" }) },
  "GET /status": { public: true, expect: { anonymous: 200 }, call: () => ({ url: "/status" }) },
  // The web app's page (503 "not built yet" when web/dist is missing); its data comes from the API.
  "GET /": { public: true, expect: { anonymous: -1 }, call: () => ({ url: "/" }) },
  "GET /*": { public: true, expect: { anonymous: -1 }, call: () => ({ url: "/requests" }) },

  // ---- PKB connections: admins (the callback: the admin who started the grant, see below) ----
  "GET /api/pkb/connections": { expect: adminOnly(200), call: () => ({ url: "/api/pkb/connections" }) },
  "POST /api/pkb/connections": {
    expect: adminOnly(201),
    call: () => ({ url: "/api/pkb/connections", payload: { label: "Matrix" } }),
  },
  "GET /api/pkb/connections/:id": {
    expect: adminOnly(200),
    call: (f) => ({ url: `/api/pkb/connections/${f.connectionId}` }),
  },
  "GET /api/pkb/connections/:id/authorize": {
    expect: adminOnly(302),
    call: (f) => ({ url: `/api/pkb/connections/${f.connectionId}/authorize` }),
  },
  "DELETE /api/pkb/connections/:id": {
    expect: adminOnly(404), // an id no connection has: reached (the fixture's connection stays for the other routes)
    call: () => ({ url: "/api/pkb/connections/00000000-0000-4000-8000-000000000000" }),
  },
  "GET /api/pkb/oauth/callback": {
    expect: adminOnly(400), // 400 invalid_state: reached
    call: () => ({ url: "/api/pkb/oauth/callback?state=unknown&code=x" }),
  },
  "POST /connect": {
    expect: adminOnly(303),
    call: () => ({
      url: "/connect",
      payload: "label=Front+desk",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    }),
  },

  // ---- Requests: everyone signed in, each seeing their teams' (the filtering and 404s are tested below) ----
  "GET /api/requests": { expect: everyone(200), call: () => ({ url: "/api/requests" }) },
  "GET /api/requests/:id": { expect: everyone(200), call: (f) => ({ url: `/api/requests/${f.requestA}` }) },
  "POST /api/requests/:id/retry": {
    expect: workers(200),
    call: async (f) => ({ url: `/api/requests/${await f.fresh("error")}/retry` }),
  },
  "POST /api/requests/:id/claim": {
    expect: workers(200),
    call: async (f) => ({ url: `/api/requests/${await f.fresh()}/claim`, payload: {} }),
  },
  "POST /api/requests/:id/assign": {
    expect: leadsAndAdmins(200), // to someone else; a clerk may assign only themselves
    call: async (f) => ({ url: `/api/requests/${await f.fresh()}/assign`, payload: { userId: f.member.id } }),
  },
  "POST /api/requests/:id/unassign": {
    expect: leadsAndAdmins(200), // someone else's: a clerk may unassign only themselves
    call: async (f) => ({
      url: `/api/requests/${await f.fresh("open", f.member.id)}/unassign`,
      payload: { override: true },
    }),
  },
  "POST /api/requests/:id/status": {
    expect: workers(200),
    call: async (f) => ({ url: `/api/requests/${await f.fresh()}/status`, payload: { status: "in_progress" } }),
  },
  "POST /api/requests/:id/outcome": {
    expect: workers(200),
    call: async (f) => ({ url: `/api/requests/${await f.fresh()}/outcome`, payload: { outcome: "cancelled" } }),
  },
  "POST /api/requests/:id/transfer": {
    expect: workers(200),
    call: async (f) => ({
      url: `/api/requests/${await f.fresh()}/transfer`,
      payload: { teamId: f.teamB, reason: "Misrouted" },
    }),
  },
  "GET /api/requests/:id/notes": { expect: everyone(200), call: (f) => ({ url: `/api/requests/${f.requestA}/notes` }) },
  // ---- Waiting for the patient and answering them: the people who work requests; templates by admins ----
  "POST /api/requests/:id/wait": {
    expect: workers(200),
    call: async (f) => {
      const id = await f.fresh();
      await f.db.query(
        "UPDATE appointment_requests SET outcome = 'needs_patient_contact', status = 'in_progress' WHERE id = $1",
        [id],
      );
      const d = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
      return { url: `/api/requests/${id}/wait`, payload: { until: { date: d, time: "10:00" } } };
    },
  },
  "POST /api/requests/:id/wait/end": {
    expect: workers(200), // not waiting: nothing changes ("changed": false)
    call: async (f) => ({ url: `/api/requests/${await f.fresh()}/wait/end`, payload: {} }),
  },
  "GET /api/requests/:id/reply": { expect: everyone(200), call: (f) => ({ url: `/api/requests/${f.requestA}/reply` }) },
  "POST /api/requests/:id/patient-answered": {
    expect: workers(409), // 409 no_outcome (no outcome recorded yet): reached
    call: async (f) => ({ url: `/api/requests/${await f.fresh()}/patient-answered`, payload: {} }),
  },
  "GET /api/reply-templates": { expect: everyone(200), call: () => ({ url: "/api/reply-templates" }) },
  "PUT /api/reply-templates/:outcome": {
    expect: adminOnly(200),
    call: () => ({ url: "/api/reply-templates/rejected", payload: { body: "Dear {firstName}, we cannot change it." } }),
  },

  "POST /api/requests/:id/notes": {
    expect: workers(201),
    call: (f) => ({ url: `/api/requests/${f.requestA}/notes`, payload: { body: "Phoned the patient" } }),
  },
  "POST /api/requests/:id/match": {
    expect: workers(400), // 400 not_a_candidate: reached
    call: async (f) => ({ url: `/api/requests/${await f.fresh()}/match`, payload: { fhirId: "not-a-candidate" } }),
  },
  "POST /api/requests/:id/rematch": {
    expect: workers(409), // 409 patient_not_identified: reached (no PKB call)
    call: async (f) => ({ url: `/api/requests/${await f.fresh()}/rematch` }),
  },
  "POST /api/requests/bulk": {
    expect: leadsAndAdmins(200),
    call: async (f) => ({
      url: "/api/requests/bulk",
      payload: { action: "status", ids: [await f.fresh()], status: "in_progress" },
    }),
  },
  "POST /api/requests/:id/presence": {
    expect: everyone(200),
    call: (f) => ({ url: `/api/requests/${f.requestA}/presence`, payload: { state: "viewing" } }),
  },
  "DELETE /api/requests/:id/presence": {
    expect: everyone(204),
    call: (f) => ({ url: `/api/requests/${f.requestA}/presence` }),
  },
  "GET /api/events": { expect: everyone(200), call: () => ({ url: "/api/events", stream: true }) },
  "GET /api/collection": { expect: everyone(200), call: () => ({ url: "/api/collection" }) },

  // ---- Saved worklist views: personal for everyone; team views by the team's leads and admins ----
  "GET /api/views": { expect: everyone(200), call: () => ({ url: "/api/views" }) },
  "POST /api/views": {
    expect: leadsAndAdmins(201),
    call: (f) => ({
      url: "/api/views",
      payload: { name: `Team view ${randomUUID()}`, scope: "team", teamId: f.teamA, query: "due=overdue" },
    }),
  },
  "PATCH /api/views/:id": {
    expect: leadsAndAdmins(200),
    call: async (f) => ({ url: `/api/views/${await f.teamView()}`, payload: { name: `Renamed ${randomUUID()}` } }),
  },
  "DELETE /api/views/:id": {
    expect: leadsAndAdmins(204),
    call: async (f) => ({ url: `/api/views/${await f.teamView()}` }),
  },

  // ---- Audit log: admins ----
  "GET /api/audit": { expect: adminOnly(200), call: () => ({ url: "/api/audit" }) },
  "GET /api/audit/export.csv": { expect: adminOnly(200), call: () => ({ url: "/api/audit/export.csv" }) },

  // ---- Routing rules: admins ----
  "GET /api/routing-rules": { expect: adminOnly(200), call: () => ({ url: "/api/routing-rules" }) },
  "POST /api/routing-rules": {
    expect: adminOnly(201),
    call: (f) => ({ url: "/api/routing-rules", payload: { name: "Matrix", teamId: f.teamA } }),
  },
  "GET /api/routing-rules/export": { expect: adminOnly(200), call: () => ({ url: "/api/routing-rules/export" }) },
  "POST /api/routing-rules/import": {
    expect: adminOnly(200),
    call: () => ({ url: "/api/routing-rules/import", payload: { version: 1, rules: [] } }),
  },
  "POST /api/routing-rules/reorder": {
    expect: adminOnly(200),
    call: async (f) => {
      const ids = await f.db.query<{ id: string }>("SELECT id FROM routing_rules ORDER BY position DESC");
      return { url: "/api/routing-rules/reorder", payload: { ids: ids.map((r) => r.id) } };
    },
  },
  "GET /api/routing-rules/choices": {
    expect: adminOnly(200),
    call: () => ({ url: "/api/routing-rules/choices" }),
  },
  "POST /api/routing-rules/simulate": {
    expect: adminOnly(200),
    call: () => ({
      url: "/api/routing-rules/simulate",
      payload: { rules: [], from: "2025-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z" },
    }),
  },
  "GET /api/routing-rules/:id": {
    expect: adminOnly(200),
    call: async (f) => ({ url: `/api/routing-rules/${await f.rule()}` }),
  },
  "PUT /api/routing-rules/:id": {
    expect: adminOnly(200),
    call: async (f) => ({ url: `/api/routing-rules/${await f.rule()}`, payload: { name: "Renamed", teamId: f.teamA } }),
  },
  "DELETE /api/routing-rules/:id": {
    expect: adminOnly(204),
    call: async (f) => ({ url: `/api/routing-rules/${await f.rule()}` }),
  },

  // ---- Teams: everyone lists; admins create and change; leads manage their own teams' members ----
  "GET /api/teams": { expect: everyone(200), call: () => ({ url: "/api/teams" }) },
  "GET /api/specialties": { expect: everyone(200), call: () => ({ url: "/api/specialties" }) },
  "POST /api/teams": {
    expect: adminOnly(201),
    call: () => ({ url: "/api/teams", payload: { name: `Team ${randomUUID().slice(0, 8)}` } }),
  },
  "PATCH /api/teams/:id": {
    expect: adminOnly(200),
    call: (f) => ({ url: `/api/teams/${f.teamA}`, payload: { description: "Alpha team" } }),
  },
  "PUT /api/teams/:id/hours": {
    expect: adminOnly(200),
    call: (f) => ({ url: `/api/teams/${f.teamB}/hours`, payload: { hours: null } }),
  },
  "PUT /api/teams/:id/members/:userId": {
    expect: leadsAndAdmins(200),
    call: async (f) => ({ url: `/api/teams/${f.teamA}/members/${(await f.user()).id}`, payload: { capacity: 5 } }),
  },
  "DELETE /api/teams/:id/members/:userId": {
    expect: leadsAndAdmins(200),
    call: async (f) => {
      const u = await f.user();
      await f.db.query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)", [f.teamA, u.id]);
      return { url: `/api/teams/${f.teamA}/members/${u.id}` };
    },
  },

  // ---- Users: admins; leads may list them (to add people to their teams) ----
  "GET /api/users": { expect: leadsAndAdmins(200), call: () => ({ url: "/api/users" }) },
  "POST /api/users": {
    expect: adminOnly(201),
    call: () => ({
      url: "/api/users",
      payload: { email: `new.${randomUUID().slice(0, 8)}@rebook.test`, displayName: "New", role: "clerk" },
    }),
  },
  "PATCH /api/users/:id": {
    expect: adminOnly(200),
    call: async (f) => ({ url: `/api/users/${(await f.user()).id}`, payload: { displayName: "Renamed" } }),
  },
  "GET /api/users/sign-in-delays": { expect: adminOnly(200), call: () => ({ url: "/api/users/sign-in-delays" }) },
  "POST /api/users/:id/sign-in/unlock": {
    expect: adminOnly(200),
    call: async (f) => ({ url: `/api/users/${(await f.user()).id}/sign-in/unlock` }),
  },

  // ---- Sync status: admins ----
  "GET /api/sync/status": { expect: adminOnly(200), call: () => ({ url: "/api/sync/status" }) },
  "GET /api/sync/error-queue": { expect: adminOnly(200), call: () => ({ url: "/api/sync/error-queue" }) },
  "GET /api/sync/error-queue/:id": {
    expect: adminOnly(200),
    call: async (f) => ({ url: `/api/sync/error-queue/${await queued(f.db)}` }),
  },
  "POST /api/sync/error-queue/:id/replay": {
    expect: adminOnly(409), // 409 replay_failed (the entry holds no readable message): reached
    call: async (f) => ({ url: `/api/sync/error-queue/${await queued(f.db)}/replay` }),
  },
  "POST /api/sync/error-queue/:id/discard": {
    expect: adminOnly(200),
    call: async (f) => ({ url: `/api/sync/error-queue/${await queued(f.db)}/discard`, payload: { reason: "Test" } }),
  },

  // ---- Reports: admins, team leads and viewers (not clerks) ----
  "GET /api/reports/volume": report("volume"),
  "GET /api/reports/volume.csv": report("volume.csv"),
  "GET /api/reports/backlog": report("backlog"),
  "GET /api/reports/backlog.csv": report("backlog.csv"),
  "GET /api/reports/timings": report("timings"),
  "GET /api/reports/timings.csv": report("timings.csv"),
  "GET /api/reports/outcomes": report("outcomes"),
  "GET /api/reports/outcomes.csv": report("outcomes.csv"),
  "GET /api/reports/summary": report("summary"),
  "GET /api/reports/summary.csv": report("summary.csv"),
  "GET /api/reports/rows": report("rows"),
  "GET /api/reports/rows.csv": report("rows.csv"),
  "GET /api/reports/confirmation": report("confirmation"),
  "GET /api/reports/confirmation.csv": report("confirmation.csv"),
  "GET /api/reports/settling": report("settling"),
  "GET /api/reports/settling.csv": report("settling.csv"),
  "GET /api/reports/people": report("people"),
  "GET /api/reports/people.csv": report("people.csv"),

  // ---- PKB confirmation: everyone signed in (counts for the teams they lead) ----
  "GET /api/pkb-confirmation/summary": {
    expect: everyone(200),
    call: () => ({ url: "/api/pkb-confirmation/summary" }),
  },
};
// ==================================================================================== END OF CLASSIFICATION TABLE ===

const keyOf = (r: { method: string; url: string }): string => `${r.method} ${r.url}`;

describe("role-based access, endpoint by endpoint", () => {
  let t: TestDb;
  let rebook: TestApp;
  let f: Fixture;
  const headers = {} as Record<Role, AuthHeaders>;

  const send = async (who: Who, c: Call, method: string, extra: Record<string, string> = {}) => {
    const auth = who === "anonymous" ? {} : headers[who];
    const opts: InjectOptions = {
      method,
      url: c.url,
      headers: { ...auth, ...c.headers, ...extra },
      ...(c.payload === undefined ? {} : { payload: c.payload as string }),
    };
    if (!c.stream) return rebook.app.inject(opts);
    const abort = new AbortController();
    const res = await rebook.app.inject({ ...opts, payloadAsStream: true, signal: abort.signal });
    abort.abort();
    return res;
  };

  beforeAll(async () => {
    t = await engines[0].open();
    rebook = await buildTestApp(t.db, { PUBLIC_URL: "http://localhost:3000" });
    const teamA = (await createTeam(t.db, { name: "Alpha" })).id;
    const teamB = (await createTeam(t.db, { name: "Bravo" })).id;
    const users = {
      admin: await rebook.createStaff("admin"),
      team_lead: await rebook.createStaff("team_lead", { leadTeamIds: [teamA] }),
      clerk: await rebook.createStaff("clerk", { teamIds: [teamA] }),
      viewer: await rebook.createStaff("viewer", { teamIds: [teamA] }),
    };
    for (const role of ROLES) headers[role] = await rebook.signIn(users[role]);
    f = {
      teamA,
      teamB,
      users,
      member: await rebook.createStaff("clerk", { teamIds: [teamA] }),
      requestA: await seedRequest(t.db, { teamId: teamA }),
      connectionId: (await createConnection(t.db, { label: "Matrix", createdBy: users.admin.id })).id,
      db: t.db,
      fresh: (status = "open", assignedUserId = null) => seedRequest(t.db, { teamId: teamA, status, assignedUserId }),
      rule: async () =>
        (
          await appendRule(t.db, {
            name: "Rule",
            enabled: true,
            conditions: {},
            teamId: teamA,
            assignUserId: null,
            priority: null,
          })
        ).id,
      user: () => rebook.createStaff("clerk"),
      teamView: async () =>
        (
          await createSavedView(t.db, {
            name: `View ${randomUUID()}`,
            ownerUserId: null,
            teamId: teamA,
            query: "",
            createdBy: users.admin.id,
          })
        ).id,
    };
  });
  afterAll(async () => {
    await rebook?.poller.runNow(); // let a pass a retry started finish before the store goes
    await rebook?.poller.stop();
    await rebook?.app.close();
    await t?.dispose();
  });

  it("classifies every route the app has, and only those", () => {
    const registered = routeTable(rebook.app).map(keyOf);
    expect(registered.length).toBeGreaterThan(40);
    const unclassified = registered.filter((k) => !(k in ROUTES));
    expect(unclassified, "add these routes to ROUTES in test/auth/rbac-matrix.test.ts").toEqual([]);
    const gone = Object.keys(ROUTES).filter((k) => !registered.includes(k));
    expect(gone, "these ROUTES entries match no route any more").toEqual([]);
  });

  it("answers 401 without a session on every route that is not public", async () => {
    const checked: string[] = [];
    for (const r of routeTable(rebook.app)) {
      const key = keyOf(r);
      if (ROUTES[key]?.public) continue;
      // Any id will do: the session is checked before anything is looked up.
      const url = r.url.replace(/:[A-Za-z]+/g, randomUUID()).replace("*", "x");
      const res = await rebook.app.inject({ method: r.method as InjectOptions["method"], url });
      expect(res.statusCode, key).toBe(401);
      if (String(res.headers["content-type"]).includes("json")) {
        expect(res.json(), key).toMatchObject({ error: { code: "unauthenticated" } });
      }
      checked.push(key);
    }
    expect(checked.length).toBeGreaterThan(40);
    // And with a session that ended, it is as if there were none.
    const ended = await rebook.signIn("admin");
    await t.db.query("DELETE FROM sessions WHERE csrf_token = $1", [ended["x-csrf-token"]]);
    expect((await rebook.app.inject({ method: "GET", url: "/api/requests", headers: ended })).statusCode).toBe(401);
  });

  it("gives each role what the classification table says, on every route", async () => {
    const failures: string[] = [];
    for (const [key, entry] of Object.entries(ROUTES)) {
      const method = key.slice(0, key.indexOf(" "));
      const callers: Who[] = ["anonymous", ...ROLES];
      for (const who of callers) {
        const expected = entry.expect[who] ?? (who === "anonymous" && !entry.public ? 401 : undefined);
        if (expected === undefined) continue;
        const c = await entry.call(f, who);
        const res = await send(who, c, method);
        const ok = expected === -1 ? ![401, 403].includes(res.statusCode) : res.statusCode === expected;
        if (!ok) {
          const body = c.stream ? "(stream)" : res.body.slice(0, 200);
          failures.push(
            `${key} as ${who}: expected ${expected === -1 ? "not 401/403" : expected}, got ${res.statusCode} ${body}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("keeps another team's requests from a clerk: not listed, not readable, not changeable (404, as if absent)", async () => {
    const mine = await seedRequest(t.db, { teamId: f.teamA });
    const theirs = await seedRequest(t.db, { teamId: f.teamB });
    const nobodys = await seedRequest(t.db, { teamId: null });
    const listed = async (who: Role, query = "") => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await send(
          who,
          { url: `/api/requests?limit=200${query}${cursor ? `&cursor=${cursor}` : ""}` },
          "GET",
        );
        expect(res.statusCode).toBe(200);
        const page = res.json<{ items: { id: string; teamId: string | null }[]; nextCursor: string | null }>();
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    for (const who of ["clerk", "viewer", "team_lead"] as const) {
      const ids = await listed(who);
      expect(ids, who).toContain(mine);
      expect(ids, who).not.toContain(theirs);
      expect(ids, who).not.toContain(nobodys);
      expect(await listed(who, `&team_id=${f.teamB}`), who).toEqual([]);
      expect(await listed(who, "&team_id=none"), who).toEqual([]);
    }
    const all = await listed("admin");
    expect(all).toEqual(expect.arrayContaining([mine, theirs, nobodys]));

    const missing = await send("clerk", { url: `/api/requests/${randomUUID()}` }, "GET");
    for (const id of [theirs, nobodys]) {
      const read = await send("clerk", { url: `/api/requests/${id}` }, "GET");
      expect(read.statusCode).toBe(404);
      expect(read.body).toBe(missing.body); // indistinguishable from a request that does not exist
      const changes: [string, Call][] = [
        ["POST", { url: `/api/requests/${id}/retry` }],
        ["POST", { url: `/api/requests/${id}/claim`, payload: {} }],
        ["POST", { url: `/api/requests/${id}/status`, payload: { status: "in_progress" } }],
        ["POST", { url: `/api/requests/${id}/outcome`, payload: { outcome: "cancelled" } }],
        ["POST", { url: `/api/requests/${id}/notes`, payload: { body: "x" } }],
        ["GET", { url: `/api/requests/${id}/notes` }],
      ];
      for (const [method, c] of changes) {
        expect((await send("clerk", c, method)).statusCode, `${method} ${c.url}`).toBe(404);
      }
    }
    const [row] = await t.db.query<{ status: string; assigned_user_id: string | null }>(
      "SELECT status, assigned_user_id FROM appointment_requests WHERE id = $1",
      [theirs],
    );
    expect(row).toEqual({ status: "open", assigned_user_id: null });
    expect((await send("admin", { url: `/api/requests/${theirs}` }, "GET")).statusCode).toBe(200);
    // A viewer may read their team's request but not change it.
    expect((await send("viewer", { url: `/api/requests/${mine}/claim`, payload: {} }, "POST")).statusCode).toBe(403);
  });

  it("audits every view of a request with the person who looked, and nothing for a refused one", async () => {
    const theirs = await seedRequest(t.db, { teamId: f.teamB });
    const mine = await seedRequest(t.db, { teamId: f.teamA });
    expect((await send("clerk", { url: `/api/requests/${mine}` }, "GET")).statusCode).toBe(200);
    expect((await send("clerk", { url: `/api/requests/${theirs}` }, "GET")).statusCode).toBe(404);
    const rows = await t.db.query<{ request_id: string; actor_user_id: string; actor_label: string; action: string }>(
      "SELECT request_id, actor_user_id, actor_label, action FROM audit_log WHERE request_id = ANY($1::uuid[])",
      [[mine, theirs]],
    );
    expect(rows).toEqual([
      {
        request_id: mine,
        actor_user_id: f.users.clerk.id,
        actor_label: f.users.clerk.displayName,
        action: "request.viewed",
      },
    ]);
  });

  it("lets team leads manage the members of the teams they lead, and no other team", async () => {
    const leadB = await rebook.signIn("team_lead", { leadTeamIds: [f.teamB] });
    const target = await rebook.createStaff("clerk");
    const put = (h: AuthHeaders, team: string) =>
      rebook.app.inject({
        method: "PUT",
        url: `/api/teams/${team}/members/${target.id}`,
        headers: h,
        payload: { isLead: false },
      });
    expect((await put(leadB, f.teamA)).statusCode).toBe(403);
    expect((await put(headers.team_lead, f.teamB)).statusCode).toBe(403);
    expect((await put(leadB, f.teamB)).statusCode).toBe(200);
    // Leading one team does not make a clerk's membership of another a lead's.
    const plainMember = await rebook.signIn("team_lead", { teamIds: [f.teamA] });
    expect((await put(plainMember, f.teamA)).statusCode).toBe(403);
  });

  it("completes a PKB grant only for the signed-in admin who started it", async () => {
    const started = await send("admin", { url: "/api/pkb/connections", payload: { label: "Mine" } }, "POST");
    expect(started.statusCode).toBe(201);
    const state = new URL(started.json<{ authorizeUrl: string }>().authorizeUrl).searchParams.get("state")!;
    const callback = `/api/pkb/oauth/callback?state=${encodeURIComponent(state)}&error=access_denied`;
    const anonymous = await rebook.app.inject({ method: "GET", url: callback });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers["content-type"]).toContain("text/html");
    expect((await send("clerk", { url: callback }, "GET")).statusCode).toBe(403);
    // Another admin: refused, and the link is used up.
    const other = await rebook.createStaff("admin");
    const otherAdmin = await rebook.signIn(other);
    const stolen = await rebook.app.inject({ method: "GET", url: callback, headers: otherAdmin });
    expect(stolen.statusCode).toBe(403);
    expect(stolen.body).toContain("started by someone else");
    expect((await send("admin", { url: callback }, "GET")).statusCode).toBe(400); // already used
    // The admin who started it reaches the grant itself (here PKB said no).
    const again = await send("admin", { url: "/api/pkb/connections", payload: { label: "Mine again" } }, "POST");
    const state2 = new URL(again.json<{ authorizeUrl: string }>().authorizeUrl).searchParams.get("state")!;
    const own = await send("admin", { url: `/api/pkb/oauth/callback?state=${state2}&error=access_denied` }, "GET");
    expect(own.statusCode).toBe(400);
    expect(own.body).toContain("Access was not granted in PKB.");
    const [row] = await t.db.query<{ created_by: string }>(
      "SELECT created_by FROM pkb_connections WHERE label = 'Mine again'",
    );
    expect(row?.created_by).toBe(f.users.admin.id);
    // The audit log has the other admin's attempt and the refusal in PKB; not the unsigned, the clerk's or the reuse.
    const mine = started.json<{ connection: { id: string } }>().connection.id;
    const audited = await t.db.query<{ actor_user_id: string; details: Record<string, unknown> }>(
      "SELECT actor_user_id, details FROM audit_log WHERE action = 'pkb.connection_grant_failed' ORDER BY id",
    );
    expect(audited).toEqual([
      {
        actor_user_id: other.id,
        details: {
          connectionId: mine,
          label: "Mine",
          reason: "not_your_grant",
          pkbError: null,
          startedBy: f.users.admin.id,
        },
      },
      {
        actor_user_id: f.users.admin.id,
        details: {
          connectionId: again.json<{ connection: { id: string } }>().connection.id,
          label: "Mine again",
          reason: "access_denied",
          pkbError: "access_denied",
        },
      },
    ]);
  });

  it("lets an admin manage users without locking themselves out, and a role change ends that user's sessions", async () => {
    const target = await rebook.createStaff("clerk");
    const targetSession = await rebook.signIn(target);
    const patch = (id: string, payload: object) => send("admin", { url: `/api/users/${id}`, payload }, "PATCH");
    const promoted = await patch(target.id, { role: "team_lead" });
    expect(promoted.json()).toMatchObject({ role: "team_lead" });
    expect((await rebook.app.inject({ method: "GET", url: "/api/auth/me", headers: targetSession })).statusCode).toBe(
      401,
    );
    expect((await patch(f.users.admin.id, { role: "clerk" })).statusCode).toBe(409);
    expect((await patch(f.users.admin.id, { active: false })).statusCode).toBe(409);
    expect((await patch(randomUUID(), { displayName: "Nobody" })).statusCode).toBe(404);
    const created = await send(
      "admin",
      {
        url: "/api/users",
        payload: { email: "with.password@rebook.test", displayName: "P", role: "viewer", password: "twelve chars!" },
      },
      "POST",
    );
    expect(created.statusCode).toBe(201);
    const login = await rebook.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: "with.password@rebook.test", password: "twelve chars!" },
    });
    expect(login.statusCode).toBe(200);
    const short = await send(
      "admin",
      {
        url: "/api/users",
        payload: { email: "short@rebook.test", displayName: "S", role: "viewer", password: "short" },
      },
      "POST",
    );
    expect(short.statusCode).toBe(400);
  });
});
