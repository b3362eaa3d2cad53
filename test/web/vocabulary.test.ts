// One vocabulary for matching on every screen: one name for "a person must choose the appointment" (the worklist tag,
// its filter, the history and the request page), one confidence figure written one way (a whole percentage, never
// 0.95 or "points"), and the patient's proposals in words. Runs in both zones.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  confidenceText,
  dayText,
  matchText,
  proposalSummary,
  proposalText,
  suggestedStart,
} from "../../web/src/format.ts";
import { matchChoices } from "../../web/src/worklist/view.ts";

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
  });

describe("the words for matching", () => {
  it("names the state that needs a person the same in the tag and the filter", () => {
    expect(matchText.review).toBe("Appointment to choose");
    expect(matchChoices.find(([v]) => v === "needs_person")?.[1]).toBe(matchText.review);
  });

  it("writes confidence as a whole percentage with its band", () => {
    expect(confidenceText(0.95)).toBe("95% (high)");
    expect(confidenceText(0.48)).toBe("48% (low)");
    expect(confidenceText(0.6)).toBe("60% (medium)");
    expect(confidenceText(null)).toBeNull();
  });

  it("uses no other word for either anywhere in the web app", () => {
    const web = path.resolve(import.meta.dirname, "../../web/src");
    for (const f of files(web)) {
      const text = readFileSync(f, "utf8");
      expect(text, f).not.toMatch(/Needs review|needs choosing|"Score"|points\)/);
    }
  });
});

describe("the patient's proposals in words", () => {
  const now = new Date("2026-10-12T12:00:00Z");
  it("says the day, the week, the time or the part of the day", () => {
    const p = { text: "", week: false, time: null, partOfDay: null };
    expect(proposalText({ ...p, date: "2026-10-16" }, now)).toBe("Fri 16 Oct");
    expect(proposalText({ ...p, date: "2027-01-05" }, now)).toBe("Tue 5 Jan 2027");
    expect(proposalText({ ...p, date: "2026-10-16", time: "14:00" }, now)).toBe("Fri 16 Oct, 14:00");
    expect(proposalText({ ...p, date: "2026-10-16", partOfDay: "afternoon" }, now)).toBe("Fri 16 Oct, afternoon");
    expect(proposalText({ ...p, date: "2026-10-19", week: true }, now)).toBe("week of Mon 19 Oct");
    expect(proposalText({ ...p, date: null, partOfDay: "morning" }, now)).toBe("mornings");
    expect(dayText("2026-03-29", now)).toBe("Sun 29 Mar");
  });
});

describe("a proposed day that has gone by", () => {
  // Tue 8 Dec 2026, 00:30 in the UK (GMT): Mon 7 Dec has gone; the week of Mon 30 Nov ended on Sun 6 Dec.
  const now = new Date("2026-12-08T00:30:00Z");
  const p = { text: "Wednesday", week: false, time: null, partOfDay: null };
  it("is not what the worklist row suggests while a later one is still to come", () => {
    expect(
      proposalSummary(
        [
          { ...p, date: "2026-12-07" },
          { ...p, date: "2026-12-09" },
        ],
        now,
      )?.text,
    ).toBe("Patient suggests Wed 9 Dec");
    expect(proposalSummary([{ ...p, date: "2026-12-08" }], now)?.text).toBe("Patient suggests Tue 8 Dec");
    expect(proposalSummary([{ ...p, date: "2026-12-07", week: true }], now)?.text).toBe(
      "Patient suggests week of Mon 7 Dec",
    );
    expect(proposalSummary([{ ...p, date: null, partOfDay: "morning" as const }], now)?.text).toBe(
      "Patient suggests mornings",
    );
    expect(proposalSummary([], now)).toBeNull();
    expect(proposalSummary([{ ...p, date: "2026-12-09" }], now)?.passed).toBe(false);
  });
  it("is said to have passed when every day the patient proposed has", () => {
    expect(proposalSummary([{ ...p, date: "2026-10-07" }], now)).toEqual({
      text: "Patient suggested Wed 7 Oct, now passed",
      passed: true,
    });
    expect(proposalSummary([{ ...p, date: "2026-11-30", week: true }], now)?.text).toBe(
      "Patient suggested week of Mon 30 Nov, now passed",
    );
  });
  it("never fills in the rebook form", () => {
    expect(suggestedStart([{ ...p, date: "2026-10-07" }], now)).toBeNull();
    expect(
      suggestedStart(
        [
          { ...p, date: "2026-10-07" },
          { ...p, date: "2026-12-10", time: "14:00" },
        ],
        now,
      ),
    ).toEqual({
      value: { day: "10", month: "12", year: "2026", time: "14:00" },
      text: "Wednesday",
    });
    expect(suggestedStart([{ ...p, date: "2026-12-08" }], now)?.value.day).toBe("8");
  });
  it("counts the UK day, in British Summer Time too", () => {
    // 23:30 on Sun 28 Jun 2026 in UTC is 00:30 on Mon 29 Jun in the UK: Sun 28 Jun has gone.
    const bst = new Date("2026-06-28T23:30:00Z");
    expect(proposalSummary([{ ...p, date: "2026-06-28" }], bst)?.text).toBe("Patient suggested Sun 28 Jun, now passed");
    expect(proposalSummary([{ ...p, date: "2026-06-29" }], bst)?.text).toBe("Patient suggests Mon 29 Jun");
  });
});
