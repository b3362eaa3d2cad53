// The chaos run's judgement, as pure functions of what the emulator says it sent (ground truth) and what Rebook stored:
// lost, duplicated, wrongly matched, stuck; how long collection stalled after each kill; and how the polls went.
// No I/O here, so each rule is unit-tested (test/bench/chaos-verdict.test.ts).

/** One message the emulator sent, as GET /_sandbox/ground-truth lists it. */
export interface TruthEntry {
  messageId: string;
  kind: "change" | "cancel" | "follow-up" | "unrelated";
  nhsNumber: string | null;
  appointmentId: string | null;
  requestMessageId: string | null;
}

/** A row of Rebook's pkb_messages (with the PKB message id of the request it is filed under, if any). */
export interface StoredMessage {
  messageId: string;
  kind: "request" | "follow_up" | "unrelated" | null;
  requestMessageId: string | null;
}

/** A row of Rebook's appointment_requests. */
export interface StoredRequest {
  messageId: string;
  type: "change" | "cancel" | null;
  nhsNumber: string | null;
  matchState: string;
  appointmentId: string | null;
  status: string;
}

/** One wrong outcome, named by PKB message id (no patient data). */
export interface Problem {
  messageId: string;
  reason: string;
}

/** What Rebook got wrong or has not finished. */
export interface Verdict {
  truthRequests: number;
  storedRequests: number;
  /** Request messages with no request row, and other messages never stored (not stored by the end counts as lost). */
  lost: { requests: Problem[]; otherMessages: Problem[] };
  /** Extra request rows: a second row for one request message, or a row for a message PKB never sent. */
  duplicated: Problem[];
  /** Wrong type, wrong patient, auto-linked to the wrong appointment, or a message filed as the wrong kind/request. */
  wronglyMatched: Problem[];
  /** Requests still `processing`, and stored messages never classified. */
  stuck: { requests: Problem[]; messages: Problem[] };
  /** Requests the pipeline gave up on (status `error`): present and visible, but not worked. */
  inError: Problem[];
}

const isRequest = (k: TruthEntry["kind"]): boolean => k === "change" || k === "cancel";

/**
 * Compares Rebook's store with the emulator's ground truth. `visible` holds the ids of the messages the connected
 * clinician can see in PKB: other messages outside it (e.g. a patient writing to another clinician) are not judged.
 * Every change/cancel request goes to the appointment team and is always judged.
 */
