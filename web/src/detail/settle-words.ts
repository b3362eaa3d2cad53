// The words of the request page's "Before you act" notices that depend on an outcome.
import type { Outcome } from "../api/types.ts";

/**
 * What became of an earlier request for the same appointment, and why the patient may be asking again, in words that
 * fit its outcome ("was rejected: …"): only a rebooking or a cancellation is a change that may not have reached the
 * patient. Follows "An earlier request for this appointment, received <when>, ".
 */
export function earlierRequestText(outcome: Outcome | null): string {
  switch (outcome) {
    case "rebooked":
      return "was rebooked: the new time may not have reached the patient.";
    case "cancelled":
      return "was cancelled: the cancellation may not have reached the patient.";
    case "rejected":
      return "was rejected: the patient may not have been told, or may want it looked at again.";
    case "needs_patient_contact":
      return "was closed as needing patient contact: the patient may not have been contacted yet.";
    case "already_done_in_pkb":
      return "was closed automatically, as PKB already showed it done: the patient may not know, or may still need something.";
    case null:
      return "was closed: see what the patient was told.";
  }
}
