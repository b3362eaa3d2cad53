// The per-person report (issue 10): requests handled and time to outcome per person beside team and overall figures,
// the share of patients answered, in JSON and CSV; per-person figures only for admins (everyone) and team leads (their
// teams' requests), never for viewers; clerks cannot read reports at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/store/db.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { person, seedRequest, team, type Person } from "../workflow/helpers.ts";

interface Figures {
  handled: number;
  medianMinutesToOutcome: number | null;
  answered: number;
  answeredShare: number | null;
}
interface Report {
  overall: Figures;
  teams: ({ teamId: string; teamName: string } & Figures)[];
  people: ({ userId: string; displayName: string } & Figures)[] | null;
}

describe("per-person report figures", () => {
  let t: TestDb;
  let db: Db;
  let rebook: TestApp;
  let a: { id: string; name: string }, b: { id: string; name: string };
  let admin: Person, leadA: Person, viewer: Person, clerkA: Person, clerkB: Person;
  // A range around today whatever the hour (the requests were received an hour ago).
  const from = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const get = async (who: Person, url: string) => {
    const res = await rebook.app.inject({ method: "GET", url, headers: who.headers });
    return { status: res.statusCode, body: res.body, json: () => res.json<Report>() };
  };

  beforeAll(async () => {
    t = await engines[0].open();
    db = t.db;
    rebook = await buildTestApp(db);
    a = await team(db, "Alpha");
    b = await team(db, "Beta");
    admin = await person(db, rebook.config, { role: "admin" });
    leadA = await person(db, rebook.config, { role: "team_lead", teams: [{ teamId: a.id, lead: true }] });
    viewer = await person(db, rebook.config, { role: "viewer", teams: [{ teamId: a.id }] });
    clerkA = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: a.id }], name: "Ann Alpha" });
    clerkB = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: b.id }], name: "Ben Beta" });
    const receivedAt = new Date(Date.now() - 60 * 60_000);
    const outcome = async (who: Person, teamId: string, answered: boolean) => {
      const id = await seedRequest(db, { teamId, receivedAt });
      const r = await rebook.app.inject({
        method: "POST",
        url: `/api/requests/${id}/outcome`,
        payload: { outcome: "rejected", reason: "Not possible" },
        headers: who.headers,
      });
      expect(r.statusCode).toBe(200);
      if (answered) {
        const ans = await rebook.app.inject({
          method: "POST",
          url: `/api/requests/${id}/patient-answered`,
          payload: {},
          headers: who.headers,
        });
        expect(ans.statusCode).toBe(200);
      }
    };
    await outcome(clerkA, a.id, true);
    await outcome(clerkA, a.id, false);
    await outcome(clerkB, b.id, true);
    await seedRequest(db, { teamId: a.id, receivedAt }); // no outcome: not handled
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("gives admins every person, team and the overall share answered", async () => {
    const r = (await get(admin, `/api/reports/people?from=${from}&to=${to}`)).json();
    expect(r.overall).toMatchObject({ handled: 3, answered: 2 });
    expect(r.overall.answeredShare).toBeCloseTo(2 / 3);
    expect(r.teams.find((x) => x.teamId === a.id)).toMatchObject({ handled: 2, answered: 1, answeredShare: 0.5 });
    expect(r.people!.map((p) => [p.displayName, p.handled, p.answered])).toEqual([
      ["Ann Alpha", 2, 1],
      ["Ben Beta", 1, 1],
    ]);
    expect(r.people![0]!.medianMinutesToOutcome).toBeGreaterThanOrEqual(59);
  });

  it("shows a team lead only the people of their teams' requests, and a viewer no one", async () => {
    const lead = (await get(leadA, `/api/reports/people?from=${from}&to=${to}`)).json();
    expect(lead.people!.map((p) => p.displayName)).toEqual(["Ann Alpha"]);
    expect(lead.teams).toHaveLength(2); // team figures as in every other report
    const v = (await get(viewer, `/api/reports/people?from=${from}&to=${to}`)).json();
    expect(v.people).toBeNull();
    expect(v.overall.handled).toBe(3);
    expect((await get(clerkA, `/api/reports/people?from=${from}&to=${to}`)).status).toBe(403);
  });

  it("exports the same figures as CSV, without other teams' people for a lead", async () => {
    const csv = await get(leadA, `/api/reports/people.csv?from=${from}&to=${to}`);
    expect(csv.status).toBe(200);
    expect(csv.body).toContain("scope,team_id,team,user_id,person,handled");
    expect(csv.body).toMatch(/person,,,[0-9a-f-]+,Ann Alpha,2,/);
    expect(csv.body).not.toContain("Ben Beta");
  });
});
