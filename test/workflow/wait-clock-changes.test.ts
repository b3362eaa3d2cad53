// Waiting for the patient on the nights the UK clocks change, on both engines and (vitest.config.ts) in both zones: a
// wait until 01:30 on the night the clocks go back (01:30 happens twice) is stored as the first, BST, one and the
// answer says so in the outcome's words, as a rebooking's does; a time the clocks skip in spring is refused, the wait's
// and the rebooking's refusal naming the day in words. The wait's limits are read against `now`, which the command takes
// (the route uses the system clock): the autumn night is rarely within 90 days of the day the tests run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../../src/auth/permissions.ts";
import { recordOutcome } from "../../src/requests/commands/status.ts";
import { waitForPatient } from "../../src/requests/commands/snooze.ts";
import { decideOutcome } from "../../src/requests/outcome.ts";
import type { Db } from "../../src/store/db.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { history, person, seedRequest, team, type Person } from "./helpers.ts";

describe.each(engines)("waiting for the patient on a clock-change night on $name", (engine) => {
  let t: TestDb;
  let db: Db;
  let rebook: TestApp;
  let teamId: string;
  let clerk: SessionUser;
  let clerkPerson: Person;

  beforeAll(async () => {
    t = await engine.open();
    db = t.db;
    rebook = await buildTestApp(db);
    teamId = (await team(db, "Outpatients")).id;
    const p = await person(db, rebook.config, { role: "clerk", teams: [{ teamId }], name: "Cara Clerk" });
    clerkPerson = p;
    clerk = {
      id: p.user.id,
      email: p.user.email,
      displayName: p.user.displayName,
      role: p.user.role,
      teamIds: [teamId],
      leadTeamIds: [],
    };
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("stores a wait until 01:30 on the night the clocks go back as the first 01:30 and says so, as a rebooking does", async () => {
    const october = new Date("2026-10-01T12:00:00Z"); // the clocks go back on Sunday 25 October 2026
    const id = await seedRequest(db, {
      teamId,
      receivedAt: new Date("2026-09-30T09:00:00Z"),
      status: "in_progress",
      assignedUserId: clerk.id,
    });
    await recordOutcome(db, {
      actor: clerk,
      requestId: id,
      outcome: { outcome: "needs_patient_contact", note: "Phone to agree a time" },
      now: october,
    });
    const until = { date: "2026-10-25", time: "01:30" };
    const warning =
      "01:30 on Sun 25 Oct 2026 happens twice in the UK (the clocks go back that night); recorded as the first, Sun 25 Oct 2026, 01:30 (BST)";
    // The same words as the outcome's rebooking to the same time.
    expect(decideOutcome({ outcome: "rebooked", newStart: until }, undefined, october).warnings).toEqual([warning]);

    const waited = await waitForPatient(db, { actor: clerk, requestId: id, until, now: october });
    expect({ changed: waited.changed, warnings: waited.warnings }).toEqual({ changed: true, warnings: [warning] });
    const [row] = await db.query<{ snoozed_until: Date }>(
      "SELECT snoozed_until FROM appointment_requests WHERE id = $1",
      [id],
    );
    expect(row!.snoozed_until.toISOString()).toBe("2026-10-25T00:30:00.000Z");
    expect((await history(db, id)).at(-1)).toMatchObject({
      type: "snoozed",
      data: { until: "2026-10-25T00:30:00.000Z", untilUk: "Sun 25 Oct 2026, 01:30 (BST)" },
    });

    // Asked again for the same time: nothing changes, and the clerk is told again which 01:30 it is.
    const again = await waitForPatient(db, { actor: clerk, requestId: id, until, now: october });
    expect({ changed: again.changed, warnings: again.warnings }).toEqual({ changed: false, warnings: [warning] });
    // After the repeated hour, nothing to say.
    const later = await waitForPatient(db, {
      actor: clerk,
      requestId: id,
      until: { date: "2026-10-25", time: "02:00" },
      now: october,
    });
    expect({ changed: later.changed, warnings: later.warnings }).toEqual({ changed: true, warnings: [] });
  });

  it("refuses a time the clocks skip naming the day in words, for the wait and for the rebooking", async () => {
    const id = await seedRequest(db, { teamId, status: "in_progress", assignedUserId: clerk.id });
    const post = async (url: string, payload: Record<string, unknown>) => {
      const res = await rebook.app.inject({ method: "POST", url, payload, headers: clerkPerson.headers });
      return { status: res.statusCode, error: res.json<{ error?: { code: string; message: string } }>().error };
    };
    const rebooked = await post(`/api/requests/${id}/outcome`, {
      outcome: "rebooked",
      newStart: { date: "2027-03-28", time: "01:30" },
    });
    expect(rebooked).toEqual({
      status: 400,
      error: expect.objectContaining({
        code: "nonexistent_time",
        message:
          "01:30 on Sun 28 Mar 2027 does not exist in the UK: the clocks go forward that night. Choose another time.",
      }),
    });
    await post(`/api/requests/${id}/outcome`, { outcome: "needs_patient_contact", note: "Phone to agree a time" });
    const waited = await post(`/api/requests/${id}/wait`, { until: { date: "2027-03-28", time: "01:30" } });
    expect(waited).toEqual({
      status: 400,
      error: expect.objectContaining({
        code: "nonexistent_time",
        message:
          "01:30 on Sun 28 Mar 2027 does not exist in the UK: the clocks go forward that night. Choose another time.",
      }),
    });
    expect((await history(db, id)).map((h) => h.type)).not.toContain("snoozed");
  });
});
