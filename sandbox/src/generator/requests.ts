// One patient's appointments and change/cancel requests: the requested appointments (some made deliberately tricky
// for the subject parser), ambiguous twins, near twins, the patient's other appointments, the request messages and
// their follow-ups.

import type { SandboxAppointment, SandboxPatient } from "../model.ts";
import type { AppointmentFactory, AppointmentSpec } from "./appointments.ts";
import type { LondonCalendar, LocalDate } from "./calendar.ts";
import type { MessageSink } from "./messages.ts";
import { followUpNote, requestNote, type NoteContext } from "./notes.ts";
import { flatten, type Rng } from "./prng.ts";
import { SPECIALTIES, specialtiesFor, type Specialty } from "./reference.ts";
import { formatSubjectFromWallClock, monthName, weekdayName } from "./subject.ts";

const HOUR_MS = 3_600_000;
const NOTICE_MS = 72 * HOUR_MS;

/** Share of requests whose appointment gets an indistinguishable twin (same start and subject). */
export const AMBIGUOUS_RATE = 0.02;
/** Share of requests whose appointment gets a near twin (same day, different time or subject). */
export const NEAR_TWIN_RATE = 0.05;
/** Share of requested appointments PKB leaves at their original status instead of pending. */
export const NOT_PENDING_RATE = 0.1;
/** Share of request conversations with 1-2 follow-up messages. */
export const FOLLOW_UP_RATE = 0.15;

type Trick =
  | "midnight"
  | "noon"
  | "dash-type"
  | "spring-change"
  | "autumn-change"
  | "late-bst"
  | "day-1"
  | "day-31"
  | "boundary-72h"
  | "empty-note";

/** The first requests of every dataset cover each trick once; later ones get a trick 2% of the time. */
const TRICKS: readonly Trick[] = [
  "midnight",
  "dash-type",
  "noon",
  "spring-change",
  "autumn-change",
  "late-bst",
  "day-1",
  "day-31",
  "boundary-72h",
  "empty-note",
];
const DASH_TYPES: readonly string[] = [
  "New Patient - {specialty}",
  "Clinic A - Follow Up - 30 mins",
  "Review - {specialty} - Telephone",
];
const SPRING_MINUTES: readonly number[] = [0, 150, 540, 720, 1425]; // 01:xx does not exist
const AUTUMN_MINUTES: readonly number[] = [0, 30, 120, 600, 1425]; // 01:xx happens twice
const LATE_QUARTERS: readonly number[] = [0, 15, 30, 45];
const RANDOM_DAYS = 182;
const APPOINTMENT_COUNTS: readonly (readonly [number, number])[] = [
  [1, 25],
  [2, 25],
  [3, 20],
  [4, 15],
  [5, 10],
  [6, 5],
];

function byStart(a: SandboxAppointment, b: SandboxAppointment): number {
  return a.start < b.start ? -1 : a.start > b.start ? 1 : 0;
}

/** Calendar dates (within the random range) for the date-based tricks. */
interface TrickDates {
  spring: LocalDate[];
  autumn: LocalDate[];
  summer: LocalDate[];
  first: LocalDate[];
  thirtyFirst: LocalDate[];
}

function ordinal(day: number): string {
  const suffix =
    day % 10 === 1 && day !== 11
      ? "st"
      : day % 10 === 2 && day !== 12
        ? "nd"
        : day % 10 === 3 && day !== 13
          ? "rd"
          : "th";
  return `${day}${suffix}`;
}

/** A planned request: its patient, appointment and slot, when it was sent, and its ground-truth index. */
interface Planned {
  patient: SandboxPatient;
  appt: SandboxAppointment;
  spec: AppointmentSpec;
  start: number;
  ts: number;
  index: number;
}

/** What the settle scenarios added (counts), for tests and the start-up banner. */
export interface SettleScenarioCounts {
  cancelledInPkb: number;
  movedInPkb: number;
  repeats: number;
}

/** Builds each patient's appointments and requests into shared arrays. */
export class RequestPlanner {
  private requestCount = 0;
  private readonly planned: Planned[] = [];
  private readonly teamIds: string[];
  private readonly trickDates: TrickDates;
  /** Patients born after this date (YYYY-MM-DD) are children (under 16 at the anchor). */
  private readonly childDob: string;

