// The trust's PAS and its feed into PKB. A clerk's action in the PAS (cancel or move an appointment) is recorded at
// once; the feed carries it into PKB's appointments `delaySeconds` later, or never (a deterministic drop rate, or the
// feed stopped). Rebook can only see the result through the Aggregated FHIR API, as with the real PKB.
// Delivery is evaluated lazily: every request to the emulator first applies the actions that have fallen due, each
// stamped with the instant it fell due, so a clock that only moves in tests gives the same world as a real one.

import type { SandboxAppointment } from "../model.ts";
import { isoUtc } from "../util.ts";
import type { World } from "../world.ts";
import { type PasDelivery, deliver } from "./deliver.ts";

/** What a clerk did in the PAS. */
export type PasActionKind = "cancel" | "move";

/** Where a recorded action is: waiting for the feed, in PKB, lost by the feed, or impossible when it fell due. */
export type PasActionState = "queued" | "applied" | "dropped" | "failed";

/** One clerk action in the PAS and what the feed did with it (instants are UTC ISO strings). */
export interface PasAction {
  /** "pas-1", "pas-2", … in recording order. */
  id: string;
  action: PasActionKind;
  appointmentId: string;
  /** The appointment's external identifier (HL7 SCH-1.1) when the action was recorded. */
  externalId: string;
  patientPkbId: string;
  /** For a move: the new start (UTC instant); null for a cancel. */
  newStart: string | null;
  /** How the feed carries it into PKB. */
  delivery: PasDelivery;
  recordedAt: string;
  /** When the feed delivers it (recordedAt + delay); delivery waits while the feed is stopped. */
  dueAt: string;
  state: PasActionState;
  /** When PKB changed (null until applied). */
  appliedAt: string | null;
  /** For a move delivered as a new appointment: the new appointment's FHIR id. */
  newAppointmentId: string | null;
  /**
   * For a move delivered as a new appointment: the external identifier the PAS gave the new booking (any text, as a
   * PAS may send); null = `<old>-NNNN`.
   */
  newExternalId: string | null;
  /** Why a failed action could not be applied. */
  reason: string | null;
}

/** The feed's switches: delay before delivery, share of actions it loses, and whether it runs at all. */
export interface PasFeedSettings {
  /** Seconds from recording to delivery (0 = on the next request). */
  delaySeconds: number;
  /** 0..1: deterministic share of newly recorded actions that never arrive (counted from the last change of it). */
  dropRate: number;
  /** When true nothing is delivered; due actions wait until the feed is started again. */
  stopped: boolean;
}

/** What a clerk records: the appointment by FHIR id or external identifier, the action, and for a move the start. */
export interface PasActionInput {
  appointment: SandboxAppointment;
  action: PasActionKind;
  /** UTC epoch ms; required for a move. */
  newStartMs?: number | undefined;
  delivery?: PasDelivery | undefined;
  /** Overrides the feed's delay for this action (seconds). */
  delaySeconds?: number | undefined;
  /** For a move delivered as a new appointment: the new booking's external identifier. */
  newExternalId?: string | undefined;
}

/** The PAS's recorded actions and the feed's state; lives with the world in SandboxState. */
export class PasFeed {
  private actions: PasAction[] = [];
  private settings: PasFeedSettings;
  /** Actions recorded since dropRate last changed (for the deterministic drop count). */
  private countedSinceRateChange = 0;
  /** While stopped, nothing is delivered; after a restart, actions overdue meanwhile are stamped with this instant. */
  private resumedAtMs = 0;

  /** `initial` gives the feed's settings at start (SANDBOX_PAS_DELAY, SANDBOX_PAS_DROP_RATE). */
  constructor(initial: Partial<PasFeedSettings> = {}) {
    this.settings = { delaySeconds: 120, dropRate: 0, stopped: false, ...initial };
  }

  /** The current switches. */
  getSettings(): PasFeedSettings {
    return { ...this.settings };
  }

  /** Changes some switches at `nowMs`. Restarting a stopped feed delivers what fell due meanwhile at that instant. */
  setSettings(change: Partial<PasFeedSettings>, nowMs: number): PasFeedSettings {
    if (change.dropRate !== undefined && change.dropRate !== this.settings.dropRate) this.countedSinceRateChange = 0;
    if (change.stopped === false && this.settings.stopped) this.resumedAtMs = nowMs;
    this.settings = { ...this.settings, ...change };
    return this.getSettings();
  }

  /** Every recorded action, oldest first (copies). */
  list(): PasAction[] {
    return this.actions.map((a) => ({ ...a }));
  }

  /** Actions recorded for one patient, oldest first (copies). */
  listForPatient(patientPkbId: string): PasAction[] {
    return this.actions.filter((a) => a.patientPkbId === patientPkbId).map((a) => ({ ...a }));
  }

  /** Forgets every action (the world was regenerated); the switches stay. */
  clear(): void {
    this.actions = [];
    this.countedSinceRateChange = 0;
  }

  /** Records a clerk's action at `nowMs`; whether the feed will lose it is decided now (deterministically). */
  record(input: PasActionInput, nowMs: number): PasAction {
    const n = ++this.countedSinceRateChange;
    const rate = this.settings.dropRate;
    const dropped = Math.floor(n * rate) > Math.floor((n - 1) * rate);
    const delay = input.delaySeconds ?? this.settings.delaySeconds;
    const a = input.appointment;
    const action: PasAction = {
      id: `pas-${this.actions.length + 1}`,
      action: input.action,
      appointmentId: a.id,
      externalId: a.externalId,
      patientPkbId: a.patientPkbId,
      newStart: input.action === "move" && input.newStartMs !== undefined ? isoUtc(input.newStartMs) : null,
      delivery: input.delivery ?? (input.action === "cancel" ? "cancelled" : "same-identifier"),
      recordedAt: isoUtc(nowMs),
      dueAt: isoUtc(nowMs + delay * 1000),
      state: dropped ? "dropped" : "queued",
      appliedAt: null,
      newAppointmentId: null,
      newExternalId: input.newExternalId ?? null,
      reason: null,
    };
    this.actions.push(action);
    return { ...action };
  }

  /** Delivers every queued action due at or before `nowMs` into `world`, in due order (unless the feed is stopped). */
  applyDue(world: World, nowMs: number): number {
    if (this.settings.stopped) return 0;
    const due = this.actions
      .filter((a) => a.state === "queued" && Date.parse(a.dueAt) <= nowMs)
      .sort((x, y) => Date.parse(x.dueAt) - Date.parse(y.dueAt));
    for (const action of due) {
      const at = Math.max(Date.parse(action.dueAt), this.resumedAtMs);
      const result = deliver(world, action, at);
      action.appliedAt = isoUtc(at);
      if ("reason" in result) {
        action.state = "failed";
        action.reason = result.reason;
      } else {
        action.state = "applied";
        action.newAppointmentId = result.newAppointmentId;
      }
    }
    return due.length;
  }
}
