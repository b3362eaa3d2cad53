// The PKB confirmation report and the team leads' count, on both engines: outcomes recorded in the range, minutes to
// confirmation (median, 90th percentile), the share confirmed within the limit, per specialty and team, as JSON and
// CSV; the banner count limited to the teams a lead leads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam } from "../../src/store/people.ts";
import { recordCheck, startConfirmation } from "../../src/store/pkb-confirmations.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { csvRecords, seedRequest } from "./fixtures.ts";

const H = 3_600_000;
const T = new Date("2025-10-06T09:00:00Z");
const NOW = new Date(Date.now());
const after = (ms: number, from = T) => new Date(from.getTime() + ms);

describe.each(engines)("PKB confirmation report on $name", (engine) => {
  let t: TestDb;
  let rebook: TestApp;
  let alpha: string;
  let bravo: string;

  async function outcome(o: {
    team: string;
    specialty: string;
    at?: Date;
    dueAt?: Date;
    confirmedAfterMs?: number;
    state?: "awaiting" | "not_confirmed";
  }): Promise<string> {
    const id = await seedRequest(t.db, {
      receivedAt: "2025-10-05T10:00:00Z",
      type: "cancel",
      teamId: o.team,
      specialty: { code: o.specialty, name: `Specialty ${o.specialty}` },
      status: "done",
      matchState: "auto_linked",
      outcome: "cancelled",
    });
    const outcomeAt = o.at ?? T;
    const dueAt = o.dueAt ?? after(24 * H, outcomeAt);
    await startConfirmation(t.db, { requestId: id, outcome: "cancelled", newStart: null, outcomeAt, dueAt });
    if (o.confirmedAfterMs !== undefined) {
      const at = after(o.confirmedAfterMs, outcomeAt);
      await recordCheck(t.db, {
        requestId: id,
        state: "confirmed",
        checks: 3,
        checkedAt: at,
        confirmedAt: at,
        shows: "PKB shows the appointment cancelled",
      });
    } else if (o.state === "not_confirmed") {
      await recordCheck(t.db, {
        requestId: id,
        state: "not_confirmed",
        checks: 9,
        checkedAt: dueAt,
        confirmedAt: null,
        shows: "PKB still shows Mon 6 Oct 09:30",
      });
    }
    return id;
  }

  beforeAll(async () => {
    t = await engine.open();
    rebook = await buildTestApp(t.db);
    alpha = (await createTeam(t.db, { name: "Alpha" })).id;
    bravo = (await createTeam(t.db, { name: "Bravo" })).id;
    await outcome({ team: alpha, specialty: "EYE", confirmedAfterMs: 10 * 60_000 });
    await outcome({ team: alpha, specialty: "EYE", confirmedAfterMs: 30 * H }); // late
    await outcome({ team: alpha, specialty: "EYE", state: "not_confirmed" });
    // Awaiting: the limit is still ahead.
    await outcome({ team: bravo, specialty: "ENT", at: after(0, NOW), dueAt: after(24 * H, NOW) });
    await outcome({ team: bravo, specialty: "ENT", confirmedAfterMs: 20 * 60_000 });
    // Recorded before the range: not counted.
    await outcome({ team: bravo, specialty: "ENT", at: new Date("2025-09-20T09:00:00Z"), confirmedAfterMs: 60_000 });
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  // Up to two days ahead: the awaiting outcome is recorded now, whatever the London date is.
  const RANGE = `from=2025-10-01&to=${after(48 * H, NOW)
    .toISOString()
    .slice(0, 10)}`;

  it("gives minutes to confirmation and the share within the limit, overall, per specialty and per team", async () => {
    const viewer = await rebook.signIn("viewer");
    const res = await rebook.app.inject({ url: `/api/reports/confirmation?${RANGE}`, headers: viewer });
    expect(res.statusCode).toBe(200);
    const r = res.json<{
      overall: Record<string, number | null>;
      specialties: Array<Record<string, unknown>>;
      teams: Array<Record<string, unknown>>;
    }>();
    expect(r.overall).toEqual({
      outcomes: 5,
      confirmed: 3,
      withinLimit: 2,
      late: 1,
      notConfirmed: 1,
      awaiting: 1,
      medianMinutes: 20,
      // percentile_cont(0.9) of 10, 20, 1800 minutes: 20 + 0.8 × 1780
      p90Minutes: 1444,
      share: 0.5,
    });
    expect(r.specialties.map((s) => [s.specialtyCode, s.outcomes, s.share])).toEqual([
      ["ENT", 2, 1],
      ["EYE", 3, 1 / 3],
    ]);
    expect(r.teams.map((x) => [x.teamName, x.outcomes, x.notConfirmed, x.awaiting])).toEqual([
      ["Alpha", 3, 1, 0],
      ["Bravo", 2, 0, 1],
    ]);
    const filtered = await rebook.app.inject({
      url: `/api/reports/confirmation?${RANGE}&team_id=${bravo}`,
      headers: viewer,
    });
    expect(filtered.json<{ overall: { outcomes: number } }>().overall.outcomes).toBe(2);
  });

  it("downloads the same figures as CSV", async () => {
    const lead = await rebook.signIn("team_lead");
    const res = await rebook.app.inject({ url: `/api/reports/confirmation.csv?${RANGE}`, headers: lead });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-disposition"]).toContain("rebook-confirmation-2025-10-01-to-");
    const rows = csvRecords(res.body);
    expect(rows[0]).toMatchObject({ group: "overall", outcomes: "5", within_limit: "2", share_within_limit: "0.5" });
    expect(rows.filter((x) => x.group === "team").map((x) => x.name)).toEqual(["Alpha", "Bravo"]);
  });

  it("is not for clerks, and checks its range", async () => {
    const clerk = await rebook.signIn("clerk");
    expect((await rebook.app.inject({ url: `/api/reports/confirmation?${RANGE}`, headers: clerk })).statusCode).toBe(
      403,
    );
    const viewer = await rebook.signIn("viewer");
    const bad = await rebook.app.inject({
      url: "/api/reports/confirmation?from=2025-10-05&to=2025-10-01",
      headers: viewer,
    });
    expect(bad.statusCode).toBe(400);
  });

  it("counts not-confirmed requests for the teams a lead leads (all for an admin, none for a clerk)", async () => {
    const get = async (headers: Record<string, string>) =>
      (await rebook.app.inject({ url: "/api/pkb-confirmation/summary", headers })).json<unknown>();
    expect(await get(await rebook.signIn("team_lead", { leadTeamIds: [alpha] }))).toEqual({
      notConfirmed: 1,
      awaiting: 0,
    });
    expect(await get(await rebook.signIn("team_lead", { leadTeamIds: [bravo] }))).toEqual({
      notConfirmed: 0,
      awaiting: 1,
    });
    expect(await get(await rebook.signIn("admin"))).toEqual({ notConfirmed: 1, awaiting: 1 });
    expect(await get(await rebook.signIn("clerk", { teamIds: [alpha] }))).toEqual({ notConfirmed: 0, awaiting: 0 });
  });
});
