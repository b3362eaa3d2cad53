// Report figures that depend on `now`, read at fixed instants on both engines: deadlines not yet passed are pending
// (neither met nor missed), the backlog of the bucket in progress is measured now and future buckets have none, and
// row-level data streams in chunks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backlogReport } from "../../src/reports/backlog.ts";
import { reportRowsPage, streamReportRows } from "../../src/reports/rows.ts";
import { summaryReport } from "../../src/reports/summary.ts";
import { timingsReport } from "../../src/reports/timings.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { seedScenario, type Scenario } from "./scenario.ts";

const Z = "Europe/London";
const october = { from: "2025-10-01", to: "2025-10-31", zone: Z };

describe.each(engines)("reports as of a given instant on $name", (engine) => {
  let t: TestDb;
  let s: Scenario;

  beforeAll(async () => {
    t = await engine.open();
    s = await seedScenario(t.db);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("counts a deadline still ahead (or exactly now) as pending, and a passed one as missed", async () => {
    // October: r7 handled in time; r4, r5, r6 due at 23:30 on the 28th, 00:30 and 01:30 on the 29th (UTC).
    const at = async (iso: string) => (await summaryReport(t.db, october, { now: new Date(iso) })).sla;
    expect(await at("2025-10-28T00:00:00Z")).toEqual({ met: 1, missed: 0, pending: 3, share: 1 });
    expect(await at("2025-10-28T23:30:00Z")).toEqual({ met: 1, missed: 0, pending: 3, share: 1 });
    expect(await at("2025-10-29T01:00:00Z")).toEqual({ met: 1, missed: 2, pending: 1, share: 1 / 3 });
    const timings = await timingsReport(t.db, { ...october, unit: "month" }, { now: new Date("2025-10-29T01:00:00Z") });
    expect(timings.overall.sla).toEqual({ met: 1, missed: 2, pending: 1, share: 1 / 3 });
    expect(timings.asOf).toEqual(new Date("2025-10-29T01:00:00Z"));
    const rows = await reportRowsPage(t.db, october, {
      now: new Date("2025-10-29T01:00:00Z"),
      cursor: null,
      limit: 10,
    });
    expect(rows.items.map((r) => [r.id, r.deadlineMet])).toEqual([
      [s.ids.r4, false],
      [s.ids.r5, false],
      [s.ids.r6, null],
      [s.ids.r7, true],
    ]);
  });

  it("measures the bucket in progress now and leaves future buckets empty", async () => {
    const now = new Date("2025-10-26T12:00:00Z");
    const r = await backlogReport(t.db, { from: "2025-10-25", to: "2025-10-28", zone: Z, unit: "day" }, now);
    expect(r.asOf).toEqual(now);
    expect(r.buckets.map((b) => [b.key, b.at?.toISOString() ?? null, b.open])).toEqual([
      ["2025-10-25", "2025-10-25T23:00:00.000Z", 5],
      // By noon on the 26th r4, r5 and r6 had arrived; r7 came at 23:30.
      ["2025-10-26", "2025-10-26T12:00:00.000Z", 8],
      ["2025-10-27", null, null],
      ["2025-10-28", null, null],
    ]);
  });

  it("streams rows in chunks that join up to the whole range", async () => {
    const all = { from: "2025-01-01", to: "2025-12-31", zone: Z };
    const chunks: string[][] = [];
    for await (const chunk of streamReportRows(t.db, all, { now: new Date(), chunk: 3 })) {
      chunks.push(chunk.map((r) => r.id));
    }
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 3, 2]);
    const order = ["r10", "r9", "r1", "r2", "r12", "r3", "r8", "r4", "r5", "r6", "r7"] as const;
    expect(chunks.flat()).toEqual(order.map((k) => s.ids[k]));
  });
});
