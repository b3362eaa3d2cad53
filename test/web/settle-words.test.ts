// The request page's "Asked again after an outcome" notice says what became of the earlier request in words that fit
// its outcome: only a rebooking or a cancellation is a change that may not have reached the patient.
import { describe, expect, it } from "vitest";
import { earlierRequestText } from "../../web/src/detail/settle-words.ts";

describe("asked again after an outcome", () => {
  it("says a rebooking or a cancellation may not have reached the patient", () => {
    expect(earlierRequestText("rebooked")).toBe("was rebooked: the new time may not have reached the patient.");
    expect(earlierRequestText("cancelled")).toBe("was cancelled: the cancellation may not have reached the patient.");
  });

  it("words a rejection, a patient contact and an automatic close for what they are", () => {
    expect(earlierRequestText("rejected")).toBe(
      "was rejected: the patient may not have been told, or may want it looked at again.",
    );
    expect(earlierRequestText("needs_patient_contact")).toMatch(/^was closed as needing patient contact: /);
    expect(earlierRequestText("already_done_in_pkb")).toMatch(/^was closed automatically, as PKB already showed it/);
    for (const o of ["rejected", "needs_patient_contact", "already_done_in_pkb", null] as const)
      expect(earlierRequestText(o), String(o)).not.toMatch(/was done|change may not have reached/);
  });
});