export function judge(
  truth: TruthEntry[],
  messages: StoredMessage[],
  requests: StoredRequest[],
  visible: ReadonlySet<string> | null = null,
): Verdict {
  const truthById = new Map(truth.map((t) => [t.messageId, t]));
  const messageById = new Map(messages.map((m) => [m.messageId, m]));
  const requestsByMessage = new Map<string, StoredRequest[]>();
  for (const r of requests) requestsByMessage.set(r.messageId, [...(requestsByMessage.get(r.messageId) ?? []), r]);

  // The kinds of the repeats filed on each request (by the request's PKB message id).
  const repeatsOf = new Map<string, string[]>();
  for (const m of messages) {
    const t = truthById.get(m.messageId);
    if (m.kind !== "request" || !m.requestMessageId || m.requestMessageId === m.messageId || !t) continue;
    repeatsOf.set(m.requestMessageId, [...(repeatsOf.get(m.requestMessageId) ?? []), t.kind]);
  }

  const v: Verdict = {
    truthRequests: truth.filter((t) => isRequest(t.kind)).length,
    storedRequests: requests.length,
    lost: { requests: [], otherMessages: [] },
    duplicated: [],
    wronglyMatched: [],
    stuck: { requests: [], messages: [] },
    inError: [],
  };
  const wrong = (messageId: string, reason: string) => v.wronglyMatched.push({ messageId, reason });
  // The request a request message is filed on: its own, or the open one it attached to as a repeat (whose row then
  // holds its conversation's follow-ups too; whether that one is about the same appointment is judged on the repeat).
  const filedOn = (requestMessageId: string | null): string | null => {
    const m = requestMessageId === null ? undefined : messageById.get(requestMessageId);
    return m?.kind === "request" && m.requestMessageId ? m.requestMessageId : requestMessageId;
  };

  for (const t of truth) {
    const m = messageById.get(t.messageId);
    const rows = requestsByMessage.get(t.messageId) ?? [];
    if (isRequest(t.kind)) {
      if (rows.length === 0) {
        if (!m) v.lost.requests.push({ messageId: t.messageId, reason: "message never stored" });
        else if (m.kind === null) v.lost.requests.push({ messageId: t.messageId, reason: "stored, never classified" });
        else if (m.kind === "request" && m.requestMessageId && m.requestMessageId !== t.messageId) {
          // A repeat (docs/settling.md): filed on the open request for the same appointment, no work item of its own.
          const first = truthById.get(m.requestMessageId);
          if (!first || first.nhsNumber !== t.nhsNumber || first.appointmentId !== t.appointmentId)
            wrong(t.messageId, "repeat attached to a request for another appointment");
        } else if (m.kind === "request") v.lost.requests.push({ messageId: t.messageId, reason: "no request row" });
        else wrong(t.messageId, `a ${t.kind} request filed as ${m.kind}`);
        continue;
      }
      const r = rows[0]!;
      // A cancel after a change makes the open request a cancel: its type may be a repeat's.
      const repeatKinds = repeatsOf.get(t.messageId) ?? [];
      if (r.type !== null && r.type !== t.kind && !repeatKinds.includes(r.type))
        wrong(t.messageId, `type ${r.type}, sent as ${t.kind}`);
      if (r.nhsNumber !== null && r.nhsNumber !== t.nhsNumber) wrong(t.messageId, "identified as another patient");
      if (r.matchState === "auto_linked" && r.appointmentId !== t.appointmentId)
        wrong(t.messageId, "auto-linked to another appointment");
      continue;
    }
    if (visible && !visible.has(t.messageId) && !m) continue;
    if (!m) {
      v.lost.otherMessages.push({ messageId: t.messageId, reason: `${t.kind} message never stored` });
      continue;
    }
    if (rows.length > 0) wrong(t.messageId, `a ${t.kind} message made into a request`);
    else if (t.kind === "follow-up" && m.kind === "follow_up" && m.requestMessageId !== filedOn(t.requestMessageId))
      wrong(t.messageId, "follow-up filed under another request");
    else if (t.kind === "follow-up" && m.kind === "unrelated") wrong(t.messageId, "follow-up filed as unrelated");
    else if (t.kind === "unrelated" && m.kind === "follow_up")
      wrong(t.messageId, "unrelated message filed as a follow-up");
  }

  for (const [messageId, rows] of requestsByMessage) {
    if (!truthById.has(messageId)) v.duplicated.push({ messageId, reason: "request for a message PKB never sent" });
    for (let i = 1; i < rows.length; i++) v.duplicated.push({ messageId, reason: "second request row" });
  }
  for (const r of requests) {
    if (r.status === "processing") v.stuck.requests.push({ messageId: r.messageId, reason: "still processing" });
    if (r.status === "error") v.inError.push({ messageId: r.messageId, reason: "pipeline gave up" });
  }
  for (const m of messages)
    if (m.kind === null) v.stuck.messages.push({ messageId: m.messageId, reason: "stored, not classified" });
  return v;
}

/** A message the run sent while the faults were on, and when Rebook stored it (null: never). Times in epoch ms. */
export interface LiveMessage {
  messageId: string;
  sentAt: number;
  storedAt: number | null;
}

/** A kill -9 of an instance, in epoch ms. */
export interface Kill {
  at: number;
  label: string;
}

/** How long collection took to resume after a kill: until the first message sent after it was stored. */
export interface KillGap {
  kill: Kill;
  /** Seconds; when not resumed, the time from the kill to the end of the run (a lower bound). */
  seconds: number;
  resumed: boolean;
}

