// Scores the appointments PKB returned for a patient against what the request message says, so that each request is
// either linked to one appointment with a confidence and the reasons, or put in front of a person with its candidates.
// Never a silent guess: every point awarded is written down as evidence.
import { formatUkDateTime, instantToWallClock, localDate, wallClockInstants, type WallClock } from "./uk-time.ts";

/** What the request message says about the appointment. */
export interface MatchTarget {
  /** The UK wall-clock date and time from the subject; null when the subject could not be read. */
  wallClock: WallClock | null;
  /** The appointment's subject from the message ("Emergency"); empty when none. */
  subject: string;
}

/** An appointment PKB holds for the patient (from the Aggregated FHIR API). */
export interface Candidate {
  fhirId: string;
  externalId: string | null;
  start: Date | null;
  status: string;
  appointmentType: string | null;
  description: string | null;
  specialtyCode: string | null;
  specialtyDisplay: string | null;
  location: string | null;
  /**
   * True when PKB's FHIR id held text Rebook cannot store (U+0000, a lone surrogate), so the id shown is made storable
   * and is not PKB's: Rebook can neither link this appointment (it reads a linked one back from PKB by its id) nor
   * check it in PKB. It stays a candidate, so that it still counts (a start two appointments share, what PKB shows when
   * an outcome is confirmed), and a person acts on it in the PAS.
   */
  fhirIdNotExact?: boolean;
  /**
   * True when the trust's appointment id held text Rebook cannot store, so the id shown is made storable and is not
   * exactly the PAS's: such an appointment is never linked without a person, and a request linked to it holds no PAS
   * id (pasIdOf).
   */
  externalIdNotExact?: boolean;
}

/**
 * The trust's (PAS's) id of a candidate as a request may hold it: none when the id shown had to be made storable, or
 * when there is no candidate.
 */
export const pasIdOf = (
  c: { externalId: string | null; externalIdNotExact?: boolean | undefined } | null | undefined,
): string | null => (!c || c.externalIdNotExact ? null : c.externalId);

/** Why a candidate whose PKB id Rebook cannot store is not linked (refusal to link it). */
export const FHIR_ID_NOT_EXACT =
  "PKB's id for this appointment holds characters Rebook cannot store, so Rebook cannot link it or check it in PKB: if it is the one, act on it in the PAS and record the outcome here";
/** The match summary's line when the best candidate cannot be linked for that reason. */
export const BEST_FHIR_ID_NOT_EXACT =
  "PKB's id for the best match holds characters Rebook cannot store, so Rebook cannot link it or check it in PKB: if it is the one, act on it in the PAS and record the outcome here";

/**
 * Whether a candidate may become a request's linked appointment: not when PKB's id had to be made storable (flagged,
 * or holding U+FFFD, which no FHIR id can: ids are [A-Za-z0-9.-], and a flag may be missing from older stored data).
 */
export const linkable = (c: { fhirId: string; fhirIdNotExact?: boolean | undefined }): boolean =>
  !c.fhirIdNotExact && !c.fhirId.includes("\ufffd");
/** Why a candidate whose trust id Rebook cannot store was not linked automatically. */
export const EXTERNAL_ID_NOT_EXACT =
  "The trust's appointment id reached PKB with characters Rebook cannot store (shown as \ufffd): find the appointment in the PAS by patient and date";

/** One reason a candidate gained (or did not gain) points. */
export interface Evidence {
  factor: "start" | "subject" | "status";
  points: number;
  text: string;
}

export interface ScoredCandidate extends Candidate {
  /** 0..1 */
  score: number;
  evidence: Evidence[];
}

export type MatchDecision = "auto_link" | "review" | "no_candidates";

export interface MatchResult {
  decision: MatchDecision;
  /** The best candidate, or null when there were none. */
  best: ScoredCandidate | null;
  /** 0..1: the best score, reduced when another candidate comes close. */
  confidence: number;
  /** Every candidate, best first. */
  candidates: ScoredCandidate[];
  /** Why the decision was made, for a person. */
  summary: string[];
}

