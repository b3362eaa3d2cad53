// The worklist view's PKB confirmation filter: read from and written to the URL, sent to the API as states, and the
// status widened when it would hide every confirmed or unconfirmed request. Runs in both zones.
import { describe, expect, it } from "vitest";
import { apiQuery, isFiltered, readView, withConfirmation, writeView } from "../../web/src/worklist/view.ts";

describe("the worklist's PKB confirmation filter", () => {
  it("round-trips through the URL and becomes the API's list of states", () => {
    const v = readView(new URLSearchParams("status=done&confirmation=unconfirmed"));
    expect(v.confirmation).toBe("unconfirmed");
    expect(isFiltered(v)).toBe(true);
    expect(writeView(v).toString()).toBe("status=done&confirmation=unconfirmed");
    expect(new URLSearchParams(apiQuery(v)).get("confirmation")).toBe("awaiting,not_confirmed");
    expect(
      new URLSearchParams(apiQuery(readView(new URLSearchParams("confirmation=not_confirmed")))).get("confirmation"),
    ).toBe("not_confirmed");
  });

  it("ignores an unknown value", () => {
    const v = readView(new URLSearchParams("confirmation=maybe"));
    expect(v.confirmation).toBe("");
    expect(new URLSearchParams(apiQuery(v)).has("confirmation")).toBe(false);
  });

  it("widens 'open or in progress' to any status when a confirmation state is chosen", () => {
    const active = readView(new URLSearchParams(""));
    expect(withConfirmation(active, "not_confirmed")).toEqual({ confirmation: "not_confirmed", status: "all" });
    const done = readView(new URLSearchParams("status=done"));
    expect(withConfirmation(done, "awaiting")).toEqual({ confirmation: "awaiting" });
    expect(withConfirmation(active, "")).toEqual({ confirmation: "" });
  });
});
