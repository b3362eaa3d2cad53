// The report API's answers as the web app reads them (see src/http/api/reports.ts; instants arrive as ISO strings).
import type { Outcome, RequestType } from "../api/types.ts";

export type BucketUnit = "day" | "week" | "month";

export interface BucketFields {
  /** Local date the calendar day, ISO week (Monday) or month starts on. */
  key: string;
  /** First and last local dates of the bucket inside the range. */
  from: string;
  to: string;
}

export interface VolumeReport {
  requests: number;
  buckets: (BucketFields & { requests: number; change: number; cancel: number; unknownType: number })[];
  cells: {
    bucket: string;
    specialtyCode: string | null;
    specialtyName: string | null;
    teamId: string | null;
    teamName: string | null;
    type: RequestType | null;
    requests: number;
  }[];
}

export interface BacklogReport {
  asOf: string;
  buckets: (BucketFields & { at: string | null; open: number | null })[];
}

export interface Durations {
  requests: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
}

export interface Sla {
  met: number;
  missed: number;
  pending: number;
  share: number | null;
}

export interface TimingFigures {
  requests: number;
  firstAction: Durations;
  outcome: Durations;
  sla: Sla;
}

export interface TimingsReport {
  asOf: string;
  overall: TimingFigures;
  buckets: (BucketFields & TimingFigures)[];
  specialties: ({ specialtyCode: string | null; specialtyName: string | null } & TimingFigures)[];
}

export type OutcomeCounts = Record<Outcome | "none", number>;

export interface OutcomesReport {
  requests: number;
  outcomes: OutcomeCounts;
  buckets: (BucketFields & { requests: number; outcomes: OutcomeCounts })[];
}

export interface SummaryReport {
  asOf: string;
  requests: number;
  status: { processing: number; open: number; in_progress: number; done: number; error: number };
  unmatched: { review: number; noCandidates: number; notApplicable: number; total: number };
  error: number;
  sla: Sla;
}

/** Everything the reports page shows for one filter. */
export interface Reports {
  volume: VolumeReport;
  backlog: BacklogReport;
  timings: TimingsReport;
  outcomes: OutcomesReport;
  summary: SummaryReport;
}
