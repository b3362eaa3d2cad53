// Each report as a CSV table: the same figures as its JSON, one aggregate per row, instants in UTC and local time.
import type { BacklogReport } from "./backlog.ts";
import { instantCells, instantHeader, type Cell, type CsvTable } from "./csv.ts";
import { OUTCOME_KEYS, type OutcomeCounts, type OutcomesReport } from "./outcomes.ts";
import type { ReportRow } from "./rows.ts";
import type { SummaryReport } from "./summary.ts";
import type { TimingStats, TimingsReport } from "./timings.ts";
import type { VolumeReport } from "./volume.ts";
import type { Bucket } from "./query.ts";

const BUCKET_HEADER = [
  "bucket",
  "bucket_from",
  "bucket_to",
  ...instantHeader("bucket_start"),
  ...instantHeader("bucket_end"),
];
const bucketCells = (b: Bucket, zone: string): Cell[] => [
  b.key,
  b.from,
  b.to,
  ...instantCells(b.start, zone),
  ...instantCells(b.end, zone),
];
const emptyBucket: Cell[] = BUCKET_HEADER.map(() => null);

/** Volume: one row per non-empty (bucket, specialty, team, type) cell; an empty bucket is one row of 0. */
export function volumeTable(r: VolumeReport): CsvTable {
  const zone = r.range.zone;
  const byBucket = new Map<string, VolumeReport["cells"]>();
  for (const c of r.cells) byBucket.set(c.bucket, [...(byBucket.get(c.bucket) ?? []), c]);
  return {
    header: [...BUCKET_HEADER, "specialty_code", "specialty", "team_id", "team", "type", "requests"],
    rows: r.buckets.flatMap((b): Cell[][] => {
      const cells = byBucket.get(b.key) ?? [];
      if (cells.length === 0) return [[...bucketCells(b, zone), null, null, null, null, null, 0]];
      return cells.map((c) => [
        ...bucketCells(b, zone),
        c.specialtyCode,
        c.specialtyName,
        c.teamId,
        c.teamName,
        c.type,
        c.requests,
      ]);
    }),
  };
}

/** Backlog: one row per bucket with the instant it was measured at. */
export function backlogTable(r: BacklogReport): CsvTable {
  return {
    header: [...BUCKET_HEADER, ...instantHeader("at"), "open"],
    rows: r.buckets.map((b) => [...bucketCells(b, r.range.zone), ...instantCells(b.at, r.range.zone), b.open]),
  };
}

const TIMING_HEADER = [
  "requests",
  "first_action_requests",
  "first_action_median_minutes",
  "first_action_p90_minutes",
  "outcome_requests",
  "outcome_median_minutes",
  "outcome_p90_minutes",
  "sla_met",
  "sla_missed",
  "sla_pending",
  "sla_share",
];
const timingCells = (s: TimingStats): Cell[] => [
  s.requests,
  s.firstAction.requests,
  s.firstAction.medianMinutes,
  s.firstAction.p90Minutes,
  s.outcome.requests,
  s.outcome.medianMinutes,
  s.outcome.p90Minutes,
  s.sla.met,
  s.sla.missed,
  s.sla.pending,
  s.sla.share,
];

/** Timings: the overall row (scope "overall"), then one per bucket ("bucket") and per specialty ("specialty"). */
export function timingsTable(r: TimingsReport): CsvTable {
  const zone = r.range.zone;
  return {
    header: ["scope", ...BUCKET_HEADER, "specialty_code", "specialty", ...TIMING_HEADER],
    rows: [
      ["overall", ...emptyBucket, null, null, ...timingCells(r.overall)],
      ...r.buckets.map((b) => ["bucket", ...bucketCells(b, zone), null, null, ...timingCells(b)]),
      ...r.specialties.map((s) => ["specialty", ...emptyBucket, s.specialtyCode, s.specialtyName, ...timingCells(s)]),
    ],
  };
}

const outcomeCells = (o: OutcomeCounts): Cell[] => OUTCOME_KEYS.map((k) => o[k]);

/** Outcomes: the total row (scope "total"), then one per bucket ("bucket"); `none` = no outcome yet. */
export function outcomesTable(r: OutcomesReport): CsvTable {
  return {
    header: ["scope", ...BUCKET_HEADER, "requests", ...OUTCOME_KEYS],
    rows: [
      ["total", ...emptyBucket, r.requests, ...outcomeCells(r.outcomes)],
      ...r.buckets.map((b) => ["bucket", ...bucketCells(b, r.range.zone), b.requests, ...outcomeCells(b.outcomes)]),
    ],
  };
}

/** Summary: one figure per row, named. */
export function summaryTable(r: SummaryReport): CsvTable {
  return {
    header: ["figure", "value"],
    rows: [
      ["requests", r.requests],
      ...Object.entries(r.status).map(([k, v]): Cell[] => [`status_${k}`, v]),
      ["unmatched_review", r.unmatched.review],
      ["unmatched_no_candidates", r.unmatched.noCandidates],
      ["unmatched_not_applicable", r.unmatched.notApplicable],
      ["unmatched_total", r.unmatched.total],
      ["error", r.error],
      ["sla_met", r.sla.met],
      ["sla_missed", r.sla.missed],
      ["sla_pending", r.sla.pending],
      ["sla_share", r.sla.share],
    ],
  };
}

/** Header of the row-level CSV. */
export const ROWS_HEADER = [
  "request_id",
  ...instantHeader("received"),
  "type",
  "status",
  "match_state",
  "specialty_code",
  "specialty",
  "team_id",
  "team",
  ...instantHeader("first_action"),
  "minutes_to_first_action",
  "outcome",
  ...instantHeader("outcome"),
  "minutes_to_outcome",
  ...instantHeader("deadline"),
  "deadline_met",
];

/** One request as a CSV record (same order as ROWS_HEADER). */
export function rowCells(r: ReportRow, zone: string): Cell[] {
  return [
    r.id,
    ...instantCells(r.receivedAt, zone),
    r.type,
    r.status,
    r.matchState,
    r.specialtyCode,
    r.specialtyName,
    r.teamId,
    r.teamName,
    ...instantCells(r.firstActionAt, zone),
    r.minutesToFirstAction,
    r.outcome,
    ...instantCells(r.outcomeAt, zone),
    r.minutesToOutcome,
    ...instantCells(r.deadlineAt, zone),
    r.deadlineMet,
  ];
}
