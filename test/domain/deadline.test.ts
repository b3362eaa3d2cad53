// The deadline rules: age and appointment date, states at their boundaries, and UK-time text across both 2025 clock
// changes. Runs in Europe/London and in UTC (vitest.config.ts): no result may depend on the host's zone.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_DEADLINE_POLICY as policy,
  deadlineAt,
  deadlineState,
  describeDeadline,
  formatDue,
} from "../../src/domain/deadline.ts";

const H = 3_600_000;
const at = (iso: string): Date => new Date(iso);
const describeAt = (deadline: string, now: string, closed = false) =>
  describeDeadline(at(deadline), { closed, now: at(now), dueSoonMs: policy.dueSoonMs });

describe("deadlineAt", () => {
  it("is received + 72 hours without a linked appointment, or when the appointment is far off", () => {
    const receivedAt = at("2025-11-03T10:00:00Z");
    expect(deadlineAt({ receivedAt, appointmentStart: null }, policy).toISOString()).toBe("2025-11-06T10:00:00.000Z");
    expect(deadlineAt({ receivedAt, appointmentStart: at("2025-12-01T09:00:00Z") }, policy).toISOString()).toBe(
      "2025-11-06T10:00:00.000Z",
    );
  });

  it("is appointment start − 48 hours when that is earlier: an appointment tomorrow beats an old request", () => {
    const receivedAt = at("2025-11-03T10:00:00Z");
    expect(deadlineAt({ receivedAt, appointmentStart: at("2025-11-04T15:00:00Z") }, policy).toISOString()).toBe(
      "2025-11-02T15:00:00.000Z",
    ); // before it was even received: overdue on arrival
    // Exactly equal either way gives the same instant.
    expect(deadlineAt({ receivedAt, appointmentStart: at("2025-11-08T10:00:00Z") }, policy).toISOString()).toBe(
      "2025-11-06T10:00:00.000Z",
    );
  });

  it("counts elapsed hours across the clock changes, not wall-clock hours", () => {
    // Received Sat 29 Mar 2025 12:00 GMT; the clocks go forward at 01:00 GMT on Sun 30 Mar.
    const spring = deadlineAt({ receivedAt: at("2025-03-29T12:00:00Z"), appointmentStart: null }, policy);
    expect(spring.toISOString()).toBe("2025-04-01T12:00:00.000Z");
    expect(formatDue(spring, at("2025-03-29T12:00:00Z"))).toBe("Tue 1 Apr, 13:00"); // BST on the clock
    // Appointment Mon 31 Mar 09:00 BST (08:00Z): due 48 elapsed hours earlier, Sat 29 Mar 08:00 GMT.
    const byAppointment = deadlineAt(
      { receivedAt: at("2025-03-28T09:00:00Z"), appointmentStart: at("2025-03-31T08:00:00Z") },
      policy,
    );
    expect(formatDue(byAppointment, at("2025-03-28T09:00:00Z"))).toBe("Sat 29 Mar, 08:00");
    // Received Sat 25 Oct 2025 12:00 BST; the clocks go back at 02:00 BST on Sun 26 Oct.
    const autumn = deadlineAt({ receivedAt: at("2025-10-25T11:00:00Z"), appointmentStart: null }, policy);
    expect(formatDue(autumn, at("2025-10-25T11:00:00Z"))).toBe("Tue 28 Oct, 11:00"); // GMT on the clock
  });

  it("is never later than either rule allows (property)", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }),
        fc.option(fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 500 }),
        (receivedAt, appointmentStart, slaHours, leadHours) => {
          const p = { requestSlaMs: slaHours * H, appointmentLeadMs: leadHours * H };
          const d = deadlineAt({ receivedAt, appointmentStart }, p).getTime();
          expect(d).toBeLessThanOrEqual(receivedAt.getTime() + p.requestSlaMs);
          if (appointmentStart) expect(d).toBeLessThanOrEqual(appointmentStart.getTime() - p.appointmentLeadMs);
          expect(
            d === receivedAt.getTime() + p.requestSlaMs || d === appointmentStart!.getTime() - p.appointmentLeadMs,
          ).toBe(true);
        },
      ),
    );
  });
});

