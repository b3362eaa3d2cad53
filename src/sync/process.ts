// Steps 2–4 of the pipeline for each stored request: identify the patient, match the appointment, route it. Requests
// in processing are due work (src/jobs/due-work.ts): claimed with FOR UPDATE SKIP LOCKED (and a short claim lease), so
// several workers or instances never work on the same one, and worked by a pool that keeps PIPELINE_CONCURRENCY in
// flight (a slow one never holds up the others). A
// failure puts the request back with a backoff, and after the last attempt into the error state with its reason; it
// never blocks the others. What is written to the request is decided by the commands in src/requests/commands/.
import { afterFailure, drainDue, reschedule, type BackoffPolicy, type DueQueue } from "../jobs/due-work.ts";
import { UpstreamError } from "../errors.ts";
import { SessionEndedError } from "../pkb/tokens.ts";
import {
  applyMatchResult,
  markError,
  recordPatientNotIdentified,
  type MessageFacts,
} from "../requests/commands/pipeline.ts";
import type { Queryable } from "../store/db.ts";
import type { SyncDeps } from "./deps.ts";
import { publishRequestUpdated } from "../events/publish.ts";
import { findAppointment, identifyPatient } from "./identify.ts";

/** How long a claimed request is hidden from other workers: renewed while worked, so a dead worker's come back soon. */
const CLAIM_MS = 30_000;
/**
 * When no connection can reach PKB, requests wait for access (not counted as attempts): a new grant wakes them at
 * once; this is only how long until they are looked at again if nothing does.
 */
const PAUSE_MS = 5 * 60_000;

/** The pipeline's due work: requests in processing whose next attempt is due, oldest first. */
export const PIPELINE_QUEUE: DueQueue = {
  table: "appointment_requests",
  id: "id",
  idType: "uuid",
  due: "next_attempt_at",
  attempts: "attempts",
  where: { sql: "status = 'processing'", params: [] },
  orderBy: "received_at, id",
};

/** Retries of a request whose PKB calls failed: 30 s doubling to an hour, up to the configured attempts. */
const pipelineBackoff = (maxAttempts: number): BackoffPolicy => ({ baseMs: 30_000, maxMs: 60 * 60_000, maxAttempts });

export type ProcessOutcome =
  "auto_linked" | "review" | "no_candidates" | "not_identified" | "retry" | "error" | "paused" | "skipped";

interface RequestRow {
  id: string;
  status: string;
  requested_start: Date | null;
  requested_subject: string | null;
  patient_note: string;
  pkb_team_name: string | null;
  patient_pkb_id: string | null;
  received_at: Date;
  type: "change" | "cancel" | null;
  attempts: number;
  first_seen_connection_id: string | null;
  access_wait_since: Date | null;
}

/** Makes every request that waits for PKB access due now (call when access returns, in the grant's transaction). */
export async function wakeRequestsWaitingForAccess(tx: Queryable): Promise<number> {
  const rows = await tx.query(
    `UPDATE appointment_requests SET next_attempt_at = now(), access_wait_since = NULL
     WHERE status = 'processing' AND access_wait_since IS NOT NULL RETURNING id`,
  );
  return rows.length;
}

/** An active connection to reach PKB with: the one the message came through if usable, else any active one. */
async function usableConnection(db: Queryable, preferred: string | null): Promise<string | null> {
  const [row] = await db.query<{ id: string }>(
    `SELECT id FROM pkb_connections WHERE status = 'active' ORDER BY (id = $1) DESC, created_at LIMIT 1`,
    [preferred],
  );
  return row?.id ?? null;
}

