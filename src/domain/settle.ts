// Settling what PKB already shows (docs/settling.md): pure rules that look at an open request and its appointment as
// PKB shows it now, and say what Rebook does about it. No I/O; `now` and the zone are passed in.
// - A cancel request whose appointment PKB shows cancelled (or no longer has) is already done: closed automatically.
// - A change request whose appointment PKB shows moved (or cancelled) since the request was sent is flagged for a
//   person, never closed: the patient may not have been asked.
// - A request whose appointment started before it was received, or before anyone recorded an outcome, is marked
//   "appointment passed": not overdue work, its own filter, counted in reports. The mark follows what PKB shows:
//   moved to a time ahead, the appointment has not passed, and cancelled (or no longer listed) it is no longer booked
//   (either way the mark is cleared: deadline work again, also for a cancel request a person reopened); moved across
//   the request's receipt, why it passed is corrected.
import { formatShortUk, UK_ZONE } from "./uk-time.ts";

/** Statuses PKB uses for an appointment that no longer stands. */
const GONE_STATUSES = new Set(["cancelled", "entered-in-error"]);

/** The request's facts the rules look at. */
export interface SettleSubject {
  type: "change" | "cancel" | null;
  status: "processing" | "open" | "in_progress" | "done" | "error";
  receivedAt: Date;
  /** The start the patient's message named (what they saw when they sent it). */
  requestedStart: Date | null;
  /** The linked appointment's start as last stored. */
  appointmentStart: Date | null;
  /** The flag in force (null: none). */
  flag: { kind: "moved" | "cancelled"; movedTo: Date | null } | null;
  /** Already marked "appointment passed". */
  passed: boolean;
  /**
   * False once a person reopened the request after Rebook closed it as already done in PKB: they decided it is work,
   * so Rebook does not close it again on its own.
   */
  autoCloseAllowed: boolean;
}

/** The linked appointment as PKB shows it now: gone (PKB answered 404/410), or its status and start. */
export type PkbAppointmentView = { gone: true } | { gone: false; status: string; start: Date | null };

/** What to do: nothing, close as already done in PKB, set or clear the flag, mark passed (several may apply). */
export interface SettleDecision {
  /** Close the request with outcome already_done_in_pkb; `shows` says why, in words. */
  close: { shows: string } | null;
  /** Set the flag (kind, moved-to start, words), clear it (`"clear"`), or leave it (null). */
  flag: { kind: "moved" | "cancelled"; movedTo: Date | null; text: string } | "clear" | null;
  /** Mark "appointment passed": before it was received, or before anyone acted. Null: leave as is. */
  passed: { before: "received" | "action"; start: Date } | null;
  /**
   * Clear the "passed" mark: PKB shows the appointment ahead, so it has not passed, or cancelled (or no longer lists
   * it), so it is no longer booked (deadline work again).
   */
  unpassed: PassedCleared | null;
  /** Correct why the mark stands: PKB shows the appointment moved to the other side of the request's receipt. */
  passedCorrected: PassedCorrection | null;
  /** The appointment's start as PKB shows it now, to store on the request (null: unchanged or unknown). */
  start: Date | null;
  /**
   * The stored start moves (`from` → `to`, the start PKB shows) and no other row of this decision says so (the flag's
   * or the mark's): a history row of its own says it moved. A cancel request is never flagged, so it always has one.
   */
  moved: { from: Date; to: Date } | null;
}

const sameMinute = (a: Date, b: Date): boolean => Math.floor(a.getTime() / 60_000) === Math.floor(b.getTime() / 60_000);

/** Whether a request is still work a person might do (the rules act only on these). */
export const isOpenWork = (status: SettleSubject["status"]): boolean => status === "open" || status === "in_progress";

/**
 * Decides what PKB's view of the linked appointment means for an open request at `now`. A request that is not open
 * work (processing, done, error) gets no decision (everything null).
 */
