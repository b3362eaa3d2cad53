// The "In PKB" panel's "Last checked" row: never "Not yet" beside "Confirmed". Runs in both zones.
import { describe, expect, it } from "vitest";
import { lastCheckedText } from "../../web/src/detail/pkb-confirmation-words.ts";

describe("the In PKB panel's last check", () => {
  const at = "2026-12-02T10:00:00.000Z";

  it("says when PKB was last read while Rebook is checking", () => {
    expect(lastCheckedText({ state: "awaiting", checkedAt: at })).toBe("Wed 2 Dec 2026, 10:00");
    expect(lastCheckedText({ state: "not_confirmed", checkedAt: at })).toBe("Wed 2 Dec 2026, 10:00");
  });

  it("says why there is no check yet: none due, or PKB could not be read", () => {
    expect(lastCheckedText({ state: "awaiting", checkedAt: null })).toBe("Not yet");
    expect(lastCheckedText({ state: "not_confirmed", checkedAt: null })).toBe("Not yet: PKB could not be read");
  });

  it("leaves the row out once confirmed: the confirming check was the last, its time is the Confirmed row's", () => {
    expect(lastCheckedText({ state: "confirmed", checkedAt: at })).toBeNull();
    expect(lastCheckedText({ state: "confirmed", checkedAt: null })).toBeNull();
  });
});