/** Collection gaps: per kill, and the longest wait of any live message. */
export interface Gaps {
  afterKills: KillGap[];
  longest: { seconds: number; messageId: string; sentAt: number; storedAt: number | null } | null;
}

/** Measures collection gaps from the live messages' send and store times; `endAt` closes open waits. */
export function collectionGaps(live: LiveMessage[], kills: Kill[], endAt: number): Gaps {
  const sorted = [...live].sort((a, b) => a.sentAt - b.sentAt);
  const afterKills = kills.map((kill): KillGap => {
    // The first message sent after the kill that was stored; everything sent later is stored in the same or a later
    // poll, so the earliest store time among them is when collection demonstrably worked again.
    let firstStore: number | null = null;
    for (const m of sorted) {
      if (m.sentAt < kill.at || m.storedAt === null) continue;
      firstStore = firstStore === null ? m.storedAt : Math.min(firstStore, m.storedAt);
    }
    return firstStore === null
      ? { kill, seconds: (endAt - kill.at) / 1000, resumed: false }
      : { kill, seconds: Math.max(0, firstStore - kill.at) / 1000, resumed: true };
  });
  let longest: Gaps["longest"] = null;
  for (const m of sorted) {
    const seconds = ((m.storedAt ?? endAt) - m.sentAt) / 1000;
    if (!longest || seconds > longest.seconds) longest = { seconds, ...m };
  }
  return { afterKills, longest };
}

/** A row of Rebook's sync_runs, times in epoch ms. */
export interface PollRun {
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
}

/** How the polls went over the run window [from, to]. */
export interface PollSummary {
  ok: number;
  failed: number;
  /** Runs that never finished (their instance died mid-poll, or still running at the end). */
  unfinished: number;
  /** Longest time without a successful poll finishing, in seconds, within the window. */
  longestWithoutSuccess: number;
  /** Distinct errors, most frequent first. */
  errors: { error: string; count: number }[];
}

/** Summarises the polls of the run window. */
export function summarisePolls(runs: PollRun[], from: number, to: number): PollSummary {
  const inWindow = runs.filter((r) => r.startedAt >= from && r.startedAt <= to);
  const okTimes = inWindow
    .filter((r) => r.finishedAt !== null && r.error === null)
    .map((r) => r.finishedAt!)
    .sort((a, b) => a - b);
  let longest = 0;
  let previous = from;
  for (const t of [...okTimes, to]) {
    longest = Math.max(longest, t - previous);
    previous = Math.max(previous, t);
  }
  const errors = new Map<string, number>();
  for (const r of inWindow) if (r.error) errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
  return {
    ok: okTimes.length,
    failed: inWindow.filter((r) => r.error !== null).length,
    unfinished: inWindow.filter((r) => r.finishedAt === null).length,
    longestWithoutSuccess: longest / 1000,
    errors: [...errors].map(([error, count]) => ({ error, count })).sort((a, b) => b.count - a.count),
  };
}

/** The failure criteria: loss, duplicates, wrong matches, refresh-token reuse, or collection stalled after a kill. */
export function failures(v: Verdict, gaps: Gaps, refreshTokenReuses: number, maxGapSeconds: number): string[] {
  const out: string[] = [];
  const lost = v.lost.requests.length + v.lost.otherMessages.length;
  if (lost > 0) out.push(`${lost} lost`);
  if (v.duplicated.length > 0) out.push(`${v.duplicated.length} duplicated`);
  if (v.wronglyMatched.length > 0) out.push(`${v.wronglyMatched.length} wrongly matched`);
  if (refreshTokenReuses > 0) out.push(`${refreshTokenReuses} refresh-token reuses`);
  for (const [i, g] of gaps.afterKills.entries()) {
    if (g.seconds > maxGapSeconds)
      out.push(
        `collection ${g.resumed ? "stalled" : "never resumed,"} ${g.seconds.toFixed(1)} s after kill #${i + 1} (limit ${maxGapSeconds} s)`,
      );
  }
  return out;
}