export function decideSettle(s: SettleSubject, pkb: PkbAppointmentView, now: Date, zone = UK_ZONE): SettleDecision {
  const none: SettleDecision = {
    close: null,
    flag: null,
    passed: null,
    unpassed: null,
    passedCorrected: null,
    start: null,
    moved: null,
  };
  if (!isOpenWork(s.status)) return none;
  const gone = pkb.gone || GONE_STATUSES.has(pkb.status);
  const start = pkb.gone ? null : pkb.start;
  if (s.type === "cancel" && gone) {
    // A person reopened it: theirs to close. A "passed" mark is cleared all the same, as for a change request below:
    // the appointment is no longer booked, not passed, and kept marked the request would stay out of deadline work.
    if (!s.autoCloseAllowed) return s.passed ? { ...none, unpassed: cancelledOrGone(pkb, s.appointmentStart) } : none;
    return {
      ...none,
      close: {
        shows: pkb.gone
          ? "PKB no longer lists this appointment: the cancellation is already done"
          : "PKB already shows this appointment cancelled",
      },
    };
  }
  const decision: SettleDecision = { ...none };
  if (start && (!s.appointmentStart || !sameMinute(start, s.appointmentStart))) decision.start = start;
  if (s.type === "change") {
    let wanted: SettleDecision["flag"] = null;
    if (gone) {
      wanted = {
        kind: "cancelled",
        movedTo: null,
        text: pkb.gone
          ? "PKB no longer lists this appointment since the request: check with the patient before rebooking"
          : "PKB shows this appointment cancelled since the request: check with the patient before rebooking",
      };
    } else if (start && s.requestedStart && !sameMinute(start, s.requestedStart)) {
      wanted = {
        kind: "moved",
        movedTo: start,
        text: `PKB shows this appointment moved to ${formatShortUk(start, now, zone)} since the request`,
      };
    }
    const same =
      wanted !== null &&
      s.flag !== null &&
      s.flag.kind === wanted.kind &&
      (s.flag.movedTo?.getTime() ?? null) === (wanted.movedTo?.getTime() ?? null);
    if (wanted && !same) decision.flag = wanted;
    else if (!wanted && s.flag) decision.flag = "clear";
  }
  // Passed: the start as PKB shows it now (else as stored). A cancelled appointment has no start to pass.
  const effective = gone ? null : (start ?? s.appointmentStart);
  if (s.passed && gone) {
    // Marked, and PKB shows it cancelled or no longer lists it (a cancel request was closed above): the request was
    // about an appointment no longer booked. Kept marked, it would stay hidden from deadline work, though a person
    // must act on it (a change request is flagged as well).
    decision.unpassed = cancelledOrGone(pkb, s.appointmentStart);
  } else if (!s.passed && effective) {
    if (effective.getTime() < s.receivedAt.getTime()) decision.passed = { before: "received", start: effective };
    else if (effective.getTime() <= now.getTime()) decision.passed = { before: "action", start: effective };
  } else if (s.passed && effective) {
    // Marked: the mark must still say what the request's start says (the worklist reads the mark, the settling report
    // the start against the received time).
    const movedFrom = decision.start && s.appointmentStart ? s.appointmentStart : null;
    if (effective.getTime() > now.getTime()) {
      // Ahead: it has not passed. Kept marked, the request would be hidden from deadline work.
      decision.unpassed = { start: effective, movedFrom, shownByPkb: start !== null };
    } else if (movedFrom) {
      const was = passedBefore(movedFrom, s.receivedAt);
      const is = passedBefore(effective, s.receivedAt);
      if (was !== is) {
        decision.passedCorrected = {
          before: is,
          correctedFrom: was,
          start: effective,
          receivedAt: s.receivedAt,
          movedFrom,
        };
      }
    }
  }
  // The history says every move of the stored start: the flag's row says where a change request's appointment moved,
  // a cleared or corrected mark's row where from; otherwise (a cancel request, a change request that named no start,
  // a mark that stands or is made) a row of its own. Not for an appointment PKB shows cancelled: its flag says that.
  const said =
    decision.flag !== null ||
    (decision.unpassed !== null && "movedFrom" in decision.unpassed && decision.unpassed.movedFrom !== null) ||
    decision.passedCorrected?.movedFrom !== undefined;
  if (decision.start && s.appointmentStart && !gone && !said) {
    decision.moved = { from: s.appointmentStart, to: decision.start };
  }
  return decision;
}

