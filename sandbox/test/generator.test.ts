// The sandbox's synthetic data generator: determinism, PKB-format subjects, timing rules, ground truth and edge cases.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { DateTime } from "luxon";
import type { SandboxAppointment, SandboxDataset } from "../src/model.ts";
import { generate, MAX_SIZE } from "../src/generator/index.ts";
import { isValidNhsNumber, nhsNumberCheckDigit } from "../src/generator/nhs-number.ts";
import { formatRequestSubject } from "../src/generator/subject.ts";

const ANCHOR = new Date("2025-11-20T00:00:00.000Z");
const ZONE = "Europe/London";
const HOUR = 3_600_000;
const MONTHS = "January February March April May June July August September October November December".split(" ");
const WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(" ");
const SUBJECT =
  /^Request to (change|cancel) appointment: (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) ([1-9]|[12][0-9]|3[01]) ([A-Z][a-z]+) (\d{4}) (1[0-2]|[1-9]):([0-5][0-9])(am|pm) - (.+)$/s;

interface ParsedSubject {
  kind: "change" | "cancel";
  weekday: number;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  appointmentType: string;
}

/** An independent parser of PKB's request subject (what a client like Rebook must do). */
function parseSubject(subject: string): ParsedSubject | null {
  const m = SUBJECT.exec(subject);
  if (m === null) return null;
  const [, kind, weekday, day, month, year, h12, minute, ampm, type] = m;
  const monthIndex = MONTHS.indexOf(month ?? "");
  if (monthIndex < 0) return null;
  const h = Number(h12) % 12;
  return {
    kind: kind === "change" ? "change" : "cancel",
    weekday: WEEKDAYS.indexOf(weekday ?? "") + 1,
    year: Number(year),
    month: monthIndex + 1,
    day: Number(day),
    hour: ampm === "pm" ? h + 12 : h,
    minute: Number(minute),
    appointmentType: type ?? "",
  };
}

function london(iso: string): DateTime {
  return DateTime.fromISO(iso, { zone: "utc" }).setZone(ZONE);
}

