// Teams, users and routing rules over HTTP on a real store: default-team switching, duplicate names, rule CRUD,
// reorder, export → import round trip, and an import that lists every problem at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/http/server.ts";
import { buildTestApp, type AuthHeaders } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

interface Team {
  id: string;
  name: string;
  isDefault: boolean;
  members: { userId: string; displayName: string; capacity: number | null; isLead: boolean; openCount: number }[];
}
interface Rule {
  id: string;
  position: number;
  name: string;
  teamId: string;
  teamName: string;
  assignUserId: string | null;
  priority: string | null;
  conditions: Record<string, unknown>;
}

describe("teams, users and routing rules API", () => {
  let t: TestDb;
  let app: App;
  let admin: AuthHeaders;
  const call = async <T = unknown>(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    url: string,
    payload?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const res = await app.inject({
      method,
      url,
      headers: admin,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: (res.body ? res.json() : null) as T };
  };
  let eyes: Team;
  let ent: Team;
  let clerk: { id: string; email: string };

  beforeAll(async () => {
    t = await engines[1].open();
    const built = await buildTestApp(t.db);
    app = built.app;
    admin = await built.signIn("admin");
  });
  afterAll(async () => {
    await app?.close();
    await t?.dispose();
  });

  it("creates teams and moves the default from one to the other", async () => {
    const a = await call<Team>("POST", "/api/teams", { name: "Ophthalmology", isDefault: true });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ name: "Ophthalmology", isDefault: true, members: [] });
    eyes = a.body;
    const b = await call<Team>("POST", "/api/teams", { name: "ENT", isDefault: true, autoAssign: true });
    expect(b.status).toBe(201);
    ent = b.body;
    let teams = (await call<Team[]>("GET", "/api/teams")).body;
    expect(teams.map((x) => [x.name, x.isDefault])).toEqual([
      ["ENT", true],
      ["Ophthalmology", false],
    ]);
    const patched = await call<Team>("PATCH", `/api/teams/${eyes.id}`, { isDefault: true, description: "Eyes" });
    expect(patched.status).toBe(200);
    teams = (await call<Team[]>("GET", "/api/teams")).body;
    expect(teams.filter((x) => x.isDefault).map((x) => x.name)).toEqual(["Ophthalmology"]);
    expect((await call("PATCH", "/api/teams/00000000-0000-4000-8000-000000000000", { name: "X" })).status).toBe(404);
  });

  it("refuses duplicate team names and user emails with 409, whatever the case", async () => {
    const dupTeam = await call<{ error: { code: string; message: string } }>("POST", "/api/teams", { name: "ent" });
    expect(dupTeam.status).toBe(409);
    expect(dupTeam.body.error).toEqual({ code: "conflict", message: 'A team named "ent" already exists' });
    const rename = await call("PATCH", `/api/teams/${eyes.id}`, { name: "ENT" });
    expect(rename.status).toBe(409);
    const u = await call<{ id: string; email: string }>("POST", "/api/users", {
      email: "Clerk.One@nhs.test",
      displayName: "Clerk One",
      role: "clerk",
    });
    expect(u.status).toBe(201);
    expect(u.body).not.toHaveProperty("passwordHash");
    clerk = u.body;
    const dup = await call<{ error: { code: string } }>("POST", "/api/users", {
      email: "clerk.one@NHS.test",
      displayName: "Again",
      role: "viewer",
    });
    expect(dup.status).toBe(409);
    expect((await call<unknown[]>("GET", "/api/users")).body).toHaveLength(2); // the signed-in admin and the clerk
    expect((await call("POST", "/api/users", { email: "nope", displayName: "X", role: "clerk" })).status).toBe(400);
  });

  it("adds, updates and removes team members", async () => {
    const put = await call<Team>("PUT", `/api/teams/${ent.id}/members/${clerk.id}`, {
      capacity: 10,
      available: true,
      isLead: false,
    });
    expect(put.status).toBe(200);
    expect(put.body.members).toEqual([
      expect.objectContaining({
        userId: clerk.id,
        displayName: "Clerk One",
        capacity: 10,
        isLead: false,
        openCount: 0,
      }),
    ]);
    const again = await call<Team>("PUT", `/api/teams/${ent.id}/members/${clerk.id}`, {
      capacity: null,
      available: false,
      isLead: true,
    });
    expect(again.body.members[0]).toMatchObject({ capacity: null, isLead: true, available: false });
    const noUser = await call("PUT", `/api/teams/${ent.id}/members/00000000-0000-4000-8000-000000000000`, {});
    expect(noUser.status).toBe(404);
    expect((await call<Team>("DELETE", `/api/teams/${ent.id}/members/${clerk.id}`)).body.members).toEqual([]);
    expect((await call("DELETE", `/api/teams/${ent.id}/members/${clerk.id}`)).status).toBe(404);
  });

  it("creates, updates, reorders and deletes rules", async () => {
    const make = (name: string, teamId: string, extra: object = {}) =>
      call<Rule>("POST", "/api/routing-rules", { name, teamId, ...extra });
    const r1 = await make("Cancellations", eyes.id, { conditions: { types: ["cancel"] }, priority: "high" });
    expect(r1.status).toBe(201);
    expect(r1.body).toMatchObject({ position: 1, teamName: "Ophthalmology", priority: "high", enabled: true });
    const r2 = (await make("ENT by specialty", ent.id, { conditions: { specialtyCodes: ["SPEC_05"] } })).body;
    const r3 = (await make("Urgent words", ent.id, { conditions: { keywords: ["urgent"] }, assignUserId: clerk.id }))
      .body;
    expect(r3).toMatchObject({ position: 3, assignUserId: clerk.id });

    const bad = await call<{ error: { code: string } }>("POST", "/api/routing-rules", {
      name: "Bad",
      teamId: eyes.id,
      conditions: { colour: ["red"] },
    });
    expect(bad.status).toBe(400);
    const noTeam = await call<{ error: { code: string; message: string } }>("POST", "/api/routing-rules", {
      name: "Nowhere",
      teamId: "00000000-0000-4000-8000-000000000000",
      assignUserId: "00000000-0000-4000-8000-000000000001",
    });
    expect(noTeam.status).toBe(400);
    expect(noTeam.body.error.code).toBe("invalid_rule");
    expect(noTeam.body.error.message).toContain("No team");
    expect(noTeam.body.error.message).toContain("No user");

    const updated = await call<Rule>("PUT", `/api/routing-rules/${r2.id}`, {
      name: "ENT clinics",
      teamId: ent.id,
      conditions: { locations: ["ENT Clinic"] },
      enabled: false,
    });
    expect(updated.body).toMatchObject({ name: "ENT clinics", position: 2, enabled: false, priority: null });

    const reordered = await call<Rule[]>("POST", "/api/routing-rules/reorder", { ids: [r3.id, r1.body.id, r2.id] });
    expect(reordered.status).toBe(200);
    expect(reordered.body.map((r) => [r.name, r.position])).toEqual([
      ["Urgent words", 1],
      ["Cancellations", 2],
      ["ENT clinics", 3],
    ]);
    for (const ids of [
      [r3.id, r1.body.id],
      [r3.id, r1.body.id, r1.body.id],
      [r3.id, r1.body.id, eyes.id],
    ]) {
      const res = await call<{ error: { code: string } }>("POST", "/api/routing-rules/reorder", { ids });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("not_a_permutation");
    }

    expect((await call("DELETE", `/api/routing-rules/${r1.body.id}`)).status).toBe(204);
    expect((await call("DELETE", `/api/routing-rules/${r1.body.id}`)).status).toBe(404);
    const left = (await call<Rule[]>("GET", "/api/routing-rules")).body;
    expect(left.map((r) => r.name)).toEqual(["Urgent words", "ENT clinics"]);
    const appended = await make("Last", eyes.id);
    expect(appended.body.position).toBeGreaterThan(left[1]!.position);
  });

  it("exports the rules and imports the document back to the same rules", async () => {
    const exported = await call<{ version: number; exportedAt: string; rules: unknown[] }>(
      "GET",
      "/api/routing-rules/export",
    );
    expect(exported.body.version).toBe(1);
    expect(exported.body.rules[0]).toEqual({
      name: "Urgent words",
      enabled: true,
      conditions: { keywords: ["urgent"] },
      team: "ENT",
      assignUser: "Clerk.One@nhs.test",
      priority: null,
    });
    const before = (await call<Rule[]>("GET", "/api/routing-rules")).body;
    // Import a shuffled document first, then the export: the set is replaced each time.
    const shuffled = { ...exported.body, rules: [...exported.body.rules].reverse() };
    expect((await call<Rule[]>("POST", "/api/routing-rules/import", shuffled)).status).toBe(200);
    const imported = await call<Rule[]>("POST", "/api/routing-rules/import", exported.body);
    expect(imported.status).toBe(200);
    const strip = (rules: Rule[]) => rules.map(({ id: _id, ...r }) => r);
    expect(strip(imported.body)).toEqual(strip(before).map((r, i) => ({ ...r, position: i + 1 })));
    const again = await call<{ rules: unknown[] }>("GET", "/api/routing-rules/export");
    expect(again.body.rules).toEqual(exported.body.rules);
  });

  it("rejects an import listing every problem, and changes nothing", async () => {
    const before = (await call<Rule[]>("GET", "/api/routing-rules")).body;
    const res = await call<{ error: { code: string; problems: { path: string; message: string }[] } }>(
      "POST",
      "/api/routing-rules/import",
      {
        version: 1,
        rules: [
          { name: "Fine", team: "ent", assignUser: "CLERK.ONE@nhs.test" },
          { name: "Unknown team", team: "Cardiology" },
          { name: "Unknown user", team: "ENT", assignUser: "nobody@nhs.test" },
          { name: "Bad conditions", team: "ENT", conditions: { types: ["rebook"], colour: ["red"] } },
          { name: "", team: "ENT", priority: "asap", extra: 1 },
        ],
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_import");
    const paths = res.body.error.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "rules[1].team",
        "rules[2].assignUser",
        "rules[3].conditions.types[0]",
        "rules[3].conditions",
        "rules[4].name",
        "rules[4].priority",
        "rules[4]",
      ]),
    );
    expect(paths.some((p) => p.startsWith("rules[0]"))).toBe(false);
    expect((await call<Rule[]>("GET", "/api/routing-rules")).body).toEqual(before);
    const notADocument = await call<{ error: { code: string } }>("POST", "/api/routing-rules/import", { rules: 3 });
    expect(notADocument.status).toBe(400);
    expect(notADocument.body.error.code).toBe("invalid_import");
  });

  it("removes a connection whose Grant Access was never finished, audited, and refuses a granted one", async () => {
    type Conn = { id: string; label: string; status: string };
    const started = await call<{ connection: Conn }>("POST", "/api/pkb/connections", { label: "Abandoned" });
    expect(started.status).toBe(201);
    const granted = await call<{ connection: Conn }>("POST", "/api/pkb/connections", { label: "In use" });
    await t.db.query("UPDATE pkb_connections SET status = 'active' WHERE id = $1", [granted.body.connection.id]);

    expect((await call("DELETE", `/api/pkb/connections/${started.body.connection.id}`)).status).toBe(204);
    const left = (await call<Conn[]>("GET", "/api/pkb/connections")).body.map((c) => c.label);
    expect(left).not.toContain("Abandoned");
    expect(left).toContain("In use");
    const [audit] = await t.db.query<{ details: { label: string } }>(
      "SELECT details FROM audit_log WHERE action = 'pkb.connection_removed'",
    );
    expect(audit?.details.label).toBe("Abandoned");
    expect((await call("DELETE", `/api/pkb/connections/${started.body.connection.id}`)).status).toBe(404);
    const refused = await call<{ error: { code: string } }>(
      "DELETE",
      `/api/pkb/connections/${granted.body.connection.id}`,
    );
    expect([refused.status, refused.body.error.code]).toEqual([409, "connection_in_use"]);
  });
});
