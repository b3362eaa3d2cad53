// The request's pure rules: the state machine, who may act, and how an outcome is stored (UK wall clock, BST). Runs in
// both zones (vitest.config.ts): no rule may depend on the host's.
import { describe, expect, it } from "vitest";
import type { SessionUser } from "../../src/auth/permissions.ts";
import { decideWaitUntil } from "../../src/requests/commands/snooze.ts";
import { decideOutcome } from "../../src/requests/outcome.ts";
import {
  canMove,
  isReopen,
  matchEventOf,
  matchStateOf,
  requireHolderOrOverride,
  requireInError,
  requireMove,
  requireWorkable,
  type RequestFacts,
} from "../../src/requests/state.ts";
import { REQUEST_STATUSES, WORK_STATUSES } from "../../src/requests/vocabulary.ts";

const user = (role: SessionUser["role"], id = "u1"): SessionUser => ({
  id,
  email: `${id}@nhs.test`,
  displayName: id,
  role,
  teamIds: ["t1"],
  leadTeamIds: role === "team_lead" ? ["t1"] : [],
});
const facts = (f: Partial<RequestFacts> = {}): RequestFacts => ({
  status: "open",
  teamId: "t1",
  assignedUserId: null,
  assignedName: null,
  ...f,
});
const code = (fn: () => void): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as { code: string }).code;
  }
};
const message = (fn: () => void): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
};

describe("state machine", () => {
  it("lets people move open ↔ in progress → done and reopen done; the pipeline's states are not theirs", () => {
    const moves = REQUEST_STATUSES.flatMap((from) =>
      WORK_STATUSES.filter((to) => canMove(from, to)).map((to) => `${from}→${to}`),
    );
    // Done is reached only by recording an outcome, never by a status move.
    expect(moves).toEqual(["open→in_progress", "in_progress→open", "done→open"]);
    expect(isReopen("done", "open")).toBe(true);
    expect(isReopen("in_progress", "open")).toBe(false);
    expect(code(() => requireMove("processing", "open"))).toBe("invalid_transition");
    expect(code(() => requireMove("open", "done"))).toBe("outcome_required");
    expect(code(() => requireMove("open", "in_progress"))).toBeNull();
  });

  it("says why a request cannot be worked", () => {
    expect(code(() => requireWorkable(facts({ status: "done" })))).toBe("request_closed");
    expect(code(() => requireWorkable(facts({ status: "processing" })))).toBe("not_workable");
    expect(code(() => requireWorkable(facts({ status: "error" })))).toBe("not_workable");
    expect(code(() => requireWorkable(facts({ status: "in_progress" })))).toBeNull();
    expect(code(() => requireInError("open"))).toBe("not_in_error");
    expect(code(() => requireInError("error"))).toBeNull();
  });

  it("warns anyone but the holder before a write, and lets only a lead of the team (or anyone, for notes) go ahead", () => {
    const held = facts({ assignedUserId: "u2", assignedName: "Sam" });
    expect(code(() => requireHolderOrOverride(user("clerk", "u2"), held, false))).toBeNull();
    expect(code(() => requireHolderOrOverride(user("clerk"), held, false))).toBe("held_by_other");
    expect(code(() => requireHolderOrOverride(user("team_lead"), held, false))).toBe("held_by_other");
    expect(code(() => requireHolderOrOverride(user("team_lead"), held, true))).toBeNull();
    expect(code(() => requireHolderOrOverride(user("admin"), held, true))).toBeNull();
    expect(code(() => requireHolderOrOverride(user("clerk"), held, true))).toBe("forbidden");
    expect(code(() => requireHolderOrOverride(user("clerk"), held, true, "worker"))).toBeNull();
    expect(code(() => requireHolderOrOverride(user("clerk"), facts(), false))).toBeNull();
  });

  it("names the match state and history event of each pipeline decision", () => {
    expect(["auto_link", "review", "no_candidates"].map((d) => matchStateOf(d as never))).toEqual([
      "auto_linked",
      "review",
      "no_candidates",
    ]);
    expect(["auto_link", "review", "no_candidates"].map((d) => matchEventOf(d as never))).toEqual([
      "appointment_linked",
      "match_needs_review",
      "no_appointment_found",
    ]);
  });
});

