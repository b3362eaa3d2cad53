// Due work: rows of a table that say "do this at or after this instant", claimed by workers on any number of instances
// without ever being worked twice at once, retried with exponential backoff and jitter, and given up after a number of
// attempts. One helper for every such queue (the pipeline's requests in processing, processors' request_work rows).
//
// The contract, for whoever builds a worker on it:
// - A row is due when its due column is <= now() and the queue's `where` holds. `claimDue` takes up to `limit` due rows
//   with FOR UPDATE SKIP LOCKED in a short transaction and pushes their due time `leaseMs` ahead, so other workers skip
//   them while this one works (no lock is held during the work, and a worker that dies mid-way only delays the row by
//   the lease: it becomes due again and is retried — work must therefore be idempotent).
// - The work gets ids only. It re-reads its subject and returns early when the job has become moot (the request was
//   closed, reopened, deleted...): finishing the row is then the whole job.
// - After the work, the worker settles the row: done (clear the due time), later (`reschedule` with a delay), or failed:
//   `afterFailure` says whether to retry (with `backoffDelayMs`) or give up; giving up writes the queue's own give-up
//   state (the pipeline: status error with its history rows; request_work: gave_up_at and the reason).
// - `drainDue` runs the whole loop as a continuous pool: `concurrency` rows in flight at all times while rows are due,
//   a freed slot filled at once from rows claimed ahead, until nothing is due, the signal aborts, or the rows keep
//   reporting a pause (e.g. PKB cannot be reached by any connection). Rows claimed but not started are given back. A
//   row's work may `release` its slot early (it only waits for a batch write); a `ClaimHandoff` gives the drain rows
//   a producer in the same process stored already claimed, so it need not claim them.
import type { Db, Queryable } from "../store/db.ts";
import { errorFirstLine } from "../store/pg-errors.ts";

/** A table of due work. Names are constants from code (they reach the SQL text); parameters of `where` are values. */
export interface DueQueue {
  table: string;
  /** The key column, and its SQL type (so claimed ids are compared with the column's index). */
  id: string;
  idType: "uuid" | "bigint";
  /** The timestamptz column saying when the row is due (null: never). */
  due: string;
  /** The integer column counting failed attempts. */
  attempts: string;
  /** Extra condition for a due row, with its parameters as $1, $2… (renumbered by the helper). */
  where?: { sql: string; params: readonly unknown[] };
  /** Tie-breakers after the due time (default: the key). */
  orderBy?: string;
  /**
   * The integer column that every schedule from outside the worker moves (request_work: `schedule_version`). With it,
   * `reschedule` given the version read before the work leaves a row rescheduled meanwhile as it is.
   */
  version?: string;
}

/** How failures are retried: base delay doubled per attempt up to maxMs, ±jitter, until maxAttempts have failed. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
  /** Spread of the random factor: 0.25 means ×0.75 to ×1.25. Default 0.25. */
  jitter?: number;
}

/** The delay before the next attempt after `attempts` (≥ 1) failed ones: min(max, base × 2^(attempts−1)) ± jitter. */
export function backoffDelayMs(attempts: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const jitter = policy.jitter ?? 0.25;
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return exp * (1 - jitter + random() * 2 * jitter);
}

/** After a failure that made `attempts` failed attempts: retry after a delay, or give up (not retryable, or the last). */
export function afterFailure(
  attempts: number,
  retryable: boolean,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): { retry: true; delayMs: number } | { retry: false } {
  if (!retryable || attempts >= policy.maxAttempts) return { retry: false };
  return { retry: true, delayMs: backoffDelayMs(attempts, policy, random) };
}

