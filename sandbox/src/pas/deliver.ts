// What the PAS feed does to PKB's appointments when it delivers a clerk's action, in the ways an HL7 feed can:
// a cancel as S15 (status cancelled) or as a deletion (gone from the patient's appointments); a move as a re-sent
// S12/S13 with the same external identifier and a new start, or as a cancel of the old appointment plus a new one
// (new identifiers) at the new time.

import type { SandboxAppointment } from "../model.ts";
import { isoUtc, stableDigits, stableUuid } from "../util.ts";
import type { World } from "../world.ts";

/** How the feed carries an action into PKB: cancel → "cancelled" | "removed"; move → "same-identifier" | "new-appointment". */
export type PasDelivery = "cancelled" | "removed" | "same-identifier" | "new-appointment";

/** The deliveries each action allows; the first is the default. */
export const DELIVERIES: Record<"cancel" | "move", readonly PasDelivery[]> = {
  cancel: ["cancelled", "removed"],
  move: ["same-identifier", "new-appointment"],
};

/** The action fields delivery reads. */
export interface DeliverableAction {
  id: string;
  appointmentId: string;
  newStart: string | null;
  delivery: PasDelivery;
  /** A new appointment's external identifier; null = `<old>-NNNN`. */
  newExternalId: string | null;
}

function touch(a: SandboxAppointment, atMs: number): void {
  a.versionId += 1;
  a.lastUpdated = isoUtc(atMs);
}

/** Applies `action` to `world` at `atMs` (UTC epoch ms); a reason when it cannot (the appointment is gone). */
export function deliver(
  world: World,
  action: DeliverableAction,
  atMs: number,
): { newAppointmentId: string | null } | { reason: string } {
  const a = world.appointment(action.appointmentId);
  if (!a) return { reason: "the appointment is no longer in PKB" };
  if (action.delivery === "removed") {
    world.removeAppointment(a.id);
    return { newAppointmentId: null };
  }
  if (action.delivery === "cancelled") {
    a.status = "cancelled";
    a.statusBeforePending = null;
    touch(a, atMs);
    return { newAppointmentId: null };
  }
  if (action.newStart === null) return { reason: "a move needs a new start" };
  if (
    action.delivery === "new-appointment" &&
    action.newExternalId !== null &&
    world.appointmentByExternalId(action.newExternalId)
  ) {
    return { reason: "another appointment has the new external identifier" };
  }
  const start = Date.parse(action.newStart);
  const end = a.end === null ? null : isoUtc(start + (Date.parse(a.end) - Date.parse(a.start)));
  if (action.delivery === "same-identifier") {
    a.start = isoUtc(start);
    a.end = end;
    a.status = "booked";
    a.statusBeforePending = null;
    touch(a, atMs);
    world.reindexAppointment(a);
    return { newAppointmentId: null };
  }
  a.status = "cancelled";
  a.statusBeforePending = null;
  touch(a, atMs);
  const seed = `${a.id}/${action.id}`;
  const moved: SandboxAppointment = {
    ...a,
    id: stableUuid(`pas-appointment/${seed}`),
    legacyId: stableDigits(`pas-legacy/${seed}`, 9),
    commonId: stableUuid(`pas-common/${seed}`),
    externalId: action.newExternalId ?? `${a.externalId}-${stableDigits(`pas-external/${seed}`, 4)}`,
    status: "booked",
    statusBeforePending: null,
    start: isoUtc(start),
    end,
    versionId: 1,
    lastUpdated: isoUtc(atMs),
    recordedDate: isoUtc(atMs),
  };
  world.addAppointment(moved);
  return { newAppointmentId: moved.id };
}
