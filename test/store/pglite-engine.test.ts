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
  it("compiles optimised where V8's optimiser is modest, and with the baseline compiler only from V8 13", () => {
    expect(webAssemblyCompilerFlags("11.3.244.8-node.38")).toBe("--no-liftoff"); // Node 20
    expect(webAssemblyCompilerFlags("12.4.254.21-node.57")).toBe("--no-liftoff"); // Node 22
    const baselineOnly = "--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering";
    expect(webAssemblyCompilerFlags("13.6.233.17-node.53")).toBe(baselineOnly); // Node 24
    expect(webAssemblyCompilerFlags("14.1.146.11-node.25")).toBe(baselineOnly); // Node 25
    // A version it cannot read gets the choice that is safe on every V8.
    expect(webAssemblyCompilerFlags("")).toBe(baselineOnly);
    expect(webAssemblyCompilerFlags("unknown")).toBe(baselineOnly);
  });

  describe("a process that opens a store", { timeout: 120_000 }, () => {
    let dir: string;
    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-pglite-engine-"));
    });
    afterAll(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    // The child opens the store twice, as `npm start` does after a first run: once new (unpacked from the template),
    // once existing, each in a fresh process; it reports its peak resident memory (VmHWM) after a query.
    const openInChild = async (): Promise<{ peakMb: number; rows: number }> => {
      const script = `
        const { openPglite } = await import(${JSON.stringify(path.join(root, "src/store/db.ts"))});
        const db = await openPglite(${JSON.stringify(path.join(dir, "store"))});
        const rows = await db.query("SELECT relname FROM pg_class ORDER BY relname");
        await db.close();
        const status = await (await import("node:fs/promises")).readFile("/proc/self/status", "utf8");
        const peakKb = Number(/^VmHWM:\\s+(\\d+)/m.exec(status)[1]);
        console.log(JSON.stringify({ peakMb: Math.round(peakKb / 1024), rows: rows.length }));
      `;
      const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: root,
        // eslint-disable-next-line no-restricted-properties -- the child gets a minimal environment of the test's choosing
        env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent" },
      });
      return JSON.parse(stdout.trim().split("\n").at(-1)!) as { peakMb: number; rows: number };
    };

    // With the optimising compiler on V8 13 the peak was 650–770 MB (tsx adds ~60); with the baseline compiler only it
    // is ~320 MB, as on Node 20 and 22 with the optimising compiler.
    it.each(["new", "existing"])("stays well under 450 MB at its peak (%s store)", async () => {
      const { peakMb, rows } = await openInChild();
      expect(rows).toBeGreaterThan(100);
      expect(peakMb).toBeLessThan(450);
    });
  });
});