  constructor(
    private readonly rng: Rng,
    private readonly calendar: LondonCalendar,
    private readonly factory: AppointmentFactory,
    private readonly sink: MessageSink,
    private readonly appointments: SandboxAppointment[],
    teamIds: readonly string[],
    private readonly anchorMs: number,
  ) {
    this.teamIds = [...teamIds];
    const dates = calendar.dates.filter((d) => Math.abs(d.index) <= RANDOM_DAYS);
    this.trickDates = {
      spring: dates.filter((d) => d.clockChange && d.month === 3),
      autumn: dates.filter((d) => d.clockChange && d.month === 10),
      summer: dates.filter((d) => d.month >= 4 && d.month <= 9),
      first: dates.filter((d) => d.day === 1),
      thirtyFirst: dates.filter((d) => d.day === 31),
    };
    const anchor = new Date(anchorMs);
    anchor.setUTCFullYear(anchor.getUTCFullYear() - 16);
    this.childDob = anchor.toISOString().slice(0, 10);
  }

  private nextTrick(): Trick | null {
    const i = this.requestCount++;
    if (i < TRICKS.length) return TRICKS[i] ?? null;
    return this.rng.chance(0.02) ? this.rng.pick(TRICKS) : null;
  }

  /** A requested appointment's slot: mostly within 2 months ahead, some up to 6 months, 15% in the last 2 months. */
  private requestSpec(pool: readonly Specialty[]): AppointmentSpec {
    const r = this.rng;
    if (r.chance(0.15)) return this.factory.randomSpec(-60, -3, pool);
    return r.chance(0.7) ? this.factory.randomSpec(0, 60, pool) : this.factory.randomSpec(61, RANDOM_DAYS, pool);
  }

  /** A request spec whose start no appointment of this patient has yet (`taken` holds UTC epoch ms). */
  private freeRequestSpec(pool: readonly Specialty[], taken: Set<number>): AppointmentSpec {
    for (;;) {
      const spec = this.requestSpec(pool);
      if (!taken.has(this.factory.startMs(spec))) return spec;
    }
  }

  private onDate(base: AppointmentSpec, dates: readonly LocalDate[], minute: number): AppointmentSpec {
    return dates.length === 0 ? base : { ...base, dayIndex: this.rng.pick(dates).index, minute };
  }

  private trickSpec(trick: Trick, pool: readonly Specialty[]): AppointmentSpec {
    const r = this.rng;
    const base = trick === "boundary-72h" ? this.factory.randomSpec(-30, -4, pool) : this.requestSpec(pool);
    const t = this.trickDates;
    switch (trick) {
      case "midnight":
        return { ...base, minute: 0, appointmentType: "Emergency" };
      case "noon":
        return { ...base, minute: 12 * 60 };
      case "dash-type": {
        const own = base.specialty.types.filter((t) => t.includes(" - "));
        const type = own.length > 0 && r.chance(0.5) ? r.pick(own) : r.pick(DASH_TYPES);
        return { ...base, appointmentType: flatten(type.replace("{specialty}", base.specialty.display)) };
      }
      case "spring-change":
        return this.onDate(base, t.spring, r.pick(SPRING_MINUTES));
      case "autumn-change":
        return this.onDate(base, t.autumn, r.pick(AUTUMN_MINUTES));
      case "late-bst":
        return this.onDate(base, t.summer, 23 * 60 + r.pick(LATE_QUARTERS));
      case "day-1":
        return this.onDate(base, t.first, base.minute);
      case "day-31":
        return this.onDate(base, t.thirtyFirst, base.minute);
      default:
        return base;
    }
  }

  private noteContext(spec: AppointmentSpec): NoteContext {
    const alt = this.calendar.date(spec.dayIndex + this.rng.int(2, 21));
    return {
      alt: flatten(`${weekdayName(alt.weekday)} ${ordinal(alt.day)} ${monthName(alt.month)}`),
      weekday: weekdayName(this.rng.int(1, 5)),
      specialty: spec.specialty.display,
    };
  }

