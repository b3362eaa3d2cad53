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
import { slaAggregatesSql, slaFigures, type SlaFigures } from "./timings.ts";

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

/** Headline figures of the requests received in the filter's range, in one statement. */
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
    missed: number;
    pending: number;
  }>(
    `WITH f AS (
       SELECT r.status, r.match_state, rt.outcome_at AS oc, ${DEADLINE_AT_SQL} AS dl
       FROM appointment_requests r ${TIMINGS_JOIN_SQL} WHERE ${receivedConditions(f, p)}
     )
     SELECT count(*)::int AS requests,
       count(*) FILTER (WHERE status = 'processing')::int AS processing,
       count(*) FILTER (WHERE status = 'open')::int AS open,
       count(*) FILTER (WHERE status = 'in_progress')::int AS in_progress,
       count(*) FILTER (WHERE status = 'done')::int AS done,
       count(*) FILTER (WHERE status = 'error')::int AS error,
       count(*) FILTER (WHERE status <> 'done' AND match_state = 'review')::int AS review,
       count(*) FILTER (WHERE status <> 'done' AND match_state = 'no_candidates')::int AS no_candidates,
       count(*) FILTER (WHERE status <> 'done' AND match_state = 'not_applicable')::int AS not_applicable,
       ${slaAggregatesSql(p(p0.now))}
     FROM f`,
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
    sla: slaFigures(s.met, s.missed, s.pending),
  };
}