/** Every structural invariant the emulator and Rebook's tests rely on, as a list of breaches (plain checks: fast). */
function invariantBreaches(d: SandboxDataset, parseSubjects = true): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok && problems.length < 20) problems.push(what);
  };
  const anchorMs = Date.parse(d.anchor);
  const patients = new Map(d.patients.map((p) => [p.pkbId, p]));
  check(patients.size === d.patients.length, "patient ids unique");
  for (const p of d.patients) {
    check(/^[1-9][0-9]{6}$/.test(p.pkbId), `pkbId ${p.pkbId}`);
    if (p.nhsNumber !== null) check(isValidNhsNumber(p.nhsNumber) && p.nhsNumber.startsWith("999"), p.nhsNumber);
  }
  const nhs = d.patients.flatMap((p) => (p.nhsNumber === null ? [] : [p.nhsNumber]));
  check(new Set(nhs).size === nhs.length, "NHS numbers unique");
  const team = d.staff.filter((s) => s.receivesAppointmentRequests).map((s) => s.pkbId);
  check(team.length >= 2, "two team members");

  const appts = new Map(d.appointments.map((a) => [a.id, a]));
  check(appts.size === d.appointments.length, "appointment ids unique");
  check(new Set(d.appointments.map((a) => a.externalId)).size === d.appointments.length, "external ids unique");
  check(new Set(d.appointments.map((a) => a.legacyId)).size === d.appointments.length, "legacy ids unique");
  const bySlot = new Map<string, SandboxAppointment[]>();
  for (const a of d.appointments) {
    check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/.test(a.start), `start ${a.start}`);
    check(new Date(a.start).getUTCMinutes() % 15 === 0, `quarter hour ${a.start}`); // UK offsets are whole hours
    check(patients.has(a.patientPkbId), `patient of ${a.id}`);
    check((a.status === "pending") === (a.statusBeforePending !== null), `statusBeforePending ${a.id}`);
    check(Date.parse(a.recordedDate) <= anchorMs && a.lastUpdated >= a.recordedDate, `recorded ${a.id}`);
    const key = `${a.patientPkbId}|${a.start}|${a.appointmentType}`;
    const list = bySlot.get(key);
    if (list === undefined) bySlot.set(key, [a]);
    else list.push(a);
  }

  // Messages: time order, unique increasing digit ids, one truth entry each, in the same order.
  check(d.groundTruth.length === d.messages.length, "one truth entry per message");
  const byId = new Map(d.messages.map((m) => [m.id, m]));
  check(byId.size === d.messages.length, "message ids unique");
  for (let i = 0; i < d.messages.length; i++) {
    const cur = d.messages[i]!;
    check(d.groundTruth[i]?.messageId === cur.id, `truth order ${cur.id}`);
    check(/^[1-9][0-9]*$/.test(cur.id), `digits ${cur.id}`);
    const prev = d.messages[i - 1];
    if (prev === undefined) continue;
    check(cur.timestamp >= prev.timestamp && Number(cur.id) > Number(prev.id), `order ${prev.id} ${cur.id}`);
  }
  const inConversation = new Map<string, string>();
  for (const c of d.conversations) {
    let last = -Infinity;
    for (const id of c.messageIds) {
      const m = byId.get(id);
      check(m !== undefined && m.conversationId === c.id && m.timestamp >= last, `conversation ${c.id}`);
      check(!inConversation.has(id), `message ${id} in two conversations`);
      inConversation.set(id, c.id);
      last = m?.timestamp ?? last;
    }
  }
  check(inConversation.size === d.messages.length, "every message in a conversation");

  const requested = new Set<string>();
  for (const g of d.groundTruth) {
    const m = byId.get(g.messageId)!;
    check(m.timestamp <= anchorMs, `after anchor ${m.id}`);
    check(g.patientPkbId === m.patientId && g.nhsNumber === patients.get(m.patientId)?.nhsNumber, `patient ${m.id}`);
    if (g.kind === "change" || g.kind === "cancel") {
      const a = appts.get(g.appointmentId ?? "");
      if (a === undefined) {
        check(false, `appointment of ${m.id}`);
        continue;
      }
      check(!requested.has(a.id), `two requests for ${a.id}`);
      requested.add(a.id);
      check(g.externalId === a.externalId, `externalId ${m.id}`);
      if (parseSubjects) {
        check(m.subject === formatRequestSubject(g.kind, a.start, a.appointmentType), `format ${m.subject}`);
        const parsed = parseSubject(m.subject);
        const w = london(a.start);
        const expected = [g.kind, w.weekday, w.year, w.month, w.day, w.hour, w.minute, a.appointmentType];
        const got = parsed && [
          parsed.kind,
          parsed.weekday,
          parsed.year,
          parsed.month,
          parsed.day,
          parsed.hour,
          parsed.minute,
        ];
        check(
          JSON.stringify([...(got ?? []), parsed?.appointmentType]) === JSON.stringify(expected),
          `parse ${m.subject}`,
        );
      }
      check(m.timestamp <= Date.parse(a.start) - 72 * HOUR, `72h ${m.id}`);
      check(m.timestamp > Date.parse(a.recordedDate), `before recorded ${m.id}`);
      check(m.senderId === a.patientPkbId && m.patientId === a.patientPkbId, `sender ${m.id}`);
      check([...m.recipientIds].sort().join() === [...team, a.patientPkbId].sort().join(), `recipients ${m.id}`);
      const twins = bySlot.get(`${a.patientPkbId}|${a.start}|${a.appointmentType}`) ?? [];
      check(g.ambiguous === twins.length > 1, `ambiguous ${m.id}`);
      // Indistinguishable: nothing a matcher may use (date, time, subject, status) tells them apart.
      check(
        twins.every((t) => t.status === a.status),
        `ambiguous twins differ in status ${m.id}`,
      );
    } else {
      check(g.appointmentId === null && g.externalId === null && !g.ambiguous, `non-request truth ${m.id}`);
      check(parseSubject(m.subject) === null, `non-request parses ${m.subject}`);
    }
    if (g.kind === "follow-up") {
      const request = byId.get(g.requestMessageId ?? "");
      check(request !== undefined && m.subject === `Re: ${request.subject}`, `follow-up subject ${m.id}`);
      check(request?.conversationId === m.conversationId && request.timestamp < m.timestamp, `follow-up ${m.id}`);
    } else {
      check(g.requestMessageId === null, `requestMessageId ${m.id}`);
    }
  }
  check(requested.size === d.size, "size requests");
  return problems;
}

