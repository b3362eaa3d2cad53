// Every workflow action through HTTP on a real store, signed in with real sessions: claim, assign, unassign, status,
// outcomes (BST, nonexistent and repeated times), notes, bulk, presence and the worklist's deadline fields and filters,
// with the permission rules (another team's clerk gets 404, a viewer 403) and the history and audit rows written.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/store/db.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { audits, history, person, seedRequest, team, type Person } from "./helpers.ts";

const H = 3_600_000;

interface Result {
  id: string;
  status: string;
  outcome: string | null;
  outcomeDetails: Record<string, unknown> | null;
  assignedUser: { id: string; displayName: string } | null;
  changed: boolean;
  warnings: string[];
}

describe("workflow actions over HTTP", () => {
  let t: TestDb;
  let db: Db;
  let rebook: TestApp;
  let teamA: { id: string; name: string };
  let teamB: { id: string; name: string };
  let admin: Person, leadA: Person, clerkA1: Person, clerkA2: Person, clerkB: Person, viewerA: Person;

  const call = async <T = Result>(
    who: Person | null,
    method: "GET" | "POST" | "DELETE",
    url: string,
    payload?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const res = await rebook.app.inject({
      method,
      url,
      payload: payload as Record<string, unknown> | undefined,
      headers: who?.headers ?? {},
    });
    return { status: res.statusCode, body: (res.body ? res.json() : null) as T };
  };
  const errorCode = (r: { body: unknown }): string | undefined => (r.body as { error?: { code: string } }).error?.code;

  beforeAll(async () => {
    t = await engines[0].open();
    db = t.db;
    rebook = await buildTestApp(db);
    teamA = await team(db, "Cardiology");
    teamB = await team(db, "Dermatology");
    admin = await person(db, rebook.config, { role: "admin", name: "Ada Admin" });
    leadA = await person(db, rebook.config, {
      role: "team_lead",
      teams: [{ teamId: teamA.id, lead: true }],
      name: "Lee Lead",
    });
    clerkA1 = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: teamA.id }], name: "Cara Clerk" });
    clerkA2 = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: teamA.id }], name: "Cole Clerk" });
    clerkB = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: teamB.id }], name: "Bea Other" });
    viewerA = await person(db, rebook.config, { role: "viewer", teams: [{ teamId: teamA.id }], name: "Vic Viewer" });
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("documents the workflow routes in the OpenAPI document under the Workflow tag", async () => {
    const doc = await call<{ paths: Record<string, Record<string, { tags?: string[] }>> }>(
      admin,
      "GET",
      "/api/openapi.json",
    );
    expect(doc.status).toBe(200);
    for (const [path, method] of [
      ["/api/requests/{id}/claim", "post"],
      ["/api/requests/{id}/assign", "post"],
      ["/api/requests/{id}/unassign", "post"],
      ["/api/requests/{id}/status", "post"],
      ["/api/requests/{id}/outcome", "post"],
      ["/api/requests/{id}/transfer", "post"],
      ["/api/requests/{id}/notes", "get"],
      ["/api/requests/{id}/notes", "post"],
      ["/api/requests/{id}/match", "post"],
      ["/api/requests/{id}/rematch", "post"],
      ["/api/requests/bulk", "post"],
      ["/api/requests/{id}/presence", "post"],
      ["/api/events", "get"],
    ] as const) {
      expect(doc.body.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual(["Workflow"]);
    }
    expect(doc.body.paths["/api/routing-rules/simulate"]?.post).toBeDefined();
  });

  it("claims a request with its history and audit rows, and answers a second claimer 409 already_assigned", async () => {
    const id = await seedRequest(db, { teamId: teamA.id });
    const claimed = await call(clerkA1, "POST", `/api/requests/${id}/claim`);
    expect(claimed.status).toBe(200);
    // Claiming means working on it: an open request moves to in progress.
    expect(claimed.body).toMatchObject({ changed: true, status: "in_progress", assignedUser: { id: clerkA1.user.id } });
    expect((await history(db, id)).slice(-2)).toMatchObject([
      {
        type: "assigned",
        actor_user_id: clerkA1.user.id,
        data: { userId: clerkA1.user.id, previousUserId: null, via: "claim" },
      },
      { type: "status_changed", actor_user_id: clerkA1.user.id, data: { from: "open", to: "in_progress" } },
    ]);
    expect((await audits(db, id)).map((a) => [a.action, a.actor_user_id])).toEqual([
      ["request.claimed", clerkA1.user.id],
    ]);

    const again = await call(clerkA1, "POST", `/api/requests/${id}/claim`, {});
    expect(again.body.changed).toBe(false);
    expect((await history(db, id)).filter((h) => h.type === "assigned")).toHaveLength(1);

    const second = await call(clerkA2, "POST", `/api/requests/${id}/claim`);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      error: { code: "already_assigned", message: expect.stringContaining("Cara Clerk") },
    });
    expect(errorCode(await call(clerkA2, "POST", `/api/requests/${id}/claim`, { takeOver: true }))).toBe("forbidden");
    // A lead must ask for the take-over explicitly.
    expect(errorCode(await call(leadA, "POST", `/api/requests/${id}/claim`))).toBe("already_assigned");
    const takeOver = await call(leadA, "POST", `/api/requests/${id}/claim`, { takeOver: true });
    expect(takeOver.body.assignedUser?.id).toBe(leadA.user.id);
    expect((await history(db, id)).at(-1)?.data).toMatchObject({ previousUserId: clerkA1.user.id, takeOver: true });
    expect(takeOver.body.status).toBe("in_progress");
    expect((await audits(db, id)).at(-1)).toMatchObject({
      action: "request.claimed",
      details: { takeOverFrom: clerkA1.user.id },
    });
  });

  it("hides another team's request (404), refuses viewers (403) and strangers (401)", async () => {
    const id = await seedRequest(db, { teamId: teamA.id });
    const attempts: [string, string, unknown][] = [
      ["POST", `/api/requests/${id}/claim`, {}],
      ["POST", `/api/requests/${id}/assign`, { userId: clerkA1.user.id }],
      ["POST", `/api/requests/${id}/unassign`, {}],
      ["POST", `/api/requests/${id}/status`, { status: "in_progress" }],
      ["POST", `/api/requests/${id}/outcome`, { outcome: "cancelled" }],
      ["POST", `/api/requests/${id}/notes`, { body: "Rang the patient" }],
      ["POST", `/api/requests/${id}/match`, { fhirId: "x" }],
      ["POST", `/api/requests/${id}/rematch`, {}],
    ];
    for (const [method, url, body] of attempts) {
      const other = await call(clerkB, method as "POST", url, body);
      expect([url, other.status, errorCode(other)]).toEqual([url, 404, "not_found"]);
      const viewer = await call(viewerA, method as "POST", url, body);
      expect([url, viewer.status, errorCode(viewer)]).toEqual([url, 403, "forbidden"]);
      const stranger = await call(null, method as "POST", url, body);
      expect([url, stranger.status]).toEqual([url, 401]);
    }
    for (const [method, url] of [
      ["GET", `/api/requests/${id}/notes`],
      ["POST", `/api/requests/${id}/presence`],
      ["DELETE", `/api/requests/${id}/presence`],
    ] as const) {
      expect((await call(clerkB, method, url, method === "POST" ? { state: "viewing" } : undefined)).status).toBe(404);
    }
    // Viewers read: notes and "viewing" presence, but not "editing".
    expect((await call(viewerA, "GET", `/api/requests/${id}/notes`)).status).toBe(200);
    expect((await call(viewerA, "POST", `/api/requests/${id}/presence`, { state: "viewing" })).status).toBe(200);
    expect(errorCode(await call(viewerA, "POST", `/api/requests/${id}/presence`, { state: "editing" }))).toBe(
      "forbidden",
    );
    // Nothing changed, and a request no team owns is for admins only.
    expect((await history(db, id)).map((h) => h.type)).toEqual(["received"]);
    const unrouted = await seedRequest(db, { teamId: null });
    expect((await call(clerkA1, "POST", `/api/requests/${unrouted}/claim`)).status).toBe(404);
    expect((await call(admin, "POST", `/api/requests/${unrouted}/claim`)).body.assignedUser?.id).toBe(admin.user.id);
    expect((await call(admin, "POST", `/api/requests/${randomUUID()}/claim`)).status).toBe(404);
  });

  it("assigns: leads to any active member of the team, clerks only themselves", async () => {
    const id = await seedRequest(db, { teamId: teamA.id });
    const byLead = await call(leadA, "POST", `/api/requests/${id}/assign`, { userId: clerkA2.user.id });
    expect(byLead.body).toMatchObject({
      changed: true,
      assignedUser: { id: clerkA2.user.id, displayName: "Cole Clerk" },
    });
    expect((await audits(db, id)).at(-1)).toMatchObject({
      action: "request.assigned",
      details: { userId: clerkA2.user.id },
    });
    expect(errorCode(await call(leadA, "POST", `/api/requests/${id}/assign`, { userId: clerkB.user.id }))).toBe(
      "not_a_team_member",
    );
    expect(errorCode(await call(leadA, "POST", `/api/requests/${id}/assign`, { userId: viewerA.user.id }))).toBe(
      "assignee_cannot_work",
    );
    const leaver = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: teamA.id }] });
    await db.query("UPDATE users SET active = false WHERE id = $1", [leaver.user.id]);
    expect(errorCode(await call(leadA, "POST", `/api/requests/${id}/assign`, { userId: leaver.user.id }))).toBe(
      "not_a_team_member",
    );
    // A clerk may not hand work to someone else, nor take it from a colleague.
    expect(errorCode(await call(clerkA1, "POST", `/api/requests/${id}/assign`, { userId: clerkA2.user.id }))).toBe(
      "forbidden",
    );
    expect(errorCode(await call(clerkA1, "POST", `/api/requests/${id}/assign`, { userId: clerkA1.user.id }))).toBe(
      "held_by_other",
    );
    const free = await seedRequest(db, { teamId: teamA.id });
    expect(
      (await call(clerkA1, "POST", `/api/requests/${free}/assign`, { userId: clerkA1.user.id })).body.assignedUser?.id,
    ).toBe(clerkA1.user.id);
    // Taking it from the clerk who holds it needs an explicit override.
    expect(errorCode(await call(admin, "POST", `/api/requests/${free}/assign`, { userId: clerkA2.user.id }))).toBe(
      "held_by_other",
    );
    expect(
      (await call(admin, "POST", `/api/requests/${free}/assign`, { userId: clerkA2.user.id, override: true })).body
        .assignedUser?.id,
    ).toBe(clerkA2.user.id);
  });

  it("unassigns by the holder or a lead; a request in progress goes back to open", async () => {
    const id = await seedRequest(db, { teamId: teamA.id });
    await call(clerkA1, "POST", `/api/requests/${id}/status`, { status: "in_progress" });
    expect(errorCode(await call(clerkA2, "POST", `/api/requests/${id}/unassign`))).toBe("forbidden");
    const done = await call(clerkA1, "POST", `/api/requests/${id}/unassign`);
    expect(done.body).toMatchObject({ changed: true, status: "open", assignedUser: null });
    expect((await history(db, id)).slice(-2)).toMatchObject([
      { type: "unassigned", data: { previousUserId: clerkA1.user.id } },
      { type: "status_changed", data: { from: "in_progress", to: "open", reason: "unassigned" } },
    ]);
    expect((await call(clerkA1, "POST", `/api/requests/${id}/unassign`)).body.changed).toBe(false);
    await call(clerkA2, "POST", `/api/requests/${id}/claim`);
    expect(errorCode(await call(leadA, "POST", `/api/requests/${id}/unassign`))).toBe("held_by_other");
    expect(
      (await call(leadA, "POST", `/api/requests/${id}/unassign`, { override: true })).body.assignedUser,
    ).toBeNull();
  });

  it("moves status open → in progress, done only by an outcome, refuses other moves, and reopens only with a reason", async () => {
    const id = await seedRequest(db, { teamId: teamA.id });
    const started = await call(clerkA1, "POST", `/api/requests/${id}/status`, { status: "in_progress" });
    expect(started.body).toMatchObject({ status: "in_progress", assignedUser: { id: clerkA1.user.id } });
    expect((await history(db, id)).slice(-2)).toMatchObject([
      { type: "assigned", data: { via: "started" } },
      { type: "status_changed", actor_user_id: clerkA1.user.id, data: { from: "open", to: "in_progress" } },
    ]);
    expect(errorCode(await call(clerkA2, "POST", `/api/requests/${id}/status`, { status: "open" }))).toBe(
      "held_by_other",
    );
    expect(errorCode(await call(clerkA1, "POST", `/api/requests/${id}/status`, { status: "done" }))).toBe(
      "outcome_required",
    );
    expect((await call(clerkA1, "POST", `/api/requests/${id}/outcome`, { outcome: "cancelled" })).body.status).toBe(
      "done",
    );
    const back = await call(clerkA1, "POST", `/api/requests/${id}/status`, { status: "in_progress" });
    expect([back.status, errorCode(back)]).toEqual([409, "invalid_transition"]);
    expect(errorCode(await call(clerkA1, "POST", `/api/requests/${id}/status`, { status: "open" }))).toBe(
      "reason_required",
    );
    expect(errorCode(await call(clerkA1, "POST", `/api/requests/${id}/status`, { status: "open", reason: "  " }))).toBe(
      "reason_required",
    );
    const reopened = await call(clerkA1, "POST", `/api/requests/${id}/status`, {
      status: "open",
      reason: "Patient rang back",
    });
    expect(reopened.body).toMatchObject({ status: "open", outcome: null });
    expect((await history(db, id)).slice(-2)).toMatchObject([
      { type: "reopened", data: { reason: "Patient rang back", previousOutcome: "cancelled" } },
      { type: "status_changed", data: { from: "done", to: "open", reason: "Patient rang back" } },
    ]);
    expect((await audits(db, id)).at(-1)).toMatchObject({
      action: "request.status_changed",
      details: { from: "done", to: "open", reason: "Patient rang back" },
    });
    const inError = await seedRequest(db, { teamId: teamA.id, status: "error" });
    expect(errorCode(await call(clerkA1, "POST", `/api/requests/${inError}/status`, { status: "open" }))).toBe(
      "invalid_transition",
    );
    expect((await call(clerkA1, "POST", `/api/requests/${id}/status`, { status: "bogus" })).status).toBe(400);
  });

  it("records a rebooking on the UK clock: BST converted, a nonexistent time refused, a repeated one flagged", async () => {
    const id = await seedRequest(db, { teamId: teamA.id });
    const gap = await call(clerkA1, "POST", `/api/requests/${id}/outcome`, {
      outcome: "rebooked",
      newStart: { date: "2025-03-30", time: "01:30" },
    });
    expect([gap.status, errorCode(gap)]).toEqual([400, "nonexistent_time"]);
    expect((await history(db, id)).map((h) => h.type)).toEqual(["received"]); // nothing written
    expect(
      errorCode(
        await call(clerkA1, "POST", `/api/requests/${id}/outcome`, {
          outcome: "rebooked",
          newStart: { date: "2025-02-30", time: "09:00" },
        }),
      ),
    ).toBe("invalid_date");
    // Rebookings far ahead (2058, whose calendar is 2030's) stay in the future, whatever the day the tests run.
    expect(
      (
        await call(clerkA1, "POST", `/api/requests/${id}/outcome`, {
          outcome: "rebooked",
          newStart: { date: "2058-07-15", time: "9:30" },
        })
      ).status,
    ).toBe(400);

    const summer = await call(clerkA1, "POST", `/api/requests/${id}/outcome`, {
      outcome: "rebooked",
      newStart: { date: "2058-07-15", time: "09:30" },
    });
    expect(summer.status).toBe(200);
    expect(summer.body).toMatchObject({
      status: "done",
      outcome: "rebooked",
      assignedUser: { id: clerkA1.user.id },
      outcomeDetails: { newStart: "2058-07-15T08:30:00.000Z", newStartUk: "Mon 15 Jul 2058, 09:30 (BST)" },
      warnings: [],
    });
    expect((await history(db, id)).slice(-3)).toMatchObject([
      { type: "assigned", data: { via: "outcome" } },
      { type: "outcome_recorded", data: { outcome: "rebooked", newStart: "2058-07-15T08:30:00.000Z" } },
      { type: "status_changed", data: { from: "open", to: "done", outcome: "rebooked" } },
    ]);
    expect((await audits(db, id)).at(-1)).toMatchObject({
      action: "request.outcome_recorded",
      details: { outcome: "rebooked" },
    });
    const detail = await call<{
      outcome: string;
      outcomeDetails: Record<string, unknown>;
      deadline: { state: string };
    }>(clerkA1, "GET", `/api/requests/${id}`);
    expect(detail.body).toMatchObject({
      outcome: "rebooked",
      outcomeDetails: { newStart: "2058-07-15T08:30:00.000Z" },
    });
    expect(detail.body.deadline.state).toBe("done");
    expect(errorCode(await call(clerkA1, "POST", `/api/requests/${id}/outcome`, { outcome: "cancelled" }))).toBe(
      "request_closed",
    );

    const autumn = await seedRequest(db, { teamId: teamA.id });
    const repeated = await call(clerkA1, "POST", `/api/requests/${autumn}/outcome`, {
      outcome: "rebooked",
      newStart: { date: "2058-10-27", time: "01:30" },
    });
    expect(repeated.body.outcomeDetails).toEqual({
      newStart: "2058-10-27T00:30:00.000Z",
      newStartUk: "Sun 27 Oct 2058, 01:30 (BST)",
      repeatedHour: true,
    });
    expect(repeated.body.warnings).toEqual([expect.stringContaining("happens twice")]);
  });

  it("records cancelled, rejected (with a reason) and needs patient contact (stays in progress)", async () => {
    const [a, b, c] = [
      await seedRequest(db, { teamId: teamA.id }),
      await seedRequest(db, { teamId: teamA.id }),
      await seedRequest(db, { teamId: teamA.id }),
    ];
    expect((await call(clerkA1, "POST", `/api/requests/${a}/outcome`, { outcome: "cancelled" })).body).toMatchObject({
      status: "done",
      outcome: "cancelled",
      outcomeDetails: {},
    });
    expect((await call(clerkA1, "POST", `/api/requests/${b}/outcome`, { outcome: "rejected" })).status).toBe(400);
    expect(
      (await call(clerkA1, "POST", `/api/requests/${b}/outcome`, { outcome: "rejected", reason: " Not our clinic " }))
        .body,
    ).toMatchObject({ status: "done", outcome: "rejected", outcomeDetails: { reason: "Not our clinic" } });
    const contact = await call(clerkA1, "POST", `/api/requests/${c}/outcome`, {
      outcome: "needs_patient_contact",
      note: "No answer, try Tuesday",
    });
    expect(contact.body).toMatchObject({ status: "in_progress", outcome: "needs_patient_contact" });
    // Still workable: the final outcome can follow.
    expect((await call(clerkA1, "POST", `/api/requests/${c}/outcome`, { outcome: "cancelled" })).body.status).toBe(
      "done",
    );
    const processing = await seedRequest(db, { teamId: teamA.id, status: "processing" });
    expect(
      errorCode(await call(clerkA1, "POST", `/api/requests/${processing}/outcome`, { outcome: "cancelled" })),
    ).toBe("not_workable");
  });

  it("adds and lists internal notes (1 to 4000 characters), with history and audit", async () => {
    const id = await seedRequest(db, { teamId: teamA.id });
    const added = await call<{ note: { id: number; body: string; author: { userId: string } }; request: Result }>(
      clerkA1,
      "POST",
      `/api/requests/${id}/notes`,
      { body: "  Patient prefers mornings  " },
    );
    expect(added.status).toBe(201);
    expect(added.body.note).toMatchObject({ body: "Patient prefers mornings", author: { userId: clerkA1.user.id } });
    const long = "é".repeat(4000);
    expect((await call(clerkA2, "POST", `/api/requests/${id}/notes`, { body: long })).status).toBe(201);
    expect((await call(clerkA2, "POST", `/api/requests/${id}/notes`, { body: `${long}x` })).status).toBe(400);
    expect((await call(clerkA2, "POST", `/api/requests/${id}/notes`, { body: "   " })).status).toBe(400);
    const listed = await call<{ items: { body: string; author: { displayName: string } }[] }>(
      viewerA,
      "GET",
      `/api/requests/${id}/notes`,
    );
    expect(listed.body.items.map((n) => [n.body.length, n.author.displayName])).toEqual([
      [24, "Cara Clerk"],
      [4000, "Cole Clerk"],
    ]);
    expect((await history(db, id)).filter((h) => h.type === "note_added")).toHaveLength(2);
    expect((await audits(db, id)).map((a) => a.action)).toEqual([
      "request.note_added",
      "request.note_added",
      "request.notes_viewed",
    ]);
  });

  it("bulk: team leads and admins only, one result per request", async () => {
    const one = await seedRequest(db, { teamId: teamA.id });
    const two = await seedRequest(db, { teamId: teamA.id, assignedUserId: clerkA1.user.id });
    const closed = await seedRequest(db, { teamId: teamA.id, status: "done" });
    const elsewhere = await seedRequest(db, { teamId: teamB.id });
    const missing = randomUUID();
    const ids = [one, two, closed, elsewhere, missing];
    expect(errorCode(await call(clerkA1, "POST", "/api/requests/bulk", { action: "unassign", ids }))).toBe("forbidden");
    type Bulk = {
      results: { id: string; ok: boolean; error?: { code: string }; result?: Result }[];
      succeeded: number;
      failed: number;
    };
    const assigned = await call<Bulk>(leadA, "POST", "/api/requests/bulk", {
      action: "assign",
      ids,
      userId: clerkA2.user.id,
      override: true, // `two` is Cara's
    });
    expect(assigned.status).toBe(200);
    expect(assigned.body.results.map((r) => [r.id, r.ok ? "ok" : r.error?.code])).toEqual([
      [one, "ok"],
      [two, "ok"],
      [closed, "request_closed"],
      [elsewhere, "not_found"],
      [missing, "not_found"],
    ]);
    expect([assigned.body.succeeded, assigned.body.failed]).toEqual([2, 3]);
    expect(assigned.body.results[1]?.result?.assignedUser?.id).toBe(clerkA2.user.id);
    const moved = await call<Bulk>(leadA, "POST", "/api/requests/bulk", {
      action: "status",
      ids: [one, two, closed],
      status: "in_progress",
      override: true,
    });
    expect(moved.body.results.map((r) => (r.ok ? r.result?.status : r.error?.code))).toEqual([
      "in_progress",
      "in_progress",
      "invalid_transition",
    ]);
    const reopened = await call<Bulk>(admin, "POST", "/api/requests/bulk", {
      action: "status",
      ids: [closed, closed],
      status: "open",
      reason: "Closed by mistake",
    });
    expect(reopened.body.results).toHaveLength(1); // duplicates are one request
    expect(reopened.body.results[0]?.ok).toBe(true);
    const unassigned = await call<Bulk>(leadA, "POST", "/api/requests/bulk", {
      action: "unassign",
      ids: [one, two],
      override: true,
    });
    expect(unassigned.body.results.map((r) => r.result?.status)).toEqual(["open", "open"]);
    expect((await history(db, two)).map((h) => h.type)).toEqual([
      "received",
      "assigned",
      "status_changed",
      "unassigned",
      "status_changed",
    ]);
    expect((await call(leadA, "POST", "/api/requests/bulk", { action: "assign", ids: [] })).status).toBe(400);
  });

  it("shows presence to others on the request, not to the caller", async () => {
    const id = await seedRequest(db, { teamId: teamA.id });
    type Presence = { presence: { userId: string; displayName: string; state: string; since: string }[] };
    expect(
      (await call<Presence>(clerkA1, "POST", `/api/requests/${id}/presence`, { state: "viewing" })).body.presence,
    ).toEqual([]);
    const second = await call<Presence>(clerkA2, "POST", `/api/requests/${id}/presence`, { state: "editing" });
    expect(second.body.presence).toMatchObject([
      { userId: clerkA1.user.id, displayName: "Cara Clerk", state: "viewing" },
    ]);
    const firstSince = second.body.presence[0]!.since;
    // A heartbeat in the same state keeps `since`.
    await call(clerkA1, "POST", `/api/requests/${id}/presence`, { state: "viewing" });
    const detail = await call<Presence>(clerkA1, "GET", `/api/requests/${id}`);
    expect(detail.body.presence).toMatchObject([{ userId: clerkA2.user.id, state: "editing" }]);
    const seenByA2 = await call<Presence>(clerkA2, "GET", `/api/requests/${id}`);
    expect(seenByA2.body.presence).toEqual([
      { userId: clerkA1.user.id, displayName: "Cara Clerk", state: "viewing", since: firstSince },
    ]);
    expect((await call(clerkA2, "DELETE", `/api/requests/${id}/presence`)).status).toBe(204);
    expect((await call<Presence>(clerkA1, "GET", `/api/requests/${id}`)).body.presence).toEqual([]);
  });

  it("gives every worklist row and detail a deadline, filters by assignee, overdue and due, and sorts by deadline", async () => {
    const teamC = await team(db, "Deadlines");
    const clerkC = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: teamC.id }] });
    const now = Date.now();
    const overdue = await seedRequest(db, { teamId: teamC.id, receivedAt: new Date(now - 100 * H) }); // due −28 h
    const soonByAge = await seedRequest(db, { teamId: teamC.id, receivedAt: new Date(now - 60 * H) }); // due +12 h
    const fresh = await seedRequest(db, { teamId: teamC.id, receivedAt: new Date(now) }); // due +72 h
    const soonByAppointment = await seedRequest(db, {
      teamId: teamC.id,
      receivedAt: new Date(now - H),
      appointmentStart: new Date(now + 50 * H), // due +2 h: the appointment is what makes it urgent
    });
    const doneLate = await seedRequest(db, { teamId: teamC.id, status: "done", receivedAt: new Date(now - 200 * H) });
    type Page = {
      items: { id: string; deadline: { at: string; state: string; text: string } }[];
      nextCursor: string | null;
    };
    const list = async (query: string, who: Person = clerkC): Promise<Page["items"]> => {
      const res = await call<Page>(who, "GET", `/api/requests?team_id=${teamC.id}&${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.items;
    };
    const sorted = await list("sort=deadline");
    // Most urgent first: overdue, due soon, on track, then done (nothing left to do).
    expect(sorted.map((i) => i.id)).toEqual([overdue, soonByAppointment, soonByAge, fresh, doneLate]);
    expect(sorted.map((i) => [i.deadline.state, i.deadline.text])).toEqual([
      ["overdue", "Overdue by 28 hours"],
      ["due_soon", expect.stringMatching(/^Due in (1|2) hours?$/)],
      ["due_soon", expect.stringMatching(/^Due in 1[12] hours$/)],
      ["on_track", expect.stringMatching(/^Due \w{3} \d{1,2} \w{3,4}( \d{4})?, \d{2}:\d{2}/)],
      ["done", "Done"],
    ]);
    expect(Date.parse(sorted[1]!.deadline.at)).toBe(now + 2 * H);
    // Keyset pages of two join up in the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: Page } = await call<Page>(
        clerkC,
        "GET",
        `/api/requests?team_id=${teamC.id}&sort=deadline&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      paged.push(...res.body.items.map((i) => i.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(sorted.map((i) => i.id));

    expect((await list("overdue=true")).map((i) => i.id)).toEqual([overdue]);
    expect((await list("due=due_soon&sort=deadline")).map((i) => i.id)).toEqual([soonByAppointment, soonByAge]);
    expect((await list("due=on_track,overdue&sort=deadline")).map((i) => i.id)).toEqual([overdue, fresh]);
    expect((await list("due=due_soon&overdue=true")).map((i) => i.id)).toEqual([]);
    expect((await call(clerkC, "GET", "/api/requests?due=late")).status).toBe(400);

    await call(clerkC, "POST", `/api/requests/${fresh}/claim`);
    expect((await list("assigned_to=me")).map((i) => i.id)).toEqual([fresh]);
    expect(await list("assigned_to=me", leadA)).toEqual([]); // leadA sees nothing of team C
    expect((await call(null, "GET", "/api/requests?assigned_to=me")).status).toBe(401);
    expect(
      errorCode(await call(clerkC, "GET", `/api/requests?assigned_to=me&assigned_user_id=${clerkC.user.id}`)),
    ).toBe("conflicting_filters");

    const detail = await call<{ deadline: { state: string; text: string } }>(clerkC, "GET", `/api/requests/${overdue}`);
    expect(detail.body.deadline).toMatchObject({ state: "overdue", text: "Overdue by 28 hours" });
  });
});
