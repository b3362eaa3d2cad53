// The workflow's store side on both engines: deadline_at kept by the trigger exactly as the domain computes it (and
// recomputed when the policy changes), deadline keyset paging, concurrent claims, notes' limits, and on PostgreSQL the
// event relay between two instances (LISTEN/NOTIFY).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { DEFAULT_DEADLINE_POLICY, deadlineAt } from "../../src/domain/deadline.ts";
import { eventBus, type BusEvent } from "../../src/events/bus.ts";
import { startPgRelay } from "../../src/events/pg-relay.ts";
import { openPostgres, type Db } from "../../src/store/db.ts";
import { applyDeadlinePolicy } from "../../src/store/deadlines.ts";
import { listRequests } from "../../src/store/request-queries.ts";
import { claimRequest } from "../../src/requests/commands/assign.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { person, seedRequest, team } from "./helpers.ts";
import type { SessionUser } from "../../src/auth/permissions.ts";

const H = 3_600_000;
const config = loadConfig({ LOG_LEVEL: "silent" });

const deadlineOf = async (db: Db, id: string): Promise<Date> =>
  (await db.query<{ deadline_at: Date }>("SELECT deadline_at FROM appointment_requests WHERE id = $1", [id]))[0]!
    .deadline_at;

describe.each(engines)("workflow store on $name", (engine) => {
  let t: TestDb;
  let db: Db;

  beforeAll(async () => {
    t = await engine.open();
    db = t.db;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("keeps deadline_at as the domain's deadlineAt, on insert and whenever the appointment's start changes", async () => {
    const receivedAt = new Date("2025-03-29T12:00:00Z");
    const id = await seedRequest(db, { receivedAt });
    expect(await deadlineOf(db, id)).toEqual(
      deadlineAt({ receivedAt, appointmentStart: null }, DEFAULT_DEADLINE_POLICY),
    );
    for (const start of ["2025-03-31T08:00:00Z", "2025-06-01T08:00:00Z", "2025-03-30T00:30:00Z"]) {
      await db.query("UPDATE appointment_requests SET appointment_start = $2 WHERE id = $1", [id, new Date(start)]);
      expect((await deadlineOf(db, id)).toISOString(), start).toBe(
        deadlineAt({ receivedAt, appointmentStart: new Date(start) }, DEFAULT_DEADLINE_POLICY).toISOString(),
      );
    }
    await db.query("UPDATE appointment_requests SET appointment_start = NULL WHERE id = $1", [id]);
    expect((await deadlineOf(db, id)).toISOString()).toBe("2025-04-01T12:00:00.000Z");
  });

  it("recomputes every deadline when the policy changes, and nothing when it does not", async () => {
    const receivedAt = new Date("2025-10-25T11:00:00Z");
    const appointmentStart = new Date("2025-10-27T09:00:00Z");
    const id = await seedRequest(db, { receivedAt, appointmentStart });
    const policy = { requestSlaMs: 24 * H, appointmentLeadMs: 72 * H };
    const applied = await applyDeadlinePolicy(db, policy);
    expect(applied.changed).toBe(true);
    expect(applied.recomputed).toBeGreaterThan(0);
    expect(await deadlineOf(db, id)).toEqual(deadlineAt({ receivedAt, appointmentStart }, policy));
    expect(await applyDeadlinePolicy(db, policy)).toEqual({ changed: false, recomputed: 0 });
    const later = await seedRequest(db, { receivedAt });
    expect(await deadlineOf(db, later)).toEqual(deadlineAt({ receivedAt, appointmentStart: null }, policy));
    await applyDeadlinePolicy(db, DEFAULT_DEADLINE_POLICY);
    expect(await deadlineOf(db, id)).toEqual(deadlineAt({ receivedAt, appointmentStart }, DEFAULT_DEADLINE_POLICY));
  });

  it("pages by deadline visiting every row once, ties broken by id", async () => {
    const own = await team(db, "Paging");
    const same = new Date("2025-01-10T10:00:00Z");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push(await seedRequest(db, { teamId: own.id, receivedAt: i < 5 ? same : new Date(same.getTime() - i * H) }));
    const all = await listRequests(db, { filter: { teamId: own.id }, sort: "deadline", limit: 100 });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listRequests>> = await listRequests(db, {
        filter: { teamId: own.id },
        sort: "deadline",
        cursor,
        limit: 2,
      });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((i) => i.id));
    expect(new Set(seen)).toEqual(new Set(ids));
    const times = all.items.map((i) => i.deadlineAt.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("lets exactly one of two concurrent claims win", async () => {
    const own = await team(db, "Race");
    const a = await person(db, config, { role: "clerk", teams: [{ teamId: own.id }] });
    const b = await person(db, config, { role: "clerk", teams: [{ teamId: own.id }] });
    const actor = (p: typeof a): SessionUser => ({
      id: p.user.id,
      email: p.user.email,
      displayName: p.user.displayName,
      role: p.user.role,
      teamIds: [own.id],
      leadTeamIds: [],
    });
    for (let round = 0; round < 5; round++) {
      const id = await seedRequest(db, { teamId: own.id });
      const results = await Promise.allSettled([
        claimRequest(db, { actor: actor(a), requestId: id }),
        claimRequest(db, { actor: actor(b), requestId: id }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = results.find((r) => r.status === "rejected");
      expect((lost?.reason as { code?: string }).code).toBe("already_assigned");
      const events = await db.query("SELECT 1 FROM request_events WHERE request_id = $1 AND type = 'assigned'", [id]);
      expect(events).toHaveLength(1);
    }
  });

  it("refuses a note over 4000 characters even written directly", async () => {
    const id = await seedRequest(db);
    await expect(
      db.query("INSERT INTO request_notes (request_id, body) VALUES ($1, $2)", [id, "x".repeat(4001)]),
    ).rejects.toThrow(/check/i);
    await db.query("INSERT INTO request_notes (request_id, body) VALUES ($1, $2)", [id, "x".repeat(4000)]);
  });
});

describe("event relay on postgres", () => {
  let t: TestDb;
  let db: Db;

  beforeAll(async () => {
    t = await engines[1].open();
    db = t.db;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("relays events between two instances through LISTEN/NOTIFY", async () => {
    // A second instance: its own pool on the same database, its own bus and relay.
    const other = await openPostgres(t.url!, { max: 2 });
    const here = eventBus(db);
    const there = eventBus(other);
    const relayHere = startPgRelay(here, t.url!);
    const relayThere = startPgRelay(there, t.url!);
    try {
      await Promise.all([relayHere.ready, relayThere.ready]);
      const heardHere: BusEvent[] = [];
      const heardThere: BusEvent[] = [];
      here.subscribe((e) => heardHere.push(e));
      there.subscribe((e) => heardThere.push(e));
      const event: BusEvent = {
        type: "request.updated",
        requestId: "0b0e2a6e-8d5e-4a8e-9c43-2f6f5a1b7c01",
        teamId: null,
        status: "open",
        assignedUserId: null,
        actorUserId: "6c4b8f0e-2a1d-4e3f-9b5c-7d8e9f0a1b2c",
        // The browser tab it was made from: that tab, on whichever instance its stream is, knows it as its own.
        tabId: "3f9c2a7e5b1d4c8a9e0f1a2b3c4d5e6f",
        at: new Date().toISOString(),
      };
      await here.publish(event);
      await expect.poll(() => heardThere, { timeout: 5_000 }).toEqual([event]);
      // Published here: delivered here once (at once), not again from its own NOTIFY.
      await there.publish({ ...event, status: "done" });
      await expect.poll(() => heardHere.length, { timeout: 5_000 }).toBe(2);
      expect(heardHere.map((e) => e.status)).toEqual(["open", "done"]);
      expect(heardThere.map((e) => e.status)).toEqual(["open", "done"]);
      // Garbage on the channel is ignored.
      await other.query("SELECT pg_notify('rebook_events', 'not json')");
      await here.publish({ ...event, status: "in_progress" });
      await expect.poll(() => heardThere.length, { timeout: 5_000 }).toBe(3);
      // Many published together (a batch of new requests) travel in a few NOTIFYs, each under the 8,000-byte limit,
      // and arrive all, in order.
      const batch = Array.from({ length: 120 }, (_, i) => ({
        ...event,
        type: "request.created" as const,
        requestId: `0b0e2a6e-8d5e-4a8e-9c43-${String(i).padStart(12, "0")}`,
      }));
      await here.publishMany(batch);
      await expect.poll(() => heardThere.length, { timeout: 5_000 }).toBe(123);
      expect(heardThere.slice(3).map((e) => (e as { requestId: string }).requestId)).toEqual(
        batch.map((e) => e.requestId),
      );
      expect(heardHere.length).toBe(123);
      // From an instance of an earlier version, which does not say who made a change (nor from which tab): heard as
      // nobody's (the system's).
      const { actorUserId: _unsaid, tabId: _untold, ...older } = event;
      await other.query("SELECT pg_notify('rebook_events', $1)", [JSON.stringify({ origin: "older", event: older })]);
      await expect.poll(() => heardHere.length, { timeout: 5_000 }).toBe(124);
      expect(heardHere.at(-1)).toEqual({ ...older, actorUserId: null });
      expect(here.relayFailures + there.relayFailures).toBe(0);
    } finally {
      await relayHere.stop();
      await relayThere.stop();
      await other.close();
    }
  });
});
