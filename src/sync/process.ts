// Steps 2–4 of the pipeline for each stored request: identify the patient, match the appointment, route it. Requests
// in processing are due work (src/jobs/due-work.ts): claimed with FOR UPDATE SKIP LOCKED (and a short claim lease), so
// several workers or instances never work on the same one, and worked by a pool that keeps PIPELINE_CONCURRENCY in
// flight (a slow one never holds up the others). A
// failure puts the request back with a backoff, and after the last attempt into the error state with its reason; it
// never blocks the others. What is written to the request is decided by the commands in src/requests/commands/.
import { groupLoader } from "../store/group-loader.ts";
import {
  afterFailure,
  ClaimHandoff,
  drainDue,
  renewalFailure,
  reschedule,
  type BackoffPolicy,
  type DueQueue,
} from "../jobs/due-work.ts";
import { UpstreamError } from "../errors.ts";
import { SessionEndedError } from "../pkb/tokens.ts";
import {
  applyPipelineResult,
  applyPipelineResults,
  markError,
  type MessageFacts,
  type PipelineResult,
} from "../requests/commands/pipeline.ts";
import type { Db, Queryable } from "../store/db.ts";
import type { SyncDeps } from "./deps.ts";
import { publishRequestUpdated } from "../events/publish.ts";
import { upsertPatient, type Patient } from "../store/patients.ts";
import { findAppointment, identifyPatient } from "./identify.ts";
import { PatientOrder, type PatientTurn } from "./patient-order.ts";

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

/** A handoff of new requests stored claimed for the pipeline's drain in this process, with the pipeline's lease. */
export const pipelineHandoff = (opts: { waitForRoom?: boolean } = {}): ClaimHandoff => new ClaimHandoff(CLAIM_MS, opts);

/** Retries of a request whose PKB calls failed: 30 s doubling to an hour, up to the configured attempts. */
const pipelineBackoff = (maxAttempts: number): BackoffPolicy => ({ baseMs: 30_000, maxMs: 60 * 60_000, maxAttempts });

export type ProcessOutcome =
  "auto_linked" | "review" | "no_candidates" | "not_identified" | "retry" | "error" | "paused" | "skipped";

/** What the pipeline reads of a request, its message, the connection to use and the cached patient: one statement. */
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
  /** An active connection: the message's own if it is, else the oldest active one; null when none is. */
  usable_connection_id: string | null;
  /** The cached patient (null columns when none is cached). */
  patient_fetched_at: Date | null;
  patient_nhs_number: string | null;
}

/**
 * `RequestRow` of the requests `ids`: each request by its key, then its message and cached patient by theirs (OFFSET 0
 * keeps those look-ups per row, so the statement never scans a table, however small the planner thinks it is).
 */
const READ_REQUESTS = `SELECT r.id, r.status, r.requested_start, r.requested_subject, r.patient_note, r.pkb_team_name,
    r.patient_pkb_id, r.received_at, r.type, r.attempts, r.access_wait_since, m.first_seen_connection_id,
    (SELECT c.id FROM pkb_connections c WHERE c.status = 'active'
     ORDER BY (c.id = m.first_seen_connection_id) DESC, c.created_at LIMIT 1) AS usable_connection_id,
    p.fetched_at AS patient_fetched_at, p.nhs_number AS patient_nhs_number
  FROM appointment_requests r
  CROSS JOIN LATERAL (SELECT m.first_seen_connection_id FROM pkb_messages m
                      WHERE m.pkb_message_id = r.pkb_message_id OFFSET 0) m
  LEFT JOIN LATERAL (SELECT p.fetched_at, p.nhs_number FROM patients p
                     WHERE p.pkb_user_id = r.patient_pkb_id OFFSET 0) p ON true
  WHERE r.id = ANY($1::uuid[])`;

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

/** Writes what the pipeline found for a request, with the patient fetched from PKB for it (if any). */
export type WriteResult = (result: PipelineResult, fetched: Patient | null) => Promise<void>;

/** Writes each result in its own transaction. */
const writeOne =
  (db: Db): WriteResult =>
  async (result, fetched) => {
    if (fetched) await upsertPatient(db, fetched);
    await applyPipelineResult(db, result);
  };

/** Most results one batch write takes. */
const WRITE_BATCH = 64;

