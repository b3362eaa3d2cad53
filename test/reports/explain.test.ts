// The reports read rollup rows, not requests (issue 11): on PostgreSQL, with a year of 20,000 generated requests
// (bench/generate.ts), EXPLAIN ANALYZE of every statement each report sends shows scans of the rollups only
// (report_counts, report_histograms, the not-yet-compacted report_durations rows through their partial index, teams),
// and the raw tables only through the indexes that bound them to the last few days (deadlines still ahead, today's
// moves into or out of done). The timings report reads one histogram row per bucket, specialty and metric.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedYear } from "../../bench/generate.ts";
import { backlogReport } from "../../src/reports/backlog.ts";
import { outcomesReport } from "../../src/reports/outcomes.ts";
import type { BucketUnit } from "../../src/reports/query.ts";
import { summaryReport } from "../../src/reports/summary.ts";
import { timingsReport } from "../../src/reports/timings.ts";
import { volumeReport } from "../../src/reports/volume.ts";
import type { Queryable } from "../../src/store/db.ts";
import { engines, type TestDb } from "../helpers/db.ts";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

/** Every scan of a table in a plan: relation, node type, index, rows read in all. */
function scans(node: PlanNode, out: { relation: string; node: string; index?: string; rows: number }[] = []) {
  if (node["Relation Name"]) {
    out.push({
      relation: node["Relation Name"],
      node: node["Node Type"],
      ...(node["Index Name"] ? { index: node["Index Name"] } : {}),
      rows: (node["Actual Rows"] ?? 0) * (node["Actual Loops"] ?? 1),
    });
  }
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

// Rollups may be read any way; the raw tables only through these indexes (each bounded to the last few days).
const ROLLUPS = new Set(["report_counts", "report_histograms", "teams"]);
const BOUNDED_INDEXES = new Set([
  "appointment_requests_deadline", // deadlines still ahead of now
  "request_events_done_moves", // today's moves into or out of done
  "request_timings_pkey", // the timings of those few requests
  "appointment_requests_pkey", // the requests of those few events
  "report_durations_fresh", // duration rows not yet compacted
  "appointment_requests_already_done", // requests closed as already done in PKB (a partial index of those only)
]);

describe("report statements on postgres", () => {
  let t: TestDb;
  const now = new Date("2026-01-15T12:00:00Z");
  const year = { from: "2025-01-01", to: "2025-12-31", zone: "Europe/London" };
  const by = (unit: BucketUnit) => ({ ...year, unit });

  beforeAll(async () => {
    t = await engines[1].open();
    await seedYear(t.db, 20_000);
  }, 300_000);
  afterAll(async () => {
    await t?.dispose();
  });

  /** The scans of every statement `report` sends, from EXPLAIN ANALYZE of each. */
  async function scansOf(report: (db: Queryable) => Promise<unknown>) {
    const statements: [string, readonly unknown[]][] = [];
    await report({
      query: (sql, params) => {
        statements.push([sql, params ?? []]);
        return t.db.query(sql, params);
      },
    });
    const all: ReturnType<typeof scans>[] = [];
    for (const [sql, params] of statements) {
      const [row] = await t.db.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        params,
      );
      all.push(scans(row!["QUERY PLAN"][0].Plan));
    }
    return all.flat();
  }

  const reports: [string, (db: Queryable) => Promise<unknown>][] = [
    ["volume by day", (db) => volumeReport(db, by("day"))],
    ["volume by month", (db) => volumeReport(db, by("month"))],
    ["backlog by day", (db) => backlogReport(db, by("day"), now)],
    ["backlog by month", (db) => backlogReport(db, by("month"), now)],
    ["timings by month", (db) => timingsReport(db, by("month"), { now })],
    ["timings by week", (db) => timingsReport(db, by("week"), { now })],
    ["timings by day", (db) => timingsReport(db, by("day"), { now })],
    ["timings by month, one type", (db) => timingsReport(db, { ...by("month"), type: "cancel" }, { now })],
    ["outcomes by month", (db) => outcomesReport(db, by("month"))],
    ["summary", (db) => summaryReport(db, year, { now })],
  ];

  it.each(reports)("%s reads rollups, and raw rows only through indexes bounded to recent days", async (_, report) => {
    for (const s of await scansOf(report)) {
      if (ROLLUPS.has(s.relation)) continue;
      expect(s, `${s.relation} read by ${s.node}`).toMatchObject({ index: expect.any(String) as string });
      expect(BOUNDED_INDEXES.has(s.index!), `${s.relation} through ${s.index}`).toBe(true);
      expect(s.rows).toBeLessThan(500);
    }
  });

  it("timings read one histogram row per bucket and metric, and per specialty, month and metric", async () => {
    const [row] = await t.db.query<{ specialties: number }>(
      "SELECT count(DISTINCT appointment_specialty_code)::int + 1 AS specialties FROM appointment_requests",
    );
    const specialties = row!.specialties;
    const histogramRows = async (report: (db: Queryable) => Promise<unknown>) =>
      (await scansOf(report)).filter((s) => s.relation === "report_histograms").reduce((n, s) => n + s.rows, 0);
    // The buckets read the histograms over every specialty, the specialties their month histograms (migration 0024).
    const perSpecialty = 12 * specialties * 2;
    expect(await histogramRows((db) => timingsReport(db, by("month"), { now }))).toBeLessThanOrEqual(
      12 * 2 + perSpecialty,
    );
    // 2025 runs from a Wednesday to a Wednesday: 51 whole ISO weeks (6 January to 28 December) and 5 + 3 edge days.
    expect(await histogramRows((db) => timingsReport(db, by("week"), { now }))).toBeLessThanOrEqual(
      (51 + 8) * 2 + perSpecialty,
    );
    // One specialty: its own rows per bucket serve both.
    const code = (
      await t.db.query<{ c: string }>(
        "SELECT appointment_specialty_code AS c FROM appointment_requests WHERE appointment_specialty_code IS NOT NULL LIMIT 1",
      )
    )[0]!.c;
    expect(
      await histogramRows((db) => timingsReport(db, { ...by("week"), specialtyCode: code }, { now })),
    ).toBeLessThanOrEqual((51 + 8) * 2);
  });
});
