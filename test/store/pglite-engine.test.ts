// How V8 compiles PGlite's engine (WebAssembly), run for real in a child process on the Node running the tests (CI runs
// the suite on Node 20 and on Node 24). On V8 13 and later (Node 24 on), the optimising compiler took ~530 MB of
// memory for ~1.2 s to compile one of the engine's functions, at every start, so a fresh process peaked near 700 MB;
// and on V8 14 (Node 25), setting `--no-liftoff` at run time crashed the process.
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webAssemblyCompilerFlags } from "../../src/store/db.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

describe("the embedded store's WebAssembly compiler", () => {
  it("compiles optimised up to V8 12.4, and with the baseline compiler only after", () => {
    expect(webAssemblyCompilerFlags("11.3.244.8-node.38")).toBe("--no-liftoff"); // Node 20
    expect(webAssemblyCompilerFlags("12.4.254.21-node.57")).toBe("--no-liftoff"); // Node 22
    const baselineOnly = "--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering";
    expect(webAssemblyCompilerFlags("12.9.202.28-node.14")).toBe(baselineOnly); // Node 23: not measured
    expect(webAssemblyCompilerFlags("13.6.233.17-node.53")).toBe(baselineOnly); // Node 24
    expect(webAssemblyCompilerFlags("14.1.146.11-node.25")).toBe(baselineOnly); // Node 25
    // A version it cannot read gets the choice that is safe on every V8.
    expect(webAssemblyCompilerFlags("")).toBe(baselineOnly);
    expect(webAssemblyCompilerFlags("unknown")).toBe(baselineOnly);
    expect(webAssemblyCompilerFlags("12")).toBe(baselineOnly);
  });

  describe("a process that opens a store", { timeout: 180_000 }, () => {
    let dir: string;
    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-pglite-engine-"));
    });
    afterAll(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    // Opens the store in dataDir in a child process of its own (TypeScript through tsx, which adds ~60 MiB), runs a
    // query, and reports the child's peak resident memory in MiB (`resourceUsage().maxRSS` is in KiB).
    const openInChild = async (dataDir: string, tmpDir: string): Promise<{ peakMiB: number; rows: number }> => {
      const script = `
        const { openPglite } = await import(${JSON.stringify(path.join(root, "src/store/db.ts"))});
        const db = await openPglite(${JSON.stringify(dataDir)});
        const rows = await db.query("SELECT relname FROM pg_class ORDER BY relname");
        await db.close();
        console.log(JSON.stringify({ peakMiB: Math.round(process.resourceUsage().maxRSS / 1024), rows: rows.length }));
      `;
      const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: root,
        // eslint-disable-next-line no-restricted-properties -- the child gets a minimal environment of the test's choosing
        env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", TMPDIR: tmpDir },
      });
      return JSON.parse(stdout.trim().split("\n").at(-1)!) as { peakMiB: number; rows: number };
    };

    // With the optimising compiler on V8 13 the child peaked at 679–708 MiB; with the baseline compiler only it peaks
    // near 320 MiB, as on Node 20 and 22 with the optimising compiler.
    it("stays well under 450 MiB at its peak creating a store (initdb in a child of its own, with the same flags)", async () => {
      const tmpDir = path.join(dir, "tmp-new"); // no template of a new cluster there yet: initdb runs
      await fs.mkdir(tmpDir);
      const { peakMiB, rows } = await openInChild(path.join(dir, "new"), tmpDir);
      expect(rows).toBeGreaterThan(100);
      expect(peakMiB).toBeLessThan(450);
      expect((await fs.readdir(tmpDir)).some((f) => f.endsWith("-cluster.tar.gz"))).toBe(true);
    });

    it("stays well under 450 MiB at its peak opening an existing store", async () => {
      const dataDir = path.join(dir, "existing");
      await openInChild(dataDir, os.tmpdir()); // creates it
      await expect(fs.stat(path.join(dataDir, "PG_VERSION"))).resolves.toBeTruthy();
      const { peakMiB, rows } = await openInChild(dataDir, os.tmpdir());
      expect(rows).toBeGreaterThan(100);
      expect(peakMiB).toBeLessThan(450);
    });
  });
});
