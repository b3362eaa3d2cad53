// The PKB confirmation processor (docs/pkb-confirmation.md). It reacts to a recorded outcome by starting a
// confirmation (awaiting, with its limit) and scheduling the first check, and to a reopening by forgetting both — in
// the event's own transaction. Each due check re-reads its subject (moot when the request was reopened, has a newer
// outcome or is gone), reads the appointment back from PKB's Aggregated FHIR API, decides with the pure rules
// (src/domain/pkb-confirmation.ts) and records the result through a system command: the confirmation row and, when the
// state changes, a pkb_confirmed / pkb_not_confirmed history event, in one transaction. The next check is the
// request_work row's due time, so a restart between checks loses nothing. "Not confirmed" is alerted once.
import {
  afterCheck,
  checkConfirmation,
  confirmationDue,
  firstCheckAt,
  type ConfirmableOutcome,
  type PkbView,
} from "../../domain/pkb-confirmation.ts";
import type { Candidate } from "../../domain/match.ts";
import type { FhirAppointment } from "../../pkb/schemas.ts";
import { UpstreamError } from "../../errors.ts";
import type { BackoffPolicy } from "../../jobs/due-work.ts";
import {
  clearConfirmation,
  markAlerted,
  readConfirmation,
  readConfirmationPolicy,
  readConfirmationSubject,
  recordCheck,
  startConfirmation,
  type ConfirmationSubject,
} from "../../store/pkb-confirmations.ts";
import { cancelWork, scheduleWork } from "../../store/request-work.ts";
import { ANOTHER_APPOINTMENT, readBackCandidate, toCandidate } from "../../sync/identify.ts";
import type { SyncDeps } from "../../sync/deps.ts";
import { runSystemCommand, UNCHANGED } from "../command.ts";
import type { Processor, RequestEventNotice, WorkContext, WorkStep } from "../processors.ts";

/** The processor's name: its request_work kind. */
export const PKB_CONFIRMATION = "pkb_confirmation";

const DAY_MS = 86_400_000;

/** The outcome an outcome_recorded event carries, when PKB must show it. */
function confirmableOutcome(data: Record<string, unknown>): ConfirmableOutcome | null {
  if (data.outcome === "cancelled") return { outcome: "cancelled" };
  if (data.outcome === "rebooked" && typeof data.newStart === "string") {
    const newStart = new Date(data.newStart);
    if (!Number.isNaN(newStart.getTime())) return { outcome: "rebooked", newStart };
  }
  return null;
}

async function react(tx: Parameters<Processor["react"]>[0], e: RequestEventNotice): Promise<void> {
  const outcome = e.type === "outcome_recorded" ? confirmableOutcome(e.data) : null;
  if (!outcome) {
    // Reopened, or an outcome PKB does not show (rejected, needs patient contact): nothing to confirm any more.
    await clearConfirmation(tx, e.requestId);
    await cancelWork(tx, { requestId: e.requestId, kind: PKB_CONFIRMATION });
    return;
  }
  // now(): the transaction's instant, the one the outcome_recorded event is stamped with.
  const { now, policy } = await readConfirmationPolicy(tx);
  await startConfirmation(tx, {
    requestId: e.requestId,
    outcome: outcome.outcome,
    newStart: outcome.outcome === "rebooked" ? outcome.newStart : null,
    outcomeAt: now,
    dueAt: confirmationDue(now, policy),
  });
  await scheduleWork(tx, { requestId: e.requestId, kind: PKB_CONFIRMATION, dueAt: firstCheckAt(now, policy) });
}

const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The UTC date windows (a day either side) to search around the old and the new start; one when they are close. */
function searchWindows(starts: Date[]): [string, string][] {
  const sorted = starts.map((d) => d.getTime()).sort((a, b) => a - b);
  const windows: [number, number][] = [];
  for (const t of sorted) {
    const last = windows[windows.length - 1];
    if (last && t - DAY_MS <= last[1] + 7 * DAY_MS) last[1] = t + DAY_MS;
    else windows.push([t - DAY_MS, t + DAY_MS]);
  }
  return windows.map(([a, b]) => [utcDate(a), utcDate(b)]);
}

/** What PKB shows now: the linked appointment read by id, and the patient's appointments around the starts. */
async function readPkb(sync: SyncDeps, s: ConfirmationSubject): Promise<PkbView> {
  let linked: Candidate | null | undefined;
  if (s.appointment.fhirId) {
    try {
      linked = readBackCandidate(await sync.fhir.appointment(s.appointment.fhirId), s.appointment.fhirId);
    } catch (err) {
      if (!(err instanceof UpstreamError) || (err.status !== 404 && err.status !== 410)) throw err;
      linked = null; // PKB no longer has it
    }
  }
  const found = new Map<string, FhirAppointment>();
  const starts = [s.appointment.start, s.confirmation.newStart].filter((d): d is Date => d !== null);
  if (s.nhsNumber && starts.length > 0) {
    for (const [from, to] of searchWindows(starts)) {
      for (const a of await sync.fhir.appointmentsForPatient(s.nhsNumber, from, to)) {
        if (!found.has(a.id)) found.set(a.id, a);
      }
    }
  }
  return pkbViewOf(linked, [...found.values()]);
}

/**
 * What a check saw: the linked appointment as read, and every appointment the search found, an id made storable
 * included (flagged): it still shows what PKB holds at a start, so a cancel is never confirmed while it stands.
 */
