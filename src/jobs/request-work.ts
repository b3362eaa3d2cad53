// Runs the processors' due work (src/requests/processors.ts): for each processor, claims its due request_work rows with
// the due-work helper and calls its `work` with each item; settles the row by the result. Called by the poll loop
// after each pipeline pass (src/jobs/poller.ts), so it runs wherever the pipeline runs and as often.
import { UpstreamError } from "../errors.ts";
import { processors, DEFAULT_WORK_BACKOFF, type Processor, type WorkContext } from "../requests/processors.ts";
import type { Db } from "../store/db.ts";
import { groupLoader } from "../store/group-loader.ts";
import {
  giveUpWork,
  readWorks,
  requestWorkQueue,
  settleWorks,
  type WorkItem,
  type WorkSettling,
} from "../store/request-work.ts";
import { afterFailure, drainDue, renewalFailure, reschedule } from "./due-work.ts";

/** How long a claimed item is hidden from other workers: renewed while worked, so a dead worker's come back soon. */
const CLAIM_MS = 30_000;

/** How one item ended: finished (or moot), due again later, retrying after a failure, or given up. */
export type WorkOutcome = "done" | "later" | "retry" | "gave_up";

/** Totals of one run, per processor name. */
export type WorkSummary = Record<string, Record<WorkOutcome, number>>;

/**
 * How a run reads its items and settles those that finished or are due later: in batches, several items per statement
 * (a pool of workers reads and settles together what it claimed together). Retries and give-ups, rare, go one by one.
 */
interface WorkIo {
  read: (id: string) => Promise<WorkItem | null>;
  settle: (s: WorkSettling) => Promise<void>;
}

const workIo = (db: Db): WorkIo => {
  const reads = groupLoader<string, WorkItem | null>((ids) => readWorks(db, ids));
  const settles = groupLoader<WorkSettling, void>(async (ss) => {
    try {
      await settleWorks(db, ss);
      return ss.map(() => undefined);
    } catch {
      // Again one at a time: an item whose own settling fails fails alone (its work is retried); the others stand.
      const settled: (void | Error)[] = [];
      for (const s of ss) {
        settled.push(await settleWorks(db, [s]).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
      }
      return settled;
    }
  });
  return { read: (id) => reads.load(id), settle: (s) => settles.load(s) };
};

/** Works one claimed item of `p` and settles its row. Never throws for the item's own failure. */
async function workOne(ctx: WorkContext, p: Processor, id: string, io: WorkIo): Promise<WorkOutcome> {
  const queue = requestWorkQueue(p.name);
  const item = await io.read(id);
  if (!item) return "done"; // its request was deleted: moot
  try {
    const step = await p.work(ctx, item);
    // Finished, or due again later with its attempts back to zero (unless an event rescheduled it meanwhile).
    await io.settle({ item, delayMs: step.done ? null : step.delayMs });
    return step.done ? "done" : "later";
  } catch (err) {
    // Any failure is retried with backoff, except an upstream error that says retrying cannot help.
    const attempts = item.attempts + 1;
    const retryable = err instanceof UpstreamError ? err.retryable : true;
    const reason = (err as Error).message;
    const next = afterFailure(attempts, retryable, p.backoff ?? DEFAULT_WORK_BACKOFF);
    if (next.retry) {
      await reschedule(ctx.db, queue, id, next.delayMs, {
        attempts,
        set: { last_error: reason },
        version: item.version,
      });
      return "retry";
    }
    if (!(await giveUpWork(ctx.db, item, attempts, reason))) return "later"; // scheduled again meanwhile
    ctx.logger.warn({ processor: p.name, requestId: item.requestId, attempts, reason }, "follow-up work given up");
    return "gave_up";
  }
}

/** Runs every processor's due work until none is due or `signal` aborts; returns what happened, per processor. */
export async function runRequestWork(
  ctx: WorkContext,
  opts: { signal?: AbortSignal; concurrency?: number; batchSize?: number } = {},
): Promise<WorkSummary> {
  const summary: WorkSummary = {};
  for (const p of processors()) {
    const counts = (summary[p.name] = { done: 0, later: 0, retry: 0, gave_up: 0 });
    const io = workIo(ctx.db);
    await drainDue(ctx.db, requestWorkQueue(p.name), {
      batchSize: opts.batchSize ?? 20,
      concurrency: opts.concurrency ?? ctx.sync.settings.concurrency,
      leaseMs: CLAIM_MS,
      signal: opts.signal,
      work: (id) => workOne(ctx, p, id, io),
      onRenewalFailed: (error) =>
        ctx.logger.warn(
          { processor: p.name, ...renewalFailure(error) },
          "follow-up work's claims could not be renewed",
        ),
      onResult: (outcome) => {
        counts[outcome]++;
      },
    });
  }
  return summary;
}