describe("formatRequestSubject", () => {
  it("renders PKB's format in Europe/London wall-clock", () => {
    expect(formatRequestSubject("change", "2025-09-13T23:00:00.000Z", "Emergency")).toBe(
      "Request to change appointment: Sunday 14 September 2025 12:00am - Emergency",
    );
    expect(formatRequestSubject("cancel", "2025-10-25T13:30:00.000+00:00", "New Patient - Cardiology")).toBe(
      "Request to cancel appointment: Saturday 25 October 2025 2:30pm - New Patient - Cardiology",
    );
    expect(formatRequestSubject("change", "2025-12-01T12:05:00Z", "Appointment")).toBe(
      "Request to change appointment: Monday 1 December 2025 12:05pm - Appointment",
    );
    expect(formatRequestSubject("change", "2026-03-29T01:30:00.000Z", "Follow Up")).toBe(
      "Request to change appointment: Sunday 29 March 2026 2:30am - Follow Up",
    );
    expect(() => formatRequestSubject("change", "not a date", "x")).toThrow(/invalid instant/);
  });
});

describe("NHS numbers", () => {
  it("computes the modulus 11 check digit", () => {
    expect(nhsNumberCheckDigit("943476591")).toBe(9);
    expect(isValidNhsNumber("9434765919")).toBe(true);
    expect(isValidNhsNumber("9434765918")).toBe(false);
    expect(isValidNhsNumber("943476591")).toBe(false);
    expect(isValidNhsNumber("943 476 5919")).toBe(false);
    expect(isValidNhsNumber("94347659190")).toBe(false);
    expect(() => nhsNumberCheckDigit("12345678")).toThrow();
  });

  it("has no valid number when the check digit would be 10", () => {
    let first9 = 999000000;
    while (nhsNumberCheckDigit(String(first9)) !== null) first9 += 1;
    for (let last = 0; last <= 9; last++) expect(isValidNhsNumber(`${first9}${last}`)).toBe(false);
  });
});

