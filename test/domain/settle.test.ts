// The pure rules of settling what PKB already shows (src/domain/settle.ts) and of repeats (src/requests/repeats.ts).
import { describe, expect, it } from "vitest";
import {
  decideAtLink,
  decideSettle,
  decidesSomething,
  movedText,
  nextRecheckDelayMs,
  passedClearedText,
  passedCorrectionText,
  passedOnceReceivedBack,
  relinkClearedText,
  type SettleSubject,
} from "../../src/domain/settle.ts";
import { typeAfterRepeat } from "../../src/requests/repeats.ts";

const now = new Date("2025-10-10T09:00:00Z");
const requested = new Date("2025-10-14T08:30:00Z"); // Tue 14 Oct 09:30 BST
const subject = (over: Partial<SettleSubject> = {}): SettleSubject => ({
  type: "cancel",
  status: "open",
  receivedAt: new Date("2025-10-08T12:00:00Z"),
  requestedStart: requested,
  appointmentStart: requested,
  flag: null,
  passed: false,
  autoCloseAllowed: true,
  ...over,
});
const booked = (start: Date = requested) => ({ gone: false as const, status: "pending", start });

describe("a cancel request", () => {
  it("is closed as already done when PKB shows its appointment cancelled", () => {
    const d = decideSettle(subject(), { gone: false, status: "cancelled", start: requested }, now);
    expect(d.close).toEqual({ shows: "PKB already shows this appointment cancelled" });
    expect(d.flag).toBeNull();
    expect(d.passed).toBeNull();
  });

  it("is closed when PKB no longer has the appointment (gone, or entered in error)", () => {
    expect(decideSettle(subject(), { gone: true }, now).close?.shows).toMatch(/no longer lists/);
    expect(decideSettle(subject(), { gone: false, status: "entered-in-error", start: null }, now).close).not.toBeNull();
  });

  it("is left alone while PKB still shows the appointment standing", () => {
    const d = decideSettle(subject(), booked(), now);
    expect(decidesSomething(d)).toBe(false);
  });

  it("is not closed again once a person reopened it after Rebook closed it", () => {
    const d = decideSettle(subject({ autoCloseAllowed: false }), { gone: true }, now);
    expect(decidesSomething(d)).toBe(false);
  });

  it("is not flagged when PKB shows it moved (the patient wants it cancelled either way)", () => {
    const moved = new Date("2025-10-14T09:30:00Z");
    const d = decideSettle(subject(), booked(moved), now);
    expect(d.flag).toBeNull();
    expect(d.close).toBeNull();
    expect(d.start).toEqual(moved);
  });
});