  /** Adds `patient`'s appointments (`requests` of them requested, 0-2) and request conversations. */
  planPatient(patient: SandboxPatient, requests: number): void {
    const r = this.rng;
    const f = this.factory;
    const pool = specialtiesFor(patient.gender, patient.dob > this.childDob);
    const mine: SandboxAppointment[] = [];
    const asked: [number, SandboxAppointment][] = [];
    const taken = new Set<number>();
    for (let k = 0; k < requests; k++) {
      const trick = this.nextTrick();
      const preferred = trick === null ? this.requestSpec(pool) : this.trickSpec(trick, pool);
      const spec = taken.has(f.startMs(preferred)) ? this.freeRequestSpec(pool, taken) : preferred;
      const start = f.startMs(spec);
      taken.add(start);
      const appt = f.build(patient, spec, "booked");
      mine.push(appt);
      const ambiguous = r.chance(AMBIGUOUS_RATE);
      if (ambiguous) {
        let other = spec.specialty;
        while (other.code === spec.specialty.code) other = r.pick(SPECIALTIES);
        mine.push(f.build(patient, { ...spec, specialty: other }, "booked"));
      } else if (r.chance(NEAR_TWIN_RATE)) {
        mine.push(this.nearTwin(patient, spec, taken));
      }
      const ts = this.requestTime(appt, start, trick === "boundary-72h");
      if (!ambiguous && !r.chance(NOT_PENDING_RATE)) f.markPending(appt, ts);
      const index = this.addConversation(patient, appt, spec, start, ts, trick === "empty-note");
      asked.push([index, appt]);
      if (!ambiguous) this.planned.push({ patient, appt, spec, start, ts, index });
    }
    const total = Math.max(requests, r.weighted(APPOINTMENT_COUNTS));
    for (let k = requests; k < total; k++) {
      let spec = f.randomSpec(-RANDOM_DAYS, RANDOM_DAYS, pool);
      while (taken.has(f.startMs(spec))) spec = f.randomSpec(-RANDOM_DAYS, RANDOM_DAYS, pool);
      taken.add(f.startMs(spec));
      mine.push(f.build(patient, spec));
    }
    // Ambiguity is a fact of the data: another appointment with the same start and subject.
    for (const [index, a] of asked) {
      const entry = this.sink.truth[index];
      if (entry === undefined) throw new Error("planPatient: missing ground truth entry");
      entry.ambiguous = mine.some((o) => o !== a && o.start === a.start && o.appointmentType === a.appointmentType);
    }
    mine.sort(byStart);
    for (const a of mine) this.appointments.push(a);
  }

  /** Same day as `spec`: either another time with the same subject, or the same time with another subject. */
  private nearTwin(patient: SandboxPatient, spec: AppointmentSpec, taken: Set<number>): SandboxAppointment {
    const f = this.factory;
    if (this.rng.chance(0.5)) {
      let twin = { ...spec, minute: f.randomMinute() };
      while (taken.has(f.startMs(twin))) twin = { ...spec, minute: f.randomMinute() };
      taken.add(f.startMs(twin));
      return f.build(patient, twin);
    }
    let type = spec.appointmentType;
    while (type === spec.appointmentType) type = f.randomType(spec.specialty, spec.minute);
    return f.build(patient, { ...spec, appointmentType: type });
  }

  /** Request time (UTC ms): after the appointment was recorded, >= 72h before its start, and <= the anchor. */
  private requestTime(appt: SandboxAppointment, start: number, boundary: boolean): number {
    const upper = Math.min(this.anchorMs, start - NOTICE_MS);
    if (boundary && start - NOTICE_MS <= this.anchorMs) return start - NOTICE_MS;
    const lower = Date.parse(appt.recordedDate) + HOUR_MS;
    const u = this.rng.next();
    return upper - Math.floor((upper - lower) * u * u);
  }

  private addConversation(
    patient: SandboxPatient,
    appt: SandboxAppointment,
    spec: AppointmentSpec,
    start: number,
    ts: number,
    emptyNote: boolean,
  ): number {
    const r = this.rng;
    const kind = r.chance(0.6) ? "change" : "cancel";
    const subject = formatSubjectFromWallClock(
      kind,
      this.calendar.wallClock(spec.dayIndex, spec.minute),
      spec.appointmentType,
    );
    const ctx = this.noteContext(spec);
    const conversationId = r.uuid();
    this.sink.open(conversationId, [patient.pkbId, ...this.teamIds]);
    const recipientIds = [...this.teamIds, patient.pkbId];
    const common = { conversationId, recipientIds, patientId: patient.pkbId, nhsNumber: patient.nhsNumber };
    const request = this.sink.add({
      ...common,
      ts,
      subject,
      content: emptyNote ? "" : requestNote(r, kind, ctx),
      senderId: patient.pkbId,
      status: r.chance(0.88) ? "UNREAD" : "READ",
      kind,
      appointment: appt,
      request: null,
    });
    if (!r.chance(FOLLOW_UP_RATE)) return request;
    const end = Math.min(this.anchorMs, start - HOUR_MS);
    let prev = ts;
    const count = r.chance(0.7) ? 1 : 2;
    for (let i = 0; i < count && end - prev > 2 * 60_000; i++) {
      prev += 1 + Math.floor((end - prev) * (0.05 + 0.6 * r.next()));
      const fromPatient = r.chance(0.55);
      this.sink.add({
        ...common,
        ts: prev,
        subject: flatten(`Re: ${subject}`),
        content: followUpNote(r, fromPatient, ctx),
        senderId: fromPatient ? patient.pkbId : r.pick(this.teamIds),
        status: fromPatient ? (r.chance(0.85) ? "UNREAD" : "READ") : r.chance(0.5) ? "UNREAD" : "READ",
        kind: "follow-up",
        appointment: appt,
        request,
      });
    }
    return request;
  }

