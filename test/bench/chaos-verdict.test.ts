// The chaos run's judgement (bench/chaos/verdict.ts): each way Rebook can get a message wrong is caught, and nothing
// right is counted as wrong; collection gaps after kills and poll summaries are measured as documented.
import { describe, expect, it } from "vitest";
import { schedule } from "../../bench/chaos/timeline.ts";
import {
  collectionGaps,
  failures,
  judge,
  summarisePolls,
  type StoredMessage,
  type StoredRequest,
  type TruthEntry,
} from "../../bench/chaos/verdict.ts";

const req = (messageId: string, kind: "change" | "cancel" = "change"): TruthEntry => ({
  messageId,
  kind,
  nhsNumber: `nhs-${messageId}`,
  appointmentId: `appt-${messageId}`,
  requestMessageId: null,
});
const other = (messageId: string, kind: "follow-up" | "unrelated", requestMessageId: string | null = null) => ({
  messageId,
  kind,
  nhsNumber: null,
  appointmentId: null,
  requestMessageId,
});
const stored = (messageId: string, kind: StoredMessage["kind"], requestMessageId: string | null = null) => ({
  messageId,
  kind,
  requestMessageId,
});
const row = (t: TruthEntry, over: Partial<StoredRequest> = {}): StoredRequest => ({
  messageId: t.messageId,
  type: t.kind === "cancel" ? "cancel" : "change",
  nhsNumber: t.nhsNumber,
  matchState: "auto_linked",
  appointmentId: t.appointmentId,
  status: "open",
  ...over,
});

describe("judge", () => {
  it("finds nothing wrong when every message is stored and filed right", () => {
    const a = req("1");
    const b = req("2", "cancel");
    const truth = [a, b, other("3", "follow-up", "1"), other("4", "unrelated")];
    const v = judge(
      truth,
      [
        stored("1", "request", "1"),
        stored("2", "request", "2"),
        stored("3", "follow_up", "1"),
        stored("4", "unrelated"),
      ],
      [row(a), row(b, { matchState: "review", appointmentId: null })],
    );
    expect(v).toMatchObject({
      truthRequests: 2,
      storedRequests: 2,
      lost: { requests: [], otherMessages: [] },
      duplicated: [],
      wronglyMatched: [],
      stuck: { requests: [], messages: [] },
      inError: [],
    });
  });

  it("accepts a repeat filed on the open request for the same appointment (a cancel after a change makes it a cancel)", () => {
    const first = req("1");
    const again: TruthEntry = { ...req("2", "cancel"), nhsNumber: first.nhsNumber, appointmentId: first.appointmentId };
    const elsewhere = req("3");
    const v = judge(
      [first, again, elsewhere, req("4")],
      [
        stored("1", "request", "1"),
        stored("2", "request", "1"),
        stored("3", "request", "4"),
        stored("4", "request", "4"),
      ],
      [row(first, { type: "cancel" }), row(req("4"))],
    );
    expect(v.lost.requests).toEqual([]);
    expect(v.wronglyMatched).toEqual([
      { messageId: "3", reason: "repeat attached to a request for another appointment" },
    ]);
  });

  it("accepts a follow-up filed on the request its own request was folded into as a repeat, and no other", () => {
    // The patient's later request (2) was matched first and opened; the earlier one (1) then attached to it as a
    // repeat, and its conversation's follow-up (3) went with it (docs/settling.md).
    const later = req("2");
    const earlier: TruthEntry = { ...req("1"), nhsNumber: later.nhsNumber, appointmentId: later.appointmentId };
    const elsewhere = req("5");
    const truth = [earlier, later, elsewhere, other("3", "follow-up", "1"), other("4", "follow-up", "1")];
    const v = judge(
      truth,
      [
        stored("1", "request", "2"),
        stored("2", "request", "2"),
        stored("5", "request", "5"),
        stored("3", "follow_up", "2"),
        stored("4", "follow_up", "5"),
      ],
      [row(later), row(elsewhere)],
    );
    expect(v.wronglyMatched).toEqual([{ messageId: "4", reason: "follow-up filed under another request" }]);
  });

  it("counts requests and other messages never stored, or stored but never classified, as lost", () => {
    const truth = [req("1"), req("2"), req("4"), other("3", "unrelated")];
    const v = judge(truth, [stored("2", null), stored("4", "request")], []);
    expect(v.lost.requests.map((p) => [p.messageId, p.reason])).toEqual([
      ["1", "message never stored"],
      ["2", "stored, never classified"],
      ["4", "no request row"],
    ]);
    expect(v.lost.otherMessages.map((p) => p.messageId)).toEqual(["3"]);
    expect(v.stuck.messages.map((p) => p.messageId)).toEqual(["2"]);
  });

  it("does not judge other messages the clinician cannot see in PKB, but always judges requests", () => {
    const v = judge([req("1"), other("3", "unrelated")], [], [], new Set(["3"]));
    expect(v.lost.requests).toHaveLength(1);
    expect(v.lost.otherMessages).toHaveLength(1);
    const hidden = judge([req("1"), other("3", "unrelated")], [], [], new Set());
    expect(hidden.lost.requests).toHaveLength(1);
    expect(hidden.lost.otherMessages).toHaveLength(0);
  });

  it("counts a second row for one message, and a request for a message PKB never sent, as duplicated", () => {
    const a = req("1");
    const v = judge([a], [stored("1", "request", "1"), stored("9", "request", "9")], [row(a), row(a), row(req("9"))]);
    expect(v.duplicated.map((p) => [p.messageId, p.reason])).toEqual([
      ["1", "second request row"],
      ["9", "request for a message PKB never sent"],
    ]);
  });

  it("counts wrong type, wrong patient, a wrong auto-link and misfiled messages as wrongly matched", () => {
    const a = req("1");
    const b = req("2");
    const c = req("3");
    const d = req("4");
    const truth = [
      a,
      b,
      c,
      d,
      req("5"),
      other("6", "follow-up", "1"),
      other("7", "unrelated"),
      other("8", "follow-up", "1"),
    ];
    const v = judge(
      truth,
      [
        stored("5", "unrelated"),
        stored("6", "follow_up", "2"),
        stored("7", "follow_up", "1"),
        stored("8", "unrelated"),
      ],
      [
        row(a, { type: "cancel" }),
        row(b, { nhsNumber: "someone else" }),
        row(c, { appointmentId: "appt-other" }),
        row(d, { appointmentId: "appt-other", matchState: "review" }), // a candidate in review is not a link
      ],
    );
    expect(v.wronglyMatched.map((p) => [p.messageId, p.reason])).toEqual([
      ["1", "type cancel, sent as change"],
      ["2", "identified as another patient"],
      ["3", "auto-linked to another appointment"],
      ["5", "a change request filed as unrelated"],
      ["6", "follow-up filed under another request"],
      ["7", "unrelated message filed as a follow-up"],
      ["8", "follow-up filed as unrelated"],
    ]);
  });

  it("reports requests still processing as stuck and those the pipeline gave up on as in error", () => {
    const a = req("1");
    const b = req("2");
    const v = judge(
      [a, b],
      [stored("1", "request"), stored("2", "request")],
      [row(a, { status: "processing" }), row(b, { status: "error" })],
    );
    expect(v.stuck.requests.map((p) => p.messageId)).toEqual(["1"]);
    expect(v.inError.map((p) => p.messageId)).toEqual(["2"]);
    expect(failures(v, { afterKills: [], longest: null }, 0, 30)).toEqual([]);
  });
});