describe("a start PKB shows moved, in the history", () => {
  const moved = new Date("2025-10-14T09:30:00Z"); // Tue 14 Oct 10:30 BST, from 09:30

  it("a cancel request (never flagged) says it moved, from and to, in words", () => {
    const d = decideSettle(subject(), booked(moved), now);
    expect(d.moved).toEqual({ from: requested, to: moved });
    expect(movedText(d.moved!, now)).toBe(
      "PKB shows this appointment moved to Tue 14 Oct 10:30, from Tue 14 Oct 09:30",
    );
    // Moved to a time that has passed: it says so as well as marking it passed.
    const past = new Date("2025-10-09T09:30:00Z");
    const passed = decideSettle(subject(), booked(past), now);
    expect(passed.moved).toEqual({ from: requested, to: past });
    expect(passed.passed).toEqual({ before: "action", start: past });
  });

  it("says nothing more when the flag or the passed mark's row says it, or nothing moved", () => {
    expect(decideSettle(subject({ type: "change" }), booked(moved), now).moved).toBeNull();
    // A change request that named no start is not flagged: its row says the move.
    expect(decideSettle(subject({ type: "change", requestedStart: null }), booked(moved), now).moved).toEqual({
      from: requested,
      to: moved,
    });
    // Marked passed, then moved ahead, or across the receipt: the mark's row says where from.
    const before = new Date("2025-10-01T08:00:00Z");
    const marked = subject({ requestedStart: before, appointmentStart: before, passed: true });
    expect(decideSettle(marked, booked(moved), now).moved).toBeNull();
    expect(decideSettle(marked, booked(new Date("2025-10-09T09:30:00Z")), now).moved).toBeNull();
    // Moved on the same side of the receipt: the mark says nothing of it, so this row does.
    const earlier = new Date("2025-09-30T08:00:00Z");
    expect(decideSettle(marked, booked(earlier), now).moved).toEqual({ from: before, to: earlier });
    // No start stored before, the same minute, or PKB gives none: nothing moved.
    expect(decideSettle(subject({ appointmentStart: null }), booked(moved), now).moved).toBeNull();
    expect(decideSettle(subject(), booked(new Date(requested.getTime() + 30_000)), now).moved).toBeNull();
    expect(decideSettle(subject(), { gone: false, status: "booked", start: null }, now).moved).toBeNull();
  });

  it("in the clocks-go-back night: from the first 01:30 (BST) to the second (GMT)", () => {
    const firstHalfPast = new Date("2025-10-26T00:30:00Z");
    const secondHalfPast = new Date("2025-10-26T01:30:00Z");
    const at = new Date("2025-10-20T09:00:00Z");
    const s = subject({ receivedAt: new Date("2025-10-18T09:00:00Z"), appointmentStart: firstHalfPast });
    const d = decideSettle(s, booked(secondHalfPast), at);
    expect(movedText(d.moved!, at)).toBe(
      "PKB shows this appointment moved to Sun 26 Oct 01:30 GMT, from Sun 26 Oct 01:30 BST",
    );
  });
});

describe("a change request", () => {
  it("is flagged, not closed, when PKB shows its appointment moved since the request (UK time in words)", () => {
    const moved = new Date("2025-10-14T09:30:00Z"); // 10:30 BST
    const d = decideSettle(subject({ type: "change" }), booked(moved), now);
    expect(d.close).toBeNull();
    expect(d.flag).toEqual({
      kind: "moved",
      movedTo: moved,
      text: "PKB shows this appointment moved to Tue 14 Oct 10:30 since the request",
    });
  });

  it("is flagged when PKB shows its appointment cancelled", () => {
    const d = decideSettle(subject({ type: "change" }), { gone: false, status: "cancelled", start: requested }, now);
    expect(d.close).toBeNull();
    expect(d.flag).toMatchObject({ kind: "cancelled", movedTo: null });
  });

  it("keeps an unchanged flag without a new decision, and clears it when PKB shows the asked-for start again", () => {
    const moved = new Date("2025-10-14T09:30:00Z");
    const flagged = subject({ type: "change", appointmentStart: moved, flag: { kind: "moved", movedTo: moved } });
    expect(decidesSomething(decideSettle(flagged, booked(moved), now))).toBe(false);
    const back = decideSettle(flagged, booked(requested), now);
    expect(back.flag).toBe("clear");
  });

  it("is not flagged for a difference of seconds (the subject has minutes)", () => {
    const d = decideSettle(subject({ type: "change" }), booked(new Date(requested.getTime() + 30_000)), now);
    expect(d.flag).toBeNull();
  });
});

