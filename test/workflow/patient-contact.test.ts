// Issue 10, "Deadlines that match how teams work" and "Answering the patient", through the HTTP API: team working
// hours (admins; audited; deadlines recomputed), waiting for the patient (deadline paused, shown as such, reminder to
// the assignee), reply templates (admins; audited; placeholders checked), the reply filled in and offered only once PKB
// shows a rebooking, and "patient answered" with who and when.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventBus, type BusEvent } from "../../src/events/bus.ts";
import { endDueWaits } from "../../src/requests/commands/snooze.ts";
import type { Db } from "../../src/store/db.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { audits, history, person, seedRequest, team, type Person } from "./helpers.ts";

const H = 3_600_000;
const weekdays = (opens: string, closes: string) => [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens, closes }));

describe("working hours, waiting for the patient and replies over HTTP", () => {
  let t: TestDb;
  let db: Db;
  let rebook: TestApp;
  let office: { id: string; name: string };
  let admin: Person, lead: Person, clerk: Person;

  const call = async <T = Record<string, unknown>>(who: Person, url: string, payload?: unknown, method = "POST") => {
    const res = await rebook.app.inject({
      method: method as "POST",
      url,
      payload: payload as Record<string, unknown>,
      headers: who.headers,
    });
    return { status: res.statusCode, body: (res.body ? res.json() : null) as T };
  };
  const code = (r: { body: unknown }): string | undefined => (r.body as { error?: { code: string } }).error?.code;
  const deadlineAt = async (id: string): Promise<string> =>
    (
      await db.query<{ deadline_at: Date }>("SELECT deadline_at FROM appointment_requests WHERE id = $1", [id])
    )[0]!.deadline_at.toISOString();

  beforeAll(async () => {
    t = await engines[0].open();
    db = t.db;
    rebook = await buildTestApp(db);
    office = await team(db, "Outpatients");
    admin = await person(db, rebook.config, { role: "admin", name: "Ada Admin" });
    lead = await person(db, rebook.config, { role: "team_lead", teams: [{ teamId: office.id, lead: true }] });
    clerk = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: office.id }], name: "Cara Clerk" });
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("lets an admin set a team's hours (not a lead), refuses bad hours, recomputes and audits", async () => {
    const id = await seedRequest(db, { teamId: office.id, receivedAt: new Date("2025-11-14T19:30:00Z") });
    expect(await deadlineAt(id)).toBe("2025-11-17T19:30:00.000Z"); // around the clock: 72 hours
    expect(
      (await call(lead, `/api/teams/${office.id}/hours`, { hours: weekdays("09:00", "17:00") }, "PUT")).status,
    ).toBe(403);
    const bad = await call(
      admin,
      `/api/teams/${office.id}/hours`,
      { hours: [{ weekday: 1, opens: "17:00", closes: "09:00" }] },
      "PUT",
    );
    expect(bad.status).toBe(400);
    expect(code(bad)).toBe("invalid_hours");
    expect(JSON.stringify(bad.body)).toContain("Monday: the team must open (17:00) before it closes (09:00)");
    const ok = await call<{ workingHours: unknown; recomputed: number }>(
      admin,
      `/api/teams/${office.id}/hours`,
      { hours: weekdays("09:00", "17:00") },
      "PUT",
    );
    expect(ok.status).toBe(200);
    expect(ok.body.workingHours).toEqual(weekdays("09:00", "17:00"));
    expect(ok.body.recomputed).toBeGreaterThanOrEqual(1);
    // Friday evening: 16 working hours = Monday and Tuesday, due Tuesday 17:00, not overdue on Monday morning.
    expect(await deadlineAt(id)).toBe("2025-11-18T17:00:00.000Z");
    const teams = await call<{ id: string; workingHours: unknown }[]>(clerk, "/api/teams", undefined, "GET");
    expect(teams.body.find((x) => x.id === office.id)!.workingHours).toEqual(weekdays("09:00", "17:00"));
    const [entry] = await db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_log WHERE action = 'team.hours_changed' ORDER BY at DESC LIMIT 1",
    );
    expect(entry!.details).toMatchObject({ teamId: office.id, from: "Around the clock", to: "Mon–Fri 09:00–17:00" });
  });

  it("waits for the patient: deadline paused and shown as waiting, reminder back to the assignee, history and audit", async () => {
    const now = new Date();
    const id = await seedRequest(db, {
      teamId: office.id,
      receivedAt: new Date(now.getTime() - 2 * H),
      status: "in_progress",
      assignedUserId: clerk.user.id,
    });
    // Only a request that needs patient contact can wait.
    const nextWeek = new Date(now.getTime() + 7 * 86_400_000).toISOString().slice(0, 10);
    const tooSoon = await call(clerk, `/api/requests/${id}/wait`, { until: { date: nextWeek } });
    expect(code(tooSoon)).toBe("not_waiting_for_patient");
    await call(clerk, `/api/requests/${id}/outcome`, {
      outcome: "needs_patient_contact",
      note: "Phone to agree a time",
    });
    const before = await deadlineAt(id);
    const past = await call(clerk, `/api/requests/${id}/wait`, { until: { date: "2020-01-01" } });
    expect(code(past)).toBe("wait_not_in_future");
    // A time the clocks skip (01:30 on the last Sunday of March) is the time's fault, not the date's; nothing is written.
    const skipped = await call(clerk, `/api/requests/${id}/wait`, { until: { date: "2027-03-28", time: "01:30" } });
    expect([skipped.status, code(skipped)]).toEqual([400, "nonexistent_time"]);
    expect((await call(clerk, `/api/requests/${id}/wait`, { until: { date: "2027-04-31" } })).body).toMatchObject({
      error: { code: "invalid_date" },
    });
    expect((await history(db, id)).map((h) => h.type)).not.toContain("snoozed");
    const until = new Date(now.getTime() + 10 * 86_400_000).toISOString().slice(0, 10);
    const waited = await call(clerk, `/api/requests/${id}/wait`, {
      until: { date: until, time: "10:00" },
      note: "Left a voicemail",
    });
    expect(waited.status).toBe(200);
    expect(new Date(await deadlineAt(id)).getTime()).toBeGreaterThan(new Date(before).getTime());
    const detail = await call<{ deadline: { state: string; text: string } }>(
      clerk,
      `/api/requests/${id}`,
      undefined,
      "GET",
    );
    expect(detail.body.deadline.state).toBe("waiting");
    expect(detail.body.deadline.text).toMatch(/^Waiting for patient until \w{3} \d+ \w{3,4}.*, 10:00$/);
    const list = await call<{ items: { id: string; deadline: { state: string } }[] }>(
      clerk,
      `/api/requests?team=${office.id}`,
      undefined,
      "GET",
    );
    expect(list.body.items.find((i) => i.id === id)?.deadline.state).toBe("waiting");
    // The reminder: when the date comes, the wait ends, the deadline runs again and the assignee is told.
    const published: BusEvent[] = [];
    const stop = eventBus(db).subscribe((e) => published.push(e));
    expect(await endDueWaits(db, new Date(now.getTime() + 5 * 86_400_000))).toBe(0);
    expect(await endDueWaits(db, new Date(now.getTime() + 11 * 86_400_000))).toBe(1);
    stop();
    expect(published).toContainEqual(
      expect.objectContaining({
        type: "request.updated",
        requestId: id,
        assignedUserId: clerk.user.id,
        reminder: "waiting_ended",
      }),
    );
    const [row] = await db.query<{ snoozed_until: Date | null; sla_paused_ms: string }>(
      "SELECT snoozed_until, sla_paused_ms FROM appointment_requests WHERE id = $1",
      [id],
    );
    expect(row!.snoozed_until).toBeNull();
    expect(Number(row!.sla_paused_ms)).toBeGreaterThan(8 * H); // at least a working day paused
    const types = (await history(db, id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["snoozed", "snooze_ended"]));
    expect((await history(db, id)).find((e) => e.type === "snooze_ended")!.data).toMatchObject({ reason: "reminder" });
    expect((await audits(db, id)).map((a) => a.action)).toContain("request.snoozed");
    // Waiting again, then stopping early, counts only the time waited.
    await call(clerk, `/api/requests/${id}/wait`, { until: { date: until } });
    const ended = await call(clerk, `/api/requests/${id}/wait/end`, {});
    expect(ended.status).toBe(200);
    expect((await history(db, id)).at(-1)).toMatchObject({ type: "snooze_ended", data: { reason: "ended" } });
    expect((await call(clerk, `/api/requests/${id}/wait/end`, {})).body).toMatchObject({ changed: false });
  });

  it("fills the reply for the outcome, offers a rebooking's reply only once PKB shows it, and records the answer", async () => {
    await db.query(
      `INSERT INTO patients (pkb_user_id, first_name, last_name, raw, fetched_at) VALUES ('pkb-patient-reply', 'Amira', 'Khan', '{}', now())
       ON CONFLICT DO NOTHING`,
    );
    const id = await seedRequest(db, {
      teamId: office.id,
      appointmentStart: new Date("2055-07-14T13:30:00Z"),
      location: "Eye clinic, St Thomas'",
      assignedUserId: clerk.user.id,
      status: "in_progress",
    });
    await db.query("UPDATE appointment_requests SET patient_pkb_id = 'pkb-patient-reply' WHERE id = $1", [id]);
    const none = await call<{ offered: boolean; reason: string }>(clerk, `/api/requests/${id}/reply`, undefined, "GET");
    expect(none.body).toMatchObject({ offered: false, reason: expect.stringContaining("Record the outcome first") });
    expect(code(await call(clerk, `/api/requests/${id}/patient-answered`, {}))).toBe("no_outcome");
    const rebooked = await call(clerk, `/api/requests/${id}/outcome`, {
      outcome: "rebooked",
      newStart: { date: "2055-07-21", time: "09:15" },
    });
    expect(rebooked.status).toBe(200);
    const waiting = await call<{ offered: boolean; reason: string; delivery: { kind: string; openUrl: string } }>(
      clerk,
      `/api/requests/${id}/reply`,
      undefined,
      "GET",
    );
    expect(waiting.body.offered).toBe(false);
    expect(waiting.body.reason).toMatch(/^Not offered yet: PKB does not show the new appointment yet/);
    await db.query("UPDATE pkb_confirmations SET state = 'confirmed', confirmed_at = now() WHERE request_id = $1", [
      id,
    ]);
    const reply = await call<{
      offered: boolean;
      text: string;
      missing: string[];
      delivery: { kind: string; openUrl: string };
    }>(clerk, `/api/requests/${id}/reply`, undefined, "GET");
    expect(reply.body.offered).toBe(true);
    expect(reply.body.text).toContain("Dear Amira,");
    expect(reply.body.text).toContain("from Wednesday 14 July 2055 at 2:30pm to Wednesday 21 July 2055 at 9:15am");
    expect(reply.body.text).toContain("Eye clinic, St Thomas'");
    expect(reply.body.text).toContain(office.name);
    expect(reply.body.missing).toEqual([]);
    expect(reply.body.delivery.kind).toBe("copy_and_open");
    const answered = await call(clerk, `/api/requests/${id}/patient-answered`, {});
    expect(answered.status).toBe(200);
    const again = await call<{ answered: { at: string; by: string } }>(
      clerk,
      `/api/requests/${id}/reply`,
      undefined,
      "GET",
    );
    expect(again.body.answered).toMatchObject({ by: "Cara Clerk" });
    expect((await history(db, id)).at(-1)).toMatchObject({ type: "patient_answered", actor_user_id: clerk.user.id });
    expect((await audits(db, id)).map((a) => a.action)).toEqual(
      expect.arrayContaining(["request.reply_prepared", "request.patient_answered"]),
    );
    // Reopened, the next outcome needs its own answer; the earlier one stays in the history.
    await call(clerk, `/api/requests/${id}/status`, { status: "open", reason: "Patient asked again" });
    const reopened = await call<{ answered: unknown }>(clerk, `/api/requests/${id}/reply`, undefined, "GET");
    expect(reopened.body.answered).toBeNull();
    expect((await history(db, id)).some((e) => e.type === "patient_answered")).toBe(true);
  });

  it("lets admins (only) edit reply templates, refusing unknown placeholders, and audits the change", async () => {
    const body = "Hello {firstName}, your {team} appointment on {oldDateTime} is cancelled.";
    expect((await call(lead, "/api/reply-templates/cancelled", { body }, "PUT")).status).toBe(403);
    const bad = await call(admin, "/api/reply-templates/cancelled", { body: "Hi {name}" }, "PUT");
    expect(code(bad)).toBe("invalid_template");
    expect(JSON.stringify(bad.body)).toContain("{name} is not a placeholder");
    const ok = await call<{ body: string; updatedBy: string }>(
      admin,
      "/api/reply-templates/cancelled",
      { body },
      "PUT",
    );
    expect(ok.body).toMatchObject({ body, updatedBy: "Ada Admin" });
    const list = await call<{ templates: { outcome: string; body: string }[] }>(
      clerk,
      "/api/reply-templates",
      undefined,
      "GET",
    );
    expect(list.body.templates.find((x) => x.outcome === "cancelled")!.body).toBe(body);
    const [entry] = await db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_log WHERE action = 'reply_template.changed' ORDER BY at DESC LIMIT 1",
    );
    expect(entry!.details).toMatchObject({ outcome: "cancelled", after: body });
  });
});
