// The headline figures of a range: requests by status, those still unmatched or in review, those in error, and the
// share handled within the deadline.
import type { Queryable } from "../store/db.ts";
import {
  DEADLINE_AT_SQL,
  TIMINGS_JOIN_SQL,
  params,
  receivedConditions,
  resolveRange,
  type ReportFilter,
  type ResolvedRange,
} from "./query.ts";
import { rollupConditions } from "./rollups.ts";
import { slaFigures, type SlaFigures } from "./timings.ts";

export interface SummaryReport {
  range: ResolvedRange;
  asOf: Date;
  /** Requests received in the range (matching the filters). */
  requests: number;
  /** Their current workflow status. */
  status: { processing: number; open: number; in_progress: number; done: number; error: number };
  /**
   * Not done and without a linked appointment: waiting in review (several or weak candidates), no candidate found,
   * or not applicable (the patient has no NHS number in PKB). `total` is their sum.
   */
  unmatched: { review: number; noCandidates: number; notApplicable: number; total: number };
  /** The pipeline gave up on them (status error), waiting for a retry. */
  error: number;
  sla: SlaFigures;
}

/**
 * Headline figures of the requests received in the filter's range: counts from the daily rollup (report_counts), and
 * the deadlines still ahead of `now` from the requests themselves (only recent requests can have one).
 */
export async function summaryReport(db: Queryable, f: ReportFilter, p0: { now: Date }): Promise<SummaryReport> {
  const { values, p } = params();
  const [r] = await db.query<{
    requests: number;
    processing: number;
    open: number;
    in_progress: number;
    done: number;
    error: number;
    review: number;
    no_candidates: number;
    not_applicable: number;
    met: number;
    late: number;
    pending: number;
  }>(
    `SELECT coalesce(sum(c.received), 0)::int AS requests,
       coalesce(sum(c.status_processing), 0)::int AS processing, coalesce(sum(c.status_open), 0)::int AS open,
       coalesce(sum(c.status_in_progress), 0)::int AS in_progress, coalesce(sum(c.status_done), 0)::int AS done,
       coalesce(sum(c.status_error), 0)::int AS error, coalesce(sum(c.unmatched_review), 0)::int AS review,
       coalesce(sum(c.unmatched_no_candidates), 0)::int AS no_candidates,
       coalesce(sum(c.unmatched_not_applicable), 0)::int AS not_applicable,
       coalesce(sum(c.sla_met), 0)::int AS met, coalesce(sum(c.sla_late), 0)::int AS late,
       (SELECT count(*) FROM appointment_requests r ${TIMINGS_JOIN_SQL}
        WHERE ${DEADLINE_AT_SQL} >= ${p(p0.now)} AND rt.outcome_at IS NULL AND ${receivedConditions(f, p)})::int
         AS pending
     FROM report_counts c WHERE ${rollupConditions(f, p, "c")}`,
    values,
  );
  const s = r!;
  return {
    range: resolveRange(f),
    asOf: p0.now,
    requests: s.requests,
    status: {
      processing: s.processing,
      open: s.open,
      in_progress: s.in_progress,
      done: s.done,
      error: s.error,
    },
    unmatched: {
      review: s.review,
      noCandidates: s.no_candidates,
      notApplicable: s.not_applicable,
      total: s.review + s.no_candidates + s.not_applicable,
    },
    error: s.error,
    sla: slaFigures(s.met, s.late + (s.requests - s.met - s.late) - s.pending, s.pending),
  };
}
