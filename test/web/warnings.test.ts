// What the API warns about a change, read from its answers for the person who made it: a single action's, a note's,
// a bulk action's (each after its patient), what is said with the confirmation, and a confirmation carried to the next
// request's page by "Save and next". Runs in both zones.
import { describe, expect, it } from "vitest";
import { bulkWarnings, carriedNotice, spokenNotice, warningsOf } from "../../web/src/api/warnings.ts";
import type { BulkResult, WorkflowResult } from "../../web/src/api/workflow.ts";

const repeated =
  "01:30 on Sun 25 Oct 2026 happens twice in the UK (the clocks go back that night); recorded as the first, Sun 25 Oct 2026, 01:30 (BST)";
const result = (id: string, warnings: string[] = []): WorkflowResult => ({
  id,
  status: "done",
  outcome: "rebooked",
  teamId: null,
  assignedUser: null,
  matchState: "auto_linked",
  changed: true,
  warnings,
});

describe("warningsOf", () => {
  it("reads an action's warnings, and a note's (under its request)", () => {
    expect(warningsOf(result("a", [repeated]))).toEqual([repeated]);
    expect(warningsOf({ note: { id: "n" }, request: result("a", ["Check the note"]) })).toEqual(["Check the note"]);
  });

  it("finds none where there are none: no warnings, not done (null), or an answer of another shape", () => {
    expect(warningsOf(result("a"))).toEqual([]);
    expect(warningsOf(null)).toEqual([]);
    expect(warningsOf(undefined)).toEqual([]);
    expect(warningsOf({ ok: true })).toEqual([]);
    expect(warningsOf({ warnings: "not a list" })).toEqual([]);
    expect(warningsOf({ warnings: ["", "  ", 3, "kept"] })).toEqual(["kept"]);
  });
});

describe("bulkWarnings", () => {
  it("puts each warning after the patient of its request, in the results' order; failures have none", () => {
    const results: BulkResult["results"] = [
      { id: "a", ok: true, result: result("a", ["first", "second"]) },
      { id: "b", ok: false, error: { code: "held_by_other", message: "Cara Clerk has it" } },
      { id: "c", ok: true, result: result("c") },
      { id: "d", ok: true, result: result("d", ["third"]) },
    ];
    const names: Record<string, string> = { a: "Ann Able (943 476 5919)", d: "Łucja Wiśniewska" };
    expect(bulkWarnings(results, (id) => names[id] ?? id)).toEqual([
      "Ann Able (943 476 5919): first",
      "Ann Able (943 476 5919): second",
      "Łucja Wiśniewska: third",
    ]);
  });
});

describe("spokenNotice", () => {
  it("says the confirmation, then each warning as important", () => {
    expect(spokenNotice({ text: "Outcome recorded: Rebooked.", warnings: [repeated] })).toBe(
      `Outcome recorded: Rebooked. Important: ${repeated}`,
    );
    expect(spokenNotice({ text: "Outcome recorded: Cancelled.", warnings: [] })).toBe("Outcome recorded: Cancelled.");
  });

  it("names the patient when the page now shows another request", () => {
    expect(spokenNotice({ text: "Outcome recorded: Rebooked.", warnings: [repeated], about: "Ann Able" })).toBe(
      `Previous request (Ann Able): Outcome recorded: Rebooked. Important: ${repeated}`,
    );
  });
});

describe("carriedNotice", () => {
  it("reads the confirmation 'Save and next' brings to the next request's page", () => {
    const state = {
      backTo: "/requests",
      queue: ["a", "b"],
      notice: { text: "Outcome recorded: Rebooked.", warnings: [repeated], about: "Ann Able" },
    };
    expect(carriedNotice(state)).toEqual({
      text: "Outcome recorded: Rebooked.",
      warnings: [repeated],
      about: "Ann Able",
    });
  });

  it("finds none in state without one, or with something else under its name (history keeps state for years)", () => {
    expect(carriedNotice(null)).toBeNull();
    expect(carriedNotice({ backTo: "/requests", queue: [] })).toBeNull();
    expect(carriedNotice({ notice: "Transferred to Cancellations." })).toBeNull();
    expect(carriedNotice({ notice: { text: "" } })).toBeNull();
    expect(carriedNotice({ notice: { text: "Outcome recorded: Cancelled.", warnings: "x", about: 7 } })).toEqual({
      text: "Outcome recorded: Cancelled.",
      warnings: [],
    });
  });
});