describe("generate", () => {
  const data = generate({ seed: 42, size: 3000, anchor: ANCHOR });

  it("is deterministic for (seed, size, anchor)", () => {
    expect(generate({ seed: 42, size: 3000, anchor: ANCHOR })).toEqual(data);
    expect(generate({ seed: 43, size: 3000, anchor: ANCHOR }).patients[0]).not.toEqual(data.patients[0]);
  });

  it("keeps every invariant", () => {
    expect(invariantBreaches(data)).toEqual([]);
    expect(data.anchor).toBe(ANCHOR.toISOString());
    expect(data.staff[0]).toMatchObject({ firstName: "Jack", lastName: "Brown", jobTitle: "Doctor" });
    expect(data.staff[0]).toMatchObject({ username: "jack.brown", receivesAppointmentRequests: true });
  });

  it("covers the realistic spread", () => {
    const nullNhs = data.patients.filter((p) => p.nhsNumber === null).length / data.patients.length;
    expect(nullNhs).toBeGreaterThan(0.003);
    expect(nullNhs).toBeLessThan(0.04);
    expect(new Set(data.appointments.map((a) => a.specialtyCode)).size).toBeGreaterThanOrEqual(10);
    expect(new Set(data.appointments.map((a) => a.locationDisplay)).size).toBeGreaterThanOrEqual(5);
    const offsets = new Set(data.appointments.map((a) => london(a.start).offset));
    expect([...offsets].sort()).toEqual([0, 60]);
    const times = new Set(data.appointments.map((a) => london(a.start).toFormat("HH:mm")));
    for (const t of ["00:00", "12:00", "08:00", "17:30"]) expect(times.has(t)).toBe(true);
    expect(data.appointments.some((a) => london(a.start).hour === 23 && london(a.start).offset === 60)).toBe(true);
    const endless = data.appointments.filter((a) => a.end === null).length / data.appointments.length;
    expect(endless).toBeGreaterThan(0.1);
    expect(endless).toBeLessThan(0.3);
    const statuses = new Set(data.appointments.map((a) => a.status));
    for (const s of ["booked", "pending", "cancelled", "noshow", "fulfilled"])
      expect(statuses.has(s as never)).toBe(true);
  });

  it("mixes requests, follow-ups, unrelated messages, pending and ambiguous cases", () => {
    const count = (k: string): number => data.groundTruth.filter((g) => g.kind === k).length;
    expect(count("change") + count("cancel")).toBe(3000);
    expect(count("cancel")).toBeGreaterThan(600);
    expect(count("follow-up")).toBeGreaterThan(300);
    expect(count("unrelated")).toBe(900);
    const requests = data.groundTruth.filter((g) => g.kind === "change" || g.kind === "cancel");
    const ambiguous = requests.filter((g) => g.ambiguous).length;
    expect(ambiguous).toBeGreaterThan(20);
    expect(ambiguous).toBeLessThan(120);
    const appts = new Map(data.appointments.map((a) => [a.id, a]));
    const pending = requests.filter((g) => appts.get(g.appointmentId!)!.status === "pending").length;
    expect(pending / requests.length).toBeGreaterThan(0.8);
    expect(pending / requests.length).toBeLessThan(0.95);
    const twoRequests = new Map<string, number>();
    for (const g of requests) twoRequests.set(g.patientPkbId, (twoRequests.get(g.patientPkbId) ?? 0) + 1);
    expect([...twoRequests.values()].some((n) => n === 2)).toBe(true);
    const team = data.staff.filter((s) => s.receivesAppointmentRequests).map((s) => s.pkbId);
    const unrelatedToTeam = data.groundTruth.filter(
      (g) =>
        g.kind === "unrelated" &&
        data.conversations.some((c) => c.messageIds.includes(g.messageId) && c.participantIds.includes(team[0]!)),
    );
    expect(unrelatedToTeam.length).toBeGreaterThan(0);
  });

  it("includes the tricky subjects and timings", () => {
    const byId = new Map(data.messages.map((m) => [m.id, m]));
    const appts = new Map(data.appointments.map((a) => [a.id, a]));
    const requests = data.groundTruth.filter((g) => g.kind === "change" || g.kind === "cancel");
    const subjects = requests.map((g) => byId.get(g.messageId)!.subject);
    expect(subjects.some((s) => / 12:00am - /.test(s))).toBe(true);
    expect(subjects.some((s) => / 12:00pm - /.test(s))).toBe(true);
    expect(subjects.some((s) => /[ap]m - .+ - /.test(s))).toBe(true);
    expect(subjects.some((s) => /: \w+day 1 /.test(s))).toBe(true);
    expect(subjects.some((s) => /: \w+day 31 /.test(s))).toBe(true);
    const changeDays = requests.filter((g) => {
      const w = london(appts.get(g.appointmentId!)!.start);
      return w.weekday === 7 && (w.month === 3 || w.month === 10) && w.day > 24;
    });
    expect(changeDays.length).toBeGreaterThanOrEqual(2);
    const exactly72 = requests.filter(
      (g) => byId.get(g.messageId)!.timestamp === Date.parse(appts.get(g.appointmentId!)!.start) - 72 * HOUR,
    );
    expect(exactly72.length).toBeGreaterThan(0);
    expect(requests.some((g) => byId.get(g.messageId)!.content === "")).toBe(true);
  });

  it("rejects bad options", () => {
    for (const size of [0, -1, MAX_SIZE + 1, 1.5, Number.NaN]) {
      expect(() => generate({ seed: 1, size, anchor: ANCHOR })).toThrow(/size must be an integer from 1 to 100000/);
    }
    expect(() => generate({ seed: 1.5, size: 1, anchor: ANCHOR })).toThrow(/seed/);
    expect(() => generate({ seed: 1, size: 1, anchor: new Date("nope") })).toThrow(/anchor/);
  });

  it("defaults the anchor to the start of the current UTC day", () => {
    const d = generate({ seed: 5, size: 3 });
    expect(d.anchor).toMatch(/T00:00:00\.000Z$/);
    expect(Date.now() - Date.parse(d.anchor)).toBeLessThan(24 * HOUR + 60_000);
  });

  it("keeps the invariants for any seed, small size and anchor (property)", () => {
    const anchors = fc.integer({ min: Date.parse("2020-01-01"), max: Date.parse("2035-12-31") });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 40 }), anchors, (seed, size, ms) => {
        const d = generate({ seed, size, anchor: new Date(ms) });
        expect(d.size).toBe(size);
        expect(invariantBreaches(d)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it("handles 20000 requests quickly", () => {
    const started = performance.now();
    const d = generate({ seed: 9, size: 20_000, anchor: ANCHOR });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(invariantBreaches(d, false)).toEqual([]); // subjects: covered at smaller sizes, luxon is slow here
  });
});
