// src/ and the sandbox emulator must stay independent: the emulator is an honest stand-in for PKB only if neither
// side can reach into the other. The web app shares the request's vocabulary and the audit log's actions with the
// server, and nothing else: it may import src/requests/vocabulary.ts and src/audit-actions.ts (each imports nothing),
// the types of src/audit-details.ts (import type / export type only: erased, so its zod schemas stay on the server),
// and no other module of src/. And a request's received time is written by its one owner of writes only.
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.parentPath.includes("node_modules"))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every import and export-from specifier of a file (static and dynamic). */
const specifiers = (text: string): string[] =>
  [...text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)["']([^"']+)["']/gm)].map((m) => m[1]!);

/** The specifiers of a file's type-only imports and exports (`import type … from`, `export type … from`). */
const typeOnlySpecifiers = (text: string): string[] =>
  [...text.matchAll(/^(?:import|export)\s+type\s[^;]*?from\s+["']([^"']+)["']/gm)].map((m) => m[1]!);

/**
 * Relative imports of files under `dir` that land in `forbidden`, except the files listed in `allowed` and, imported
 * for their types only, those in `typesOnly`.
 */
async function importsOutside(
  dir: string,
  forbidden: string,
  allowed: string[] = [],
  typesOnly: string[] = [],
): Promise<string[]> {
  const bad: string[] = [];
  for (const file of await tsFiles(path.join(root, dir))) {
    const text = await fs.readFile(file, "utf8");
    const typeOnly = typeOnlySpecifiers(text);
    for (const spec of specifiers(text)) {
      if (!spec.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(path.join(root, forbidden) + path.sep)) continue;
      if (allowed.includes(path.relative(root, target))) continue;
      if (typesOnly.includes(path.relative(root, target)) && typeOnly.includes(spec)) continue;
      bad.push(`${path.relative(root, file)} → ${spec}`);
    }
  }
  return bad;
}

/**
 * The SET clauses of every `UPDATE appointment_requests` written out in src/ (a string or template literal: up to its
 * closing quote), with the file each is in.
 */
async function requestUpdates(): Promise<{ file: string; set: string }[]> {
  const found: { file: string; set: string }[] = [];
  for (const file of await tsFiles(path.join(root, "src"))) {
    const text = await fs.readFile(file, "utf8");
    for (const m of text.matchAll(/UPDATE\s+appointment_requests\b(?:\s+(?:AS\s+)?\w+)?\s+SET\b([^`"]*)/g)) {
      found.push({ file: path.relative(root, file), set: m[1]! });
    }
  }
  return found;
}

describe("module boundaries", () => {
  it("a request's received time is written through its writer only (ARCHITECTURE.md: one owner of a request's writes)", async () => {
    // Moving it back as a repeat folds in (docs/settling.md) is a write to the request like any other: through
    // RequestWriter.update in the fold's command, beside its repeat_received row, never by an UPDATE of its own.
    const updates = await requestUpdates();
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.filter((u) => /\breceived_at\s*=/.test(u.set)).map((u) => u.file)).toEqual([]);
  });

  it("src/ never imports the sandbox emulator", async () => {
    expect(await importsOutside("src", "sandbox")).toEqual([]);
  });
  it("the sandbox emulator never imports src/", async () => {
    expect(await importsOutside("sandbox", "src")).toEqual([]);
  });
  it("the web app imports nothing of src/ but the request vocabulary, the audit actions and their details' types", async () => {
    expect(
      await importsOutside(
        "web",
        "src",
        ["src/requests/vocabulary.ts", "src/audit-actions.ts"],
        ["src/audit-details.ts"],
      ),
    ).toEqual([]);
  });
  it("the web app does import the vocabulary (no hand-kept mirror)", async () => {
    const types = await fs.readFile(path.join(root, "web/src/api/types.ts"), "utf8");
    expect(specifiers(types)).toContain("../../../src/requests/vocabulary.ts");
  });
  it("the request vocabulary and the audit actions import nothing (so the browser bundle gets no server code)", async () => {
    for (const file of ["src/requests/vocabulary.ts", "src/audit-actions.ts"]) {
      const text = await fs.readFile(path.join(root, file), "utf8");
      expect(specifiers(text), file).toEqual([]);
    }
  });
});