/** A "passed" mark cleared as PKB shows the appointment cancelled (or entered in error) or no longer lists it. */
const cancelledOrGone = (pkb: PkbAppointmentView, start: Date | null): PassedClearedGone => ({
  pkbShows: pkb.gone ? "not_listed" : "cancelled",
  start,
});

/** Why an appointment that started at `start` passed, for a request received at `receivedAt` (as the report counts). */
const passedBefore = (start: Date, receivedAt: Date): "received" | "action" =>
  start.getTime() < receivedAt.getTime() ? "received" : "action";

/**
 * What the pipeline settles as it links a request to an appointment, from PKB's answer to the match (the appointment as
 * PKB's search showed it moments before, `pkb`): nothing, or "appointment passed", is written with the link, and the
 * first re-read comes at the recheck; a decision to close or flag (null here) is left to a read of the appointment by
 * its id straight away, as when a person links one. `s` is the request as it is being opened.
 */
export function decideAtLink(
  s: SettleSubject,
  pkb: PkbAppointmentView,
  now: Date,
  zone = UK_ZONE,
): SettleDecision | null {
  const d = decideSettle(s, pkb, now, zone);
  return d.close || d.flag ? null : d;
}

/** Whether a decision changes anything. */
export const decidesSomething = (d: SettleDecision): boolean =>
  d.close !== null ||
  d.flag !== null ||
  d.passed !== null ||
  d.unpassed !== null ||
  d.passedCorrected !== null ||
  d.start !== null;

/**
 * When to look at PKB again: after `recheckMs`, or as the appointment starts when that is sooner (so "passed" is marked
 * on time). Never in the past.
 */
export function nextRecheckDelayMs(now: Date, start: Date | null, passed: boolean, recheckMs: number): number {
  if (!start || passed) return recheckMs;
  const untilStart = start.getTime() - now.getTime();
  return untilStart >= 0 && untilStart < recheckMs ? untilStart + 1_000 : recheckMs;
}

/**
 * A "passed" mark's reason corrected: the request now counts from an earlier time (see passedOnceReceivedBack), or PKB
 * shows the appointment moved to the other side of the request's receipt (`movedFrom` set; decideSettle).
 */
export interface PassedCorrection {
  /** What the mark says now, and what it said. */
  before: "received" | "action";
  correctedFrom: "received" | "action";
  /** The appointment's start (as stored: the start the settling report compares) and the request's received time. */
  start: Date;
  receivedAt: Date;
  /** The start as stored before PKB showed it moved; absent when the received time moved back instead. */
  movedFrom?: Date;
}

/**
 * A "passed" mark cleared: PKB shows the appointment at `start`, ahead, so it has not passed (or PKB's answer gives no
 * start and the one last stored is ahead: `shownByPkb` false, and the words do not say PKB showed it). `movedFrom`: the
 * start as stored before, when PKB shows it moved (null: the stored start was already ahead). Or (PassedClearedGone)
 * PKB shows the appointment cancelled or no longer lists it.
 */
export type PassedCleared = PassedClearedAhead | PassedClearedGone;

/** A "passed" mark cleared as PKB shows the appointment ahead. */
export interface PassedClearedAhead {
  start: Date;
  movedFrom: Date | null;
  /** Whether PKB's answer gave the start; false: it gave none, and `start` is the one last stored (read from PKB). */
  shownByPkb: boolean;
}

/**
 * A "passed" mark cleared as PKB shows the appointment cancelled (or entered in error: `cancelled`, as its flag says)
 * or no longer lists it (`not_listed`): it is no longer booked. `start`: the start last stored (null: none).
 */
export interface PassedClearedGone {
  pkbShows: "cancelled" | "not_listed";
  start: Date | null;
}