describe("collectionGaps", () => {
  const kill = (at: number) => ({ at, label: "A" });

  it("measures from each kill to the first store of a message sent after it", () => {
    const live = [
      { messageId: "1", sentAt: 0, storedAt: 1_000 },
      { messageId: "2", sentAt: 10_000, storedAt: 52_000 }, // sent after the kill at 9 s, stored 43 s after it
      { messageId: "3", sentAt: 11_000, storedAt: 52_000 },
      { messageId: "4", sentAt: 60_000, storedAt: 61_500 },
    ];
    const gaps = collectionGaps(live, [kill(9_000), kill(59_000)], 100_000);
    expect(gaps.afterKills.map((g) => [g.seconds, g.resumed])).toEqual([
      [43, true],
      [2.5, true],
    ]);
    expect(gaps.longest).toMatchObject({ messageId: "2", seconds: 42 });
    expect(failures(judge([], [], []), gaps, 0, 30)).toEqual(["collection stalled 43.0 s after kill #1 (limit 30 s)"]);
  });

  it("an unstored message keeps its gap open until the end, and a kill with no store after it never resumed", () => {
    const live = [
      { messageId: "1", sentAt: 0, storedAt: 500 },
      { messageId: "2", sentAt: 5_000, storedAt: null },
    ];
    const gaps = collectionGaps(live, [kill(4_000)], 50_000);
    expect(gaps.afterKills[0]).toMatchObject({ seconds: 46, resumed: false });
    expect(gaps.longest).toMatchObject({ messageId: "2", seconds: 45, storedAt: null });
    expect(failures(judge([], [], []), gaps, 2, 60)).toEqual(["2 refresh-token reuses"]);
  });
});

describe("summarisePolls", () => {
  it("counts the window's polls and the longest time without a successful one", () => {
    const s = summarisePolls(
      [
        { startedAt: 500, finishedAt: 900, error: null }, // before the window
        { startedAt: 1_000, finishedAt: 3_000, error: null },
        { startedAt: 4_000, finishedAt: 4_100, error: "boom" },
        { startedAt: 5_000, finishedAt: 5_100, error: "boom" },
        { startedAt: 6_000, finishedAt: null, error: null },
        { startedAt: 7_000, finishedAt: 9_000, error: "other" },
      ],
      1_000,
      20_000,
    );
    expect(s).toEqual({
      ok: 1,
      failed: 3,
      unfinished: 1,
      longestWithoutSuccess: 17,
      errors: [
        { error: "boom", count: 2 },
        { error: "other", count: 1 },
      ],
    });
  });
});

describe("schedule", () => {
  it("spreads the kills inside the phase, leaving time after the last to measure collection", () => {
    const plan = schedule(60, 4, false);
    expect(plan.kills).toHaveLength(4);
    expect(Math.min(...plan.kills)).toBeGreaterThan(0);
    expect(Math.max(...plan.kills)).toBeLessThanOrEqual(60 * 0.85 + 1e-9);
    expect(plan.regrantAt! - plan.revokeAt!).toBe(8);
    expect(plan.poisonAt).toBeLessThan(60);
    expect(schedule(60, 4, true)).toEqual({ kills: [], revokeAt: null, regrantAt: null, poisonAt: null });
  });
});
