// The settle processor (docs/settling.md): while a request is open, re-reads its linked appointment from PKB's
// Aggregated FHIR API — as soon as a person links it, then every PKB_RECHECK_MINUTES and as the appointment starts — and
// settles what PKB already shows, deciding with the pure rules of src/domain/settle.ts (when the pipeline links a
// request it decides on PKB's answer to the match itself, and leaves only a close or a flag to a read straight away):
// a cancel request PKB already shows cancelled (or gone) is closed with outcome "already done in PKB"; a change request
// whose appointment PKB shows moved or cancelled since the request is flagged for a person; a request whose appointment
// started before it was received, or before anyone recorded an outcome, is marked "appointment passed".
// The next check is the request_work row's due time, so a restart between checks loses nothing; each check re-reads its
// subject and is moot once the request is done, unlinked or gone.
import {
  decideSettle,
  decidesSomething,
  isOpenWork,
  nextRecheckDelayMs,
  type PkbAppointmentView,
} from "../../domain/settle.ts";
import { UpstreamError } from "../../errors.ts";
import type { BackoffPolicy } from "../../jobs/due-work.ts";
import { cancelWork, scheduleWork, scheduleWorkMany } from "../../store/request-work.ts";
import type { Queryable } from "../../store/db.ts";
import { groupLoader } from "../../store/group-loader.ts";
import {
  readSettleChecks,
  readSettleRow,
  readSettleRows,
  type SettleCheck,
  type SettleRow,
} from "../../store/settle.ts";
import { readBackCandidate } from "../../sync/identify.ts";
import { runSystemCommand, UNCHANGED } from "../command.ts";
import { applySettleDecision } from "../commands/settle.ts";
import type { Processor, RequestEventNotice, WorkContext, WorkStep } from "../processors.ts";

/** The processor's name: its request_work kind. */
export const PKB_SETTLE = "pkb_settle";

/**
 * Events after which PKB's view of the appointment must be read (again): straight away, but for a link the pipeline
 * settled from PKB's answer to the match (`firstChecks`).
 */
const CHECK_NOW: readonly RequestEventNotice["type"][] = [
  "appointment_linked",
  "rematched",
  "reopened",
  "type_changed",
  "repeat_received",
];

async function react(tx: Parameters<Processor["react"]>[0], e: RequestEventNotice): Promise<void> {
  if (e.type === "outcome_recorded" || e.type === "pkb_already_done") {
    // Done: nothing to settle any more (a reopening schedules it again).
    await cancelWork(tx, { requestId: e.requestId, kind: PKB_SETTLE });
    return;
  }
  if (CHECK_NOW.includes(e.type)) {
    const [dueAt] = await firstChecks(tx, [e]);
    await scheduleWork(tx, { requestId: e.requestId, kind: PKB_SETTLE, dueAt: dueAt! });
  }
}

/** What the pipeline settled as it linked the request from PKB's answer to the match (commands/pipeline.ts), if so. */
function settledAtLink(e: RequestEventNotice): { start: Date | null; passed: boolean } | null {
  if (e.type !== "appointment_linked" || e.actorUserId !== null) return null;
  const s = e.data.settledAtLink as { start?: unknown; passed?: unknown } | undefined;
  if (typeof s !== "object" || s === null) return null;
  return { start: typeof s.start === "string" ? new Date(s.start) : null, passed: s.passed === true };
}

/**
 * When each event's check is due: now, but for a link the pipeline settled from PKB's answer to the match, whose
 * first re-read comes at the recheck (or as the appointment starts, if sooner). An appointment that started after the
 * pipeline decided and before this (a batch is written a little later) is read now, so "passed" is not an hour late.
 * Reads the recheck interval only when some link was settled.
 */
async function firstChecks(tx: Queryable, es: readonly RequestEventNotice[]): Promise<(Date | "now")[]> {
  const settled = es.map(settledAtLink);
  if (settled.every((s) => s === null)) return es.map(() => "now");
  const [policy] = await tx.query<{ recheck_ms: number }>(
    "SELECT recheck_ms::float8 AS recheck_ms FROM pkb_settle_policy",
  );
  if (!policy) throw new Error("pkb_settle_policy has no row");
  const now = new Date();
  return settled.map((s) => {
    if (!s || (s.start && !s.passed && s.start.getTime() <= now.getTime())) return "now";
    return new Date(now.getTime() + nextRecheckDelayMs(now, s.start, s.passed, policy.recheck_ms));
  });
}

/**
 * `react` for many events: when every one only asks for a check (none closes), one statement schedules them all, each
 * at its `firstChecks` time; otherwise each in turn.
 */