describe("appointment passed", () => {
  it("before the request was received", () => {
    const start = new Date("2025-10-01T08:00:00Z");
    const d = decideSettle(
      subject({ type: "change", requestedStart: start, appointmentStart: start }),
      booked(start),
      now,
    );
    expect(d.passed).toEqual({ before: "received", start });
  });

  it("before anyone acted: at the start itself, not a minute before", () => {
    const s = subject({ type: "change" });
    expect(decideSettle(s, booked(), new Date(requested.getTime() - 60_000)).passed).toBeNull();
    expect(decideSettle(s, booked(), requested).passed).toEqual({ before: "action", start: requested });
  });

  it("is marked once, and never for a done request or one the pipeline still holds", () => {
    const later = new Date("2025-10-20T09:00:00Z");
    expect(decideSettle(subject({ type: "change", passed: true }), booked(), later).passed).toBeNull();
    expect(decidesSomething(decideSettle(subject({ status: "done" }), { gone: true }, later))).toBe(false);
    expect(decidesSomething(decideSettle(subject({ status: "processing" }), { gone: true }, later))).toBe(false);
  });

  it("follows the start PKB shows now (a moved appointment passes at its new time)", () => {
    const moved = new Date("2025-10-16T09:00:00Z");
    const at = new Date("2025-10-15T09:00:00Z"); // after the asked-for start, before the new one
    expect(decideSettle(subject({ type: "change" }), booked(moved), at).passed).toBeNull();
  });

  it("in the clocks-go-back night: the first 01:30 (BST) passes an hour before the second (GMT)", () => {
    const firstHalfPast = new Date("2025-10-26T00:30:00Z"); // 01:30 BST
    const s = subject({ type: "change", requestedStart: firstHalfPast, appointmentStart: firstHalfPast });
    expect(decideSettle(s, booked(firstHalfPast), new Date("2025-10-26T00:29:00Z")).passed).toBeNull();
    expect(decideSettle(s, booked(firstHalfPast), new Date("2025-10-26T00:30:00Z")).passed?.before).toBe("action");
  });
});

