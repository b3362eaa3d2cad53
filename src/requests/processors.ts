// Processors: follow-up work that reacts to a request's history events (PKB confirmation checks, re-checking what PKB
// shows, reminders). Modelled on Outline's processors and Medplum's workers, in two halves:
// 1. `react` runs INSIDE the transaction that appended the event (every event goes through RequestWriter.event, which
//    calls it), so scheduling follow-up work commits or rolls back with the change itself: nothing is lost in a crash
//    between the two. It only writes SQL — typically scheduleWork/cancelWork on request_work — and never calls out.
// 2. `work` runs later, outside any transaction, when its request_work row is due: src/jobs/request-work.ts claims due
//    rows with the due-work helper (src/jobs/due-work.ts: FOR UPDATE SKIP LOCKED, attempts, backoff, give up) and
//    calls it with the request's id only. It re-reads its subject and returns "done" when the job has become moot.
//    Any change it makes to the request goes through a command (src/requests/commands/), like every other writer.
//
// Adding a processor: write src/requests/processors/<name>.ts exporting a `Processor` (its `name` is its request_work
// `kind`; `on` lists the event types it reacts to), add it to BUILT_IN_PROCESSORS below, and test both halves.
import type { Logger } from "../log.ts";
import type { Db, Queryable } from "../store/db.ts";
import type { WorkItem } from "../store/request-work.ts";
import type { SyncDeps } from "../sync/deps.ts";
import type { BackoffPolicy } from "../jobs/due-work.ts";
import { pkbConfirmationProcessor } from "./processors/pkb-confirmation.ts";
import { pkbSettleProcessor } from "./processors/settle.ts";
import type { EventType } from "./vocabulary.ts";

/** An event as processors see it, in the transaction that appended it. */
export interface RequestEventNotice {
  requestId: string;
  type: EventType;
  /** null: the system. */
  actorUserId: string | null;
  data: Record<string, unknown>;
}

/** What a processor's work needs: the store, PKB's clients (through the pipeline's dependencies) and a logger. */
export interface WorkContext {
  db: Db;
  sync: SyncDeps;
  logger: Logger;
  now: () => Date;
}

/** How one run of a processor's work ended: done (nothing more is due), or check again after `delayMs`. */
export type WorkStep = { done: true } | { done: false; delayMs: number };

/** Follow-up work reacting to request events. */
export interface Processor {
  /** Unique; the `kind` of its rows in request_work. */
  name: string;
  /** The event types `react` is called for. */
  on: readonly EventType[];
  /** Schedules or cancels follow-up work, in the event's transaction. SQL only. */
  react(tx: Queryable, event: RequestEventNotice): Promise<void>;
  /**
   * Optional: the same as `react` for each event in turn, in fewer statements (a batch of the pipeline's writes). The
   * events are in the order they happened; only those of this processor's `on` types are passed.
   */
  reactMany?(tx: Queryable, events: readonly RequestEventNotice[]): Promise<void>;
  /** Does one due item. Throw to retry with backoff (an UpstreamError's `retryable` decides whether to retry). */
  work(ctx: WorkContext, item: WorkItem): Promise<WorkStep>;
  /** Retries after a thrown error; default DEFAULT_WORK_BACKOFF. */
  backoff?: BackoffPolicy;
}

/** Retries of processors' work: 30 s doubling to an hour, giving up after 10 failed attempts. */
export const DEFAULT_WORK_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 60 * 60_000, maxAttempts: 10 };

/** The processors Rebook runs. Add new ones here. */
const BUILT_IN_PROCESSORS: readonly Processor[] = [pkbConfirmationProcessor, pkbSettleProcessor];

const registered: Processor[] = [...BUILT_IN_PROCESSORS];

/** The processors in force. */
export const processors = (): readonly Processor[] => registered;

/** Adds a processor (tests, or a processor wired at start-up); returns a function that removes it again. */
export function registerProcessor(p: Processor): () => void {
  if (registered.some((r) => r.name === p.name)) throw new Error(`A processor named ${p.name} is already registered`);
  registered.push(p);
  return () => {
    const at = registered.indexOf(p);
    if (at >= 0) registered.splice(at, 1);
  };
}

/** Calls every processor that reacts to the event's type, in the event's transaction. */
export async function reactToEvent(tx: Queryable, event: RequestEventNotice): Promise<void> {
  for (const p of registered) {
    if (p.on.includes(event.type)) await p.react(tx, event);
  }
}

/** reactToEvent for many events, in order, in their transaction: a processor with `reactMany` gets its events at once. */
export async function reactToEvents(tx: Queryable, events: readonly RequestEventNotice[]): Promise<void> {
  for (const p of registered) {
    const mine = events.filter((e) => p.on.includes(e.type));
    if (mine.length === 0) continue;
    if (p.reactMany) await p.reactMany(tx, mine);
    else for (const e of mine) await p.react(tx, e);
  }
}