export function pkbViewOf(linked: Candidate | null | undefined, found: readonly FhirAppointment[]): PkbView {
  return { linked, appointments: found.map(toCandidate) };
}

/** Why PKB could not be read, in a few words for the request page (no identifiers). */
const readFailure = (err: unknown): string =>
  err instanceof UpstreamError && err.upstreamCode === ANOTHER_APPOINTMENT
    ? "PKB answered the last check with a different appointment"
    : `PKB could not be read at the last check (${err instanceof UpstreamError && err.status ? `HTTP ${err.status}` : "no answer"})`;

async function work(ctx: WorkContext, item: { requestId: string }): Promise<WorkStep> {
  const s = await readConfirmationSubject(ctx.db, item.requestId);
  // Moot: no confirmation any more (reopened, not needed), the request's outcome moved on, or already confirmed.
  if (!s || s.requestOutcome !== s.confirmation.outcome || s.confirmation.state === "confirmed") return { done: true };
  const c = s.confirmation;
  const { policy } = await readConfirmationPolicy(ctx.db);
  const outcome: ConfirmableOutcome =
    c.outcome === "rebooked" && c.newStart ? { outcome: "rebooked", newStart: c.newStart } : { outcome: "cancelled" };

  let view: PkbView;
  try {
    view = await readPkb(ctx.sync, s);
  } catch (err) {
    // PKB cannot be read: retried with backoff. Past the limit, the request still becomes "not confirmed" (once).
    const now = ctx.now();
    if (c.state === "awaiting" && now.getTime() >= c.dueAt.getTime()) {
      await record(ctx, s, {
        state: "not_confirmed",
        checks: c.checks,
        checkedAt: null,
        confirmedAt: null,
        shows: c.shows ?? readFailure(err),
      });
    }
    throw err;
  }

  const now = ctx.now();
  const check = checkConfirmation(
    outcome,
    { fhirId: s.appointment.fhirId, externalId: s.appointment.externalId, start: s.appointment.start },
    view,
    now,
  );
  const checks = c.checks + 1;
  const next = afterCheck(
    { outcomeAt: c.outcomeAt, checksDone: checks, checkedAt: now, confirmed: check.confirmed },
    policy,
  );
  const state = await record(ctx, s, {
    state: next.state,
    checks,
    checkedAt: now,
    confirmedAt: check.confirmed ? now : null,
    shows: check.shows,
  });
  if (state === "moot" || next.nextCheckAt === null) return { done: true };
  return { done: false, delayMs: Math.max(0, next.nextCheckAt.getTime() - now.getTime()) };
}

/**
 * Records a check's result through a system command, unless the subject changed meanwhile (then "moot"). Writes the
 * history event when the state changes; after commit, alerts a new "not confirmed" (once: until delivered).
 */
async function record(
  ctx: WorkContext,
  s: ConfirmationSubject,
  r: {
    state: "awaiting" | "confirmed" | "not_confirmed";
    checks: number;
    checkedAt: Date | null;
    confirmedAt: Date | null;
    shows: string;
  },
): Promise<"recorded" | "moot"> {
  const c = s.confirmation;
  let moot = false;
  let alert = false;
  await runSystemCommand(ctx.db, s.requestId, async (w) => {
    const current = await readConfirmation(w.tx, s.requestId, { lock: true });
    // A reopening or a new outcome since the check began: this result is about an outcome that no longer stands.
    if (!current || current.outcomeAt.getTime() !== c.outcomeAt.getTime() || w.request.outcome !== current.outcome) {
      moot = true;
      return UNCHANGED;
    }
    await recordCheck(w.tx, { requestId: s.requestId, ...r });
    alert = r.state === "not_confirmed" && current.alertedAt === null;
    if (r.state === current.state) return UNCHANGED; // another check, same state: no history row, nothing to publish
    if (r.state === "confirmed") {
      const late = r.confirmedAt !== null && r.confirmedAt.getTime() > current.dueAt.getTime();
      const minutes = r.confirmedAt
        ? Math.round((r.confirmedAt.getTime() - current.outcomeAt.getTime()) / 600) / 100
        : null;
      await w.event("pkb_confirmed", { outcome: current.outcome, shows: r.shows, late, minutes });
    } else if (r.state === "not_confirmed") {
      await w.event("pkb_not_confirmed", {
        outcome: current.outcome,
        shows: r.shows,
        dueAt: current.dueAt.toISOString(),
      });
    }
  });
  if (moot) return "moot";
  if (alert) {
    const delivered = ctx.sync.onNotConfirmed
      ? await ctx.sync.onNotConfirmed({
          requestId: s.requestId,
          teamName: s.teamName,
          outcome: c.outcome,
          outcomeAt: c.outcomeAt,
          dueAt: c.dueAt,
        })
      : true;
    if (delivered) await markAlerted(ctx.db, s.requestId, ctx.now());
  }
  return "recorded";
}

/** Retries when PKB cannot be read: 30 s doubling to an hour, for about two days (the checks' own horizon). */
const BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 60 * 60_000, maxAttempts: 50 };

/** Checks that PKB shows every rebooking and cancellation recorded. */
export const pkbConfirmationProcessor: Processor = {
  name: PKB_CONFIRMATION,
  on: ["outcome_recorded", "reopened"],
  react,
  work,
  backoff: BACKOFF,
};
