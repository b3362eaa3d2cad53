// Moving a misrouted request to another team (issue 10): one or many, with a reason, a history event, an audit entry,
// and the destination team's auto-assignment applied (round robin over the members who can work requests: never a
// viewer or a deactivated account). The sender's clerk loses sight of it; the new team sees it.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventBus, type BusEvent } from "../../src/events/bus.ts";
import { recordPatientNotIdentified } from "../../src/requests/commands/pipeline.ts";
import type { Db } from "../../src/store/db.ts";
import { appendRule } from "../../src/store/routing-rules.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { audits, history, person, seedRequest, team, type Person } from "./helpers.ts";

interface Result {
  id: string;
  status: string;
  teamId: string | null;
  assignedUser: { id: string; displayName: string } | null;
  changed: boolean;
}
interface Bulk {
  results: { id: string; ok: boolean; error?: { code: string }; result?: Result }[];
  succeeded: number;
}

describe("transferring a request to another team", () => {
  let t: TestDb;
  let db: Db;
  let rebook: TestApp;
  let from: { id: string; name: string };
  let to: { id: string; name: string };
  let lead: Person, clerk: Person, receiver: Person, viewer: Person, leaver: Person;

  const call = async <T = Result>(who: Person, url: string, payload?: unknown, method = "POST") => {
    const res = await rebook.app.inject({
      method: method as "POST",
      url,
      payload: payload as Record<string, unknown>,
      headers: who.headers,
    });
    return { status: res.statusCode, body: (res.body ? res.json() : null) as T };
  };
  const code = (r: { body: unknown }): string | undefined => (r.body as { error?: { code: string } }).error?.code;

  beforeAll(async () => {
    t = await engines[0].open();
    db = t.db;
    rebook = await buildTestApp(db);
    from = await team(db, "Appointments");
    to = await team(db, "Cardiology");
    await db.query("UPDATE teams SET auto_assign = true WHERE id = $1", [to.id]);
    lead = await person(db, rebook.config, { role: "team_lead", teams: [{ teamId: from.id, lead: true }] });
    clerk = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: from.id }], name: "Cara Clerk" });
    // The destination's members: one who can work requests, a viewer and a deactivated clerk (never auto-assigned).
    receiver = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: to.id }], name: "Rita Receiver" });
    viewer = await person(db, rebook.config, { role: "viewer", teams: [{ teamId: to.id }], name: "Vic Viewer" });
    leaver = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: to.id }], name: "Len Leaver" });
    await db.query("UPDATE users SET active = false WHERE id = $1", [leaver.user.id]);
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("moves a request with a reason: event, audit, unassigned from the sender, auto-assigned in the new team", async () => {
    const id = await seedRequest(db, { teamId: from.id, status: "in_progress", assignedUserId: clerk.user.id });
    const published: BusEvent[] = [];
    const stop = eventBus(db).subscribe((e) => published.push(e));
    const r = await call(clerk, `/api/requests/${id}/transfer`, {
      teamId: to.id,
      reason: "Cardiology appointment, not ours",
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      changed: true,
      teamId: to.id,
      status: "open",
      assignedUser: { id: receiver.user.id },
    });
    const rows = await history(db, id);
    expect(rows.slice(1).map((h) => h.type)).toEqual(["transferred", "unassigned", "assigned", "status_changed"]);
    expect(rows[1]).toMatchObject({
      actor_user_id: clerk.user.id,
      data: { fromTeamId: from.id, toTeamId: to.id, reason: "Cardiology appointment, not ours" },
    });
    expect(rows[3]?.data).toMatchObject({ userId: receiver.user.id, auto: true, via: "transfer" });
    expect(rows[4]?.data).toMatchObject({ from: "in_progress", to: "open", reason: "transferred" });
    expect((await audits(db, id)).at(-1)).toMatchObject({
      action: "request.transferred",
      actor_user_id: clerk.user.id,
      details: { fromTeamId: from.id, toTeamId: to.id, reason: "Cardiology appointment, not ours" },
    });
    // The live update names the team it left, so the sender's screens drop it too.
    stop();
    expect(published).toContainEqual(
      expect.objectContaining({ type: "request.updated", requestId: id, teamId: to.id, previousTeamId: from.id }),
    );
    // The sender's clerk no longer sees it; the receiver does.
    expect((await call(clerk, `/api/requests/${id}`, undefined, "GET")).status).toBe(404);
    expect((await call(receiver, `/api/requests/${id}`, undefined, "GET")).status).toBe(200);
  });

  it("never auto-assigns a viewer or a deactivated member: nobody, when nobody else can take it", async () => {
    await db.query("UPDATE team_members SET available = false WHERE user_id = $1", [receiver.user.id]);
    try {
      const id = await seedRequest(db, { teamId: from.id });
      const r = await call(lead, `/api/requests/${id}/transfer`, { teamId: to.id, reason: "Wrong team" });
      expect(r.body).toMatchObject({ teamId: to.id, assignedUser: null });
      expect(r.body.assignedUser?.id).not.toBe(viewer.user.id);
      expect(r.body.assignedUser?.id).not.toBe(leaver.user.id);
    } finally {
      await db.query("UPDATE team_members SET available = true WHERE user_id = $1", [receiver.user.id]);
    }
  });

  it("the pipeline's routing never auto-assigns a viewer or a deactivated member either", async () => {
    const only = await team(db, "Viewers only");
    await db.query("UPDATE teams SET auto_assign = true WHERE id = $1", [only.id]);
    await person(db, rebook.config, { role: "viewer", teams: [{ teamId: only.id }] });
    const gone = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: only.id }] });
    await db.query("UPDATE users SET active = false WHERE id = $1", [gone.user.id]);
    await appendRule(db, {
      name: "Everything to the viewers' team",
      enabled: true,
      conditions: { keywords: ["viewers-only-team"] },
      teamId: only.id,
      assignUserId: null,
      priority: null,
    });
    const id = await seedRequest(db, { teamId: null, status: "processing", note: "viewers-only-team please" });
    await recordPatientNotIdentified(db, {
      requestId: id,
      reason: "no NHS number",
      message: { type: "change", pkbTeamName: null, patientNote: "viewers-only-team please", requestedSubject: null },
    });
    const [row] = await db.query<{ team_id: string; assigned_user_id: string | null }>(
      "SELECT team_id, assigned_user_id FROM appointment_requests WHERE id = $1",
      [id],
    );
    expect(row).toEqual({ team_id: only.id, assigned_user_id: null });
  });

  it("needs a reason, a team that exists and a request that is still being worked; the same team changes nothing", async () => {
    const id = await seedRequest(db, { teamId: from.id });
    expect(code(await call(clerk, `/api/requests/${id}/transfer`, { teamId: to.id }))).toBeDefined();
    expect((await call(clerk, `/api/requests/${id}/transfer`, { teamId: to.id, reason: "  " })).status).toBe(400);
    const nowhere = await call(clerk, `/api/requests/${id}/transfer`, { teamId: randomUUID(), reason: "x" });
    expect([nowhere.status, code(nowhere)]).toEqual([400, "unknown_team"]);
    const same = await call(clerk, `/api/requests/${id}/transfer`, { teamId: from.id, reason: "x" });
    expect(same.body.changed).toBe(false);
    const done = await seedRequest(db, { teamId: from.id, status: "done" });
    expect(code(await call(clerk, `/api/requests/${done}/transfer`, { teamId: to.id, reason: "x" }))).toBe(
      "request_closed",
    );
    const held = await seedRequest(db, { teamId: from.id, assignedUserId: lead.user.id });
    expect(code(await call(clerk, `/api/requests/${held}/transfer`, { teamId: to.id, reason: "x" }))).toBe(
      "held_by_other",
    );
    expect((await history(db, id)).map((h) => h.type)).toEqual(["received"]);
  });

  it("bulk: a team lead transfers several at once, each with its own result", async () => {
    const a = await seedRequest(db, { teamId: from.id });
    const b = await seedRequest(db, { teamId: from.id, assignedUserId: clerk.user.id });
    const refused = await call<Bulk>(clerk, "/api/requests/bulk", {
      action: "transfer",
      ids: [a],
      teamId: to.id,
      reason: "x",
    });
    expect(refused.status).toBe(403);
    const bulk = await call<Bulk>(lead, "/api/requests/bulk", {
      action: "transfer",
      ids: [a, b],
      teamId: to.id,
      reason: "All cardiology",
    });
    expect(bulk.body.results.map((r) => (r.ok ? "ok" : r.error?.code))).toEqual(["ok", "held_by_other"]);
    const again = await call<Bulk>(lead, "/api/requests/bulk", {
      action: "transfer",
      ids: [b],
      teamId: to.id,
      reason: "All cardiology",
      override: true,
    });
    expect(again.body.results[0]?.result).toMatchObject({ teamId: to.id });
    expect((await history(db, a)).find((h) => h.type === "transferred")?.data).toMatchObject({
      reason: "All cardiology",
      bulk: true,
    });
  });

  it("lists every team's name for choosing a destination, and which members can take requests", async () => {
    const teams = await call<{ id: string; members: { userId: string; canWork: boolean }[] }[]>(
      clerk,
      "/api/teams",
      undefined,
      "GET",
    );
    const dest = teams.body.find((x) => x.id === to.id)!;
    const canWork = Object.fromEntries(dest.members.map((m) => [m.userId, m.canWork]));
    expect(canWork).toEqual({ [receiver.user.id]: true, [viewer.user.id]: false, [leaver.user.id]: false });
  });
});