describe("a passed mark when PKB shows the appointment moved", () => {
  // Received Wed 8 Oct 13:00 BST; marked passed, now Fri 10 Oct 10:00 BST.
  const received = new Date("2025-10-08T12:00:00Z");
  const wasBefore = new Date("2025-10-01T08:00:00Z"); // Wed 1 Oct 09:00 BST: before the request was received
  const marked = (over: Partial<SettleSubject> = {}) =>
    subject({ requestedStart: wasBefore, appointmentStart: wasBefore, passed: true, ...over });

  it("moved to a time ahead: clears the mark (it has not passed: deadline work again), in words", () => {
    const ahead = new Date("2025-10-14T09:30:00Z"); // Tue 14 Oct 10:30 BST
    const d = decideSettle(marked(), booked(ahead), now);
    expect(d.unpassed).toEqual({ start: ahead, movedFrom: wasBefore, shownByPkb: true });
    expect(d.passed).toBeNull();
    expect(d.passedCorrected).toBeNull();
    expect(d.start).toEqual(ahead);
    expect(passedClearedText(d.unpassed!, now)).toBe(
      "PKB shows it moved to Tue 14 Oct 10:30, from Wed 1 Oct 09:00: it has not started yet, so the request is " +
        "deadline work again",
    );
    // A change request is flagged as well, as PKB shows it moved since the request.
    const change = decideSettle(marked({ type: "change" }), booked(ahead), now);
    expect(change.unpassed).toEqual({ start: ahead, movedFrom: wasBefore, shownByPkb: true });
    expect(change.flag).toMatchObject({ kind: "moved", movedTo: ahead });
  });

  it("clears a mark whose stored start is ahead though PKB shows no move (a mark made before this rule)", () => {
    const ahead = new Date("2025-10-14T09:30:00Z");
    const d = decideSettle(marked({ appointmentStart: ahead }), booked(ahead), now);
    expect(d.unpassed).toEqual({ start: ahead, movedFrom: null, shownByPkb: true });
    expect(d.start).toBeNull();
    expect(passedClearedText(d.unpassed!, now)).toBe(
      "PKB shows it at Tue 14 Oct 10:30: it has not started yet, so the request is deadline work again",
    );
  });

  it("clears a mark whose stored start is ahead when PKB's answer gives no start, without saying PKB showed one", () => {
    const ahead = new Date("2025-10-14T09:30:00Z");
    const d = decideSettle(
      marked({ appointmentStart: ahead }),
      { gone: false as const, status: "booked", start: null },
      now,
    );
    expect(d.unpassed).toEqual({ start: ahead, movedFrom: null, shownByPkb: false });
    expect(passedClearedText(d.unpassed!, now)).toBe(
      "Its start as last read from PKB, Tue 14 Oct 10:30, is ahead (PKB's answer now gives no start): it has not " +
        "started yet, so the request is deadline work again",
    );
  });

  it("moved to the minute now: still passed (an appointment passes at its start); a minute later: cleared", () => {
    expect(decideSettle(marked(), booked(now), now).unpassed).toBeNull();
    const inAMinute = new Date(now.getTime() + 60_000);
    expect(decideSettle(marked(), booked(inAMinute), now).unpassed?.start).toEqual(inAMinute);
  });

  it("moved across the request's receipt: corrects why it passed, either way, in words", () => {
    const after = new Date("2025-10-09T09:30:00Z"); // Thu 9 Oct 10:30 BST: after it was received, before now
    const d = decideSettle(marked(), booked(after), now);
    expect(d.unpassed).toBeNull();
    expect(d.passedCorrected).toEqual({
      before: "action",
      correctedFrom: "received",
      start: after,
      receivedAt: received,
      movedFrom: wasBefore,
    });
    expect(passedCorrectionText(d.passedCorrected!, now)).toBe(
      "PKB shows the appointment moved to Thu 9 Oct 10:30, from Wed 1 Oct 09:00, after the request was received " +
        "(Wed 8 Oct 13:00): it passed before anyone recorded an outcome, not before the request was received",
    );
    const back = decideSettle(marked({ appointmentStart: after }), booked(wasBefore), now);
    expect(back.passedCorrected).toMatchObject({ before: "received", correctedFrom: "action", start: wasBefore });
    expect(passedCorrectionText(back.passedCorrected!, now)).toBe(
      "PKB shows the appointment moved to Wed 1 Oct 09:00, from Thu 9 Oct 10:30, before the request was received " +
        "(Wed 8 Oct 13:00): it had already started when the request was received",
    );
    // Received at the new start itself: it had not started before (as the rules and the report compare).
    expect(decideSettle(marked(), booked(received), now).passedCorrected?.before).toBe("action");
  });

  it("moved on the same side of the receipt: the mark stands as it is (the start follows PKB)", () => {
    const earlier = new Date("2025-09-30T08:00:00Z");
    const d = decideSettle(marked(), booked(earlier), now);
    expect(d.start).toEqual(earlier);
    expect([d.passed, d.unpassed, d.passedCorrected]).toEqual([null, null, null]);
    const later = new Date("2025-10-09T12:00:00Z");
    const afterReceipt = decideSettle(
      marked({ appointmentStart: new Date("2025-10-09T08:00:00Z") }),
      booked(later),
      now,
    );
    expect([afterReceipt.unpassed, afterReceipt.passedCorrected]).toEqual([null, null]);
  });

  it("cancelled, or no longer listed: clears the mark (it is no longer booked: deadline work again), in words", () => {
    const cancelled = { gone: false as const, status: "cancelled", start: wasBefore };
    const change = decideSettle(marked({ type: "change" }), cancelled, now);
    expect(change.unpassed).toEqual({ pkbShows: "cancelled", start: wasBefore });
    expect([change.passed, change.passedCorrected]).toEqual([null, null]);
    // Flagged as well, as PKB shows it cancelled since the request.
    expect(change.flag).toMatchObject({ kind: "cancelled" });
    expect(passedClearedText(change.unpassed!, now)).toBe(
      "PKB shows the appointment (Wed 1 Oct 09:00) cancelled: it is no longer booked, so the request is deadline " +
        "work again",
    );
    const gone = decideSettle(marked({ type: "change" }), { gone: true }, now);
    expect(gone.unpassed).toEqual({ pkbShows: "not_listed", start: wasBefore });
    expect(passedClearedText(gone.unpassed!, now)).toBe(
      "PKB no longer lists the appointment (Wed 1 Oct 09:00): it is no longer booked, so the request is deadline " +
        "work again",
    );
    // Entered in error, as its flag says: cancelled.
    const error = decideSettle(
      marked({ type: "change" }),
      { gone: false, status: "entered-in-error", start: null },
      now,
    );
    expect(error.unpassed).toEqual({ pkbShows: "cancelled", start: wasBefore });
    // Already flagged cancelled (a mark kept before this rule): the flag stands, the mark is cleared.
    const flagged = decideSettle(
      marked({ type: "change", flag: { kind: "cancelled", movedTo: null } }),
      cancelled,
      now,
    );
    expect(flagged.flag).toBeNull();
    expect(flagged.unpassed).toEqual({ pkbShows: "cancelled", start: wasBefore });
    // A request whose type could not be read: the same. No start stored: the words name none.
    const untyped = decideSettle(marked({ type: null, appointmentStart: null }), cancelled, now);
    expect(untyped.unpassed).toEqual({ pkbShows: "cancelled", start: null });
    expect(passedClearedText(untyped.unpassed!, now)).toBe(
      "PKB shows the appointment cancelled: it is no longer booked, so the request is deadline work again",
    );
    // A cancel request is closed as already done instead (the mark kept with it).
    const cancel = decideSettle(marked(), cancelled, now);
    expect(cancel.close).not.toBeNull();
    expect(cancel.unpassed).toBeNull();
  });

  it("a cancel request a person reopened, cancelled in PKB: not closed again, and the mark is cleared, in words (summer and winter)", () => {
    // The person decided it is work; PKB shows the appointment cancelled, not passed, so it is deadline work again
    // rather than hidden as "appointment passed" (as for a change request, without a flag: a cancel request has none).
    const cancelled = { gone: false as const, status: "cancelled", start: wasBefore };
    const reopened = decideSettle(marked({ autoCloseAllowed: false }), cancelled, now);
    expect(reopened).toMatchObject({ close: null, flag: null, passed: null, passedCorrected: null, moved: null });
    expect(reopened.unpassed).toEqual({ pkbShows: "cancelled", start: wasBefore });
    expect(passedClearedText(reopened.unpassed!, now)).toBe(
      "PKB shows the appointment (Wed 1 Oct 09:00) cancelled: it is no longer booked, so the request is deadline " +
        "work again",
    );
    // Winter (GMT): received Mon 8 Dec 12:00, the appointment Mon 1 Dec 09:00; PKB no longer lists it.
    const winter = new Date("2025-12-10T09:00:00Z");
    const decStart = new Date("2025-12-01T09:00:00Z");
    const gone = decideSettle(
      marked({
        autoCloseAllowed: false,
        receivedAt: new Date("2025-12-08T12:00:00Z"),
        requestedStart: decStart,
        appointmentStart: decStart,
      }),
      { gone: true },
      winter,
    );
    expect(gone).toMatchObject({ close: null, flag: null, passed: null, passedCorrected: null, moved: null });
    expect(gone.unpassed).toEqual({ pkbShows: "not_listed", start: decStart });
    expect(passedClearedText(gone.unpassed!, winter)).toBe(
      "PKB no longer lists the appointment (Mon 1 Dec 09:00): it is no longer booked, so the request is deadline " +
        "work again",
    );
    // Not marked: nothing to decide (a person reopened it; Rebook does not close it again).
    expect(decidesSomething(decideSettle(subject({ autoCloseAllowed: false }), cancelled, now))).toBe(false);
  });

  it("cancelled in the clocks-go-back night: the words name which 01:30", () => {
    const firstHalfPast = new Date("2025-10-26T00:30:00Z"); // 01:30 BST
    const s = marked({ type: "change", receivedAt: new Date("2025-10-26T01:20:00Z"), appointmentStart: firstHalfPast });
    const d = decideSettle(s, { gone: true }, new Date("2025-10-27T09:00:00Z"));
    expect(passedClearedText(d.unpassed!, new Date("2025-10-27T09:00:00Z"))).toBe(
      "PKB no longer lists the appointment (Sun 26 Oct 01:30 BST): it is no longer booked, so the request is " +
        "deadline work again",
    );
  });

  it("in the clocks-go-back night: received at 01:20 GMT, moved from the first 01:30 (BST) to the second (GMT)", () => {
    const firstHalfPast = new Date("2025-10-26T00:30:00Z"); // 01:30 BST, before the request came
    const secondHalfPast = new Date("2025-10-26T01:30:00Z"); // 01:30 GMT, after it
    const at = new Date("2025-10-26T01:20:00Z"); // 01:20 GMT
    const later = new Date("2025-10-26T09:00:00Z");
    const s = marked({ receivedAt: at, requestedStart: firstHalfPast, appointmentStart: firstHalfPast });
    const d = decideSettle(s, booked(secondHalfPast), later);
    expect(d.passedCorrected).toMatchObject({ before: "action", correctedFrom: "received" });
    expect(passedCorrectionText(d.passedCorrected!, later)).toBe(
      "PKB shows the appointment moved to Sun 26 Oct 01:30 GMT, from Sun 26 Oct 01:30 BST, after the request was " +
        "received (Sun 26 Oct 01:20 GMT): it passed before anyone recorded an outcome, not before the request was received",
    );
    // Before the second 01:30 came, the same move is ahead: the mark is cleared.
    expect(decideSettle(s, booked(secondHalfPast), new Date("2025-10-26T01:25:00Z")).unpassed?.start).toEqual(
      secondHalfPast,
    );
  });
});