const renumber = (sql: string, offset: number): string => sql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + offset}`);

/**
 * Claims up to `limit` due rows for this worker (FOR UPDATE SKIP LOCKED) and hides them from other workers for
 * `leaseMs` by moving their due time; returns their ids, most overdue first.
 */
export async function claimDue(db: Db, q: DueQueue, opts: { limit: number; leaseMs: number }): Promise<string[]> {
  return db.transaction(async (tx) => {
    // Take the rows in the queue index's order, never all due rows sorted: with statistics from before a backlog
    // arrived (a first connection's, PGlite's that are never gathered), PostgreSQL judged the table small and read and
    // sorted every due row for each claim of a few — 7.5 ms a claim at 20k, growing with the backlog.
    await tx.query("SET LOCAL enable_sort = off");
    const extra = q.where ? ` AND (${renumber(q.where.sql, 1)})` : "";
    const rows = await tx.query<{ id: string | number }>(
      `SELECT ${q.id} AS id FROM ${q.table} WHERE ${q.due} <= now()${extra}
       ORDER BY ${q.due}, ${q.orderBy ?? q.id} LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [opts.limit, ...(q.where?.params ?? [])],
    );
    const ids = rows.map((r) => String(r.id));
    if (ids.length > 0) {
      await tx.query(
        `UPDATE ${q.table} SET ${q.due} = now() + make_interval(secs => $2::double precision / 1000)
         WHERE ${q.id} = ANY($1::${q.idType}[])`,
        [ids, opts.leaseMs],
      );
    }
    return ids;
  });
}

/**
 * Makes a row due again `delayMs` from now, setting `attempts` when given (a retry) and any other columns in `set`
 * (e.g. the last error). A pause is a reschedule that leaves attempts alone. With `version` (the queue's version
 * column as read before the work), a row whose schedule has moved since is left as it is.
 */
export async function reschedule(
  db: Queryable,
  q: DueQueue,
  id: string,
  delayMs: number,
  opts: { attempts?: number; set?: Record<string, unknown>; version?: number } = {},
): Promise<void> {
  const params: unknown[] = [id, delayMs];
  const sets = [`${q.due} = now() + make_interval(secs => $2::double precision / 1000)`];
  if (opts.attempts !== undefined) {
    params.push(opts.attempts);
    sets.push(`${q.attempts} = $${params.length}`);
  }
  for (const [column, value] of Object.entries(opts.set ?? {})) {
    if (!/^[a-z_]+$/.test(column)) throw new Error(`Not a column name: ${column}`);
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  let where = `${q.id} = $1::${q.idType}`;
  if (opts.version !== undefined) {
    if (!q.version) throw new Error(`The queue on ${q.table} has no version column`);
    params.push(opts.version);
    where += ` AND ${q.version} = $${params.length}`;
  }
  await db.query(`UPDATE ${q.table} SET ${sets.join(", ")} WHERE ${where}`, params);
}

/** Whether any row is due (not locking: rows other transactions hold count too). */
async function anyDue(db: Queryable, q: DueQueue): Promise<boolean> {
  const extra = q.where ? ` AND (${q.where.sql})` : "";
  const [row] = await db.query<{ due: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${q.table} WHERE ${q.due} <= now()${extra}) AS due`,
    q.where?.params ?? [],
  );
  return row?.due ?? false;
}

/**
 * Gives claimed rows that were never worked back to the queue: due again now (their claim lease would otherwise hide
 * them until it runs out). Only rows still carrying this worker's lease are touched (due after now).
 */
export async function releaseClaims(db: Queryable, q: DueQueue, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(`UPDATE ${q.table} SET ${q.due} = now() WHERE ${q.id} = ANY($1::${q.idType}[]) AND ${q.due} > now()`, [
    ids,
  ]);
}

/**
 * Keeps this worker's claims: pushes the due time of rows it still holds (claimed, not yet settled) to at least
 * `leaseMs` from now. It never shortens a due time (a retry or pause set further ahead stays) and never touches a row
 * settled done (no due time) or made due again (due time passed). The rows are locked in key order, as every batch
 * write of these tables locks them (the pipeline's results, the settling of follow-up work), so a renewal and a batch
 * settling some of the same rows wait for each other instead of deadlocking.
 */
export async function renewClaims(db: Queryable, q: DueQueue, ids: readonly string[], leaseMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE ${q.table} AS t SET ${q.due} = GREATEST(t.${q.due}, now() + make_interval(secs => $2::double precision / 1000))
     FROM (SELECT ${q.id} AS id FROM ${q.table} WHERE ${q.id} = ANY($1::${q.idType}[]) AND ${q.due} > now()
           ORDER BY ${q.id} FOR UPDATE) AS held
     WHERE t.${q.id} = held.id`,
    [ids, leaseMs],
  );
}

