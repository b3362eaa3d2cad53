// Every figure of every report endpoint, checked exactly against the known scenario (see scenario.ts), over HTTP, on
// both engines; then the same figures read back from each CSV download.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { csvRecords, signedIn } from "./fixtures.ts";
import { OPH, ORTH, seedScenario, type Scenario } from "./scenario.ts";

const MONTH_RANGE = "from=2025-02-01&to=2025-10-31&bucket=month";
const MONTH_KEYS = ["02", "03", "04", "05", "06", "07", "08", "09", "10"].map((m) => `2025-${m}-01`);

const durations = (requests: number, medianMinutes: number | null = null, p90Minutes: number | null = null) => ({
  requests,
  medianMinutes,
  p90Minutes,
});
const sla = (met: number, missed: number, pending = 0) => ({
  met,
  missed,
  pending,
  share: met + missed > 0 ? met / (met + missed) : null,
});
const noTimings = { requests: 0, firstAction: durations(0), outcome: durations(0), sla: sla(0, 0) };
const outcomes = (
  o: Partial<
    Record<"rebooked" | "cancelled" | "rejected" | "needs_patient_contact" | "already_done_in_pkb" | "none", number>
  >,
) => ({
  rebooked: 0,
  cancelled: 0,
  rejected: 0,
  needs_patient_contact: 0,
  already_done_in_pkb: 0,
  none: 0,
  ...o,
});

/** Expected rows: id, first action, minutes, outcome, outcome at, minutes, deadline, met. */
const ROWS: [keyof Scenario["ids"], ...unknown[]][] = [
  // id, first action, minutes, outcome, outcome at, minutes, deadline, met
  ["r10", null, null, null, null, null, "2025-02-23T10:00:00.000Z", false],
  [
    "r9",
    "2025-03-10T12:00:00.000Z",
    120,
    "rejected",
    "2025-03-10T12:00:00.000Z",
    120,
    "2025-03-13T10:00:00.000Z",
    true,
  ],
  ["r1", "2025-03-30T01:00:00.000Z", 30, "rebooked", "2025-03-30T04:30:00.000Z", 240, "2025-04-02T00:30:00.000Z", true],
  [
    "r2",
    "2025-03-31T01:00:00.000Z",
    150,
    "cancelled",
    "2025-04-03T22:30:00.000Z",
    5760,
    "2025-04-02T22:30:00.000Z",
    false,
  ],
  ["r12", null, null, null, null, null, "2025-04-02T23:00:00.000Z", false],
  ["r3", "2025-03-31T00:30:00.000Z", 60, null, null, null, "2025-03-30T12:00:00.000Z", false],
  ["r8", null, null, null, null, null, "2025-06-18T11:00:00.000Z", false],
  ["r4", null, null, null, null, null, "2025-10-28T23:30:00.000Z", false],
  ["r5", "2025-10-26T02:00:00.000Z", 90, null, null, null, "2025-10-29T00:30:00.000Z", false],
  ["r6", null, null, null, null, null, "2025-10-29T01:30:00.000Z", false],
  [
    "r7",
    "2025-10-27T00:30:00.000Z",
    60,
    "needs_patient_contact",
    "2025-10-27T00:30:00.000Z",
    60,
    "2025-10-29T23:30:00.000Z",
    true,
  ],
];

