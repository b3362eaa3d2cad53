// Synthetic appointments as the trust's HL7 feed put them into PKB: specialty, clinic, subject (appointmentType),
// start/end as UTC instants computed from Europe/London clinic wall-clock times, identifiers and statuses.

import type { AppointmentStatus, SandboxAppointment, SandboxPatient } from "../model.ts";
import type { LondonCalendar } from "./calendar.ts";
import { flatten, type Rng } from "./prng.ts";
import { COMMENTS, COMMON_TYPES, ORGANISATION, SERVICE_TYPES, SPECIALTIES, type Specialty } from "./reference.ts";

const HOUR_MS = 3_600_000;

/** A Europe/London wall-clock slot: `dayIndex` days from the anchor's local date, `minute` of the day (0-1439). */
export interface Slot {
  dayIndex: number;
  minute: number;
}

/** What to build: a slot, a specialty and a subject; the rest is drawn from the PRNG. */
export interface AppointmentSpec extends Slot {
  specialty: Specialty;
  appointmentType: string;
}

const CLINIC_MINUTES: readonly number[] = Array.from({ length: 39 }, (_, i) => 8 * 60 + i * 15); // 08:00-17:30
const LATE_MINUTES: readonly number[] = [23 * 60, 23 * 60 + 15, 23 * 60 + 30, 23 * 60 + 45];
const OFF_HOURS_MINUTES: readonly number[] = [
  ...[0, 15, 30, 45].map((m) => 7 * 60 + m),
  ...Array.from({ length: 20 }, (_, i) => 18 * 60 + i * 15), // 18:00-22:45
];
const PAST_STATUSES: readonly (readonly [AppointmentStatus, number])[] = [
  ["fulfilled", 70],
  ["noshow", 8],
  ["cancelled", 8],
  ["booked", 14],
];
const EXTERNAL_SUFFIXES: readonly string[] = ["e", "e", "e", "a", "b", "c", "d"];
const DURATIONS: readonly number[] = [10, 15, 15, 20, 30, 30, 30, 45, 60, 90];

/** Builds appointments with unique legacy and external ids. */
export class AppointmentFactory {
  private legacyCounter = 134_700_000;
  private externalCounter = 112_000_000;

  /** `anchorMs` is "now" (UTC epoch ms); statuses and record dates are relative to it. */
  constructor(
    private readonly rng: Rng,
    private readonly calendar: LondonCalendar,
    private readonly anchorMs: number,
  ) {}

  /** A start minute: mostly 08:00-17:30 on the quarter hour; some 00:00, 12:00, 23:xx and other off-hours times. */
  randomMinute(): number {
    const r = this.rng;
    const bucket = r.weighted<"clinic" | "midnight" | "noon" | "late" | "off">([
      ["clinic", 88],
      ["midnight", 3],
      ["noon", 3],
      ["late", 3],
      ["off", 3],
    ]);
    if (bucket === "midnight") return 0;
    if (bucket === "noon") return 12 * 60;
    if (bucket === "late") return r.pick(LATE_MINUTES);
    if (bucket === "off") return r.pick(OFF_HOURS_MINUTES);
    return r.pick(CLINIC_MINUTES);
  }

  /** A subject for an appointment in `specialty` at `minute` (emergencies more likely at night). */
  randomType(specialty: Specialty, minute: number): string {
    const r = this.rng;
    if ((minute === 0 || minute >= 23 * 60) && r.chance(0.4)) return "Emergency";
    if (r.chance(0.2)) return r.pick(specialty.types);
    return flatten(r.weighted(COMMON_TYPES).replace("{specialty}", specialty.display));
  }

  /**
   * A random spec with its day in [fromDay, toDay] (days from the anchor's local date), specialty from `pool`.
   * Weekends are rarer than weekdays (a weekend draw is redrawn up to twice, with probability 0.85 each time).
   */
  randomSpec(fromDay: number, toDay: number, pool: readonly Specialty[] = SPECIALTIES): AppointmentSpec {
    const r = this.rng;
    const specialty = r.pick(pool);
    const minute = this.randomMinute();
    let dayIndex = r.int(fromDay, toDay);
    for (let i = 0; i < 2 && this.calendar.date(dayIndex).weekday >= 6 && r.chance(0.85); i++) {
      dayIndex = r.int(fromDay, toDay);
    }
    return {
      dayIndex,
      minute,
      specialty,
      appointmentType: this.randomType(specialty, minute),
    };
  }