describe("a passed mark when an earlier ask moves the received time back", () => {
  // Asked Mon 2 Jun 2025 10:00 and Thu 5 Jun 09:00 (BST) about an appointment on Wed 4 Jun at 10:30.
  const monday = new Date("2025-06-02T09:00:00Z");
  const start = new Date("2025-06-04T09:30:00Z");
  const thursday = new Date("2025-06-05T08:00:00Z");
  const marked = { passed: true, appointmentStart: start, receivedAt: thursday };

  it("corrects 'before it was received' to 'before action' when the request now counts from before the start", () => {
    const c = passedOnceReceivedBack(marked, monday);
    expect(c).toEqual({ before: "action", correctedFrom: "received", start, receivedAt: monday });
    expect(passedCorrectionText(c!, new Date("2025-06-10T09:00:00Z"))).toBe(
      "The request now counts from an earlier message (received Mon 2 Jun 10:00), before the appointment " +
        "(Wed 4 Jun 10:30) started: it passed before anyone recorded an outcome, not before the request was received",
    );
    // Received at the start itself: it had not started before (as the rules and the report compare).
    expect(passedOnceReceivedBack(marked, start)?.before).toBe("action");
  });

  it("changes nothing when the start is still before the new time, or the mark was before action, or there is none", () => {
    // Moved back to Wednesday 11:00: the appointment had still started.
    expect(passedOnceReceivedBack(marked, new Date("2025-06-04T10:00:00Z"))).toBeNull();
    expect(passedOnceReceivedBack({ ...marked, receivedAt: start }, monday)).toBeNull();
    expect(passedOnceReceivedBack({ ...marked, passed: false }, monday)).toBeNull();
    expect(passedOnceReceivedBack({ ...marked, appointmentStart: null }, monday)).toBeNull();
    // Not moved back.
    expect(passedOnceReceivedBack(marked, thursday)).toBeNull();
    expect(passedOnceReceivedBack(marked, new Date("2025-06-06T08:00:00Z"))).toBeNull();
  });

  it("in the clocks-go-back night: asked at 01:20 BST and again at 01:10 GMT about the first 01:30 (BST)", () => {
    const firstHalfPast = new Date("2025-10-26T00:30:00Z"); // 01:30 BST
    const later = new Date("2025-10-26T01:10:00Z"); // 01:10 GMT: after the start, though it reads earlier
    const earlier = new Date("2025-10-26T00:20:00Z"); // 01:20 BST
    const c = passedOnceReceivedBack({ passed: true, appointmentStart: firstHalfPast, receivedAt: later }, earlier);
    expect(c?.before).toBe("action");
    expect(passedCorrectionText(c!, new Date("2025-10-27T09:00:00Z"))).toBe(
      "The request now counts from an earlier message (received Sun 26 Oct 01:20 BST), before the appointment " +
        "(Sun 26 Oct 01:30 BST) started: it passed before anyone recorded an outcome, not before the request was received",
    );
  });
});

