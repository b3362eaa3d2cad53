// The PKB sandbox emulator's deterministic synthetic data generator: same (seed, size, anchor) → deep-equal dataset.
// Uses only seeded PRNG streams (never Math.random); the clock is read only for the default anchor.

import type { GenerateOptions, SandboxAppointment, SandboxDataset } from "../model.ts";
import { AppointmentFactory } from "./appointments.ts";
import { LondonCalendar } from "./calendar.ts";
import { addUnrelated, finishMessages, MessageSink } from "./messages.ts";
import { PatientFactory } from "./people.ts";
import { Rng } from "./prng.ts";
import { buildStaff, ORGANISATION } from "./reference.ts";
import { RequestPlanner } from "./requests.ts";

// Re-exported for the HTTP server: NHS number checks, PKB's request subject format, the fixed reference data.
export { isValidNhsNumber, nhsNumberCheckDigit } from "./nhs-number.ts";
export { formatRequestSubject } from "./subject.ts";
export { ORGANISATION, SPECIALTIES, APPOINTMENT_TEAM } from "./reference.ts";

/** Smallest number of change/cancel requests `generate` accepts. */
export const MIN_SIZE = 1;
/** Largest number of change/cancel requests `generate` accepts. */
export const MAX_SIZE = 100_000;

/** Unrelated messages per change/cancel request (about 30%). */
export const UNRELATED_RATIO = 0.3;

/** Start of the current UTC day: the default anchor, so runs on the same day agree. */
export function defaultAnchor(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

function validate(opts: GenerateOptions): number {
  if (!Number.isSafeInteger(opts.seed)) throw new Error(`generate: seed must be a safe integer, got ${opts.seed}`);
  const { size } = opts;
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) {
    throw new Error(`generate: size must be an integer from ${MIN_SIZE} to ${MAX_SIZE}, got ${size}`);
  }
  const anchor = opts.anchor ?? defaultAnchor();
  const anchorMs = anchor instanceof Date ? anchor.getTime() : Number.NaN;
  if (!Number.isFinite(anchorMs)) throw new Error("generate: anchor must be a valid Date");
  return anchorMs;
}

/**
 * The synthetic world for `size` change/cancel requests (1..100000; throws otherwise), deterministic for
 * (seed, size, anchor); `anchor` (default: start of the current UTC day) is "now": appointments span about 6 months
 * either side of it, every message is at or before it.
 */
export function generate(opts: GenerateOptions): SandboxDataset {
  const anchorMs = validate(opts);
  const { seed, size } = opts;
  const staff = buildStaff();
  const teamIds = staff.filter((s) => s.receivesAppointmentRequests).map((s) => s.pkbId);
  const calendar = new LondonCalendar(anchorMs, 200, 220);
  const patients = new PatientFactory(new Rng(seed, 1), anchorMs);
  const factory = new AppointmentFactory(new Rng(seed, 2), calendar, anchorMs);
  const sink = new MessageSink();
  const appointments: SandboxAppointment[] = [];
  const planner = new RequestPlanner(new Rng(seed, 3), calendar, factory, sink, appointments, teamIds, anchorMs);
  const rng = new Rng(seed, 0);

  const patientList = [];
  let requests = 0;
  while (requests < size) {
    const patient = patients.create();
    patientList.push(patient);
    const wanted = rng.weighted<number>([
      [0, 15],
      [1, 75],
      [2, 10],
    ]);
    const n = Math.min(wanted, size - requests);
    planner.planPatient(patient, n);
    requests += n;
  }

  // Own random stream: the world is otherwise the same with or without them.
  planner.addSettleScenarios(new Rng(seed, 6), opts.settleScenarios ?? 0);

  const unrelated = Math.max(1, Math.round(size * UNRELATED_RATIO));
  addUnrelated(new Rng(seed, 4), sink, unrelated, patientList, staff, anchorMs);

  const { messages, conversations, groundTruth } = finishMessages(new Rng(seed, 5), sink);
  return {
    seed,
    size,
    anchor: new Date(anchorMs).toISOString(),
    organisation: { ...ORGANISATION },
    patients: patientList,
    staff,
    appointments,
    conversations,
    messages,
    groundTruth,
  };
}