/** Works one request through identification, matching and routing. Re-reads state first: moot work returns early. */
export async function processRequest(deps: SyncDeps, requestId: string, now = new Date()): Promise<ProcessOutcome> {
  const { db } = deps;
  const [r] = await db.query<RequestRow>(
    `SELECT r.*, m.first_seen_connection_id FROM appointment_requests r
     JOIN pkb_messages m ON m.pkb_message_id = r.pkb_message_id WHERE r.id = $1`,
    [requestId],
  );
  if (!r || r.status !== "processing") return "skipped";
  const connectionId = await usableConnection(db, r.first_seen_connection_id);
  if (!connectionId) {
    // Waits for access: a new grant makes it due at once (wakeRequestsWaitingForAccess); the pause is only a backstop.
    await reschedule(db, PIPELINE_QUEUE, r.id, PAUSE_MS, { set: { access_wait_since: r.access_wait_since ?? now } });
    // A grant that committed since the look-up above has already woken the others: this one is due now too.
    if (await usableConnection(db, r.first_seen_connection_id))
      await reschedule(db, PIPELINE_QUEUE, r.id, 0, { set: { access_wait_since: null } });
    return "paused";
  }
  if (r.access_wait_since) {
    // Access is back: it no longer waits for it (a later grant must not cut a retry's backoff short).
    await db.query("UPDATE appointment_requests SET access_wait_since = NULL WHERE id = $1", [r.id]);
  }
  const message: MessageFacts = {
    type: r.type,
    pkbTeamName: r.pkb_team_name,
    patientNote: r.patient_note,
    requestedSubject: r.requested_subject,
  };
  try {
    if (!r.patient_pkb_id) throw new Error("the message names no patient");
    const { patient, problem } = await identifyPatient(deps, connectionId, r.patient_pkb_id, now);
    if (!patient.nhsNumber) {
      await recordPatientNotIdentified(db, {
        requestId: r.id,
        reason: problem,
        message,
        patientPkbId: r.patient_pkb_id,
        requestedStart: r.requested_start,
      });
      return "not_identified";
    }
    const match = await findAppointment(deps, {
      nhsNumber: patient.nhsNumber,
      requestedStart: r.requested_start,
      requestedSubject: r.requested_subject,
      receivedAt: r.received_at,
    });
    await applyMatchResult(db, {
      requestId: r.id,
      nhsNumber: patient.nhsNumber,
      pkbUserId: patient.pkbUserId,
      match,
      message,
      requestedStart: r.requested_start,
    });
    return match.decision === "auto_link" ? "auto_linked" : match.decision;
  } catch (err) {
    if (err instanceof SessionEndedError) {
      await reschedule(db, PIPELINE_QUEUE, r.id, 0);
      return "paused";
    }
    const attempts = r.attempts + 1;
    const retryable = err instanceof UpstreamError ? err.retryable : false;
    const reason = err instanceof UpstreamError ? err.message : `Unexpected: ${(err as Error).message}`;
    const next = afterFailure(attempts, retryable, pipelineBackoff(deps.settings.maxAttempts));
    if (next.retry) {
      await reschedule(db, PIPELINE_QUEUE, r.id, next.delayMs, { attempts, set: { error_reason: reason } });
      return "retry";
    }
    await markError(db, { requestId: r.id, reason, attempts });
    deps.logger.warn({ requestId: r.id, attempts, reason }, "request processing failed");
    return "error";
  }
}

/** Totals of one processing pass. */
export type ProcessSummary = Record<ProcessOutcome, number>;

/**
 * Processes due requests until none is due (requests stored meanwhile included), `concurrency` in flight at all times;
 * `onProgress` after each request. Stops early, finishing those in flight, when `signal` aborts or every request
 * pauses (no PKB connection can be used).
 */
export async function processDueRequests(
  deps: SyncDeps,
  opts: { batchSize?: number; onProgress?: (outcome: ProcessOutcome) => void; signal?: AbortSignal } = {},
): Promise<ProcessSummary> {
  const summary: ProcessSummary = {
    auto_linked: 0,
    review: 0,
    no_candidates: 0,
    not_identified: 0,
    retry: 0,
    error: 0,
    paused: 0,
    skipped: 0,
  };
  await drainDue(deps.db, PIPELINE_QUEUE, {
    batchSize: opts.batchSize ?? Math.max(20, deps.settings.concurrency * 4),
    concurrency: deps.settings.concurrency,
    leaseMs: CLAIM_MS,
    signal: opts.signal,
    work: (id) => processRequest(deps, id),
    // Stop when the requests keep pausing (no PKB connection works): they wait for access, or the next pass.
    isPause: (outcome) => outcome === "paused",
    onResult: async (outcome, id) => {
      // The commands publish their own changes after commit; a retry is the due-work helper's write, told here.
      if (outcome === "retry") await publishRequestUpdated(deps.db, id);
      summary[outcome]++;
      opts.onProgress?.(outcome);
    },
  });
  return summary;
}