/** Weights of the three factors; they add up to 1. */
export const WEIGHTS = { start: 0.6, subject: 0.3, status: 0.1 } as const;
/** Below this gap between the best and second-best scores the best one is not trusted alone. */
export const CLEAR_MARGIN = 0.2;
/** Default confidence at or above which a request is linked without a person. */
export const DEFAULT_AUTO_LINK_THRESHOLD = 0.8;

const normalise = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();

/** Dice coefficient over word sets, 0..1. */
function similarity(a: string, b: string): number {
  const wa = new Set(normalise(a).split(" ").filter(Boolean));
  const wb = new Set(normalise(b).split(" ").filter(Boolean));
  if (wa.size === 0 || wb.size === 0) return 0;
  let common = 0;
  for (const w of wa) if (wb.has(w)) common++;
  return (2 * common) / (wa.size + wb.size);
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

function describeGap(minutes: number): string {
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  const text = [h ? `${h} h` : "", m ? `${m} min` : ""].filter(Boolean).join(" ");
  return `${text} ${minutes > 0 ? "later" : "earlier"}`;
}

function scoreStart(target: MatchTarget, c: Candidate, zone: string): Evidence {
  if (!target.wallClock) return { factor: "start", points: 0, text: "The message's date and time could not be read" };
  if (!c.start) return { factor: "start", points: 0, text: "PKB holds no start time for this appointment" };
  const when = formatUkDateTime(c.start, zone);
  const instants = wallClockInstants(target.wallClock, zone);
  if (instants.some((i) => i.getTime() === c.start!.getTime())) {
    return { factor: "start", points: WEIGHTS.start, text: `Starts ${when}, exactly the time in the message` };
  }
  const w = target.wallClock;
  const utcWall = instantToWallClock(c.start, "UTC");
  if (
    utcWall.year === w.year &&
    utcWall.month === w.month &&
    utcWall.day === w.day &&
    utcWall.hour === w.hour &&
    utcWall.minute === w.minute
  ) {
    return {
      factor: "start",
      points: round(WEIGHTS.start * 0.6),
      text: `Starts ${when}: the message's time matches only if it was written in UTC rather than UK time`,
    };
  }
  const wantedDate = `${w.year}-${String(w.month).padStart(2, "0")}-${String(w.day).padStart(2, "0")}`;
  if (localDate(c.start, zone) === wantedDate) {
    const minutes = Math.round((c.start.getTime() - instants[0]!.getTime()) / 60_000);
    const points = round(WEIGHTS.start * 0.4 * Math.max(0, 1 - Math.abs(minutes) / 720));
    return { factor: "start", points, text: `Starts ${when}: same day, ${describeGap(minutes)} than the message says` };
  }
  return { factor: "start", points: 0, text: `Starts ${when}: not the day in the message` };
}

function scoreSubject(target: MatchTarget, c: Candidate): Evidence {
  const wanted = target.subject.trim();
  if (!wanted) {
    const isDefault = !c.appointmentType || normalise(c.appointmentType) === "appointment";
    return isDefault
      ? { factor: "subject", points: WEIGHTS.subject, text: "Neither the message nor the appointment has a subject" }
      : { factor: "subject", points: 0, text: "The message gives no appointment subject to compare" };
  }
  if (c.appointmentType && normalise(c.appointmentType) === normalise(wanted)) {
    return {
      factor: "subject",
      points: WEIGHTS.subject,
      text: `Appointment type "${c.appointmentType}" is the subject in the message`,
    };
  }
  const fields: [string, string | null][] = [
    ["appointment type", c.appointmentType],
    ["description", c.description],
    ["specialty", c.specialtyDisplay],
  ];
  let best = { sim: 0, label: "", value: "" };
  for (const [label, value] of fields) {
    if (!value) continue;
    const sim = similarity(wanted, value);
    if (sim > best.sim) best = { sim, label, value };
  }
  if (best.sim === 0) return { factor: "subject", points: 0, text: `Nothing in the appointment resembles "${wanted}"` };
  return {
    factor: "subject",
    points: round(WEIGHTS.subject * 0.8 * best.sim),
    text: `The ${best.label} "${best.value}" partly matches "${wanted}" (${Math.round(best.sim * 100)}% of words)`,
  };
}

function scoreStatus(c: Candidate): Evidence {
  switch (c.status) {
    case "pending":
      return {
        factor: "status",
        points: WEIGHTS.status,
        text: "PKB marks it pending: a change or cancel request is open",
      };
    case "booked":
    case "proposed":
    case "arrived":
    case "checked-in":
      return { factor: "status", points: round(WEIGHTS.status / 2), text: `Status is ${c.status}` };
    default:
      return { factor: "status", points: 0, text: `Status is ${c.status}, so it is unlikely to be the one` };
  }
}

/** Scores one candidate. */
export function scoreCandidate(target: MatchTarget, c: Candidate, zone: string): ScoredCandidate {
  const evidence = [scoreStart(target, c, zone), scoreSubject(target, c), scoreStatus(c)];
  return { ...c, score: round(evidence.reduce((s, e) => s + e.points, 0)), evidence };
}

/**
 * Scores every candidate and decides: auto-link when the confidence reaches `threshold` and the message's date and
 * time were readable; otherwise review (or no_candidates). zone is the IANA zone of the message's times.
 */
export function matchAppointment(
  target: MatchTarget,
  candidates: Candidate[],
  opts: { threshold?: number; zone?: string } = {},
): MatchResult {
  const threshold = opts.threshold ?? DEFAULT_AUTO_LINK_THRESHOLD;
  const zone = opts.zone ?? "Europe/London";
  const scored = candidates
    .map((c) => scoreCandidate(target, c, zone))
    .sort(
      (a, b) =>
        b.score - a.score || (a.start?.getTime() ?? 0) - (b.start?.getTime() ?? 0) || a.fhirId.localeCompare(b.fhirId),
    );
  const best = scored[0] ?? null;
  if (!best) {
    return {
      decision: "no_candidates",
      best: null,
      confidence: 0,
      candidates: [],
      summary: ["PKB returned no appointment for this patient around that date"],
    };
  }
  const second = scored[1];
  const margin = second ? best.score - second.score : best.score;
  const confidence = round(margin >= CLEAR_MARGIN ? best.score : best.score * (0.5 + margin / (2 * CLEAR_MARGIN)));
  const summary: string[] = [`Best match scores ${Math.round(best.score * 100)}%`];
  if (second && margin < CLEAR_MARGIN) {
    summary.push(`Another appointment scores ${Math.round(second.score * 100)}%: too close to tell apart`);
  }
  const confident = confidence >= threshold;
  let decision: MatchDecision = confident ? "auto_link" : "review";
  if (!linkable(best)) {
    // Never linked; the usual reasons below still say how good a match it is.
    decision = "review";
    summary.push(BEST_FHIR_ID_NOT_EXACT);
  }
  if (!target.wallClock) {
    decision = "review";
    summary.push("The message's date and time could not be read, so a person must choose");
  } else if (decision === "auto_link" && best.externalIdNotExact) {
    decision = "review";
    summary.push(EXTERNAL_ID_NOT_EXACT);
  } else if (!confident) {
    summary.push(
      `Confidence ${Math.round(confidence * 100)}% is below the ${Math.round(threshold * 100)}% needed to link it automatically`,
    );
  }
  return { decision, best, confidence, candidates: scored, summary };
}

/** A scored candidate as stored (appointment_requests.candidates): the start as an ISO instant. */
export type CandidateRecord = Omit<ScoredCandidate, "start"> & { start: string | null };

/** The candidates of a match result in their stored form, best first. */
export function candidateRecords(m: MatchResult): CandidateRecord[] {
  return m.candidates.map((c) => ({
    fhirId: c.fhirId,
    externalId: c.externalId,
    start: c.start?.toISOString() ?? null,
    status: c.status,
    appointmentType: c.appointmentType,
    description: c.description,
    specialtyCode: c.specialtyCode,
    specialtyDisplay: c.specialtyDisplay,
    location: c.location,
    ...(c.fhirIdNotExact ? { fhirIdNotExact: true } : {}),
    ...(c.externalIdNotExact ? { externalIdNotExact: true } : {}),
    score: c.score,
    evidence: c.evidence,
  }));
}