async function reactMany(tx: Parameters<Processor["react"]>[0], es: readonly RequestEventNotice[]): Promise<void> {
  const onlyChecks = es.every((e) => CHECK_NOW.includes(e.type));
  if (!onlyChecks) {
    for (const e of es) await react(tx, e);
    return;
  }
  const due = await firstChecks(tx, es);
  await scheduleWorkMany(
    tx,
    es.map((e, i) => ({ requestId: e.requestId, kind: PKB_SETTLE, dueAt: due[i]! })),
  );
}

/** The linked appointment as PKB shows it now: read by id; 404/410 means PKB no longer has it. */
async function readAppointment(ctx: WorkContext, fhirId: string): Promise<PkbAppointmentView> {
  try {
    const c = readBackCandidate(await ctx.sync.fhir.appointment(fhirId), fhirId);
    return { gone: false, status: c.status, start: c.start };
  } catch (err) {
    if (err instanceof UpstreamError && (err.status === 404 || err.status === 410)) return { gone: true };
    throw err;
  }
}

/** Whether a request is open work linked to an appointment: what a check can look at. */
const checkable = (r: SettleRow | null | undefined): r is SettleRow & { appointmentFhirId: string } =>
  !!r && isOpenWork(r.status) && r.appointmentFhirId !== null;

/** Records what PKB showed through a system command, deciding again on the locked, re-read row. */
async function settle(ctx: WorkContext, s: SettleRow, view: PkbAppointmentView, now: Date): Promise<SettleRow | null> {
  let after: SettleRow | null = null;
  await runSystemCommand(ctx.db, s.id, async (w) => {
    const current = await readSettleRow(w.tx, s.id, true);
    // Moot: done meanwhile, or linked to another appointment since PKB was read.
    if (!checkable(current) || current.appointmentFhirId !== s.appointmentFhirId) return UNCHANGED;
    const d = decideSettle(current, view, now);
    if (!decidesSomething(d)) return UNCHANGED;
    await applySettleDecision(w, d, now);
    after = await readSettleRow(w.tx, s.id);
  });
  return after;
}

/**
 * The checks' reads of the store, in batches (src/store/group-loader.ts): the checks a pool starts together read their
 * requests in one statement, and those whose PKB answers arrive while a re-read is in flight re-read together.
 */
const readers = new WeakMap<
  Queryable,
  { check: (id: string) => Promise<SettleCheck | null>; row: (id: string) => Promise<SettleRow | null> }
>();

function readersOf(db: Queryable) {
  let r = readers.get(db);
  if (!r) {
    const checks = groupLoader<string, SettleCheck | null>((ids) => readSettleChecks(db, ids));
    const rows = groupLoader<string, SettleRow | null>((ids) => readSettleRows(db, ids));
    r = { check: (id) => checks.load(id), row: (id) => rows.load(id) };
    readers.set(db, r);
  }
  return r;
}

async function work(ctx: WorkContext, item: { requestId: string }): Promise<WorkStep> {
  const read = readersOf(ctx.db);
  const check = await read.check(item.requestId);
  const s = check?.row;
  // Moot: gone, not open work (done, error, still processing: the link schedules it again), or nothing linked.
  if (!check || !checkable(s)) return { done: true };
  const view = await readAppointment(ctx, s.appointmentFhirId);
  const now = ctx.now();
  // Most checks find PKB showing what the request already says. Decided on the row read again now (a person may have
  // changed it while PKB was asked), they write nothing and lock nothing; only a decision is taken again under the
  // command's lock, on the row re-read there.
  const current = await read.row(s.id);
  if (!checkable(current)) return { done: true };
  // Linked to another appointment meanwhile: check that one now.
  if (current.appointmentFhirId !== s.appointmentFhirId) return { done: false, delayMs: 0 };
  const after = decidesSomething(decideSettle(current, view, now))
    ? ((await settle(ctx, current, view, now)) ?? current)
    : current;
  if (!isOpenWork(after.status)) return { done: true };
  return {
    done: false,
    delayMs: nextRecheckDelayMs(now, after.appointmentStart, after.passed, check.policy.recheckMs),
  };
}

/** Retries when PKB cannot be read: 30 s doubling to an hour, for about two days. */
const BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 60 * 60_000, maxAttempts: 50 };

/** Settles what PKB already shows for every open, linked request. */
export const pkbSettleProcessor: Processor = {
  name: PKB_SETTLE,
  on: [...CHECK_NOW, "outcome_recorded", "pkb_already_done"],
  react,
  reactMany,
  work,
  backoff: BACKOFF,
};