/**
 * What is logged of a failed claim renewal: the error's SQLSTATE and the first line of its message (the statement
 * carries only row ids and the lease, no patient data, and no trigger fires on a due time).
 */
export function renewalFailure(error: unknown): { code?: string; error: string } {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return { ...(typeof code === "string" && code ? { code } : {}), error: errorFirstLine(error, 300) };
}

/**
 * Rows claimed ahead beyond which a drain takes no more from a handoff, in claims (`batchSize`): new rows are then
 * stored due, and claimed as usual.
 */
const HANDOFF_ROOM = 2;
/** How often a drain kept open by a handoff's producer, with nothing to do, looks for rows that became due. */
const HANDOFF_RECHECK_MS = 1_000;
/**
 * Longest a producer waits for a busy drain's room (`ClaimHandoff.roomFor`, when the handoff was made to wait), per
 * batch, before it stores the batch due. A poll outruns processing (it stores a backlog faster than PKB's look-ups answer): without
 * the wait, once the drain is full every later row is stored due and claimed, an UPDATE of every row (~15% of
 * PostgreSQL's time for a backlog).
 */
const HANDOFF_WAIT_MS = 500;

/** A drain taking rows from a handoff: how many more it wants, and where they go. */
interface HandoffReceiver {
  room(): number;
  take(ids: readonly string[]): void;
  wake(): void;
}

/**
 * Rows a producer in this process stores already claimed for a drain in the same process, so the drain need not claim
 * them (a claim is a transaction and an UPDATE of every row: the pipeline's claims were ~15% of its statements and
 * ~12% of PostgreSQL's time). Before each batch the producer (a poll) asks `claimMs()`: the lease to store the new rows
 * with (their due time that far ahead) when a drain is attached with room for them, else 0 (stored due now, claimed
 * as usual). After the commit it `offer`s the rows stored claimed: the drain takes them into its claimed rows, whose
 * lease it renews; any it no longer takes (it has stopped) are returned, to be given back (`releaseClaims`), and it
 * tells `storedDue()` of rows stored (or given back) due. If the process dies, the rows are due when the lease runs
 * out, as any claimed row is.
 *
 * Order: rows are started in the order they were stored, as claims would take them (oldest due first). Rows are
 * assumed due until the drain's first claim has come back (`ready`), and once rows have been stored or given back due
 * (`storedDue`), nothing is handed over until a claim that started after them came back short and a look that locks
 * nothing finds no due row left: rows stored later never overtake them. A producer run with `producing` keeps the
 * drain open while it runs (`npm run sync`'s pass), so its batches keep being handed over once it has caught up; the
 * pass's handoff also makes its poll wait for the drain's room (`roomFor`) rather than run ahead and store rows due.
 */
export class ClaimHandoff {
  private receiver: HandoffReceiver | null = null;
  private producers = 0;
  /**
   * Rows stored due wait for a claim: hand nothing over until one started after `dueMark` has found them all. True at
   * first: rows may be due already (a backlog from before a restart, another instance's, leases run out).
   */
  private dueWaiting = true;
  private dueMark = 0;
  private seq = 0;
  private looked: () => void = () => {};
  /** Producers waiting for the drain's room (`roomFor`). */
  private roomWaiters = new Set<() => void>();
  /** Resolves once an attached drain's first claim has come back: it knows then whether rows are due. */
  readonly ready = new Promise<void>((resolve) => (this.looked = resolve));

  /**
   * `waitForRoom`: a producer ahead of the drain waits for its room (`roomFor`, up to `HANDOFF_WAIT_MS` per batch)
   * instead of storing its rows due. Right for one pass (`npm run sync`), where this drain is the only one that could
   * take them; not for the server, where rows stored due are shared with other instances' drains.
   */
  constructor(
    readonly leaseMs: number,
    private readonly opts: { waitForRoom?: boolean } = {},
  ) {}

