// Performance benchmarks: `npm run bench` (never part of the tests). Parts, each selectable with --only (comma-separated):
//   pipeline  backlogs of 2k and 20k requests (100k with --large) through one sync pass, on PGlite and PostgreSQL
//   latency   the pipeline under 50 ms of PKB latency at concurrency 1, the default and 32 (PostgreSQL)
//   reports   every report on a year of 100k generated requests (1M on PostgreSQL with --large), both stores
//   worklist  the worklist over HTTP on 100k (1M with --large): one client, 50 clients, 25 pages/s (PostgreSQL)
// Other flags: --sizes 2000,20000 (override the backlog/row counts), --engines postgres (pglite,postgres),
// --statements (the pipeline cases print, on stderr, the statements per request by statement text), --server (the
// pipeline cases run as the server runs them: processing starts on what the poll stores while the poll goes on; by
// default the 20k backlog is run both ways).
// Each case runs in its own process, compiled to JavaScript as `npm start` runs Rebook (CPU and peak memory are its
// own), with the emulator in another; the machine's load average is recorded beside every figure. Results:
// bench/results/<time>.json and .md; the markdown table is printed.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import type { BenchCase } from "./case.ts";
import { PACKAGE_ROOT } from "../src/paths.ts";
import { markdown, type CaseResult } from "./table.ts";

const PARTS = ["pipeline", "latency", "reports", "worklist"] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    large: { type: "boolean", default: false },
    sizes: { type: "string" },
    engines: { type: "string" },
    statements: { type: "boolean", default: false },
    server: { type: "boolean", default: false },
  },
});
const only = (values.only?.split(",") ?? [...PARTS]) as Part[];
for (const p of only) if (!PARTS.includes(p)) throw new Error(`unknown part ${p} (parts: ${PARTS.join(", ")})`);
const sizesArg = values.sizes?.split(",").map(Number);
const engines = (values.engines?.split(",") ?? ["pglite", "postgres"]) as ("pglite" | "postgres")[];
const large = values.large ?? false;

/** The cases of a part, as configured by the flags. */
function casesOf(part: Part): BenchCase[] {
  const sizes = (standard: number[], big: number[]): number[] => sizesArg ?? (large ? [...standard, ...big] : standard);
  switch (part) {
    case "pipeline":
      return engines.flatMap((engine) => {
        const list = sizes([2_000, 20_000], [100_000]);
        const pass = list.map((size) => ({
          part,
          engine,
          size,
          ...(values.server ? { mode: "server" as const } : {}),
          ...(values.statements ? { statements: true } : {}),
        }));
        // The 20k backlog again as the server runs it (both loops at once), unless the sizes or the run are chosen.
        const served =
          sizesArg || values.server || !list.includes(20_000)
            ? []
            : [{ part, engine, size: 20_000, mode: "server" as const }];
        return [...pass, ...served];
      });
    case "latency":
      return sizes([300], [1_000]).flatMap((size) =>
        [1, undefined, 32].map((concurrency) => ({
          part,
          engine: "postgres" as const,
          size,
          latencyMs: 50,
          ...(concurrency ? { concurrency } : {}),
        })),
      );
    case "reports":
      return [
        ...engines.flatMap((engine) => sizes([100_000], []).map((size) => ({ part, engine, size }))),
        ...(large && !sizesArg && engines.includes("postgres")
          ? [{ part, engine: "postgres" as const, size: 1_000_000 }]
          : []),
      ];
    case "worklist":
      return sizes([100_000], [1_000_000]).map((size) => ({ part, size }));
  }
}

const run = promisify(execFile);
const requireFrom = createRequire(import.meta.url).resolve;

// The heap limit Rebook runs with (`npm start`, the Dockerfile): package.json config.heapMb.
const packageJson = JSON.parse(await fs.readFile(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as {
  config: { heapMb: string };
};

async function runCase(c: BenchCase): Promise<CaseResult> {
  const load = os.loadavg()[0]!;
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [`--max-old-space-size=${packageJson.config.heapMb}`, path.join(BUILD_DIR, "bench/case.js"), JSON.stringify(c)],
      {
        cwd: PACKAGE_ROOT,
        maxBuffer: 16 << 20,
        timeout: 3 * 3600_000,
      },
    );
    if ("statements" in c && c.statements) process.stderr.write(stderr);
    return { case: c, figures: JSON.parse(stdout.trim().split("\n").at(-1)!) as CaseResult["figures"] };
  } catch (err) {
    const e = err as Error & { stderr?: string };
    return { case: c, figures: { load1: Math.round(load * 100) / 100 }, error: (e.stderr || e.message).slice(-2000) };
  }
}

// The cases run compiled, as Rebook runs in production (`npm start`, the image): tsconfig.bench.json puts src/ and
// bench/ into bench/.build/.
const BUILD_DIR = path.join(import.meta.dirname, ".build");
process.stderr.write("bench: compiling src/ and bench/ into bench/.build\n");
await fs.rm(BUILD_DIR, { recursive: true, force: true });
await run(process.execPath, [requireFrom("typescript/bin/tsc"), "-p", "tsconfig.bench.json"], {
  cwd: PACKAGE_ROOT,
});

const results: CaseResult[] = [];
const startedAt = new Date();
for (const part of only) {
  for (const c of casesOf(part)) {
    process.stderr.write(`bench: ${JSON.stringify(c)} (load ${os.loadavg()[0]!.toFixed(2)})\n`);
    const r = await runCase(c);
    results.push(r);
    process.stderr.write(`  ${r.error ? `FAILED: ${r.error}` : JSON.stringify(r.figures)}\n`);
  }
}
const table = markdown(results, { cpus: os.cpus().length, at: startedAt });
const dir = path.join(import.meta.dirname, "results");
await fs.mkdir(dir, { recursive: true });
const stem = path.join(dir, startedAt.toISOString().replace(/[:.]/g, "-"));
await fs.writeFile(
  `${stem}.json`,
  JSON.stringify({ at: startedAt.toISOString(), args: values, cpus: os.cpus().length, results }, null, 2),
);
await fs.writeFile(`${stem}.md`, table);
process.stdout.write(`${table}\nwritten to ${stem}.json and .md\n`);
if (results.some((r) => r.error)) process.exitCode = 1;
