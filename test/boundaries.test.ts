// src/ and the sandbox emulator must stay independent: the emulator is an honest stand-in for PKB only if neither
// side can reach into the other.
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".ts")).map((e) => path.join(e.parentPath, e.name));
}

async function importsOutside(dir: string, forbidden: string): Promise<string[]> {
  const bad: string[] = [];
  for (const file of await tsFiles(path.join(root, dir))) {
    const text = await fs.readFile(file, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)["']([^"']+)["']/g)) {
      const spec = m[1]!;
      if (!spec.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), spec);
      if (target.startsWith(path.join(root, forbidden) + path.sep)) bad.push(`${path.relative(root, file)} → ${spec}`);
    }
  }
  return bad;
}

describe("module boundaries", () => {
  it("src/ never imports the sandbox emulator", async () => {
    expect(await importsOutside("src", "sandbox")).toEqual([]);
  });
  it("the sandbox emulator never imports src/", async () => {
    expect(await importsOutside("sandbox", "src")).toEqual([]);
  });
});