describe.each(engines)("report figures on $name", (engine) => {
  let t: TestDb;
  let rebook: TestApp;
  let s: Scenario;
  let get: (url: string) => Promise<{ status: number; headers: Record<string, unknown>; body: string }>;
  const json = async <T = Record<string, unknown>>(url: string): Promise<T> => {
    const res = await get(url);
    expect(res.status, res.body).toBe(200);
    return JSON.parse(res.body) as T;
  };
  const csv = async (url: string): Promise<Record<string, string>[]> => {
    const res = await get(url);
    expect(res.status, res.body).toBe(200);
    return csvRecords(res.body);
  };

  beforeAll(async () => {
    t = await engine.open();
    rebook = await buildTestApp(t.db);
    s = await seedScenario(t.db);
    ({ get } = await signedIn(t.db, rebook.app, "viewer", rebook.config.session));
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  describe("volume", () => {
    it("counts per local day across the spring change: 23:00 UTC on 30 March is 31 March", async () => {
      const r = await json<{ range: unknown; requests: number; buckets: unknown[]; cells: unknown[] }>(
        "/api/reports/volume?from=2025-03-29&to=2025-04-01&bucket=day",
      );
      expect(r.range).toEqual({
        from: "2025-03-29",
        to: "2025-04-01",
        zone: "Europe/London",
        start: "2025-03-29T00:00:00.000Z",
        end: "2025-04-01T23:00:00.000Z",
        unit: "day",
      });
      expect(r.requests).toBe(4);
      const day = (key: string, start: string, end: string, change: number, cancel: number) => ({
        key,
        from: key,
        to: key,
        start,
        end,
        requests: change + cancel,
        change,
        cancel,
        unknownType: 0,
      });
      expect(r.buckets).toEqual([
        day("2025-03-29", "2025-03-29T00:00:00.000Z", "2025-03-30T00:00:00.000Z", 0, 0),
        day("2025-03-30", "2025-03-30T00:00:00.000Z", "2025-03-30T23:00:00.000Z", 1, 1),
        day("2025-03-31", "2025-03-30T23:00:00.000Z", "2025-03-31T23:00:00.000Z", 1, 1),
        day("2025-04-01", "2025-03-31T23:00:00.000Z", "2025-04-01T23:00:00.000Z", 0, 0),
      ]);
      const cell = (bucket: string, sp: typeof OPH, teamId: string, teamName: string, type: string) => ({
        bucket,
        specialtyCode: sp.code,
        specialtyName: sp.name,
        teamId,
        teamName,
        type,
        requests: 1,
      });
      expect(r.cells).toEqual([
        cell("2025-03-30", OPH, s.alpha, "Alpha", "cancel"),
        cell("2025-03-30", OPH, s.alpha, "Alpha", "change"),
        cell("2025-03-31", ORTH, s.alpha, "Alpha", "cancel"),
        cell("2025-03-31", ORTH, s.bravo, "Bravo", "change"),
      ]);
    });

    it("counts per local day across the autumn change: a 25-hour 26 October holds both 01:30s", async () => {
      const r = await json<{ requests: number; buckets: unknown[]; cells: unknown[] }>(
        "/api/reports/volume?from=2025-10-25&to=2025-10-27&bucket=day",
      );
      expect(r.requests).toBe(4);
      expect(r.buckets).toEqual([
        {
          key: "2025-10-25",
          from: "2025-10-25",
          to: "2025-10-25",
          start: "2025-10-24T23:00:00.000Z",
          end: "2025-10-25T23:00:00.000Z",
          requests: 0,
          change: 0,
          cancel: 0,
          unknownType: 0,
        },
        {
          key: "2025-10-26",
          from: "2025-10-26",
          to: "2025-10-26",
          start: "2025-10-25T23:00:00.000Z",
          end: "2025-10-27T00:00:00.000Z",
          requests: 4,
          change: 1,
          cancel: 2,
          unknownType: 1,
        },
        {
          key: "2025-10-27",
          from: "2025-10-27",
          to: "2025-10-27",
          start: "2025-10-27T00:00:00.000Z",
          end: "2025-10-28T00:00:00.000Z",
          requests: 0,
          change: 0,
          cancel: 0,
          unknownType: 0,
        },
      ]);
      const base = { bucket: "2025-10-26", requests: 1 };
      expect(r.cells).toEqual([
        { ...base, specialtyCode: "OPH", specialtyName: OPH.name, teamId: s.alpha, teamName: "Alpha", type: "cancel" },
        { ...base, specialtyCode: null, specialtyName: null, teamId: s.alpha, teamName: "Alpha", type: "cancel" },
        { ...base, specialtyCode: null, specialtyName: null, teamId: s.bravo, teamName: "Bravo", type: "change" },
        { ...base, specialtyCode: null, specialtyName: null, teamId: null, teamName: null, type: null },
      ]);
    });

    it("counts per ISO week and per month, with empty buckets as zero", async () => {
      const w = await json<{ buckets: { key: string; from: string; to: string; requests: number }[] }>(
        "/api/reports/volume?from=2025-03-24&to=2025-04-06&bucket=week",
      );
      expect(w.buckets.map((b) => [b.key, b.from, b.to, b.requests])).toEqual([
        ["2025-03-24", "2025-03-24", "2025-03-30", 2],
        ["2025-03-31", "2025-03-31", "2025-04-06", 2],
      ]);
      const m = await json<{ requests: number; buckets: { key: string; requests: number }[] }>(
        `/api/reports/volume?${MONTH_RANGE}`,
      );
      expect(m.requests).toBe(11);
      expect(m.buckets.map((b) => [b.key, b.requests])).toEqual(
        MONTH_KEYS.map((k, i) => [k, [1, 5, 0, 0, 1, 0, 0, 0, 4][i]]),
      );
    });

    it("applies the team, specialty and type filters, alone and together", async () => {
      const counts = async (q: string): Promise<number[]> =>
        (await json<{ buckets: { requests: number }[] }>(`/api/reports/volume?${MONTH_RANGE}&${q}`)).buckets.map(
          (b) => b.requests,
        );
      expect(await counts(`team_id=${s.alpha}`)).toEqual([0, 4, 0, 0, 1, 0, 0, 0, 2]);
      expect(await counts(`team_id=${s.bravo}`)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 1]);
      expect(await counts("team_id=none")).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
      expect(await counts("specialty_code=OPH")).toEqual([0, 3, 0, 0, 1, 0, 0, 0, 1]);
      expect(await counts("specialty_code=ORTH")).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 0]);
      expect(await counts("specialty_code=none")).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 3]);
      expect(await counts("type=cancel")).toEqual([0, 2, 0, 0, 0, 0, 0, 0, 2]);
      expect(await counts("type=change")).toEqual([1, 3, 0, 0, 1, 0, 0, 0, 1]);
      expect(await counts(`team_id=${s.alpha}&specialty_code=OPH&type=change`)).toEqual([0, 2, 0, 0, 1, 0, 0, 0, 0]);
    });
  });

  describe("backlog", () => {
    const open = async (q: string): Promise<[string, string | null, number | null][]> =>
      (
        await json<{ buckets: { key: string; at: string | null; open: number | null }[] }>(`/api/reports/backlog?${q}`)
      ).buckets.map((b) => [b.key, b.at, b.open]);

    it("counts requests open at each local day's end, carrying older ones over and counting a reopening", async () => {
      // End of 30 March (23:00 UTC): r10 and r2 (r1 was done at 04:30; r12 arrived at 23:00, not before the end).
      // End of 31 March: plus r12, r3 and r9 (done on 10 March, reopened at 10:00 on the 31st).
      expect(await open("from=2025-03-29&to=2025-04-01&bucket=day")).toEqual([
        ["2025-03-29", "2025-03-30T00:00:00.000Z", 1],
        ["2025-03-30", "2025-03-30T23:00:00.000Z", 2],
        ["2025-03-31", "2025-03-31T23:00:00.000Z", 5],
        ["2025-04-01", "2025-04-01T23:00:00.000Z", 5],
      ]);
      expect(await open("from=2025-10-25&to=2025-10-27&bucket=day")).toEqual([
        ["2025-10-25", "2025-10-25T23:00:00.000Z", 5],
        ["2025-10-26", "2025-10-27T00:00:00.000Z", 9],
        ["2025-10-27", "2025-10-28T00:00:00.000Z", 9],
      ]);
    });

    it("measures at week and month ends, and filters by team", async () => {
      expect(await open("from=2025-03-24&to=2025-04-06&bucket=week")).toEqual([
        ["2025-03-24", "2025-03-30T23:00:00.000Z", 2],
        ["2025-03-31", "2025-04-06T23:00:00.000Z", 4],
      ]);
      const months = await open(MONTH_RANGE);
      expect(months.map((m) => m[2])).toEqual([1, 5, 4, 4, 5, 5, 5, 5, 9]);
      expect(months[1]).toEqual(["2025-03-01", "2025-03-31T23:00:00.000Z", 5]);
      expect(months[8]).toEqual(["2025-10-01", "2025-11-01T00:00:00.000Z", 9]);
      expect((await open(`from=2025-03-29&to=2025-04-01&bucket=day&team_id=${s.alpha}`)).map((b) => b[2])).toEqual([
        0, 1, 3, 3,
      ]);
    });
  });

  describe("timings", () => {
    it("gives median and 90th percentile minutes to first action and to outcome, and the deadline share", async () => {
      const r = await json<{
        overall: unknown;
        buckets: ({ key: string } & Record<string, unknown>)[];
        specialties: unknown[];
      }>(`/api/reports/timings?${MONTH_RANGE}`);
      // First actions: 30, 60, 60, 90, 120, 150 min; outcomes: 60, 120, 240, 5760 min; deadlines met by r9, r1, r7.
      expect(r.overall).toEqual({
        requests: 11,
        firstAction: durations(6, 75, 135),
        outcome: durations(4, 180, 4104),
        sla: sla(3, 8),
      });
      const stats = r.buckets.map(({ key, requests, firstAction, outcome, sla }) => ({
        key,
        requests,
        firstAction,
        outcome,
        sla,
      }));
      expect(stats).toEqual([
        { key: "2025-02-01", requests: 1, firstAction: durations(0), outcome: durations(0), sla: sla(0, 1) },
        {
          key: "2025-03-01",
          requests: 5,
          firstAction: durations(4, 90, 141),
          outcome: durations(3, 240, 4656),
          sla: sla(2, 3),
        },
        { key: "2025-04-01", ...noTimings },
        { key: "2025-05-01", ...noTimings },
        { key: "2025-06-01", requests: 1, firstAction: durations(0), outcome: durations(0), sla: sla(0, 1) },
        { key: "2025-07-01", ...noTimings },
        { key: "2025-08-01", ...noTimings },
        { key: "2025-09-01", ...noTimings },
        {
          key: "2025-10-01",
          requests: 4,
          firstAction: durations(2, 75, 87),
          outcome: durations(1, 60, 60),
          sla: sla(1, 3),
        },
      ]);
      expect(r.specialties).toEqual([
        {
          specialtyCode: "OPH",
          specialtyName: OPH.name,
          requests: 5,
          firstAction: durations(4, 90, 141),
          outcome: durations(4, 180, 4104),
          sla: sla(3, 2),
        },
        {
          specialtyCode: "ORTH",
          specialtyName: ORTH.name,
          requests: 3,
          firstAction: durations(1, 60, 60),
          outcome: durations(0),
          sla: sla(0, 3),
        },
        {
          specialtyCode: null,
          specialtyName: null,
          requests: 3,
          firstAction: durations(1, 90, 90),
          outcome: durations(0),
          sla: sla(0, 3),
        },
      ]);
    });
  });

  describe("outcomes and summary", () => {
    it("breaks down outcomes, with none yet, per month", async () => {
      const r = await json<{
        requests: number;
        outcomes: unknown;
        buckets: { key: string; requests: number; outcomes: unknown }[];
      }>(`/api/reports/outcomes?${MONTH_RANGE}`);
      expect(r.requests).toBe(11);
      expect(r.outcomes).toEqual(
        outcomes({ rebooked: 1, cancelled: 1, rejected: 1, needs_patient_contact: 1, none: 7 }),
      );
      expect(r.buckets.map((b) => [b.key, b.requests, b.outcomes])).toEqual([
        ["2025-02-01", 1, outcomes({ none: 1 })],
        ["2025-03-01", 5, outcomes({ rejected: 1, rebooked: 1, cancelled: 1, none: 2 })],
        ["2025-04-01", 0, outcomes({})],
        ["2025-05-01", 0, outcomes({})],
        ["2025-06-01", 1, outcomes({ none: 1 })],
        ["2025-07-01", 0, outcomes({})],
        ["2025-08-01", 0, outcomes({})],
        ["2025-09-01", 0, outcomes({})],
        ["2025-10-01", 4, outcomes({ needs_patient_contact: 1, none: 3 })],
      ]);
    });

    it("sums up status, still unmatched, in error and the deadline share", async () => {
      const r = await json<Record<string, unknown>>("/api/reports/summary?from=2025-02-01&to=2025-10-31");
      expect(r).toEqual({
        range: {
          from: "2025-02-01",
          to: "2025-10-31",
          zone: "Europe/London",
          start: "2025-02-01T00:00:00.000Z",
          end: "2025-11-01T00:00:00.000Z",
        },
        asOf: expect.any(String),
        requests: 11,
        status: { processing: 1, open: 5, in_progress: 2, done: 2, error: 1 },
        unmatched: { review: 1, noCandidates: 1, notApplicable: 1, total: 3 },
        error: 1,
        sla: sla(3, 8),
      });
      const bravo = await json<Record<string, unknown>>(
        `/api/reports/summary?from=2025-02-01&to=2025-10-31&team_id=${s.bravo}`,
      );
      expect(bravo).toMatchObject({
        requests: 3,
        status: { processing: 0, open: 3, in_progress: 0, done: 0, error: 0 },
        unmatched: { review: 0, noCandidates: 1, notApplicable: 0, total: 1 },
        error: 0,
        sla: sla(0, 3),
      });
    });
  });

  describe("rows", () => {
    it("gives one row per request, oldest first, with its timings, outcome and deadline, in pages", async () => {
      const items: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Record<string, unknown>[]; nextCursor: string | null } = await json(
          `/api/reports/rows?from=2025-02-01&to=2025-10-31&limit=4${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.items.length).toBeLessThanOrEqual(4);
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(
        items.map((i) => [
          i.id,
          i.firstActionAt,
          i.minutesToFirstAction,
          i.outcome,
          i.outcomeAt,
          i.minutesToOutcome,
          i.deadlineAt,
          i.deadlineMet,
        ]),
      ).toEqual(ROWS.map(([name, ...rest]) => [s.ids[name], ...rest]));
      expect(items[3]).toEqual({
        id: s.ids.r2,
        receivedAt: "2025-03-30T22:30:00.000Z",
        type: "cancel",
        status: "done",
        matchState: "manual",
        specialtyCode: "OPH",
        specialtyName: OPH.name,
        teamId: s.alpha,
        teamName: "Alpha",
        firstActionAt: "2025-03-31T01:00:00.000Z",
        minutesToFirstAction: 150,
        outcome: "cancelled",
        outcomeAt: "2025-04-03T22:30:00.000Z",
        minutesToOutcome: 5760,
        deadlineAt: "2025-04-02T22:30:00.000Z",
        deadlineMet: false,
      });
      // No patient identifiers anywhere: the fixture's NHS number and PKB patient id never appear.
      expect(JSON.stringify(items)).not.toMatch(/9434765919|patient-1/);
    });
  });

  describe("CSV downloads", () => {
    it("volume.csv has the JSON's cells, empty buckets as 0, instants in UTC and local time", async () => {
      const rows = await csv("/api/reports/volume.csv?from=2025-03-29&to=2025-04-01&bucket=day");
      expect(rows.map((r) => [r.bucket, r.specialty_code, r.specialty, r.team, r.type, r.requests])).toEqual([
        ["2025-03-29", "", "", "", "", "0"],
        ["2025-03-30", "OPH", "Ophthalmology", "Alpha", "cancel", "1"],
        ["2025-03-30", "OPH", "Ophthalmology", "Alpha", "change", "1"],
        // The formula-like specialty name is defused with a leading apostrophe and survives its comma and quotes.
        ["2025-03-31", "ORTH", `'${ORTH.name}`, "Alpha", "cancel", "1"],
        ["2025-03-31", "ORTH", `'${ORTH.name}`, "Bravo", "change", "1"],
        ["2025-04-01", "", "", "", "", "0"],
      ]);
      expect(rows[3]).toMatchObject({
        bucket_from: "2025-03-31",
        bucket_to: "2025-03-31",
        bucket_start_utc: "2025-03-30T23:00:00.000Z",
        bucket_start_local: "2025-03-31T00:00:00+01:00",
        bucket_end_utc: "2025-03-31T23:00:00.000Z",
        bucket_end_local: "2025-04-01T00:00:00+01:00",
        team_id: s.alpha,
      });
    });

    it("backlog.csv, timings.csv, outcomes.csv and summary.csv match their JSON", async () => {
      const backlog = await json<{ buckets: { key: string; at: string; open: number }[] }>(
        `/api/reports/backlog?${MONTH_RANGE}`,
      );
      const backlogCsv = await csv(`/api/reports/backlog.csv?${MONTH_RANGE}`);
      expect(backlogCsv.map((r) => [r.bucket, r.at_utc, Number(r.open)])).toEqual(
        backlog.buckets.map((b) => [b.key, b.at, b.open]),
      );
      expect(backlogCsv[8]!.at_local).toBe("2025-11-01T00:00:00+00:00");

      const timings = await csv(`/api/reports/timings.csv?${MONTH_RANGE}`);
      expect(timings).toHaveLength(1 + 9 + 3);
      expect(timings[0]).toMatchObject({
        scope: "overall",
        bucket: "",
        requests: "11",
        first_action_requests: "6",
        first_action_median_minutes: "75",
        first_action_p90_minutes: "135",
        outcome_requests: "4",
        outcome_median_minutes: "180",
        outcome_p90_minutes: "4104",
        sla_met: "3",
        sla_missed: "8",
        sla_pending: "0",
        sla_share: String(3 / 11),
      });
      expect(timings[2]).toMatchObject({
        scope: "bucket",
        bucket: "2025-03-01",
        first_action_p90_minutes: "141",
        outcome_p90_minutes: "4656",
        sla_share: "0.4",
      });
      expect(timings[3]).toMatchObject({
        scope: "bucket",
        bucket: "2025-04-01",
        requests: "0",
        first_action_median_minutes: "",
        sla_share: "",
      });
      expect(timings.slice(10).map((r) => [r.scope, r.specialty_code, r.requests, r.outcome_median_minutes])).toEqual([
        ["specialty", "OPH", "5", "180"],
        ["specialty", "ORTH", "3", ""],
        ["specialty", "", "3", ""],
      ]);

      const out = await csv(`/api/reports/outcomes.csv?${MONTH_RANGE}`);
      expect(
        out.map((r) => [
          r.scope,
          r.bucket,
          r.requests,
          r.rebooked,
          r.cancelled,
          r.rejected,
          r.needs_patient_contact,
          r.none,
        ]),
      ).toEqual([
        ["total", "", "11", "1", "1", "1", "1", "7"],
        ["bucket", "2025-02-01", "1", "0", "0", "0", "0", "1"],
        ["bucket", "2025-03-01", "5", "1", "1", "1", "0", "2"],
        ["bucket", "2025-04-01", "0", "0", "0", "0", "0", "0"],
        ["bucket", "2025-05-01", "0", "0", "0", "0", "0", "0"],
        ["bucket", "2025-06-01", "1", "0", "0", "0", "0", "1"],
        ["bucket", "2025-07-01", "0", "0", "0", "0", "0", "0"],
        ["bucket", "2025-08-01", "0", "0", "0", "0", "0", "0"],
        ["bucket", "2025-09-01", "0", "0", "0", "0", "0", "0"],
        ["bucket", "2025-10-01", "4", "0", "0", "0", "1", "3"],
      ]);

      const summary = await csv("/api/reports/summary.csv?from=2025-02-01&to=2025-10-31");
      expect(Object.fromEntries(summary.map((r) => [r.figure, r.value]))).toEqual({
        requests: "11",
        status_processing: "1",
        status_open: "5",
        status_in_progress: "2",
        status_done: "2",
        status_error: "1",
        unmatched_review: "1",
        unmatched_no_candidates: "1",
        unmatched_not_applicable: "1",
        unmatched_total: "3",
        error: "1",
        sla_met: "3",
        sla_missed: "8",
        sla_pending: "0",
        sla_share: String(3 / 11),
      });
    });

    it("rows.csv streams every row with UTC and local instants and no patient identifiers", async () => {
      const res = await get("/api/reports/rows.csv?from=2025-02-01&to=2025-10-31");
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
      expect(res.headers["content-disposition"]).toBe(
        'attachment; filename="rebook-rows-2025-02-01-to-2025-10-31.csv"',
      );
      expect(res.body).not.toMatch(/9434765919|patient-1/);
      const rows = csvRecords(res.body);
      expect(
        rows.map((r) => [
          r.request_id,
          r.first_action_utc || null,
          r.minutes_to_first_action ? Number(r.minutes_to_first_action) : null,
          r.outcome || null,
          r.outcome_utc || null,
          r.minutes_to_outcome ? Number(r.minutes_to_outcome) : null,
          r.deadline_utc,
          r.deadline_met === "true",
        ]),
      ).toEqual(ROWS.map(([name, ...rest]) => [s.ids[name], ...rest]));
      // r5 and r6 were received at 01:30 on 26 October: once in BST, once in GMT.
      expect(rows.slice(8, 10).map((r) => [r.received_utc, r.received_local])).toEqual([
        ["2025-10-26T00:30:00.000Z", "2025-10-26T01:30:00+01:00"],
        ["2025-10-26T01:30:00.000Z", "2025-10-26T01:30:00+00:00"],
      ]);
      expect(rows[5]).toMatchObject({
        specialty: `'${ORTH.name}`,
        team: "Bravo",
        type: "change",
        status: "open",
        match_state: "auto_linked",
      });
    });
  });
});
