// The server's compaction loop (src/jobs/rollups.ts) folds the rows the triggers append, on a timer, without changing
// a figure, and stops cleanly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRollupCompactor } from "../../src/jobs/rollups.ts";
import { createLogger } from "../../src/log.ts";
import { volumeReport } from "../../src/reports/volume.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { seedScenario } from "./scenario.ts";

describe("the rollup compaction loop on pglite", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await engines[0].open();
    await seedScenario(t.db);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("leaves no appended rows behind and the figures as they were", async () => {
    const year = { from: "2025-01-01", to: "2025-12-31", zone: "Europe/London", unit: "month" as const };
    const before = await volumeReport(t.db, year);
    const fresh = async (): Promise<number> =>
      (
        await t.db.query<{ n: number }>(
          "SELECT (SELECT count(*) FROM report_counts WHERE fresh) + (SELECT count(*) FROM report_durations WHERE fresh) AS n",
        )
      )[0]!.n;
    expect(await fresh()).toBeGreaterThan(0);
    const compactor = startRollupCompactor(t.db, 20, createLogger("silent"));
    try {
      await expect.poll(fresh, { timeout: 10_000, interval: 50 }).toBe(0);
    } finally {
      await compactor.stop();
    }
    expect(await volumeReport(t.db, year)).toEqual(before);
  });
});
