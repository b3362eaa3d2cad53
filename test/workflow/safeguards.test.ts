// The mistakes the API must not allow (issue 10): closing a request without an outcome (one by one or in bulk), a
// rebooking to a time already past without saying so, and writing to a request someone else holds without an explicit
// override. Each is refused with a stable code, and nothing is written; the allowed path records what happened in the
// history and the audit log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/store/db.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { audits, history, person, seedRequest, team, type Person } from "./helpers.ts";

interface Result {
  id: string;
  status: string;
  outcome: string | null;
  outcomeDetails: Record<string, unknown> | null;
  assignedUser: { id: string; displayName: string } | null;
  changed: boolean;
}
interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
interface Bulk {
  results: { id: string; ok: boolean; error?: { code: string; message: string }; result?: Result }[];
  succeeded: number;
  failed: number;
}

describe("safeguards over HTTP", () => {
  let t: TestDb;
  let db: Db;
  let rebook: TestApp;
  let teamA: { id: string; name: string };
  let admin: Person, lead: Person, cara: Person, cole: Person;

  const call = async <T = Result>(who: Person, url: string, payload?: unknown, method = "POST") => {
    const res = await rebook.app.inject({
      method: method as "POST",
      url,
      payload: payload as Record<string, unknown>,
      headers: who.headers,
    });
    return { status: res.statusCode, body: (res.body ? res.json() : null) as T };
  };
  const code = (r: { body: unknown }): string | undefined => (r.body as ErrorBody).error?.code;

  beforeAll(async () => {
    t = await engines[0].open();
    db = t.db;
    rebook = await buildTestApp(db);
    teamA = await team(db, "Ophthalmology");
    admin = await person(db, rebook.config, { role: "admin", name: "Ada Admin" });
    lead = await person(db, rebook.config, { role: "team_lead", teams: [{ teamId: teamA.id, lead: true }] });
    cara = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: teamA.id }], name: "Cara Clerk" });
    cole = await person(db, rebook.config, { role: "clerk", teams: [{ teamId: teamA.id }], name: "Cole Clerk" });
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  describe("a request reaches done only with an outcome", () => {
    it("refuses a status move to done (409 outcome_required), alone and in bulk, and writes nothing", async () => {
      const open = await seedRequest(db, { teamId: teamA.id, assignedUserId: cara.user.id });
      const started = await seedRequest(db, {
        teamId: teamA.id,
        status: "in_progress",
        assignedUserId: cara.user.id,
      });
      for (const id of [open, started]) {
        const r = await call(cara, `/api/requests/${id}/status`, { status: "done" });
        expect([r.status, code(r)]).toEqual([409, "outcome_required"]);
        expect((r.body as unknown as ErrorBody).error.message).toMatch(/outcome/i);
      }
      const bulk = await call<Bulk>(lead, "/api/requests/bulk", {
        action: "status",
        ids: [open, started],
        status: "done",
        override: true,
      });
      expect(bulk.body.results.map((r) => r.error?.code)).toEqual(["outcome_required", "outcome_required"]);
      for (const id of [open, started]) {
        expect((await history(db, id)).map((h) => h.type)).toEqual(["received"]);
      }
    });

    it("records one outcome on many requests in bulk, each with its history and audit entry", async () => {
      const a = await seedRequest(db, { teamId: teamA.id });
      const b = await seedRequest(db, { teamId: teamA.id });
      const bulk = await call<Bulk>(lead, "/api/requests/bulk", {
        action: "outcome",
        ids: [a, b],
        outcome: { outcome: "rejected", reason: "Duplicate of an earlier request" },
      });
      expect(bulk.status).toBe(200);
      expect(bulk.body.succeeded).toBe(2);
      for (const id of [a, b]) {
        const rows = await history(db, id);
        expect(rows.find((h) => h.type === "outcome_recorded")?.data).toMatchObject({
          outcome: "rejected",
          reason: "Duplicate of an earlier request",
          bulk: true,
        });
        expect(rows.at(-1)).toMatchObject({ type: "status_changed", data: { to: "done" } });
        expect((await audits(db, id)).map((x) => x.action)).toContain("request.outcome_recorded");
      }
      // A rebooking has a new time for each request: not a bulk outcome.
      const rebooked = await call(lead, "/api/requests/bulk", {
        action: "outcome",
        ids: [a],
        outcome: { outcome: "rebooked", newStart: { date: "2030-01-01", time: "09:00" } },
      });
      expect(rebooked.status).toBe(400);
    });
  });

  describe("a rebooking to a time already past", () => {
    it("is refused (400 new_start_in_past) unless the change is confirmed as made in the past, then recorded so", async () => {
      const id = await seedRequest(db, { teamId: teamA.id, assignedUserId: cara.user.id });
      const past = { outcome: "rebooked", newStart: { date: "2024-01-15", time: "10:00" } };
      const refused = await call(cara, `/api/requests/${id}/outcome`, past);
      expect([refused.status, code(refused)]).toEqual([400, "new_start_in_past"]);
      expect((refused.body as unknown as ErrorBody).error.message).toContain("Mon 15 Jan 2024, 10:00");
      expect((await history(db, id)).map((h) => h.type)).toEqual(["received"]);

      const confirmed = await call(cara, `/api/requests/${id}/outcome`, { ...past, confirmPast: true });
      expect(confirmed.status).toBe(200);
      expect(confirmed.body).toMatchObject({ status: "done", outcomeDetails: { inPast: true } });
      expect((await history(db, id)).find((h) => h.type === "outcome_recorded")?.data).toMatchObject({
        outcome: "rebooked",
        inPast: true,
      });
      expect((await audits(db, id)).at(-1)).toMatchObject({
        action: "request.outcome_recorded",
        details: { outcome: "rebooked", inPast: true },
      });
    });

    it("accepts a future time without a confirmation and does not mark it", async () => {
      const id = await seedRequest(db, { teamId: teamA.id });
      const next = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
      const r = await call(cara, `/api/requests/${id}/outcome`, {
        outcome: "rebooked",
        newStart: { date: next, time: "12:00" },
      });
      expect(r.status).toBe(200);
      expect(r.body.outcomeDetails).not.toHaveProperty("inPast");
    });
  });

  describe("writing to a request someone else holds", () => {
    it("answers a lead 409 held_by_other with the holder's name until they pass override", async () => {
      const id = await seedRequest(db, { teamId: teamA.id, assignedUserId: cara.user.id });
      const refused = await call(lead, `/api/requests/${id}/outcome`, { outcome: "cancelled" });
      expect([refused.status, code(refused)]).toEqual([409, "held_by_other"]);
      const body = refused.body as unknown as ErrorBody;
      expect(body.error.message).toContain("Cara Clerk");
      expect(body.error.details).toEqual({ holder: { id: cara.user.id, displayName: "Cara Clerk" } });
      expect((await history(db, id)).map((h) => h.type)).toEqual(["received"]);

      const done = await call(lead, `/api/requests/${id}/outcome`, { outcome: "cancelled", override: true });
      expect(done.status).toBe(200);
      expect((await history(db, id)).find((h) => h.type === "outcome_recorded")?.data).toMatchObject({
        override: { holderId: cara.user.id },
      });
    });

    it("asks for override on every write by someone else: status, assign, unassign, match, notes", async () => {
      const id = await seedRequest(db, { teamId: teamA.id, assignedUserId: cara.user.id });
      const writes: [string, Record<string, unknown>][] = [
        [`/api/requests/${id}/status`, { status: "in_progress" }],
        [`/api/requests/${id}/assign`, { userId: cole.user.id }],
        [`/api/requests/${id}/unassign`, {}],
        [`/api/requests/${id}/match`, { fhirId: "x" }],
        [`/api/requests/${id}/notes`, { body: "Rang the patient" }],
      ];
      for (const [url, payload] of writes) {
        const r = await call(admin, url, payload);
        expect([url, r.status, code(r)]).toEqual([url, 409, "held_by_other"]);
      }
      expect((await history(db, id)).map((h) => h.type)).toEqual(["received"]);
      // A colleague may add a note once they say they mean to; a clerk may not otherwise override.
      expect((await call(cole, `/api/requests/${id}/notes`, { body: "Rang her", override: true })).status).toBe(201);
      const clerkOutcome = await call(cole, `/api/requests/${id}/outcome`, { outcome: "cancelled", override: true });
      expect([clerkOutcome.status, code(clerkOutcome)]).toEqual([403, "forbidden"]);
      // The holder needs no override.
      expect((await call(cara, `/api/requests/${id}/status`, { status: "in_progress" })).status).toBe(200);
      expect(
        (await call(admin, `/api/requests/${id}/assign`, { userId: cole.user.id, override: true })).body.assignedUser
          ?.id,
      ).toBe(cole.user.id);
    });

    it("bulk: a held request fails with held_by_other unless the bulk call passes override", async () => {
      const held = await seedRequest(db, { teamId: teamA.id, assignedUserId: cara.user.id });
      const free = await seedRequest(db, { teamId: teamA.id });
      const first = await call<Bulk>(lead, "/api/requests/bulk", {
        action: "assign",
        ids: [held, free],
        userId: cole.user.id,
      });
      expect(first.body.results.map((r) => (r.ok ? "ok" : r.error?.code))).toEqual(["held_by_other", "ok"]);
      expect(first.body.results[0]?.error?.message).toContain("Cara Clerk");
      const second = await call<Bulk>(lead, "/api/requests/bulk", {
        action: "assign",
        ids: [held],
        userId: cole.user.id,
        override: true,
      });
      expect(second.body.results[0]?.ok).toBe(true);
    });
  });
});
