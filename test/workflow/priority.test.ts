// Priority weighs in the worklist's order (issue 10: an Urgent request came 162nd of 163 under "most urgent first").
// "Most urgent first" (sort=deadline) orders by deadline state (overdue, due soon, on track, then done), then priority
// (urgent, high, normal, low), then the deadline itself; sort=priority puts priority first. Keyset pages join up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/store/db.ts";
import type { Priority } from "../../src/requests/vocabulary.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { person, seedRequest, team, type Person } from "./helpers.ts";

const H = 3_600_000;

describe.each(engines)("priority in the worklist order on $name", (engine) => {
  let t: TestDb;
  let db: Db;
  let rebook: TestApp;
  let clerk: Person;
  let teamId: string;
  const ids: Record<string, string> = {};

  type Page = { items: { id: string; priority: Priority }[]; nextCursor: string | null };
  const list = async (query: string): Promise<string[]> => {
    const out: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { statusCode: number; body: string; json: () => unknown } = await rebook.app.inject({
        method: "GET",
        url: `/api/requests?team_id=${teamId}&status=open,done&${query}${cursor ? `&cursor=${cursor}` : ""}`,
        headers: clerk.headers,
      });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as Page;
      out.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  };
  const names = (list: string[]): string[] => list.map((id) => Object.keys(ids).find((k) => ids[k] === id)!);

  beforeAll(async () => {
    t = await engine.open();
    db = t.db;
    rebook = await buildTestApp(db);
    teamId = (await team(db, "Priority")).id;
    clerk = await person(db, rebook.config, { role: "clerk", teams: [{ teamId }] });
    const now = Date.now();
    // Default policy: due 72 h after receipt, "due soon" within 24 h.
    const make = async (name: string, hoursAgo: number, priority: Priority, status: "open" | "done" = "open") => {
      ids[name] = await seedRequest(db, { teamId, receivedAt: new Date(now - hoursAgo * H), status });
      await db.query("UPDATE appointment_requests SET priority = $2 WHERE id = $1", [ids[name], priority]);
    };
    await make("overdue-normal", 100, "normal"); // due −28 h
    await make("overdue-low", 110, "low"); // due −38 h: earlier, but low
    await make("soon-normal", 60, "normal"); // due +12 h
    await make("soon-urgent", 50, "urgent"); // due +22 h: later than soon-normal, but urgent
    await make("soon-high", 55, "high"); // due +17 h
    await make("fresh-urgent", 1, "urgent"); // due +71 h: on track
    await make("fresh-normal", 2, "normal"); // due +70 h
    await make("done-urgent", 200, "urgent", "done");
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("most urgent first: deadline state, then priority, then the deadline; done last", async () => {
    expect(names(await list("sort=deadline"))).toEqual([
      "overdue-normal",
      "overdue-low",
      "soon-urgent",
      "soon-high",
      "soon-normal",
      "fresh-urgent",
      "fresh-normal",
      "done-urgent",
    ]);
  });

  it("highest priority first: priority, then deadline state and the deadline", async () => {
    expect(names(await list("sort=priority"))).toEqual([
      "soon-urgent",
      "fresh-urgent",
      "done-urgent",
      "soon-high",
      "overdue-normal",
      "soon-normal",
      "fresh-normal",
      "overdue-low",
    ]);
  });

  it("keyset pages of two join up in the same order, in both sorts", async () => {
    for (const sort of ["deadline", "priority"]) {
      expect(await list(`sort=${sort}&limit=2`), sort).toEqual(await list(`sort=${sort}`));
    }
  });

  it("refuses a cursor of another sort", async () => {
    const res = await rebook.app.inject({
      method: "GET",
      url: `/api/requests?team_id=${teamId}&sort=deadline&limit=1`,
      headers: clerk.headers,
    });
    const cursor = res.json<Page>().nextCursor!;
    const other = await rebook.app.inject({
      method: "GET",
      url: `/api/requests?team_id=${teamId}&sort=priority&limit=1&cursor=${cursor}`,
      headers: clerk.headers,
    });
    expect(other.statusCode).toBe(400);
  });
});