describe("deadline state and text", () => {
  const deadline = "2025-12-02T14:00:00.000Z"; // Tue 2 Dec 2025 14:00 GMT

  it("is on track before the due-soon window, with the date and time in UK words", () => {
    expect(describeAt(deadline, "2025-11-20T09:00:00Z")).toEqual({
      at: at(deadline),
      state: "on_track",
      text: "Due Tue 2 Dec, 14:00",
    });
  });

  it("switches to due soon exactly 24 hours before, and to overdue just after the deadline", () => {
    const d = at(deadline).getTime();
    const iso = (ms: number): string => new Date(ms).toISOString();
    expect(describeAt(deadline, iso(d - 24 * H - 1))).toMatchObject({ state: "on_track" });
    expect(describeAt(deadline, iso(d - 24 * H))).toMatchObject({ state: "due_soon", text: "Due in 24 hours" });
    expect(describeAt(deadline, iso(d - 5 * H - 59 * 60_000))).toMatchObject({ text: "Due in 5 hours" });
    expect(describeAt(deadline, iso(d - 59 * 60_000))).toMatchObject({ text: "Due in 59 minutes" });
    expect(describeAt(deadline, iso(d - 60_000))).toMatchObject({ text: "Due in 1 minute" });
    expect(describeAt(deadline, iso(d))).toMatchObject({ state: "due_soon", text: "Due now" });
    expect(describeAt(deadline, iso(d + 1))).toMatchObject({
      state: "overdue",
      text: "Overdue by less than a minute",
    });
    expect(describeAt(deadline, iso(d + 3 * H + 59 * 60_000))).toMatchObject({ text: "Overdue by 3 hours" });
    expect(describeAt(deadline, iso(d + H))).toMatchObject({ text: "Overdue by 1 hour" });
    expect(describeAt(deadline, iso(d + 47 * H))).toMatchObject({ text: "Overdue by 47 hours" });
    expect(describeAt(deadline, iso(d + 50 * H))).toMatchObject({ text: "Overdue by 2 days" });
  });

  it("is done for a closed request, however late", () => {
    expect(describeAt(deadline, "2026-01-10T00:00:00Z", true)).toEqual({
      at: at(deadline),
      state: "done",
      text: "Done",
    });
    expect(deadlineState(at(deadline), true, at("2025-01-01T00:00:00Z"), policy.dueSoonMs)).toBe("done");
  });

  it("measures elapsed time across the spring change (the clock jumps an hour)", () => {
    // 00:30 GMT → 03:30 BST on Sun 30 Mar 2025 is three hours on the clock but two elapsed.
    expect(describeAt("2025-03-30T02:30:00Z", "2025-03-30T00:30:00Z")).toMatchObject({
      state: "due_soon",
      text: "Due in 2 hours",
    });
    expect(describeAt("2025-03-30T02:30:00Z", "2025-03-27T00:00:00Z").text).toBe("Due Sun 30 Mar, 03:30");
    expect(describeAt("2025-03-30T00:59:00Z", "2025-03-27T00:00:00Z").text).toBe("Due Sun 30 Mar, 00:59");
    expect(describeAt("2025-03-30T01:00:00Z", "2025-03-27T00:00:00Z").text).toBe("Due Sun 30 Mar, 02:00");
  });

  it("measures elapsed time across the autumn change and names the zone in the repeated hour", () => {
    // 01:30 BST → 02:30 GMT on Sun 26 Oct 2025 is one hour on the clock but two elapsed.
    expect(describeAt("2025-10-26T02:30:00Z", "2025-10-26T00:30:00Z").text).toBe("Due in 2 hours");
    expect(describeAt("2025-10-26T00:30:00Z", "2025-10-20T00:00:00Z").text).toBe("Due Sun 26 Oct, 01:30 (BST)");
    expect(describeAt("2025-10-26T01:30:00Z", "2025-10-20T00:00:00Z").text).toBe("Due Sun 26 Oct, 01:30 (GMT)");
    expect(describeAt("2025-10-26T02:00:00Z", "2025-10-20T00:00:00Z").text).toBe("Due Sun 26 Oct, 02:00");
    expect(describeAt("2025-10-25T23:59:00Z", "2025-10-20T00:00:00Z").text).toBe("Due Sun 26 Oct, 00:59");
    expect(describeAt("2025-10-26T01:30:00Z", "2025-10-26T03:30:00Z").text).toBe("Overdue by 2 hours");
  });

  it("writes the UK date across midnight in BST, September as Sep, and the year when it is not this year", () => {
    expect(describeAt("2025-06-30T23:30:00Z", "2025-06-20T00:00:00Z").text).toBe("Due Tue 1 Jul, 00:30");
    expect(describeAt("2025-09-14T11:00:00Z", "2025-09-01T00:00:00Z").text).toBe("Due Sun 14 Sep, 12:00");
    expect(describeAt("2026-01-02T09:00:00Z", "2025-12-29T00:00:00Z").text).toBe("Due Fri 2 Jan 2026, 09:00");
  });

  it("honours a custom due-soon window", () => {
    const view = describeDeadline(at(deadline), {
      closed: false,
      now: at("2025-11-30T14:00:00Z"),
      dueSoonMs: 72 * H,
    });
    expect(view).toMatchObject({ state: "due_soon", text: "Due in 2 days" });
  });
});
