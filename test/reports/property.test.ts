// Property: for any set of requests and any filter, the volume report's bucket totals equal the number of rows
// /api/reports/rows gives for the same filter (walked through its pages), and every bucket holds exactly the requests
// the pure bucketing (src/domain/buckets.ts) puts there: SQL's date_trunc in local time agrees with Luxon. The other
// aggregates count the same requests. Requests cluster around both 2025 clock changes and local midnights.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, bucketKey, localRange, type BucketUnit } from "../../src/domain/buckets.ts";
import { localDate } from "../../src/domain/uk-time.ts";
import { createTeam } from "../../src/store/people.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { clearRequests, seedRequest, signedIn } from "./fixtures.ts";

const Z = "Europe/London";
// Instants near which requests are received: both clock changes, local midnights in BST and GMT, a year end.
const ANCHORS = [
  "2025-03-29T23:00:00Z",
  "2025-03-30T01:00:00Z",
  "2025-03-30T23:00:00Z",
  "2025-06-30T23:00:00Z",
  "2025-10-25T23:00:00Z",
  "2025-10-26T01:00:00Z",
  "2025-10-27T00:00:00Z",
  "2025-12-31T23:59:00Z",
].map((s) => Date.parse(s));

interface Gen {
  receivedAt: Date;
  type: "change" | "cancel" | null;
  team: 0 | 1 | null;
  specialty: "OPH" | "ORTH" | null;
}

const requestArb: fc.Arbitrary<Gen> = fc.record({
  receivedAt: fc
    .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -150 * 60, max: 150 * 60 }))
    .map(([a, s]) => new Date(a + s * 1000)),
  type: fc.constantFrom("change" as const, "cancel" as const, null),
  team: fc.constantFrom(0 as const, 1 as const, null),
  specialty: fc.constantFrom("OPH" as const, "ORTH" as const, null),
});

/** A filter value a quarter of the time, else no filter: most runs then have matching requests. */
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 });

const filterArb = fc.record({
  anchor: fc.constantFrom(...ANCHORS),
  back: fc.integer({ min: 0, max: 4 }),
  days: fc.integer({ min: 0, max: 45 }),
  unit: fc.constantFrom<BucketUnit>("day", "week", "month"),
  team: sometimes(fc.constantFrom<0 | 1 | "none">(0, 1, "none")),
  specialty: sometimes(fc.constantFrom("OPH", "ORTH", "none")),
  type: sometimes(fc.constantFrom("change" as const, "cancel" as const)),
  pageSize: fc.integer({ min: 1, max: 7 }),
});

describe.each(engines)("volume totals equal row counts on $name", (engine) => {
  let t: TestDb;
  let rebook: TestApp;
  let teams: [string, string];
  let get: (url: string) => Promise<{ status: number; body: string }>;
  const json = async <T>(url: string): Promise<T> => {
    const res = await get(url);
    expect(res.status, `${url}: ${res.body}`).toBe(200);
    return JSON.parse(res.body) as T;
  };

  beforeAll(async () => {
    t = await engine.open();
    rebook = await buildTestApp(t.db);
    teams = [(await createTeam(t.db, { name: "Alpha" })).id, (await createTeam(t.db, { name: "Bravo" })).id];
    ({ get } = await signedIn(t.db, rebook.app, "viewer", rebook.config.session));
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("holds for random requests and filters", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 24 }), filterArb, async (requests, f) => {
        await clearRequests(t.db);
        for (const r of requests) {
          await seedRequest(t.db, {
            receivedAt: r.receivedAt.toISOString(),
            type: r.type,
            teamId: r.team === null ? null : teams[r.team],
            specialty: r.specialty ? { code: r.specialty, name: r.specialty } : null,
            status: "open",
            matchState: r.specialty ? "auto_linked" : "review",
          });
        }
        const from = addDays(localDate(new Date(f.anchor), Z), -f.back);
        const to = addDays(from, f.days);
        const teamId = f.team === undefined || f.team === "none" ? f.team : teams[f.team];
        const query = new URLSearchParams({ from, to });
        if (teamId) query.set("team_id", teamId);
        if (f.specialty) query.set("specialty_code", f.specialty);
        if (f.type) query.set("type", f.type);

        // What the pure functions say: the matching requests in the local range, per bucket key.
        const { start, end } = localRange(from, to, Z);
        const expected = new Map<string, number>();
        for (const r of requests) {
          if (r.receivedAt < start || r.receivedAt >= end) continue;
          const team = r.team === null ? "none" : teams[r.team];
          if (teamId && team !== teamId) continue;
          if (f.specialty && (r.specialty ?? "none") !== f.specialty) continue;
          if (f.type && r.type !== f.type) continue;
          const key = bucketKey(r.receivedAt, f.unit, Z);
          expected.set(key, (expected.get(key) ?? 0) + 1);
        }

        const volume = await json<{ requests: number; buckets: { key: string; requests: number }[] }>(
          `/api/reports/volume?${query.toString()}&bucket=${f.unit}`,
        );
        const perBucket = Object.fromEntries(
          volume.buckets.filter((b) => b.requests > 0).map((b) => [b.key, b.requests]),
        );
        expect(perBucket).toEqual(Object.fromEntries(expected));
        const total = volume.buckets.reduce((s, b) => s + b.requests, 0);
        expect(volume.requests).toBe(total);

        let rows = 0;
        let cursor: string | null = null;
        do {
          const page: { items: unknown[]; nextCursor: string | null } = await json(
            `/api/reports/rows?${query.toString()}&limit=${f.pageSize}${cursor ? `&cursor=${cursor}` : ""}`,
          );
          rows += page.items.length;
          cursor = page.nextCursor;
        } while (cursor);
        expect(rows).toBe(total);

        const summary = await json<{ requests: number }>(`/api/reports/summary?${query.toString()}`);
        const outcomes = await json<{ requests: number }>(`/api/reports/outcomes?${query.toString()}&bucket=${f.unit}`);
        const timings = await json<{ overall: { requests: number }; buckets: { requests: number }[] }>(
          `/api/reports/timings?${query.toString()}&bucket=${f.unit}`,
        );
        expect([summary.requests, outcomes.requests, timings.overall.requests]).toEqual([total, total, total]);
        expect(timings.buckets.map((b) => b.requests)).toEqual(volume.buckets.map((b) => b.requests));
      }),
      { numRuns: 40 },
    );
  });
});
