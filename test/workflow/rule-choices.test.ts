// What routing rules pick from: the specialties (code and name), locations and appointment types Rebook has seen, over
// HTTP on both engines (admins only); and the simulator saying when a rule's condition matches nothing seen.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam } from "../../src/store/people.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { person, seedRequest, type Person } from "./helpers.ts";

describe.each(engines)("routing rule choices on $name", (engine) => {
  let t: TestDb;
  let rebook: TestApp;
  let admin: Person;
  let clerk: Person;
  let teamId: string;

  beforeAll(async () => {
    t = await engine.open();
    rebook = await buildTestApp(t.db);
    teamId = (await createTeam(t.db, { name: "General", isDefault: true })).id;
    admin = await person(t.db, rebook.config, { role: "admin" });
    clerk = await person(t.db, rebook.config, { role: "clerk", teams: [{ teamId }] });
    const seen = [
      { specialtyCode: "SPEC_03", location: "Eye Clinic, Level 2", appointmentType: "Follow-up" },
      { specialtyCode: "SPEC_03", location: "Eye Clinic, Level 2", appointmentType: "New patient" },
      { specialtyCode: "SPEC_07", location: "Cardiac Unit", appointmentType: "Follow-up" },
      { specialtyCode: null, location: null, appointmentType: null },
    ];
    for (const s of seen) {
      const id = await seedRequest(t.db, { teamId, ...s });
      const display = { SPEC_03: "Ophthalmology", SPEC_07: "Cardiology" }[s.specialtyCode ?? ""] ?? null;
      await t.db.query("UPDATE appointment_requests SET appointment_specialty_display = $2 WHERE id = $1", [
        id,
        display,
      ]);
    }
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("lists what Rebook has seen, by name, with how many requests had each; admins only", async () => {
    const res = await rebook.app.inject({ method: "GET", url: "/api/routing-rules/choices", headers: admin.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      specialties: [
        { code: "SPEC_07", display: "Cardiology", requests: 1 },
        { code: "SPEC_03", display: "Ophthalmology", requests: 2 },
      ],
      locations: [
        { value: "Cardiac Unit", requests: 1 },
        { value: "Eye Clinic, Level 2", requests: 2 },
      ],
      appointmentTypes: [
        { value: "Follow-up", requests: 2 },
        { value: "New patient", requests: 1 },
      ],
    });
    const denied = await rebook.app.inject({
      method: "GET",
      url: "/api/routing-rules/choices",
      headers: clerk.headers,
    });
    expect(denied.statusCode).toBe(403);
  });

  it("says which conditions of the draft match no request Rebook has seen", async () => {
    const res = await rebook.app.inject({
      method: "POST",
      url: "/api/routing-rules/simulate",
      headers: admin.headers,
      payload: {
        rules: [
          {
            name: "Eyes",
            conditions: { specialtyCodes: ["spec_03", "XYZ"], locations: ["eye clinic"], appointmentTypes: ["Urgent"] },
            teamId,
          },
          { name: "Off", enabled: false, conditions: { specialtyCodes: ["NOPE"] }, teamId },
          { name: "Heart", conditions: { locations: ["Ward 9"], appointmentTypes: ["follow"] }, teamId },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ unseen: unknown[] }>().unseen).toEqual([
      {
        rule: { position: 1, name: "Eyes" },
        condition: "specialtyCodes",
        value: "XYZ",
        message: "No request Rebook has seen has specialty 'XYZ'",
      },
      {
        rule: { position: 1, name: "Eyes" },
        condition: "appointmentTypes",
        value: "Urgent",
        message: "No request Rebook has seen has an appointment type containing 'Urgent'",
      },
      {
        rule: { position: 3, name: "Heart" },
        condition: "locations",
        value: "Ward 9",
        message: "No request Rebook has seen has a location containing 'Ward 9'",
      },
    ]);
  });
});