describe("outcome", () => {
  const before = new Date("2025-01-01T00:00:00Z"); // every rebooking below is in the future then

  it("stores a rebooking on the UK clock: BST converted to UTC, done", () => {
    const d = decideOutcome(
      { outcome: "rebooked", newStart: { date: "2025-07-01", time: "09:30" } },
      undefined,
      before,
    );
    expect(d).toEqual({
      outcome: "rebooked",
      details: { newStart: "2025-07-01T08:30:00.000Z", newStartUk: expect.stringContaining("09:30") },
      status: "done",
      warnings: [],
    });
  });

  it("refuses a time skipped when the clocks go forward, and flags one that happens twice", () => {
    expect(
      code(() =>
        decideOutcome({ outcome: "rebooked", newStart: { date: "2025-03-30", time: "01:30" } }, undefined, before),
      ),
    ).toBe("nonexistent_time");
    expect(
      code(() =>
        decideOutcome({ outcome: "rebooked", newStart: { date: "2025-02-30", time: "10:00" } }, undefined, before),
      ),
    ).toBe("invalid_date");
    const repeated = decideOutcome(
      { outcome: "rebooked", newStart: { date: "2025-10-26", time: "01:30" } },
      undefined,
      before,
    );
    expect(repeated.details).toMatchObject({ newStart: "2025-10-26T00:30:00.000Z", repeatedHour: true });
    expect(repeated.warnings).toHaveLength(1);
  });

  it("names the day in words when it refuses a time the clocks skip, as staff read dates elsewhere", () => {
    expect(
      message(() =>
        decideOutcome({ outcome: "rebooked", newStart: { date: "2025-03-30", time: "01:30" } }, undefined, before),
      ),
    ).toBe("01:30 on Sun 30 Mar 2025 does not exist in the UK: the clocks go forward that night. Choose another time.");
  });

  it("refuses a rebooking in the past unless the change is confirmed as made in the past, and records that", () => {
    const after = new Date("2025-07-02T00:00:00Z");
    const past = { outcome: "rebooked" as const, newStart: { date: "2025-07-01", time: "09:30" } };
    expect(code(() => decideOutcome(past, undefined, after))).toBe("new_start_in_past");
    expect(decideOutcome({ ...past, confirmPast: true }, undefined, after).details).toMatchObject({ inPast: true });
  });

  it("keeps a reason or note trimmed; needs patient contact stays in progress", () => {
    expect(decideOutcome({ outcome: "rejected", reason: "  duplicate " })).toMatchObject({
      details: { reason: "duplicate" },
      status: "done",
    });
    expect(decideOutcome({ outcome: "needs_patient_contact", note: " call " })).toMatchObject({
      details: { note: "call" },
      status: "in_progress",
    });
    expect(decideOutcome({ outcome: "cancelled" })).toMatchObject({ details: {}, status: "done" });
  });
});

describe("waiting for the patient until a UK date and time", () => {
  const now = new Date("2027-03-01T12:00:00Z"); // four weeks before the clocks go forward (Sunday 28 March 2027)

  it("reads the UK clock either side of the spring change: GMT before it, BST after", () => {
    const until = (u: { date: string; time?: string }) => decideWaitUntil(u, now).until.toISOString();
    expect(until({ date: "2027-03-28", time: "00:30" })).toBe("2027-03-28T00:30:00.000Z");
    expect(until({ date: "2027-03-28", time: "02:30" })).toBe("2027-03-28T01:30:00.000Z");
    expect(until({ date: "2027-03-29" })).toBe("2027-03-29T08:00:00.000Z"); // 09:00 BST
  });

  it("refuses a time the clocks skip as a time that does not exist (the date is fine), and a date that does not exist", () => {
    expect(code(() => decideWaitUntil({ date: "2027-03-28", time: "01:30" }, now))).toBe("nonexistent_time");
    expect(code(() => decideWaitUntil({ date: "2027-03-28", time: "01:00" }, now))).toBe("nonexistent_time");
    expect(code(() => decideWaitUntil({ date: "2027-04-31", time: "10:00" }, now))).toBe("invalid_date");
    expect(code(() => decideWaitUntil({ date: "2027-03-32" }, now))).toBe("invalid_date");
    expect(message(() => decideWaitUntil({ date: "2027-03-28", time: "01:30" }, now))).toBe(
      "01:30 on Sun 28 Mar 2027 does not exist in the UK: the clocks go forward that night. Choose another time.",
    );
  });

  it("takes a time the clocks repeat as the first (BST) and warns in the outcome's words, naming the one taken", () => {
    const october = new Date("2026-10-01T12:00:00Z"); // the clocks go back on Sunday 25 October 2026
    const until = { date: "2026-10-25", time: "01:30" };
    const rebooked = decideOutcome({ outcome: "rebooked", newStart: { ...until } }, undefined, october);
    expect(decideWaitUntil(until, october)).toEqual({
      until: new Date("2026-10-25T00:30:00.000Z"),
      warnings: [
        "01:30 on Sun 25 Oct 2026 happens twice in the UK (the clocks go back that night); recorded as the first, Sun 25 Oct 2026, 01:30 (BST)",
      ],
    });
    expect(decideWaitUntil(until, october).warnings).toEqual(rebooked.warnings);
    // Either side of the repeated hour, and on other days, nothing to say.
    expect(decideWaitUntil({ date: "2026-10-25", time: "00:30" }, october).warnings).toEqual([]);
    expect(decideWaitUntil({ date: "2026-10-25", time: "02:00" }, october)).toEqual({
      until: new Date("2026-10-25T02:00:00.000Z"),
      warnings: [],
    });
    expect(decideWaitUntil({ date: "2026-10-18", time: "01:30" }, october).warnings).toEqual([]);
  });
});
