// A saved view keeps the worklist's filters and sort as an /api/requests query (what the server counts); opening it
// turns that query back into the same worklist view. Every choice of every filter round-trips.
import { describe, expect, it } from "vitest";
import { confirmationChoices } from "../../web/src/worklist/confirmation-choices.ts";
import {
  dueChoices,
  matchChoices,
  readView,
  sortChoices,
  statusChoices,
  viewFromQuery,
  viewQuery,
  writeView,
  type WorklistView,
} from "../../web/src/worklist/view.ts";

const base = readView(new URLSearchParams(""));

describe("saved view queries", () => {
  it("round-trips every choice of every filter", () => {
    const variants: Partial<WorklistView>[] = [
      ...statusChoices.map(([status]) => ({ status })),
      ...matchChoices.map(([match]) => ({ match })),
      ...dueChoices.map(([due]) => ({ due })),
      ...confirmationChoices.map(([confirmation]) => ({ confirmation })),
      ...sortChoices.map(([sort]) => ({ sort })),
      { mine: true, type: "cancel", q: "Smith", specialty: "110", team: "0b9f4c1e-3b1a-4a55-9d7e-2f2d3c4b5a69" },
    ];
    for (const change of variants) {
      const v: WorklistView = { ...base, ...change };
      const back = viewFromQuery(viewQuery(v), { per: v.per, saved: "" });
      expect(back, JSON.stringify(change)).toEqual(v);
    }
  });

  it("leaves paging out and sorts the keys, as the server stores it", () => {
    const v = readView(new URLSearchParams("mine=1&due=overdue&page=abc.def&per=25"));
    expect(viewQuery(v)).toBe("assigned_to=me&due=overdue&sort=deadline&status=open%2Cin_progress");
  });

  it("keeps the saved view's id in the URL while the filters change, and per-page from the caller", () => {
    const v = viewFromQuery("due=overdue", { per: 25, saved: "v1" });
    expect(v).toMatchObject({ status: "all", due: "overdue", per: 25, saved: "v1", pages: [] });
    expect(writeView(v).get("view")).toBe("v1");
    expect(readView(writeView(v)).saved).toBe("v1");
  });
});
