import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { isReplySubject, parseRequestSubject, type ParsedSubject } from "../../src/domain/subject.ts";

function parsed(subject: string): ParsedSubject {
  const r = parseRequestSubject(subject);
  if (!r.ok) throw new Error(`did not parse: ${r.reason}`);
  return r;
}

/** PKB's rendering, written independently of the parser: Luxon formatting of a Europe/London local time. */
function pkbSubject(type: string, local: DateTime, subject: string): string {
  const time = local.toFormat("h:mma").toLowerCase();
  return `Request to ${type} appointment: ${local.toFormat("cccc d LLLL yyyy")} ${time} - ${subject}`;
}

describe("parseRequestSubject", () => {
  it("reads the seed's real example: midnight BST is 23:00 UTC the day before", () => {
    const r = parsed("Request to change appointment: Sunday 14 September 2025 12:00am - Emergency");
    expect(r.type).toBe("change");
    expect(r.wallClock).toEqual({ year: 2025, month: 9, day: 14, hour: 0, minute: 0 });
    expect(r.start.toISOString()).toBe("2025-09-13T23:00:00.000Z");
    expect(r.appointmentSubject).toBe("Emergency");
    expect(r.warnings).toEqual([]);
  });

  it("reads 12:00pm as noon and GMT times as UTC", () => {
    const r = parsed("Request to cancel appointment: Tuesday 2 December 2025 12:00pm - Follow Up");
    expect(r.type).toBe("cancel");
    expect(r.start.toISOString()).toBe("2025-12-02T12:00:00.000Z");
  });

  it("keeps ' - ' inside the appointment's subject", () => {
    const r = parsed(
      "Request to change appointment: Monday 3 November 2025 9:15am - New Patient - Cardiology - Dr Shah",
    );
    expect(r.appointmentSubject).toBe("New Patient - Cardiology - Dr Shah");
    expect(r.start.toISOString()).toBe("2025-11-03T09:15:00.000Z");
  });

  it("handles both 2025 clock changes", () => {
    // 30 March 2025: 01:00 GMT → 02:00 BST. 1:30am does not exist.
    const gap = parsed("Request to change appointment: Sunday 30 March 2025 1:30am - Emergency");
    expect(gap.timeIssue).toBe("gap");
    expect(gap.warnings.join()).toMatch(/does not exist/);
    expect(parsed("Request to change appointment: Sunday 30 March 2025 3:00am - X").start.toISOString()).toBe(
      "2025-03-30T02:00:00.000Z",
    );
    // 26 October 2025: 02:00 BST → 01:00 GMT. 1:30am happens twice; the first (BST) is taken and flagged.
    const twice = parsed("Request to cancel appointment: Sunday 26 October 2025 1:30am - Emergency");
    expect(twice.timeIssue).toBe("repeated");
    expect(twice.start.toISOString()).toBe("2025-10-26T00:30:00.000Z");
    expect(parsed("Request to cancel appointment: Sunday 26 October 2025 2:30am - X").start.toISOString()).toBe(
      "2025-10-26T02:30:00.000Z",
    );
  });

  it("tolerates small variations and warns about a wrong weekday", () => {
    const r = parsed("request to Change appointment:  Monday 14 Sept 2025 12.00 AM-Emergency ");
    expect(r.start.toISOString()).toBe("2025-09-13T23:00:00.000Z");
    expect(r.appointmentSubject).toBe("Emergency");
    expect(r.warnings.join()).toMatch(/says Monday but 14 Sept 2025 is a sunday/);
    expect(parsed("Request to change appointment: 14 September 2025 12:00am").appointmentSubject).toBe("");
  });

  it("separates ordinary messages from broken requests", () => {
    expect(parseRequestSubject("Question about my blood test")).toMatchObject({ ok: false, notRequest: true });
    expect(parseRequestSubject("Request to change appointment: soon please")).toMatchObject({
      ok: false,
      notRequest: false,
    });
    expect(parseRequestSubject("Request to cancel appointment: Friday 31 February 2025 9:00am - X")).toMatchObject({
      ok: false,
      notRequest: false,
      reason: expect.stringMatching(/no such date/),
    });
    expect(parseRequestSubject("Request to cancel appointment: Friday 7 March 2025 13:00pm - X")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/impossible time/),
    });
  });

  it("recognises replies", () => {
    expect(isReplySubject("Re: Request to change appointment: Sunday 14 September 2025 12:00am - Emergency")).toBe(
      true,
    );
    expect(isReplySubject("Request to change appointment: Sunday 14 September 2025 12:00am - Emergency")).toBe(false);
  });

  it("round-trips every UK wall-clock time PKB can render (property)", () => {
    const localTimes = fc
      .record({
        // 2020–2030 at minute resolution, as a London local time that exists
        epochMinute: fc.integer({ min: 26_297_280, max: 32_080_320 }),
      })
      .map(({ epochMinute }) => DateTime.fromMillis(epochMinute * 60_000, { zone: "Europe/London" }));
    const subjects = fc
      .string({ minLength: 0, maxLength: 40 })
      .map((s) => s.replace(/[\r\n]/g, " ").trim())
      .filter((s) => s.length > 0);
    fc.assert(
      fc.property(fc.constantFrom("change", "cancel"), localTimes, subjects, (type, local, subject) => {
        const r = parseRequestSubject(pkbSubject(type, local, subject));
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.type).toBe(type);
        expect(r.appointmentSubject).toBe(subject);
        expect(r.wallClock).toEqual({
          year: local.year,
          month: local.month,
          day: local.day,
          hour: local.hour,
          minute: local.minute,
        });
        // The instant is exact except in the repeated autumn hour, where the earlier reading is chosen and flagged.
        if (r.timeIssue === "repeated") expect(local.toMillis() - r.start.getTime()).toBeOneOf([0, 3_600_000]);
        else expect(r.start.getTime()).toBe(local.toMillis());
        expect(r.warnings.filter((w) => w.includes("weekday") || w.includes("says"))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws, whatever the text (property)", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parseRequestSubject(`Request to change appointment: ${s}`);
        expect(typeof r.ok).toBe("boolean");
      }),
    );
  });
});
