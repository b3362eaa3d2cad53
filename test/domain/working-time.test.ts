// Working time and the working-hours deadline: Friday evening to Monday, bank holidays of each UK nation, the clock
// changes (a team's 09:00 is 09:00 on the UK clock, GMT or BST), pauses while waiting for the patient. Runs in
// Europe/London and in UTC (vitest.config.ts): no result may depend on the host's zone.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ukBankHolidays } from "../../src/domain/bank-holidays.ts";
import { DEFAULT_DEADLINE_POLICY, workingDeadlineAt } from "../../src/domain/deadline.ts";
import {
  addWorkingTime,
  AROUND_THE_CLOCK,
  describeHours,
  hoursProblems,
  isWorkingTime,
  workingTimeBetween,
  type DayHours,
  type WorkingCalendar,
} from "../../src/domain/working-time.ts";

const H = 3_600_000;
const at = (iso: string): Date => new Date(iso);
const weekdays = (opens: string, closes: string): DayHours[] =>
  ([1, 2, 3, 4, 5] as const).map((weekday) => ({ weekday, opens, closes }));
const holidays = (region: Parameters<typeof ukBankHolidays>[0]) =>
  new Set(ukBankHolidays(region, 2024, 2027).map((h) => h.date));
const office: WorkingCalendar = { hours: weekdays("09:00", "17:00"), holidays: holidays("england-and-wales") };
const policy = { ...DEFAULT_DEADLINE_POLICY, workingSlaMs: 16 * H };
const iso = (d: Date): string => d.toISOString();