describe("the recheck schedule", () => {
  const hour = 3_600_000;
  it("is the interval, or just after the start when that comes sooner", () => {
    expect(nextRecheckDelayMs(now, null, false, hour)).toBe(hour);
    expect(nextRecheckDelayMs(now, new Date(now.getTime() + 10 * 60_000), false, hour)).toBe(10 * 60_000 + 1_000);
    expect(nextRecheckDelayMs(now, new Date(now.getTime() + 2 * hour), false, hour)).toBe(hour);
    expect(nextRecheckDelayMs(now, new Date(now.getTime() + 10 * 60_000), true, hour)).toBe(hour);
  });
});

describe("a repeat's type", () => {
  it("a cancel after a change makes the request a cancel; other repeats leave the type", () => {
    expect(typeAfterRepeat("change", "cancel")).toBe("cancel");
    expect(typeAfterRepeat("cancel", "change")).toBe("cancel");
    expect(typeAfterRepeat("change", "change")).toBe("change");
    expect(typeAfterRepeat(null, "change")).toBe("change");
    expect(typeAfterRepeat("change", null)).toBe("change");
  });
});

describe("as the pipeline links a request, from PKB's answer to the match", () => {
  it("settles nothing for an appointment ahead and as asked: its first re-read waits for the recheck", () => {
    const d = decideAtLink(subject({ type: "change" }), booked(), now);
    expect(d).not.toBeNull();
    expect(decidesSomething(d!)).toBe(false);
  });

  it("marks an appointment that started before the request came, or has passed since, with the link", () => {
    const before = new Date("2025-10-08T10:00:00Z");
    const early = decideAtLink(subject({ requestedStart: before, appointmentStart: before }), booked(before), now);
    expect(early?.passed).toEqual({ before: "received", start: before });
    const since = new Date("2025-10-09T10:00:00Z");
    expect(decideAtLink(subject({ appointmentStart: since }), booked(since), now)?.passed).toEqual({
      before: "action",
      start: since,
    });
  });

  it("leaves a close or a flag to a read of the appointment straight away", () => {
    expect(decideAtLink(subject(), { gone: false, status: "cancelled", start: requested }, now)).toBeNull();
    const moved = new Date("2025-10-14T10:30:00Z");
    expect(decideAtLink(subject({ type: "change", appointmentStart: moved }), booked(moved), now)).toBeNull();
    const cancelled = { gone: false as const, status: "cancelled", start: requested };
    expect(decideAtLink(subject({ type: "change" }), cancelled, now)).toBeNull();
    // Moved and passed: the mark waits for the read by id too.
    const movedPast = new Date("2025-10-09T10:30:00Z");
    expect(decideAtLink(subject({ type: "change", appointmentStart: movedPast }), booked(movedPast), now)).toBeNull();
  });

  it("settles nothing for an appointment PKB holds no start for, or a request whose type could not be read", () => {
    const noStart = decideAtLink(
      subject({ appointmentStart: null }),
      { gone: false, status: "booked", start: null },
      now,
    );
    expect(noStart && decidesSomething(noStart)).toBe(false);
    const untyped = decideAtLink(subject({ type: null }), booked(), now);
    expect(untyped && decidesSomething(untyped)).toBe(false);
  });
});

describe("the flag and the passed mark cleared as a person links the request", () => {
  it("says why: another appointment linked, or none linked after a re-match", () => {
    expect(relinkClearedText("flag", { from: "a", to: "b" })).toBe(
      "another appointment was linked, and the flag was about the one linked before",
    );
    expect(relinkClearedText("passed", { from: null, to: "b" })).toBe(
      "another appointment was linked, and the mark was about the one linked before",
    );
    expect(relinkClearedText("passed", { from: "a", to: null })).toBe(
      "the request was matched again and is no longer linked to an appointment, and the mark was about the one linked before",
    );
  });
});
