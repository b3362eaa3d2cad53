// Steps 2 and 3 of the pipeline for one request: who the patient is (NHS number), and which appointment it is about.
import { matchAppointment, type Candidate, type MatchResult } from "../domain/match.ts";
import { isValidNhsNumber, normaliseNhsNumber } from "../domain/nhs-number.ts";
import {
  instantToWallClock,
  isoDate,
  localDate,
  plusLocalDays,
  UK_ZONE,
  wallClockToInstant,
} from "../domain/uk-time.ts";
import { UpstreamError } from "../errors.ts";
import { EXTERNAL_ID_SYSTEM } from "../pkb/fhir.ts";
import type { FhirAppointment, PkbUser } from "../pkb/schemas.ts";
import { getPatient, type Patient } from "../store/patients.ts";
import { storableJson, storableText } from "../store/storable.ts";
import type { SyncDeps } from "./deps.ts";

/** YYYY-MM-DD naming a real day (not 1980-02-30, which the store would refuse for the whole batch). */
function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The NHS number among a PKB user's national ids, if present and valid (modulus 11). */
export function nhsNumberOf(user: PkbUser): { nhsNumber: string | null; problem: string | null } {
  const entry = (user.nationalIds ?? []).find((n) => /^nhs\s*number$/i.test((n.name ?? "").trim()));
  if (!entry?.value) return { nhsNumber: null, problem: "PKB holds no NHS number for this patient" };
  const normalised = normaliseNhsNumber(entry.value);
  if (!normalised || !isValidNhsNumber(normalised)) {
    return { nhsNumber: null, problem: "The NHS number PKB holds fails the modulus 11 check" };
  }
  return { nhsNumber: normalised, problem: null };
}

/**
 * The patient's details, from the cache when fresh enough, else from PKB through `connectionId`; what was fetched is
 * returned for the caller to store (`upsertPatient`) with the rest of the request's writes.
 */
export async function identifyPatient(
  deps: SyncDeps,
  connectionId: string,
  pkbUserId: string,
  now: Date,
  /** The cached patient when the caller has read it already (null: none cached); read here when undefined. */
  known?: Pick<Patient, "pkbUserId" | "nhsNumber" | "fetchedAt"> | null,
): Promise<{ patient: Pick<Patient, "pkbUserId" | "nhsNumber">; problem: string | null; fetched: Patient | null }> {
  const cached = known === undefined ? await getPatient(deps.db, pkbUserId) : known;
  if (cached && now.getTime() - cached.fetchedAt.getTime() <= deps.settings.patientCacheMs) {
    return {
      patient: cached,
      problem: cached.nhsNumber ? null : "PKB holds no valid NHS number for this patient",
      fetched: null,
    };
  }
  // PKB's details made storable (src/store/storable.ts): a name with U+0000 or a lone surrogate would otherwise fail
  // the patients' upsert, and with it every attempt at the request. The original stays PKB's: the next fetch reads it.
  const user = storableJson(await deps.rest.user(connectionId, pkbUserId)).value;
  const { nhsNumber, problem } = nhsNumberOf(user);
  const patient: Patient = {
    pkbUserId,
    nhsNumber,
    title: user.title ?? null,
    firstName: user.firstName ?? null,
    lastName: user.lastName ?? null,
    dob: user.dob && isCalendarDate(user.dob) ? user.dob : null,
    gender: user.gender ?? null,
    email: user.email ?? null,
    phone: user.phone ?? null,
    raw: user,
    fetchedAt: now,
  };
  return { patient, problem, fetched: patient };
}

/**
 * Turns a FHIR Appointment into a match candidate, its text made storable (src/store/storable.ts): the trust's feed
 * can put any text into PKB, and a U+0000 in a location would otherwise fail the request's write on every attempt. The
 * original stays PKB's. An id that had to change is flagged: PKB's (`fhirIdNotExact`: never linked, as Rebook reads a
 * linked appointment back from PKB by its id) or the trust's (`externalIdNotExact`: never linked without a person,
 * never stored as the request's PAS id).
 */
