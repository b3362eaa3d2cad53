// Rebook finds its own files from its sources (src/, under tsx) and from the compiled dist/ or bench/.build/ alike.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, PACKAGE_ROOT, packageRootFrom } from "../../src/paths.ts";

describe("Rebook's own paths", () => {
  it("are the checkout's, with the migrations in their sources' folder", () => {
    expect(PACKAGE_ROOT).toBe(path.resolve(import.meta.dirname, "../.."));
    expect(existsSync(path.join(MIGRATIONS_DIR, "0001_init.sql"))).toBe(true);
  });

  it("are found from a compiled file's folder however deep it lies", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "rebook-paths-"));
    writeFileSync(path.join(root, "package.json"), "{}");
    for (const compiled of ["dist/store", "dist", "bench/.build/src/http"]) {
      mkdirSync(path.join(root, compiled), { recursive: true });
      expect(packageRootFrom(path.join(root, compiled))).toBe(root);
    }
  });

  it("say so when there is no package.json above", () => {
    expect(() => packageRootFrom("/")).toThrow(/No package\.json at or above \//);
  });
});