  /** UTC epoch ms of a slot's start. */
  startMs(slot: Slot): number {
    return this.calendar.toUtcMs(slot.dayIndex, slot.minute);
  }

  private externalId(): string {
    this.externalCounter += this.rng.int(1, 25);
    if (this.rng.chance(0.1)) return flatten(`RBT-${this.externalCounter}`);
    return flatten(`${this.externalCounter}${this.rng.pick(EXTERNAL_SUFFIXES)}`);
  }

  /**
   * A new appointment for `patient`. Status follows the anchor: future ones booked (a few cancelled), past ones
   * mostly fulfilled, some noshow/cancelled/still booked; `status` overrides it (the caller then owns its meaning).
   */
  build(patient: SandboxPatient, spec: AppointmentSpec, status?: AppointmentStatus): SandboxAppointment {
    const r = this.rng;
    const start = this.startMs(spec);
    const recorded = Math.min(start - r.int(14 * 24, 120 * 24) * HOUR_MS, this.anchorMs - r.int(48, 480) * HOUR_MS);
    const recordedMs = recorded - r.int(0, HOUR_MS - 1);
    const past = start < this.anchorMs;
    const chosen: AppointmentStatus =
      status ?? (past ? r.weighted(PAST_STATUSES) : r.chance(0.04) ? "cancelled" : "booked");
    let lastUpdated = recordedMs;
    let versionId = r.int(1, 3);
    if (chosen === "fulfilled" || chosen === "noshow") {
      lastUpdated = Math.min(this.anchorMs, start + r.int(1, 48) * HOUR_MS + r.int(0, HOUR_MS - 1));
      versionId += 1;
    } else if (chosen === "cancelled") {
      lastUpdated = recordedMs + Math.floor(r.next() * (Math.min(start, this.anchorMs) - recordedMs));
      versionId += 1;
    } else if (r.chance(0.3)) {
      lastUpdated = recordedMs + Math.floor(r.next() * (Math.min(start, this.anchorMs) - recordedMs));
    }
    this.legacyCounter += r.int(1, 40);
    const recordedIso = new Date(recordedMs).toISOString();
    return {
      id: r.uuid(),
      legacyId: String(this.legacyCounter),
      commonId: r.uuid(),
      externalId: this.externalId(),
      patientPkbId: patient.pkbId,
      status: chosen,
      statusBeforePending: null,
      specialtyCode: spec.specialty.code,
      specialtyDisplay: spec.specialty.display,
      appointmentType: spec.appointmentType,
      serviceType: r.chance(0.4) ? r.pick(SERVICE_TYPES) : null,
      comment: r.chance(0.15) ? r.pick(COMMENTS) : null,
      start: new Date(start).toISOString(),
      end: r.chance(0.2) ? null : new Date(start + r.pick(DURATIONS) * 60_000).toISOString(),
      locationDisplay: r.pick(spec.specialty.locations),
      sourceOrgCode: ORGANISATION.id,
      sourceOrgDisplay: ORGANISATION.name,
      versionId,
      lastUpdated: lastUpdated === recordedMs ? recordedIso : new Date(lastUpdated).toISOString(),
      recordedDate: recordedIso,
    };
  }

  /** Marks `appt` pending because of a request sent at `requestMs` (UTC epoch ms); keeps the previous status. */
  markPending(appt: SandboxAppointment, requestMs: number): void {
    appt.statusBeforePending = appt.status;
    appt.status = "pending";
    appt.versionId += 1;
    const changed = Math.max(Date.parse(appt.lastUpdated), requestMs + this.rng.int(1_000, 90_000));
    appt.lastUpdated = new Date(Math.min(this.anchorMs, changed)).toISOString();
  }
}