export function toCandidate(a: FhirAppointment): Candidate {
  const start = a.start ? new Date(a.start) : null;
  const text = (s: string | null | undefined): string | null => (s == null ? null : storableText(s));
  const externalId = a.identifier?.find((i) => i.system === EXTERNAL_ID_SYSTEM)?.value ?? null;
  const candidate: Candidate = {
    fhirId: storableText(a.id),
    externalId: text(externalId),
    start: start && !Number.isNaN(start.getTime()) ? start : null,
    status: storableText(a.status),
    appointmentType: text(a.appointmentType?.coding?.[0]?.display ?? a.appointmentType?.text),
    description: text(a.comment ?? a.description),
    specialtyCode: text(a.specialty?.[0]?.coding?.[0]?.code),
    specialtyDisplay: text(a.specialty?.[0]?.coding?.[0]?.display),
    location: text(a.participant?.find((p) => p.actor?.type === "Location")?.actor?.display),
  };
  if (candidate.fhirId !== a.id) candidate.fhirIdNotExact = true;
  if (candidate.externalId !== externalId) candidate.externalIdNotExact = true;
  return candidate;
}

/** Rebook's own code (not PKB's) in UpstreamError.upstreamCode for an answer to a read by id that is another appointment. */
export const ANOTHER_APPOINTMENT = "another_appointment";

/**
 * The appointment PKB answered a read by id with, as a candidate. Another one is a retryable PKB error
 * (`ANOTHER_APPOINTMENT`), never read as the linked appointment's state.
 */
export function readBackCandidate(a: FhirAppointment, fhirId: string): Candidate {
  if (a.id !== fhirId) {
    throw new UpstreamError(
      "pkb_fhir",
      "PKB answered the read of one appointment with another",
      null,
      true,
      ANOTHER_APPOINTMENT,
    );
  }
  return toCandidate(a);
}

/**
 * Scores a patient's appointments from PKB against the request (matchAppointment). With a start asked for, only
 * appointments within 36 h of it count (the search is a little wider than the day, to be safe at the edges).
 */
export function matchFhirAppointments(
  appointments: readonly FhirAppointment[],
  p: { requestedStart: Date | null; requestedSubject: string | null },
  threshold: number,
): MatchResult {
  const candidates = appointments.map(toCandidate);
  const near = p.requestedStart
    ? candidates.filter((c) => c.start && Math.abs(c.start.getTime() - p.requestedStart!.getTime()) < 36 * 3_600_000)
    : candidates;
  const wallClock = p.requestedStart ? instantToWallClock(p.requestedStart, UK_ZONE) : null;
  return matchAppointment({ wallClock, subject: p.requestedSubject ?? "" }, near, { threshold, zone: UK_ZONE });
}

/** The UTC date of an instant (the FHIR search's date parameters are UTC dates). */
const utcDate = (d: Date): string => isoDate(d.getTime());

/**
 * Finds and scores the patient's appointments for a request. With a readable date: every appointment whose start is
 * within the UK day asked for, searched as the UTC dates either side (a UK evening in BST or a UK midnight falls on a
 * neighbouring UTC date). Without one: the patient's appointments from the request onwards, for a person to choose.
 */
export async function findAppointment(
  deps: SyncDeps,
  p: { nhsNumber: string; requestedStart: Date | null; requestedSubject: string | null; receivedAt: Date },
): Promise<MatchResult> {
  let from: string;
  let to: string;
  if (p.requestedStart) {
    const [year, month, day] = localDate(p.requestedStart, UK_ZONE).split("-").map(Number);
    const midnight = wallClockToInstant({ year: year!, month: month!, day: day!, hour: 0, minute: 0 }, UK_ZONE).instant;
    from = utcDate(plusLocalDays(midnight, -1, UK_ZONE));
    to = utcDate(plusLocalDays(midnight, 1, UK_ZONE));
  } else {
    from = utcDate(plusLocalDays(p.receivedAt, -1, UK_ZONE));
    to = utcDate(plusLocalDays(p.receivedAt, 400, UK_ZONE));
  }
  const appointments = await deps.fhir.appointmentsForPatient(p.nhsNumber, from, to);
  return matchFhirAppointments(appointments, p, deps.settings.autoLinkThreshold);
}
