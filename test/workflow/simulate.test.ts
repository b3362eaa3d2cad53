// The routing rule simulator on known fixtures: counts per team, changed requests and samples through the real route(),
// date range and limit, every problem of a bad draft at once, admins only, and nothing saved.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/store/db.ts";
import { createTeam } from "../../src/store/people.ts";
import { appendRule } from "../../src/store/routing-rules.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { person, seedRequest, type Person } from "./helpers.ts";

interface Simulation {
  total: number;
  changed: number;
  byTeam: { teamId: string | null; teamName: string; current: number; simulated: number }[];
  samples: {
    requestId: string;
    receivedAt: string;
    currentTeam: { id: string; name: string } | null;
    simulatedTeam: { id: string; name: string } | null;
    rule: { position: number; name: string } | null;
  }[];
}

describe("routing rule simulator", () => {
  let t: TestDb;
  let db: Db;
  let rebook: TestApp;
  let admin: Person;
  const team = { general: "", cardiology: "", cancellations: "" };
  const req = { cancelCard: "", changeCard: "", changeDerm: "", cancelDerm: "", urgentNote: "", oldCancel: "" };

  const simulate = async (body: unknown, who: Person = admin) => {
    const res = await rebook.app.inject({
      method: "POST",
      url: "/api/routing-rules/simulate",
      headers: who.headers,
      payload: body as Record<string, unknown>,
    });
    return {
      status: res.statusCode,
      body: res.json<Simulation & { error?: { code: string; problems?: unknown[] } }>(),
    };
  };

  // Rule 1 by name (the export document's shape), rules 2 and 3 by ids (the rules API's shape).
  const draft = () => [
    { name: "Cancellations", conditions: { types: ["cancel"] }, team: "cancellations" },
    { name: "Cardiology", conditions: { specialtyCodes: ["CARD"] }, teamId: team.cardiology },
    { name: "Urgent words", conditions: { keywords: ["urgent"] }, teamId: team.cardiology, priority: "high" },
  ];

  beforeAll(async () => {
    t = await engines[0].open();
    db = t.db;
    rebook = await buildTestApp(db);
    team.general = (await createTeam(db, { name: "General", isDefault: true })).id;
    team.cardiology = (await createTeam(db, { name: "Cardiology" })).id;
    team.cancellations = (await createTeam(db, { name: "Cancellations" })).id;
    admin = await person(db, rebook.config, { role: "admin" });
    const at = (iso: string) => new Date(iso);
    // Where each went (team) and what routing saw.
    req.cancelCard = await seedRequest(db, {
      teamId: team.general,
      type: "cancel",
      specialtyCode: "CARD",
      receivedAt: at("2025-06-05T09:00:00Z"),
      appointmentStart: at("2025-07-01T09:00:00Z"),
    });
    req.changeCard = await seedRequest(db, {
      teamId: team.cardiology,
      specialtyCode: "CARD",
      receivedAt: at("2025-06-04T09:00:00Z"),
      appointmentStart: at("2025-07-01T09:00:00Z"),
    });
    req.changeDerm = await seedRequest(db, {
      teamId: team.general,
      specialtyCode: "DERM",
      receivedAt: at("2025-06-03T09:00:00Z"),
      appointmentStart: at("2025-07-01T09:00:00Z"),
    });
    req.cancelDerm = await seedRequest(db, {
      teamId: team.cancellations,
      type: "cancel",
      specialtyCode: "DERM",
      receivedAt: at("2025-06-02T09:00:00Z"),
      appointmentStart: at("2025-07-01T09:00:00Z"),
    });
    req.urgentNote = await seedRequest(db, {
      teamId: team.general,
      note: "This is URGENT, please",
      matchState: "not_applicable",
      receivedAt: at("2025-06-01T09:00:00Z"),
    });
    req.oldCancel = await seedRequest(db, {
      teamId: team.general,
      type: "cancel",
      receivedAt: at("2024-12-01T09:00:00Z"),
    });
    // Never routed: left out.
    await seedRequest(db, {
      teamId: null,
      type: "cancel",
      status: "processing",
      receivedAt: at("2025-06-06T09:00:00Z"),
    });
    await seedRequest(db, { teamId: null, type: "cancel", status: "error", receivedAt: at("2025-06-06T10:00:00Z") });
    // A stored rule, to show the simulation leaves the real rules alone.
    await appendRule(db, {
      name: "Stored",
      enabled: true,
      conditions: {},
      teamId: team.general,
      assignUserId: null,
      priority: null,
    });
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("counts where past requests went and would go, with samples of the changed ones", async () => {
    const before = await db.query("SELECT id, team_id, updated_at FROM appointment_requests ORDER BY id");
    const rulesBefore = await db.query("SELECT * FROM routing_rules ORDER BY position");
    const eventsBefore = await db.query("SELECT count(*)::int AS n FROM request_events");
    const res = await simulate({ rules: draft() });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.total).toBe(6);
    expect(res.body.changed).toBe(3);
    expect(res.body.byTeam).toEqual([
      { teamId: team.cancellations, teamName: "Cancellations", current: 1, simulated: 3 },
      { teamId: team.cardiology, teamName: "Cardiology", current: 1, simulated: 2 },
      { teamId: team.general, teamName: "General", current: 4, simulated: 1 },
    ]);
    expect(res.body.samples.map((s) => [s.requestId, s.currentTeam?.name, s.simulatedTeam?.name, s.rule])).toEqual([
      [req.cancelCard, "General", "Cancellations", { position: 1, name: "Cancellations" }],
      [req.urgentNote, "General", "Cardiology", { position: 3, name: "Urgent words" }],
      [req.oldCancel, "General", "Cancellations", { position: 1, name: "Cancellations" }],
    ]);
    // Saves nothing.
    expect(await db.query("SELECT id, team_id, updated_at FROM appointment_requests ORDER BY id")).toEqual(before);
    expect(await db.query("SELECT * FROM routing_rules ORDER BY position")).toEqual(rulesBefore);
    expect(await db.query("SELECT count(*)::int AS n FROM request_events")).toEqual(eventsBefore);
  });

  it("replays only the date range asked for, newest first up to the limit", async () => {
    const since = await simulate({ rules: draft(), from: "2025-01-01T00:00:00Z" });
    expect([since.body.total, since.body.changed]).toEqual([5, 2]);
    const range = await simulate({ rules: draft(), from: "2025-06-02T00:00:00+01:00", to: "2025-06-05T09:00:00Z" });
    expect([range.body.total, range.body.changed]).toEqual([3, 0]); // 2, 3 and 4 June
    const newest = await simulate({ rules: draft(), limit: 1 });
    expect([newest.body.total, newest.body.samples.map((s) => s.requestId)]).toEqual([1, [req.cancelCard]]);
  });

  it("sends everything to the default team with no rules, and disabled rules do nothing", async () => {
    const none = await simulate({ rules: [] });
    expect(none.body.changed).toBe(2); // the two that are in Cardiology and Cancellations now
    expect(none.body.samples.every((s) => s.simulatedTeam?.id === team.general && s.rule === null)).toBe(true);
    const disabled = await simulate({ rules: draft().map((r) => ({ ...r, enabled: false })) });
    expect(disabled.body.changed).toBe(2);
  });

  it("reports every problem of a bad draft at once", async () => {
    const res = await simulate({
      rules: [
        { name: "", conditions: { types: ["swap"] }, team: "Nowhere" },
        { name: "Bad id", teamId: "not-a-uuid" },
        { name: "Unknown condition", conditions: { colour: ["red"] }, teamId: "2f1b7c1e-3d4a-4b5c-8d6e-7f8091a2b3c4" },
        { name: "Ghost", team: "General", assignUser: "ghost@nhs.test" },
        { name: "Fine", conditions: { locations: ["Ward 1"] }, team: "General" },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe("invalid_rules");
    const paths = (res.body.error?.problems as { path: string }[]).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "rules[0].name",
        "rules[0].conditions.types[0]",
        "rules[0].team",
        "rules[1].teamId",
        "rules[2].conditions",
        "rules[2].teamId",
        "rules[3].assignUser",
      ]),
    );
    expect(paths.some((p) => p.startsWith("rules[4]"))).toBe(false);
  });

  it("is for admins only", async () => {
    const lead = await person(db, rebook.config, { role: "team_lead", teams: [{ teamId: team.general, lead: true }] });
    expect((await simulate({ rules: [] }, lead)).status).toBe(403);
    const res = await rebook.app.inject({ method: "POST", url: "/api/routing-rules/simulate", payload: { rules: [] } });
    expect(res.statusCode).toBe(401);
  });
});