  /** The lease to store the next batch of new rows with: `leaseMs` while a drain is attached and has room, else 0. */
  claimMs(): number {
    return this.receiver !== null && this.receiver.room() > 0 && !this.dueWaiting ? this.leaseMs : 0;
  }

  /**
   * With `waitForRoom`, waits (at most `ms`, `HANDOFF_WAIT_MS` by default) until the attached drain would take the
   * producer's next rows (`claimMs() > 0`): until it has started some of those it holds, and, while rows stored due wait
   * for a claim, until its claims have caught up with them. A producer running ahead of the drain then hands its rows
   * over instead of storing them due; one that stored a batch due (a wait ran out) waits for the claims to take it
   * rather than store every later batch due too, which would leave the drain claiming for the rest of the run. Returns
   * at once without `waitForRoom`, when the drain would take the rows, or with no drain; a wait ends early when the
   * drain ends.
   */
  async roomFor(ms = HANDOFF_WAIT_MS): Promise<void> {
    if (!this.opts.waitForRoom) return;
    const until = performance.now() + ms;
    while (this.receiver !== null && this.claimMs() === 0) {
      const left = until - performance.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.roomWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.roomWaiters.add(done);
      });
    }
  }

  /** @internal The drain has made room (started rows it held), caught up, or ended: waiting producers look again. */
  roomMade(): void {
    for (const done of [...this.roomWaiters]) done();
  }

  /** Rows were stored due (or given back): until the drain's claims have taken them, nothing is handed over. */
  storedDue(): void {
    this.dueWaiting = true;
    this.dueMark = ++this.seq;
    this.receiver?.wake(); // an idle drain claims them now
  }

  /** @internal Whether rows stored due may still wait for a claim (the drain then checks before `caughtUp`). */
  get waitingForDue(): boolean {
    return this.dueWaiting;
  }

  /** @internal The drain, before a claim: the mark to give `caughtUp` if the claim finds every due row. */
  mark(): number {
    return this.seq;
  }

  /** @internal The drain's claim started at `mark` found every due row (fewer than it asked for, and none left). */
  caughtUp(mark: number): void {
    if (mark < this.dueMark || !this.dueWaiting) return;
    this.dueWaiting = false;
    this.roomMade(); // a producer waiting for the claims to take its rows stored due may hand over again
  }

  /** @internal The drain's claim came back (whatever it found). */
  claimed(): void {
    this.looked();
  }

  /** Gives rows stored with `claimMs()` to the drain; returns the ones it no longer takes (give them back). */
  offer(ids: readonly string[]): string[] {
    if (ids.length === 0) return [];
    if (!this.receiver) return [...ids];
    this.receiver.take(ids);
    return [];
  }

  /** Runs `work` (the producer) with the drain kept open until it ends. */
  async producing<T>(work: () => Promise<T>): Promise<T> {
    this.producers++;
    try {
      return await work();
    } finally {
      this.producers--;
      this.receiver?.wake();
    }
  }

  /** Whether a producer is running: the attached drain waits for its rows rather than end. */
  get open(): boolean {
    return this.producers > 0;
  }

  /** @internal The drain's side: one drain at a time; returns the detach. */
  attach(receiver: HandoffReceiver): () => void {
    if (this.receiver) throw new Error("A drain is already taking this handoff");
    this.receiver = receiver;
    return () => {
      if (this.receiver === receiver) this.receiver = null;
      this.roomMade();
    };
  }
}

