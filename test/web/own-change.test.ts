// Which live events the request page takes as its own tab's write (and so does not load the request again for): only
// one made from this tab by this person. Another person's event naming this tab (a colleague who learnt the tab's id
// and sent it with their writes) is their change, and the page must still show it.
import { describe, expect, it } from "vitest";
import { isThisTabsOwn } from "../../web/src/api/own-change.ts";

const TAB = "3f9c2a7e5b1d4c8a9e0f1a2b3c4d5e6f";
const ME = "7d1f0c5e-2a4b-4c6d-8e9f-0a1b2c3d4e5f";
const COLLEAGUE = "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a8b";

describe("a live event from this tab", () => {
  it("is this tab's own when this person made it from this tab", () => {
    expect(isThisTabsOwn({ tabId: TAB, actorUserId: ME }, TAB, ME)).toBe(true);
  });

  it("is not when it came from another tab, or names none (another client, the system)", () => {
    expect(isThisTabsOwn({ tabId: "a".repeat(32), actorUserId: ME }, TAB, ME)).toBe(false);
    expect(isThisTabsOwn({ tabId: null, actorUserId: ME }, TAB, ME)).toBe(false);
    expect(isThisTabsOwn({ tabId: null, actorUserId: null }, TAB, ME)).toBe(false);
  });

  it("is not when someone else made it, even naming this tab", () => {
    expect(isThisTabsOwn({ tabId: TAB, actorUserId: COLLEAGUE }, TAB, ME)).toBe(false);
    expect(isThisTabsOwn({ tabId: TAB, actorUserId: null }, TAB, ME)).toBe(false);
  });
});
