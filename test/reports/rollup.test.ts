// request_timings, the rollup the timing reports read, always equals its definition over the request_events history:
// after events are written (in any order), and after an actor is unset because their user was deleted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEvent } from "../../src/store/requests.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { seedScenario, type Scenario } from "./scenario.ts";

interface Timing {
  request_id: string;
  first_action_at: Date | null;
  outcome_at: Date | null;
}

describe.each(engines)("request_timings on $name", (engine) => {
  let t: TestDb;
  let s: Scenario;

  const rollup = (): Promise<Timing[]> =>
    t.db.query<Timing>(
      `SELECT r.id AS request_id, rt.first_action_at, rt.outcome_at
       FROM appointment_requests r LEFT JOIN request_timings rt ON rt.request_id = r.id ORDER BY r.id`,
    );
  const fromHistory = (): Promise<Timing[]> =>
    t.db.query<Timing>(
      `SELECT r.id AS request_id,
         (SELECT min(e.at) FROM request_events e WHERE e.request_id = r.id AND e.actor_user_id IS NOT NULL)
           AS first_action_at,
         (SELECT min(e.at) FROM request_events e WHERE e.request_id = r.id
            AND (e.type = 'outcome_recorded' OR (e.type = 'status_changed' AND e.data->>'to' = 'done'))) AS outcome_at
       FROM appointment_requests r ORDER BY r.id`,
    );

  beforeAll(async () => {
    t = await engine.open();
    s = await seedScenario(t.db);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("matches the history after the scenario's events", async () => {
    const rows = await rollup();
    expect(rows).toEqual(await fromHistory());
    const r1 = rows.find((r) => r.request_id === s.ids.r1);
    expect(r1).toEqual({
      request_id: s.ids.r1,
      first_action_at: new Date("2025-03-30T01:00:00Z"),
      outcome_at: new Date("2025-03-30T04:30:00Z"),
    });
  });

  it("takes the earliest event even when an earlier one is written later", async () => {
    await appendEvent(t.db, {
      requestId: s.ids.r1,
      actorUserId: s.clerkId,
      type: "note_added",
      at: new Date("2025-03-30T00:45:00Z"),
    });
    await appendEvent(t.db, {
      requestId: s.ids.r1,
      actorUserId: s.clerkId,
      type: "note_added",
      at: new Date("2025-03-30T03:00:00Z"),
    });
    await appendEvent(t.db, {
      requestId: s.ids.r3,
      actorUserId: null,
      type: "status_changed",
      data: { from: "open", to: "done" },
      at: new Date("2025-04-01T00:00:00Z"),
    });
    const rows = await rollup();
    expect(rows).toEqual(await fromHistory());
    expect(rows.find((r) => r.request_id === s.ids.r1)?.first_action_at).toEqual(new Date("2025-03-30T00:45:00Z"));
    expect(rows.find((r) => r.request_id === s.ids.r3)?.outcome_at).toEqual(new Date("2025-04-01T00:00:00Z"));
  });

  it("recomputes when the acting user is deleted and their events lose their actor", async () => {
    await t.db.query("DELETE FROM users WHERE id = $1", [s.clerkId]);
    const rows = await rollup();
    expect(rows).toEqual(await fromHistory());
    expect(rows.every((r) => r.first_action_at === null)).toBe(true);
    expect(rows.find((r) => r.request_id === s.ids.r1)?.outcome_at).toEqual(new Date("2025-03-30T04:30:00Z"));
  });
});