  /**
   * Settle scenarios (Rebook's docs/settling.md), on requests whose appointment is more than 5 days after the anchor:
   * `count` cancel requests whose appointment the trust's PAS has since cancelled in PKB, `count` change requests whose
   * appointment it has since moved (two hours, the same day), and `count` patients who asked again about the same
   * appointment in a new conversation (every other one a cancel after a change). Uses its own random stream, so the
   * rest of the world is the same with or without them. Call after every patient is planned.
   */
  addSettleScenarios(rng: Rng, count: number): SettleScenarioCounts {
    const done: SettleScenarioCounts = { cancelledInPkb: 0, movedInPkb: 0, repeats: 0 };
    if (count <= 0) return done;
    const soon = this.anchorMs + 5 * 24 * HOUR_MS;
    const kindOf = (p: Planned) => this.sink.truth[p.index]?.kind;
    const pool = this.planned.filter((p) => p.start > soon && p.ts < this.anchorMs - HOUR_MS);
    const used = new Set<Planned>();
    const take = (kind: "change" | "cancel"): Planned | null => {
      const free = pool.filter((p) => !used.has(p) && kindOf(p) === kind);
      if (free.length === 0) return null;
      const p = rng.pick(free);
      used.add(p);
      return p;
    };
    /** A time after the request and before the anchor. */
    const after = (p: Planned) => p.ts + Math.floor((this.anchorMs - p.ts) * (0.2 + 0.6 * rng.next()));
    for (let i = 0; i < count; i++) {
      const c = take("cancel");
      if (c) {
        c.appt.status = "cancelled";
        c.appt.statusBeforePending = null;
        c.appt.versionId += 1;
        c.appt.lastUpdated = new Date(after(c)).toISOString();
        done.cancelledInPkb++;
      }
      const m = take("change");
      if (m) {
        // Two hours later (earlier in the evening), the same day: still the appointment the patient asked about.
        const shift = new Date(m.appt.start).getUTCHours() < 19 ? 2 * HOUR_MS : -2 * HOUR_MS;
        m.appt.start = new Date(Date.parse(m.appt.start) + shift).toISOString();
        if (m.appt.end) m.appt.end = new Date(Date.parse(m.appt.end) + shift).toISOString();
        m.appt.status = "booked";
        m.appt.statusBeforePending = null;
        m.appt.versionId += 1;
        m.appt.lastUpdated = new Date(after(m)).toISOString();
        done.movedInPkb++;
      }
      const r = take("change") ?? take("cancel");
      if (r) {
        const kind = kindOf(r) === "change" && i % 2 === 0 ? "cancel" : (kindOf(r) as "change" | "cancel");
        this.addRepeat(r, kind, after(r));
        done.repeats++;
      }
    }
    return done;
  }

  /** The patient asks about the same appointment again, in a new conversation, at `ts`. */
  private addRepeat(p: Planned, kind: "change" | "cancel", ts: number): void {
    const subject = formatSubjectFromWallClock(
      kind,
      this.calendar.wallClock(p.spec.dayIndex, p.spec.minute),
      p.spec.appointmentType,
    );
    const conversationId = this.rng.uuid();
    this.sink.open(conversationId, [p.patient.pkbId, ...this.teamIds]);
    this.sink.add({
      conversationId,
      recipientIds: [...this.teamIds, p.patient.pkbId],
      patientId: p.patient.pkbId,
      nhsNumber: p.patient.nhsNumber,
      ts,
      subject,
      content:
        kind === "cancel"
          ? "Sorry, I asked to change this one but now I need to cancel it altogether."
          : "I sent a request about this appointment a few days ago and have not heard back. Can someone help?",
      senderId: p.patient.pkbId,
      status: "UNREAD",
      kind,
      appointment: p.appt,
      request: null,
    });
  }
}
