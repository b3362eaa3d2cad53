// The chaos run's printed result: one line per figure, then PASS or FAIL with the reasons. Message ids only (PKB's
// synthetic ids), never patient data.
import type { Gaps, PollSummary, Problem, Verdict } from "./verdict.ts";

/** Everything the result prints. Times in epoch ms unless named in seconds. */
export interface RunResult {
  verdict: Verdict;
  gaps: Gaps;
  polls: PollSummary;
  reuses: { refreshTokens: number; authorizationCodes: number } | null;
  alerts: Record<string, number>;
  liveSent: number;
  faultsMatched: number | null;
  /** When collection could start (access granted), and when everything was stored and processed (null: not by the end). */
  grantedAt: number;
  finishedAt: number | null;
  /** When the chaos phase (and its live traffic) ended. */
  chaosEndAt: number;
  endAt: number;
  connections: { status: string; lastSyncError: string | null }[];
  failures: string[];
  problems: string[];
}

const s = (seconds: number) => `${seconds.toFixed(1)} s`;
const examples = (list: Problem[], max = 3): string =>
  list.length === 0
    ? ""
    : `  e.g. ${list
        .slice(0, max)
        .map((p) => `${p.messageId} (${p.reason})`)
        .join(", ")}${list.length > max ? ", …" : ""}`;

/** Formats the result; `rel` turns an epoch time into "+12.3s" from the start of the chaos phase. */
export function formatResult(r: RunResult, rel: (t: number) => string): string {
  const v = r.verdict;
  const lines: string[] = [];
  const add = (label: string, value: string) => lines.push(`${label.padEnd(24)}${value}`);
  add(
    "requests",
    `${v.storedRequests} stored of ${v.truthRequests} PKB sent (${r.liveSent} messages sent live during the run)`,
  );
  add(
    "lost",
    `${v.lost.requests.length} requests, ${v.lost.otherMessages.length} other messages` +
      examples([...v.lost.requests, ...v.lost.otherMessages]),
  );
  add("duplicated", `${v.duplicated.length}${examples(v.duplicated)}`);
  add("wrongly matched", `${v.wronglyMatched.length}${examples(v.wronglyMatched)}`);
  add(
    "stuck",
    `${v.stuck.requests.length} requests still processing, ${v.stuck.messages.length} messages unclassified` +
      ` (gave up, status error: ${v.inError.length})`,
  );
  add(
    "refresh-token reuses",
    r.reuses ? `${r.reuses.refreshTokens} (authorization codes reused: ${r.reuses.authorizationCodes})` : "unknown",
  );
  const l = r.gaps.longest;
  add(
    "longest collection gap",
    l
      ? `${s(l.seconds)} (message ${l.messageId} sent at ${rel(l.sentAt)}, ${l.storedAt === null ? "never stored" : `stored at ${rel(l.storedAt)}`})`
      : "no live messages",
  );
  r.gaps.afterKills.forEach((g, i) =>
    add(
      `  after kill #${i + 1}`,
      `${rel(g.kill.at)} ${g.kill.label}: ${g.resumed ? `collection resumed in ${s(g.seconds)}` : `collection NOT resumed by the end (${s(g.seconds)})`}`,
    ),
  );
  add(
    "polls",
    `${r.polls.ok} ok, ${r.polls.failed} failed, ${r.polls.unfinished} never finished; ` +
      `longest without a successful poll ${s(r.polls.longestWithoutSuccess)}`,
  );
  for (const e of r.polls.errors.slice(0, 3)) add("  poll error", `${e.count}× ${e.error.slice(0, 120)}`);
  add(
    "connections",
    r.connections
      .map((c) => c.status + (c.lastSyncError ? ` (last error: ${c.lastSyncError.slice(0, 80)})` : ""))
      .join("; ") || "none",
  );
  const alerts = Object.entries(r.alerts);
  add("alerts (webhook)", alerts.length ? alerts.map(([k, n]) => `${n}× ${k}`).join(", ") : "none");
  if (r.faultsMatched !== null) add("PKB calls under faults", String(r.faultsMatched));
  add(
    "time to finish",
    r.finishedAt === null
      ? `not finished by the end (${s((r.endAt - r.grantedAt) / 1000)} after Grant Access)`
      : `${s((r.finishedAt - r.grantedAt) / 1000)} from Grant Access to every message stored and every request ` +
          `processed (${s((r.finishedAt - r.chaosEndAt) / 1000)} after the chaos phase)`,
  );
  for (const p of r.problems) lines.push(`RUN PROBLEM: ${p}`);
  lines.push(
    r.failures.length ? `FAIL: ${r.failures.join("; ")}` : "PASS: nothing lost, duplicated or wrongly matched",
  );
  return lines.join("\n");
}