/** Options of a drain: claim size, concurrency, claim lease, and what to do with each claimed id. */
export interface DrainOptions<R> {
  /** Most rows one claim takes. */
  batchSize: number;
  /** Rows worked at once: the pool keeps this many in flight while rows are due. */
  concurrency: number;
  /**
   * How long a claimed row stays hidden from other workers. The drain renews it every third of the lease while it
   * holds the row, so it can be short: a worker that dies (kill -9, a lost host) gives its rows back within a lease.
   */
  leaseMs: number;
  signal?: AbortSignal;
  /**
   * Works one claimed row; must settle it (done, reschedule, give up) itself. It may call `release` once the row no
   * longer needs its slot (the pipeline: its PKB calls are done and it only waits for its batch to be written): another
   * row starts at once, and this one stays held (its claim renewed) until its work ends.
   */
  work: (id: string, release: () => void) => Promise<R>;
  /** Most rows released from their slot but not yet finished (default `concurrency`): beyond it no row starts. */
  maxReleased?: number;
  /**
   * Whether a result is a pause (e.g. PKB cannot be reached by any connection). The drain ends when every row worked
   * since the last other result paused and they number min(batchSize, 2 × concurrency), or when a row that paused
   * comes back and pauses again: the rows wait for the next drain instead of spinning.
   */
  isPause?: (result: R) => boolean;
  /** Called after each row, in completion order. */
  onResult?: (result: R, id: string) => void | Promise<void>;
  /**
   * Told when renewing the claims failed (the store refused or could not be reached): the drain goes on and tries
   * again at the next renewal, but if it keeps failing a claim can run out and another worker take the row.
   */
  onRenewalFailed?: (error: unknown) => void;
  /**
   * Rows stored already claimed for this drain (`ClaimHandoff`): taken as if it had claimed them, and while their
   * producer runs the drain waits for more instead of ending when it has nothing to do.
   */
  handoff?: ClaimHandoff;
}

/**
 * Works due rows as a continuous pool until none is due, the signal aborts, or the rows keep pausing: `concurrency`
 * rows hold a slot at all times while rows are due (a row frees its slot when its work ends or calls `release`; at most
 * `maxReleased` released rows wait to finish), and a slot that frees is filled at once from rows claimed ahead
 * (at most `concurrency` more, claimed `batchSize` at a time with FOR UPDATE SKIP LOCKED when half of them are used),
 * so one slow row never holds up the others and claims stay few. Rows that become due while it runs (new rows,
 * retries) are picked up. On abort, or when it stops, rows claimed but not started are given back (releaseClaims);
 * the rows in flight are always finished before it returns. A work or store error stops the claiming, lets the rows in
 * flight finish, gives back the rest and is thrown.
 */