describe("addWorkingTime", () => {
  it("starts counting a request received on Friday evening at Monday 09:00: not overdue on Monday morning", () => {
    // Friday 14 November 2025, 19:30 GMT; 16 working hours = all of Monday and Tuesday.
    const friday = at("2025-11-14T19:30:00Z");
    expect(iso(addWorkingTime(friday, 1 * H, office))).toBe("2025-11-17T10:00:00.000Z");
    const due = workingDeadlineAt(
      { receivedAt: friday, appointmentStart: null, pausedMs: 0, waiting: null },
      policy,
      office,
    );
    expect(iso(due)).toBe("2025-11-18T17:00:00.000Z");
    expect(due.getTime()).toBeGreaterThan(at("2025-11-17T11:00:00Z").getTime());
  });

  it("counts from the moment received within hours, and ends at closing time when the day is used up exactly", () => {
    expect(iso(addWorkingTime(at("2025-11-17T15:00:00Z"), 2 * H, office))).toBe("2025-11-17T17:00:00.000Z");
    expect(iso(addWorkingTime(at("2025-11-17T15:00:00Z"), 2 * H + 60_000, office))).toBe("2025-11-18T09:01:00.000Z");
  });

  it("keeps 09:00 on the UK clock across the spring change (09:00 BST is 08:00 UTC)", () => {
    // Friday 28 March 2025 16:00 GMT; clocks go forward Sunday 30 March; Monday 31 opens 08:00 UTC.
    expect(iso(addWorkingTime(at("2025-03-28T16:00:00Z"), 2 * H, office))).toBe("2025-03-31T09:00:00.000Z");
  });

  it("keeps 09:00 on the UK clock across the autumn change (09:00 GMT is 09:00 UTC)", () => {
    // Friday 24 October 2025 16:00 BST (15:00 UTC); clocks go back Sunday 26 October.
    expect(iso(addWorkingTime(at("2025-10-24T15:00:00Z"), 2 * H, office))).toBe("2025-10-27T10:00:00.000Z");
  });

  it("reads a time the autumn night repeats (01:00–02:00 on the last Sunday of October) as its first, BST, occurrence", () => {
    // Sunday 26 October 2025: the clock reaches 01:00 at 00:00 UTC (BST), goes back at 02:00 BST and reaches 01:00 again
    // at 01:00 UTC. A team that closes at 01:00 stops the first time the clock says so; one that opens at 01:30 starts
    // the first time (00:30 UTC). The store reads the hours the same way (uk_local_instant, migration 0023).
    const closing: WorkingCalendar = { hours: [{ weekday: 7, opens: "00:30", closes: "01:00" }], holidays: new Set() };
    expect(workingTimeBetween(at("2025-10-25T12:00:00Z"), at("2025-10-26T12:00:00Z"), closing)).toBe(0.5 * H);
    expect(iso(addWorkingTime(at("2025-10-25T12:00:00Z"), 0.5 * H, closing))).toBe("2025-10-26T00:00:00.000Z");
    const opening: WorkingCalendar = { hours: [{ weekday: 7, opens: "01:30", closes: "03:00" }], holidays: new Set() };
    expect(iso(addWorkingTime(at("2025-10-25T12:00:00Z"), 1, opening))).toBe("2025-10-26T00:30:00.001Z");
    expect(workingTimeBetween(at("2025-10-25T12:00:00Z"), at("2025-10-26T12:00:00Z"), opening)).toBe(2.5 * H);
    // The spring night has no 01:00–02:00: an hour in the gap is read on the clock after it (01:30 GMT = 02:30 BST).
    const spring: WorkingCalendar = { hours: [{ weekday: 7, opens: "01:30", closes: "03:00" }], holidays: new Set() };
    expect(workingTimeBetween(at("2025-03-29T12:00:00Z"), at("2025-03-30T12:00:00Z"), spring)).toBe(0.5 * H);
  });

  it("skips England and Wales bank holidays (Good Friday and Easter Monday 2026)", () => {
    // Thursday 2 April 2026 16:00 BST; Good Friday 3rd and Easter Monday 6th are holidays: next hour is Tuesday 7th.
    expect(iso(addWorkingTime(at("2026-04-02T15:00:00Z"), 2 * H, office))).toBe("2026-04-07T09:00:00.000Z");
  });

  it("skips each nation's own holidays: St Andrew's Day in Scotland, St Patrick's Day in Northern Ireland", () => {
    const scotland: WorkingCalendar = { hours: office.hours, holidays: holidays("scotland") };
    const ni: WorkingCalendar = { hours: office.hours, holidays: holidays("northern-ireland") };
    // Friday 27 Nov 2026 17:00 GMT; St Andrew's Day is Monday 30 November 2026 in Scotland.
    const beforeStAndrew = at("2026-11-27T17:00:00Z");
    expect(iso(addWorkingTime(beforeStAndrew, H, office))).toBe("2026-11-30T10:00:00.000Z");
    expect(iso(addWorkingTime(beforeStAndrew, H, scotland))).toBe("2026-12-01T10:00:00.000Z");
    // Monday 16 March 2026 17:00 GMT; St Patrick's Day is Tuesday 17 March in Northern Ireland.
    const beforeStPatrick = at("2026-03-16T17:00:00Z");
    expect(iso(addWorkingTime(beforeStPatrick, H, office))).toBe("2026-03-17T10:00:00.000Z");
    expect(iso(addWorkingTime(beforeStPatrick, H, ni))).toBe("2026-03-18T10:00:00.000Z");
    // Scotland's summer bank holiday is the first Monday of August, England's the last.
    expect(holidays("scotland").has("2026-08-03")).toBe(true);
    expect(holidays("england-and-wales").has("2026-08-03")).toBe(false);
    expect(holidays("england-and-wales").has("2026-08-31")).toBe(true);
  });

  it("is elapsed time for a team around the clock (holidays and weekends count)", () => {
    expect(iso(addWorkingTime(at("2025-11-14T19:30:00Z"), 72 * H, AROUND_THE_CLOCK))).toBe("2025-11-17T19:30:00.000Z");
  });

  it("agrees with workingTimeBetween: the working time from start to the result is what was added", () => {
    fc.assert(
      fc.property(
        fc.date({ min: at("2025-01-01T00:00:00Z"), max: at("2026-12-31T00:00:00Z"), noInvalidDate: true }),
        fc.integer({ min: 0, max: 200 * H }),
        (start, ms) => {
          const end = addWorkingTime(start, ms, office);
          expect(workingTimeBetween(start, end, office)).toBe(ms);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("workingTimeBetween and isWorkingTime", () => {
  it("counts only the hours worked: a whole week is 5 × 8 hours, a bank-holiday week 4 × 8", () => {
    expect(workingTimeBetween(at("2025-11-17T00:00:00Z"), at("2025-11-24T00:00:00Z"), office)).toBe(40 * H);
    // Week of the early May bank holiday, Monday 4 May 2026.
    expect(workingTimeBetween(at("2026-05-03T23:00:00Z"), at("2026-05-10T23:00:00Z"), office)).toBe(32 * H);
    expect(workingTimeBetween(at("2026-05-10T23:00:00Z"), at("2026-05-03T23:00:00Z"), office)).toBe(0);
  });

  it("says whether an instant is within hours, on the UK clock in summer and winter", () => {
    expect(isWorkingTime(at("2025-07-07T08:00:00Z"), office)).toBe(true); // Mon 09:00 BST
    expect(isWorkingTime(at("2025-07-07T16:00:00Z"), office)).toBe(false); // Mon 17:00 BST: closed
    expect(isWorkingTime(at("2025-12-01T08:30:00Z"), office)).toBe(false); // Mon 08:30 GMT
    expect(isWorkingTime(at("2025-12-25T10:00:00Z"), office)).toBe(false); // Christmas Day
    expect(isWorkingTime(at("2025-12-27T10:00:00Z"), AROUND_THE_CLOCK)).toBe(true);
  });
});

describe("workingDeadlineAt", () => {
  const receivedAt = at("2025-11-17T09:00:00Z"); // Monday 09:00 GMT

  it("pauses the clock while the team waits for the patient, and counts a running wait to its end", () => {
    const plain = workingDeadlineAt({ receivedAt, appointmentStart: null, pausedMs: 0, waiting: null }, policy, office);
    expect(iso(plain)).toBe("2025-11-18T17:00:00.000Z");
    // 3 working hours paused in an earlier wait: due 3 working hours later.
    const paused = workingDeadlineAt(
      { receivedAt, appointmentStart: null, pausedMs: 3 * H, waiting: null },
      policy,
      office,
    );
    expect(iso(paused)).toBe("2025-11-19T12:00:00.000Z");
    // Waiting from Monday 13:00 until Thursday 09:00: 4 + 8 + 8 working hours stand still.
    const waiting = { since: at("2025-11-17T13:00:00Z"), until: at("2025-11-20T09:00:00Z") };
    const running = workingDeadlineAt({ receivedAt, appointmentStart: null, pausedMs: 0, waiting }, policy, office);
    // 4 hours used on Monday morning, 12 left from Thursday 09:00: Friday 13:00.
    expect(iso(running)).toBe("2025-11-21T13:00:00.000Z");
  });

  it("still honours the appointment: start − lead when that is earlier, whatever the hours", () => {
    const appointmentStart = at("2025-11-19T10:00:00Z");
    const due = workingDeadlineAt({ receivedAt, appointmentStart, pausedMs: 0, waiting: null }, policy, office);
    expect(iso(due)).toBe("2025-11-17T10:00:00.000Z");
  });

  it("uses REQUEST_SLA_HOURS of elapsed time for a team around the clock", () => {
    const due = workingDeadlineAt(
      { receivedAt, appointmentStart: null, pausedMs: 0, waiting: null },
      policy,
      AROUND_THE_CLOCK,
    );
    expect(iso(due)).toBe("2025-11-20T09:00:00.000Z");
  });
});

describe("hours", () => {
  it("refuses hours that cannot be worked, one message each", () => {
    expect(hoursProblems(weekdays("09:00", "17:00"))).toEqual([]);
    expect(hoursProblems([])).toEqual([expect.stringContaining("at least one working day")]);
    expect(hoursProblems([{ weekday: 1, opens: "17:00", closes: "09:00" }])).toEqual([
      "Monday: the team must open (17:00) before it closes (09:00)",
    ]);
    expect(hoursProblems([{ weekday: 2, opens: "9am", closes: "17:00" }])[0]).toMatch(/^Tuesday: give the times/);
    expect(
      hoursProblems([
        { weekday: 3, opens: "09:00", closes: "17:00" },
        { weekday: 3, opens: "10:00", closes: "16:00" },
      ]),
    ).toEqual(["Wednesday: given twice"]);
  });

  it("summarises hours for lists", () => {
    expect(describeHours(null)).toBe("Around the clock");
    expect(describeHours([...weekdays("08:00", "18:00"), { weekday: 6, opens: "09:00", closes: "12:00" }])).toBe(
      "Mon–Fri 08:00–18:00, Sat 09:00–12:00",
    );
  });
});