/**
 * Writes results as they come, in batches (group commit): while one batch is being written, the results that arrive
 * wait and then go together, so a busy pipeline writes a few statements per batch instead of several per request and
 * an idle one writes a lone result at once. A batch that fails is written again one result at a time, so a result
 * that cannot be written fails alone (its request is retried with backoff) and the others are written.
 */
export class ResultWriter {
  private readonly waiting: { result: PipelineResult; fetched: Patient | null; done: (error?: Error) => void }[] = [];
  private writing = false;

  constructor(
    private readonly db: Db,
    /** Told why a batch had to be written one result at a time (the error's SQLSTATE and constraint: no values). */
    private readonly onBatchFailed: (error: { code?: string; constraint?: string; results: number }) => void = () => {},
    private readonly maxBatch = WRITE_BATCH,
  ) {}

  readonly write: WriteResult = (result, fetched) =>
    new Promise<void>((resolve, reject) => {
      this.waiting.push({ result, fetched, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.writing) void this.writeWaiting();
    });

  private async writeWaiting(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        // One turn of the event loop first: PKB answers that have arrived are handled and join this batch. (With
        // PGlite a whole transaction runs without yielding to I/O, so without this every batch would be of one.)
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          await applyPipelineResults(
            this.db,
            batch.map((b) => b.result),
            { patients: batch.flatMap((b) => (b.fetched ? [b.fetched] : [])) },
          );
          for (const b of batch) b.done();
        } catch (error) {
          // The SQLSTATE and constraint only: PostgreSQL's messages can quote the value refused (a date of birth).
          const e = error as { code?: string; constraint?: string };
          try {
            this.onBatchFailed({ code: e.code, constraint: e.constraint, results: batch.length });
          } catch {
            // Telling is best effort: the results are written below whatever happens to the log.
          }
          for (const b of batch) {
            try {
              await writeOne(this.db)(b.result, b.fetched);
              b.done();
            } catch (error) {
              b.done(error instanceof Error ? error : new Error(String(error)));
            }
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

/** Reads what the pipeline needs of many requests in one statement; null for one that no longer exists. */
async function readRequests(db: Queryable, ids: readonly string[]): Promise<(RequestRow | null)[]> {
  const rows = await db.query<RequestRow>(READ_REQUESTS, [ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id) ?? null);
}

/**
 * Reads requests as they are started, in batches: the requests a pool starts while a read is in flight (each request
 * whose PKB calls are done frees a slot) are read together in one statement when it returns (`groupLoader`). Nothing
 * is cached: every read is fresh.
 */
export const requestReader = (db: Queryable, maxBatch = 64): ((id: string) => Promise<RequestRow | null>) => {
  const loader = groupLoader<string, RequestRow | null>((ids) => readRequests(db, ids), maxBatch);
  return (id) => loader.load(id);
};

/** How processRequest reads and writes (by default one request at a time), and its clock. */
export interface ProcessOptions {
  now?: Date;
  read?: (id: string) => Promise<RequestRow | null>;
  write?: WriteResult;
  /** The drain's requests in flight by patient: a result is written only after the patient's earlier requests. */
  order?: PatientOrder;
  /** Frees the request's slot in the drain's pool: called once its PKB calls are done, before it waits its turn. */
  release?: () => void;
}

/** Works one request through identification, matching and routing. Re-reads state first: moot work returns early. */
export async function processRequest(
  deps: SyncDeps,
  requestId: string,
  opts: ProcessOptions = {},
): Promise<ProcessOutcome> {
  const { db } = deps;
  const now = opts.now ?? new Date();
  // In the patient order from the start: until it is read, requests started after it wait for its read at their turn.
  const arrival = opts.order?.arrive();
  let place: PatientTurn | null = null;
  try {
    let r: RequestRow | null | undefined;
    try {
      r = opts.read ? await opts.read(requestId) : (await readRequests(db, [requestId]))[0];
      if (r?.status === "processing" && r.patient_pkb_id)
        place = arrival?.place(r.patient_pkb_id, r.received_at, r.id) ?? null;
    } finally {
      arrival?.skip(); // read and not placed (moot, no patient, or the read failed): it holds no one
    }
    if (!r || r.status !== "processing") return "skipped";
    const writeAny = opts.write ?? writeOne(db);
    // After the patient's earlier requests in flight: which of two about one appointment is the repeat follows their
    // order. Its PKB calls are done: the slot goes to the next request while this one waits (waiting counts as released).
    const write: WriteResult = async (result, fetched) => {
      opts.release?.();
      await place?.turn();
      await writeAny(result, fetched);
    };
    return await processFound(deps, r, now, write);
  } finally {
    place?.leave();
  }
}

/** processRequest's work on a request read in processing. */
async function processFound(deps: SyncDeps, r: RequestRow, now: Date, write: WriteResult): Promise<ProcessOutcome> {
  const { db } = deps;
  const connectionId = r.usable_connection_id;
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
  let fetched: Patient | null = null;
  try {
    if (!r.patient_pkb_id) throw new Error("the message names no patient");
    const cached =
      r.patient_fetched_at === null
        ? null
        : { pkbUserId: r.patient_pkb_id, nhsNumber: r.patient_nhs_number, fetchedAt: r.patient_fetched_at };
    const identified = await identifyPatient(deps, connectionId, r.patient_pkb_id, now, cached);
    const { patient, problem } = identified;
    fetched = identified.fetched;
    if (!patient.nhsNumber) {
      await write(
        {
          kind: "not_identified",
          requestId: r.id,
          receivedAt: r.received_at,
          reason: problem,
          message,
          patientPkbId: r.patient_pkb_id,
          requestedStart: r.requested_start,
        },
        fetched,
      );
      return "not_identified";
    }
    const match = await findAppointment(deps, {
      nhsNumber: patient.nhsNumber,
      requestedStart: r.requested_start,
      requestedSubject: r.requested_subject,
      receivedAt: r.received_at,
    });
    await write(
      {
        kind: "matched",
        requestId: r.id,
        receivedAt: r.received_at,
        nhsNumber: patient.nhsNumber,
        pkbUserId: patient.pkbUserId,
        match,
        message,
        requestedStart: r.requested_start,
      },
      fetched,
    );
    return match.decision === "auto_link" ? "auto_linked" : match.decision;
  } catch (err) {
    // What PKB said of the patient is kept even when the rest failed: a retry need not ask again.
    if (fetched) await upsertPatient(db, fetched).catch(() => undefined);
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

/** A summary of nothing processed yet. */
export const emptyProcessSummary = (): ProcessSummary => ({
  auto_linked: 0,
  review: 0,
  no_candidates: 0,
  not_identified: 0,
  retry: 0,
  error: 0,
  paused: 0,
  skipped: 0,
});

/**
 * Processes due requests until none is due (requests stored meanwhile included), `concurrency` in flight at all times;
 * `onProgress` after each request. Stops early, finishing those in flight, when `signal` aborts or every request
 * pauses (no PKB connection can be used).
 */
export async function processDueRequests(
  deps: SyncDeps,
  opts: {
    batchSize?: number;
    onProgress?: (outcome: ProcessOutcome) => void;
    signal?: AbortSignal;
    /** New requests a poll in this process stores claimed for this drain (`pipelineHandoff`). */
    handoff?: ClaimHandoff;
  } = {},
): Promise<ProcessSummary> {
  const summary = emptyProcessSummary();
  const writer = new ResultWriter(deps.db, (failure) =>
    deps.logger.warn(failure, "a batch of pipeline results failed; writing them one at a time"),
  );
  const read = requestReader(deps.db);
  const order = new PatientOrder();
  await drainDue(deps.db, PIPELINE_QUEUE, {
    batchSize: opts.batchSize ?? Math.max(20, deps.settings.concurrency * 4),
    concurrency: deps.settings.concurrency,
    leaseMs: CLAIM_MS,
    signal: opts.signal,
    handoff: opts.handoff,
    // A request's slot is for its PKB calls: it frees when its result goes to the writer, so the next batch gathers
    // while one is written and the write batches are not capped at the concurrency.
    work: (id, release) =>
      processRequest(deps, id, {
        read,
        order,
        release,
        write: (result, fetched) => {
          release();
          return writer.write(result, fetched);
        },
      }),
    maxReleased: 2 * WRITE_BATCH,
    onRenewalFailed: (error) => deps.logger.warn(renewalFailure(error), "the pipeline's claims could not be renewed"),
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