export async function drainDue<R>(db: Db, q: DueQueue, opts: DrainOptions<R>): Promise<void> {
  const concurrency = Math.max(1, opts.concurrency);
  const ahead = concurrency; // rows claimed beyond those in flight, so a freed slot is filled at once
  const maxUnfinished = concurrency + Math.max(0, opts.maxReleased ?? concurrency);
  const pauseWindow = Math.max(1, Math.min(opts.batchSize, 2 * concurrency));
  const waiting: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const held = new Set<string>(); // ids in flight, for renewing their claims
  let active = 0; // rows in flight holding a slot (not released)
  const pausedRun = new Set<string>(); // rows that paused since the last result that was not a pause
  let stop = false;
  let failure: { error: unknown } | null = null;
  // The last claim found fewer rows than it asked for: claim again only once a row has finished (or is still due
  // then), not in a loop while the rows in flight run.
  let dry = false;
  // Rows a producer stored due while a claim ran (the handoff woke the drain): that claim may have missed them, so it
  // does not make the drain dry.
  let nudges = 0;
  let wake: () => void = () => undefined;
  const onAbort = (): void => wake();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  // The claims of the rows held (in flight and claimed ahead) are renewed while the drain runs; a failed renewal is
  // told (onRenewalFailed) and retried at the next tick (at worst a row is worked twice, which work must allow anyway).
  let renewing = false;
  let lastRenewal: Promise<void> = Promise.resolve();
  const renewal = setInterval(
    () => {
      if (renewing) return;
      renewing = true;
      lastRenewal = renewClaims(db, q, [...held, ...waiting], opts.leaseMs)
        .catch((error: unknown) => {
          try {
            // A listener that returns a promise (an async logger) is not waited for, and its failure not left unhandled.
            const told: unknown = opts.onRenewalFailed?.(error);
            if (told instanceof Promise) told.catch(() => undefined);
          } catch {
            // Telling is best effort: the drain goes on whatever happens to the log.
          }
        })
        .finally(() => (renewing = false));
    },
    Math.max(50, Math.floor(opts.leaseMs / 3)),
  );
  renewal.unref();

  const start = (id: string): void => {
    if (held.has(id)) return; // already in flight (handed over, then claimed too once its lease had run out)
    held.add(id);
    active++;
    let holdsSlot = true;
    const release = (): void => {
      if (!holdsSlot) return;
      holdsSlot = false;
      active--;
      wake();
    };
    const p = (async () => {
      try {
        const result = await opts.work(id, release);
        if (opts.isPause?.(result)) {
          if (pausedRun.has(id) || pausedRun.add(id).size >= pauseWindow) stop = true;
        } else pausedRun.clear();
        await opts.onResult?.(result, id);
      } catch (error) {
        failure ??= { error };
        stop = true;
      }
    })().finally(() => {
      if (holdsSlot) {
        holdsSlot = false;
        active--;
      }
      held.delete(id);
      inFlight.delete(p);
      dry = false;
      wake();
    });
    inFlight.add(p);
  };

  let detach: (() => void) | undefined;
  try {
    // Rows handed over take the place of a claim: they count against the rows claimed ahead.
    detach = opts.handoff?.attach({
      room: () => Math.max(0, HANDOFF_ROOM * opts.batchSize - waiting.length),
      take: (ids) => {
        waiting.push(...ids);
        wake();
      },
      wake: () => {
        dry = false;
        nudges++;
        wake();
      },
    });
    for (;;) {
      if (stop || opts.signal?.aborted) break;
      const held0 = waiting.length;
      while (active < concurrency && inFlight.size < maxUnfinished && waiting.length > 0) start(waiting.shift()!);
      if (waiting.length < held0 && opts.handoff?.claimMs()) opts.handoff.roomMade();
      const room = concurrency + ahead - active - waiting.length;
      if (!dry && waiting.length <= ahead / 2 && room > 0) {
        const limit = Math.min(opts.batchSize, room);
        let ids: string[];
        const mark = opts.handoff?.mark() ?? 0;
        const nudged = nudges;
        try {
          ids = await claimDue(db, q, { limit, leaseMs: opts.leaseMs });
        } catch (error) {
          failure ??= { error };
          break;
        }
        dry = ids.length < limit && nudges === nudged;
        // Caught up only if no due row is left: a short claim also skips rows locked elsewhere (SKIP LOCKED).
        if (dry && opts.handoff?.waitingForDue) {
          let left: boolean;
          try {
            left = await anyDue(db, q);
          } catch (error) {
            failure ??= { error };
            waiting.push(...ids);
            break;
          }
          if (!left) opts.handoff.caughtUp(mark);
        }
        opts.handoff?.claimed();
        waiting.push(...ids);
        // Nothing due, nothing running and nothing claimed ahead: done. (The rows in flight may have finished during
        // the claim; rows claimed ahead before it are then still waiting, and are worked, not given back.)
        if (ids.length === 0 && inFlight.size === 0 && waiting.length === 0 && !opts.handoff?.open) break;
        continue;
      }
      if (inFlight.size === 0 && waiting.length === 0 && !opts.handoff?.open) break;
      // Kept open for a producer's rows: claim again now and then, for rows that became due meanwhile (retries).
      const recheck = opts.handoff?.open ? setTimeout(() => ((dry = false), wake()), HANDOFF_RECHECK_MS) : undefined;
      await new Promise<void>((resolve) => (wake = resolve));
      clearTimeout(recheck);
      wake = () => undefined;
    }
    // No more rows are taken: rows offered from now on are given back by their producer.
    detach?.();
    await Promise.all(inFlight);
  } finally {
    detach?.();
    clearInterval(renewal);
    await lastRenewal;
    opts.signal?.removeEventListener("abort", onAbort);
    // Claimed but never started (stopped, aborted, failed): due again now rather than after the claim lease.
    const givenBack = waiting.splice(0);
    await releaseClaims(db, q, givenBack).catch((error: unknown) => {
      failure ??= { error };
    });
    if (givenBack.length > 0) opts.handoff?.storedDue(); // later rows must not overtake them
  }
  if (failure) throw failure.error;
}
