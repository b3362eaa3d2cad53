// Every action Rebook writes to the audit log has words on the audit page and can be chosen in its Action filter. The
// actions are listed once (AUDIT_ACTIONS, src/audit-actions.ts; recordAudit takes only those), and read from src/ as
// well (each recordAudit call and each command's audit), so the list cannot drift from what the server writes.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS } from "../../src/audit-actions.ts";
import { auditActionChoices, auditActionLabel, auditActionText } from "../../web/src/admin/audit-actions.ts";

const root = path.resolve(import.meta.dirname, "../..");

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.ts$/.test(f) ? [p] : [];
  });

/** The action literals in src/: `action: "x.y"` in a file that writes the audit log, and `.audit("x.y")`. */
function writtenActions(): string[] {
  const found = new Set<string>();
  for (const f of files(path.join(root, "src"))) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/\.audit\(\s*"([a-z_]+\.[a-z_]+)"/g)) found.add(m[1]!);
    if (!text.includes("recordAudit(")) continue;
    for (const m of text.matchAll(/\baction: "([a-z_]+\.[a-z_]+)"/g)) found.add(m[1]!);
  }
  return [...found].sort();
}

describe("the audit log's actions", () => {
  it("finds the actions the server writes", () => {
    // A sanity check of the scan itself: a command's, a route's and a job's.
    expect(writtenActions()).toEqual(expect.arrayContaining(["request.claimed", "user.signed_in", "retention.purged"]));
  });

  it("lists every action the server writes, once each", () => {
    // A superset: an action no longer written stays listed, for the older rows that carry it (docs/architecture.md).
    expect(writtenActions().filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a))).toEqual([]);
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
  });

  it("has words for every action the server writes, each different", () => {
    expect(writtenActions().filter((a) => !Object.hasOwn(auditActionText, a))).toEqual([]);
    const words = AUDIT_ACTIONS.map((a) => auditActionLabel(a));
    expect(words.filter((w) => /^[a-z_]+\.[a-z_]+$/.test(w))).toEqual([]);
    expect(new Set(words).size).toBe(words.length);
    expect(auditActionLabel("backup.restored")).toBe("backup.restored"); // an action not listed shows as stored
  });

  it("offers every action the server writes in the Action filter", () => {
    const choices = new Set(auditActionChoices.map(([v]) => v));
    expect(writtenActions().filter((a) => !choices.has(a))).toEqual([]);
    expect(auditActionChoices[0]).toEqual(["", "Any action"]);
    expect(auditActionChoices).toHaveLength(AUDIT_ACTIONS.length + 1);
  });
});