/** The words for a cleared "passed" mark, for history ("Appointment no longer passed: …"). */
export function passedClearedText(c: PassedCleared, now: Date, zone = UK_ZONE): string {
  if ("pkbShows" in c) {
    const at = c.start ? ` (${formatShortUk(c.start, now, zone)})` : "";
    const shows =
      c.pkbShows === "cancelled"
        ? `PKB shows the appointment${at} cancelled`
        : `PKB no longer lists the appointment${at}`;
    return `${shows}: it is no longer booked, so the request is deadline work again`;
  }
  const at = formatShortUk(c.start, now, zone);
  const shows = !c.shownByPkb
    ? `Its start as last read from PKB, ${at}, is ahead (PKB's answer now gives no start)`
    : c.movedFrom
      ? `PKB shows it moved to ${at}, from ${formatShortUk(c.movedFrom, now, zone)}`
      : `PKB shows it at ${at}`;
  return `${shows}: it has not started yet, so the request is deadline work again`;
}

/**
 * Whether moving a request's received time back to `receivedAt` (an earlier ask of the patient folded into it,
 * docs/settling.md) changes why it is marked "appointment passed": a mark made because the appointment started
 * before the request was received no longer holds when the request now counts from before the start. The appointment
 * still passed with no outcome recorded (the request is open), so the mark stands, before action. Null when nothing
 * changes: not marked, no start, not moved back, or the start still before the new time. (Moving back never makes an
 * appointment start before the request was received.)
 */
export function passedOnceReceivedBack(
  s: Pick<SettleSubject, "passed" | "appointmentStart" | "receivedAt">,
  receivedAt: Date,
): PassedCorrection | null {
  const start = s.appointmentStart;
  if (!s.passed || !start || receivedAt.getTime() >= s.receivedAt.getTime()) return null;
  const wasBeforeReceived = start.getTime() < s.receivedAt.getTime();
  const isBeforeReceived = start.getTime() < receivedAt.getTime();
  if (!wasBeforeReceived || isBeforeReceived) return null;
  return { before: "action", correctedFrom: "received", start, receivedAt };
}

/** The words for a corrected "passed" mark, for history. */
export function passedCorrectionText(c: PassedCorrection, now: Date, zone = UK_ZONE): string {
  const received = formatShortUk(c.receivedAt, now, zone);
  const at = formatShortUk(c.start, now, zone);
  if (c.movedFrom) {
    const moved = `PKB shows the appointment moved to ${at}, from ${formatShortUk(c.movedFrom, now, zone)}`;
    return c.before === "action"
      ? `${moved}, after the request was received (${received}): it passed before anyone recorded an outcome, not ` +
          "before the request was received"
      : `${moved}, before the request was received (${received}): it had already started when the request was ` +
          "received";
  }
  return (
    `The request now counts from an earlier message (received ${received}), before the appointment (${at}) ` +
    "started: it passed before anyone recorded an outcome, not before the request was received"
  );
}

/**
 * The words for the flag (`"flag"`) or the "passed" mark (`"passed"`) cleared as a person links the request to another
 * appointment (from `from` to `to`, FHIR ids; `to` null: a re-match left it unlinked), for history ("Flag cleared: …",
 * "Appointment no longer passed: …"): what was flagged or marked was about the appointment linked before. (Linking the
 * same appointment again clears neither.)
 */
export function relinkClearedText(what: "flag" | "passed", link: { from: string | null; to: string | null }): string {
  const it = what === "flag" ? "the flag" : "the mark";
  if (link.to === null) {
    return `the request was matched again and is no longer linked to an appointment, and ${it} was about the one linked before`;
  }
  return `another appointment was linked, and ${it} was about the one linked before`;
}

/** The words for a start PKB shows moved (SettleDecision.moved), for history. */
export function movedText(m: { from: Date; to: Date }, now: Date, zone = UK_ZONE): string {
  return `PKB shows this appointment moved to ${formatShortUk(m.to, now, zone)}, from ${formatShortUk(m.from, now, zone)}`;
}

/** The words for a "passed" mark, for history and the request page. */
export function passedText(p: { before: "received" | "action"; start: Date }, now: Date, zone = UK_ZONE): string {
  const at = formatShortUk(p.start, now, zone);
  return p.before === "received"
    ? `The appointment (${at}) had already started when the request was received`
    : `The appointment (${at}) passed before anyone recorded an outcome`;
}
