// Saved worklist views with counts (issue 10): personal views for anyone, team views by the team's leads and admins,
// the count of each as the caller sees the requests, changes audited, and a view's filters checked as the worklist's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { createTeam } from "../../src/store/people.ts";
import { seedRequest } from "../helpers/requests.ts";

interface View {
  id: string;
  name: string;
  scope: "personal" | "team";
  team: { id: string; name: string } | null;
  query: string;
  count: number;
  mayChange: boolean;
}

describe.each(engines)("saved views ($name)", (engine) => {
  let t: TestDb;
  let rebook: TestApp;
  let teamA: string;
  let teamB: string;
  let clerk: AuthHeaders;
  let clerkId: string;
  let otherClerk: AuthHeaders;
  let lead: AuthHeaders;
  let leadB: AuthHeaders;
  let viewer: AuthHeaders;

  const call = async (h: AuthHeaders, method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: object) => {
    const res = await rebook.app.inject({ method, url, headers: h, payload });
    return {
      status: res.statusCode,
      body: res.body ? res.json<View & View[] & { error: { code: string; message: string } }>() : null,
    };
  };
  const views = async (h: AuthHeaders) => (await call(h, "GET", "/api/views")).body as unknown as View[];

  beforeAll(async () => {
    t = await engine.open();
    rebook = await buildTestApp(t.db);
    teamA = (await createTeam(t.db, { name: "Team A" })).id;
    teamB = (await createTeam(t.db, { name: "Team B" })).id;
    const c = await rebook.createStaff("clerk", { teamIds: [teamA] });
    clerkId = c.id;
    clerk = await rebook.signIn({ id: c.id });
    otherClerk = await rebook.signIn("clerk", { teamIds: [teamA] });
    lead = await rebook.signIn("team_lead", { teamIds: [teamA] });
    leadB = await rebook.signIn("team_lead", { teamIds: [teamB] });
    viewer = await rebook.signIn("viewer", { teamIds: [teamA] });
    const past = new Date(Date.now() - 30 * 86_400_000);
    // Team A: 3 open (one the clerk's, two overdue), 1 done; team B: 2 open.
    await seedRequest(t.db, { teamId: teamA, assignedUserId: clerkId, status: "in_progress" });
    await seedRequest(t.db, { teamId: teamA });
    await seedRequest(t.db, { teamId: teamA });
    await t.db.query(
      "UPDATE appointment_requests SET deadline_at = $1 WHERE team_id = $2 AND assigned_user_id IS NULL",
      [past, teamA],
    );
    await seedRequest(t.db, { teamId: teamA, status: "done" });
    await seedRequest(t.db, { teamId: teamB });
    await seedRequest(t.db, { teamId: teamB });
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("saves a personal view from the worklist's filters and counts it as the owner sees the requests", async () => {
    const res = await call(clerk, "POST", "/api/views", {
      name: "My open",
      query: "status=open,in_progress&assigned_to=me&sort=deadline&limit=50&cursor=abc",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "My open", scope: "personal", team: null, count: 1, mayChange: true });
    expect(res.body!.query).toBe("assigned_to=me&sort=deadline&status=open%2Cin_progress"); // no paging
    expect((await views(otherClerk)).map((v) => v.name)).not.toContain("My open"); // personal
    const [audit] = await t.db.query<{ action: string; details: { name: string } }>(
      "SELECT action, details FROM audit_log WHERE action = 'view.created' ORDER BY id DESC LIMIT 1",
    );
    expect(audit).toMatchObject({ action: "view.created", details: { name: "My open" } });
  });

  it("lets a team lead share a view with the team, counted for each member; clerks and other leads may not", async () => {
    const forbidden = await call(clerk, "POST", "/api/views", {
      name: "Overdue",
      scope: "team",
      teamId: teamA,
      query: "status=open,in_progress&due=overdue",
    });
    expect(forbidden.status).toBe(403);
    expect(
      (await call(leadB, "POST", "/api/views", { name: "Overdue", scope: "team", teamId: teamA, query: "" })).status,
    ).toBe(403);
    const res = await call(lead, "POST", "/api/views", {
      name: "Overdue",
      scope: "team",
      teamId: teamA,
      query: "status=open,in_progress&due=overdue&sort=deadline",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ scope: "team", team: { id: teamA, name: "Team A" }, count: 2 });
    for (const who of [clerk, viewer]) {
      const overdue = (await views(who)).find((v) => v.name === "Overdue")!;
      expect(overdue).toMatchObject({ count: 2, mayChange: false });
    }
    expect((await views(leadB)).map((v) => v.name)).not.toContain("Overdue"); // another team's
    // The count follows the requests.
    await seedRequest(t.db, { teamId: teamA });
    await t.db.query(
      "UPDATE appointment_requests SET deadline_at = now() - interval '1 day' WHERE team_id = $1 AND status = 'open'",
      [teamA],
    );
    expect((await views(clerk)).find((v) => v.name === "Overdue")!.count).toBe(3);
    // A name is unique within the team.
    const again = await call(lead, "POST", "/api/views", { name: "overdue", scope: "team", teamId: teamA, query: "" });
    expect(again).toMatchObject({ status: 409, body: { error: { code: "view_name_taken" } } });
  });

  it("renames, re-filters and deletes: the owner, or for a team view its leads; audited", async () => {
    const mine = (await views(clerk)).find((v) => v.name === "My open")!;
    const team = (await views(lead)).find((v) => v.name === "Overdue")!;
    expect((await call(otherClerk, "PATCH", `/api/views/${mine.id}`, { name: "Mine" })).status).toBe(404);
    expect((await call(clerk, "PATCH", `/api/views/${team.id}`, { name: "Late" })).status).toBe(403);
    const renamed = await call(clerk, "PATCH", `/api/views/${mine.id}`, { name: "Mine", query: "assigned_to=me" });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "Mine", query: "assigned_to=me", count: 1 });
    expect((await call(lead, "PATCH", `/api/views/${team.id}`, { name: "Late" })).body).toMatchObject({ name: "Late" });
    expect((await call(clerk, "DELETE", `/api/views/${team.id}`)).status).toBe(403);
    expect((await call(lead, "DELETE", `/api/views/${team.id}`)).status).toBe(204);
    expect((await views(clerk)).map((v) => v.name)).toEqual(["Mine"]);
    const actions = await t.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE action LIKE 'view.%' ORDER BY id",
    );
    expect(actions.map((a) => a.action)).toEqual([
      "view.created",
      "view.created",
      "view.updated",
      "view.updated",
      "view.deleted",
    ]);
  });

  it("refuses a view whose filters the worklist would refuse, with a clear error", async () => {
    const bad = await call(clerk, "POST", "/api/views", { name: "Odd", query: "status=sleeping" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "invalid_view_query" } });
    expect(JSON.stringify(bad.body)).toContain("status");
    const blank = await call(clerk, "POST", "/api/views", { name: "  ", query: "" });
    expect(blank.status).toBe(400);
  });

  it("refuses a team view for a team that does not exist (an admin may share with any team): 400, not 500", async () => {
    const admin = await rebook.signIn("admin");
    const res = await call(admin, "POST", "/api/views", {
      name: "Nowhere",
      scope: "team",
      teamId: "00000000-0000-4000-8000-000000000000",
      query: "",
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: "unknown_team" } });
  });
});
