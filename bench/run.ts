// Performance benchmarks: `npm run bench` (never part of the tests). Parts, each selectable with --only (comma-separated):
//   pipeline  backlogs of 2k and 20k requests (100k with --large) through one sync pass, on PGlite and PostgreSQL
//   latency   the pipeline under 50 ms of PKB latency at concurrency 1, the default and 32 (PostgreSQL)
//   reports   every report on a year of 100k generated requests (1M on PostgreSQL with --large), both stores
//   worklist  the worklist over HTTP on 20k and 100k (1M with --large): one client, 50 clients, 25 pages/s (PostgreSQL)
// Each one-pass pipeline case also runs "after a warm-up": in a process that has first worked another 2,000-request
// backlog (another seed) into another store, as a Rebook that has been running meets a backlog, from the emulator then
// reset to the backlog measured, beside the same case's fresh runs (--fresh-only skips it; --server cases and
// --baseline's code never run it).
// Other flags: --sizes 2000,20000 (override the backlog/row counts), --engines postgres (pglite,postgres),
// --statements (the pipeline cases print, on stderr, the statements per request by statement text), --server (the
// pipeline cases run as the server runs them: processing starts on what the poll stores while the poll goes on; by
// default the 20k backlog is run both ways), --baseline <git revision> (each one-pass pipeline case up to 20k is run
// first with that revision's code, in a git worktree with this checkout's bench harness and emulator, and its
// node_modules when the revision locks the same packages (else the revision's own, by npm ci), then with this
// checkout's: before and after in one run, on the same machine), --repeat N (each one-pass pipeline
// case N times, with --baseline alternating which code goes first; the table gives the medians and their ratio),
// --node <path> (every case's process, and the emulator it starts, on that Node.js, e.g. the Node 24 the image runs:
// `--node "$(bash scripts/node24.sh)/node"`; the table names the version).
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
import { freshAndWarmed, parseRepeat, rounds } from "./rounds.ts";
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
    "fresh-only": { type: "boolean", default: false },
    baseline: { type: "string" },
    repeat: { type: "string" },
    node: { type: "string" },
  },
});
const only = (values.only?.split(",") ?? [...PARTS]) as Part[];
for (const p of only) if (!PARTS.includes(p)) throw new Error(`unknown part ${p} (parts: ${PARTS.join(", ")})`);
const sizesArg = values.sizes?.split(",").map(Number);
const engines = (values.engines?.split(",") ?? ["pglite", "postgres"]) as ("pglite" | "postgres")[];
const large = values.large ?? false;
const repeat = parseRepeat(values.repeat);
const run = promisify(execFile);
/** A git command in this checkout; its output, trimmed. */
const git = async (args: string[]): Promise<string> => (await run("git", args, { cwd: PACKAGE_ROOT })).stdout.trim();

/**
 * The Node.js each case's process runs on (Rebook's code, and the emulator it starts): this one's, or `--node`'s (the
 * Node 24 the image runs: `--node "$(bash scripts/node24.sh)/node"`), and its version for the table.
 */
const nodeBin = values.node ? path.resolve(values.node) : process.execPath;
const nodeVersion = (
  await run(nodeBin, ["-p", "process.versions.node"]).catch((e: Error) => {
    throw new Error(`--node ${values.node}: not a Node.js that runs (${e.message.split("\n")[0]})`);
  })
).stdout.trim();

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
        // The baseline beside each case it can run: a revision from before issue 11 grows with the square of the
        // backlog (hours at 100k), and may not have the server's loops as the harness drives them. --repeat runs the
        // one-pass cases again, alternating which code goes first. Each one-pass case runs again in a process warmed
        // by another backlog first (bench/pipeline.ts), unless --fresh-only or --server, beside the fresh runs of the
        // same backlog and alternating with them round by round, so the two are taken under the same load.
        const runs = pass.flatMap((c) => {
          if (c.mode) return [c];
          const baseline = c.size <= BASELINE_MAX_SIZE ? values.baseline : undefined;
          return values["fresh-only"] ? rounds(c, repeat, baseline) : freshAndWarmed(c, repeat, baseline);
        });
        return [...runs, ...served];
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
      // 20k: the issue's figure for 50 clients (filed at 469 pages/s); 100k and 1M: the history a clerk's pages must not slow with.
      return sizes([20_000, 100_000], [1_000_000]).map((size) => ({ part, size }));
  }
}

/** The largest backlog run with `--baseline`'s code. */
const BASELINE_MAX_SIZE = 20_000;
const requireFrom = createRequire(import.meta.url).resolve;

/**
 * What a revision's package.json `config` sets for running Rebook (`npm start`, the Dockerfile); older revisions set
 * less.
 */
interface RunSettings {
  /** The JavaScript heap limit, MB. */
  heapMb?: string;
  /** glibc's malloc trim threshold, bytes. */
  mallocTrimThreshold?: string;
  /** V8's semi-space size, MB (`npm start` and the image). */
  semiSpaceMb?: string;
  /** The same when the store is PostgreSQL (`npm start` and the image set it when DATABASE_URL is). */
  postgresSemiSpaceMb?: string;
}

/** The `config` of the package.json in `dir` (none before there was one). */
async function runSettings(dir: string): Promise<RunSettings> {
  const own = JSON.parse(await fs.readFile(path.join(dir, "package.json"), "utf8")) as { config?: RunSettings };
  return own.config ?? {};
}

// The cases' environment: the bench's own, without a malloc setting of the shell's (each case's code sets its own).
// eslint-disable-next-line no-restricted-properties -- the cases run in the bench's own environment
const { MALLOC_TRIM_THRESHOLD_: _shellsTrimThreshold, ...benchEnv } = process.env;

/** Whether a case's store is PostgreSQL (the worklist's always is), as `DATABASE_URL` says for `npm start`. */
const onPostgres = (c: BenchCase): boolean => c.part === "worklist" || c.engine === "postgres";

/** The semi-space a case runs with, MB, as `npm start` chooses it for the case's store (none if unset). */
const semiSpaceMb = (settings: RunSettings, c: BenchCase): string | undefined =>
  (onPostgres(c) ? settings.postgresSemiSpaceMb : undefined) ?? settings.semiSpaceMb;

async function runCase(c: BenchCase): Promise<CaseResult> {
  const load = os.loadavg()[0]!;
  const code = "revision" in c && c.revision ? baseline! : current;
  const emulatorRoot = c.part === "pipeline" || c.part === "latency" ? { emulatorRoot: PACKAGE_ROOT } : {};
  const young = semiSpaceMb(code.settings, c);
  try {
    const { stdout, stderr } = await run(
      nodeBin,
      [
        ...(code.settings.heapMb ? [`--max-old-space-size=${code.settings.heapMb}`] : []),
        ...(young ? [`--max-semi-space-size=${young}`] : []),
        path.join(code.dir, "bench/.build/bench/case.js"),
        JSON.stringify({ ...c, ...emulatorRoot }),
      ],
      {
        cwd: code.dir,
        // glibc reads it as the process starts: the code's own setting, whatever the bench's shell has; a baseline
        // without the setting runs with glibc's default.
        env: {
          ...benchEnv,
          ...(code.settings.mallocTrimThreshold ? { MALLOC_TRIM_THRESHOLD_: code.settings.mallocTrimThreshold } : {}),
        },
        maxBuffer: 16 << 20,
        timeout: 3 * 3600_000,
      },
    );
    if ("statements" in c && c.statements) process.stderr.write(stderr);
    else
      for (const line of stderr.split("\n"))
        if (line.startsWith("bench: not right:")) process.stderr.write(`${line}\n`);
    return { case: c, figures: JSON.parse(stdout.trim().split("\n").at(-1)!) as CaseResult["figures"] };
  } catch (err) {
    const e = err as Error & { stderr?: string };
    return { case: c, figures: { load1: Math.round(load * 100) / 100 }, error: (e.stderr || e.message).slice(-2000) };
  }
}

/**
 * A revision's code to measure against (`--baseline`): a detached git worktree in the temporary directory with this
 * checkout's bench harness (the revision's own harness may not measure the same things) and node_modules (or, when the
 * revision locks other packages, its own, installed by `npm ci`), compiled as
 * this checkout's cases are. Files the compiled code reads beside itself (an older revision's migrations) are copied
 * into the build. It runs with the heap limit, malloc's trim threshold and the young generation for the case's store its
 * own package.json sets (none before there was one).
 */
async function prepareBaseline(
  rev: string,
): Promise<{ dir: string; label: string; settings: RunSettings; remove(): Promise<void> }> {
  const label = await git(["rev-parse", "--short", `${rev}^{commit}`]).catch(() => {
    throw new Error(`--baseline ${rev}: not a commit of this checkout's git repository`);
  });
  // A run interrupted earlier (Ctrl-C skips the clean-up below) left its worktree: forget the ones whose folder is gone.
  await git(["worktree", "prune"]);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `rebook-baseline-${label}-`));
  process.stderr.write(`bench: baseline ${label} in ${dir}\n`);
  const remove = async (): Promise<void> => {
    await git(["worktree", "remove", "--force", dir]).catch(async () => {
      await fs.rm(dir, { recursive: true, force: true });
      await git(["worktree", "prune"]);
    });
  };
  // Interrupted (Ctrl-C, a terminal closed): the worktree is removed before the bench exits.
  const interrupted = (signal: NodeJS.Signals): void => {
    void remove().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    await git(["worktree", "add", "--detach", dir, label]);
    // This checkout's packages when the revision locks the same ones; else its own (a dependency removed since, say).
    const lock = (root: string) => fs.readFile(path.join(root, "package-lock.json"), "utf8").catch(() => null);
    if ((await lock(dir)) === (await lock(PACKAGE_ROOT)))
      await fs.symlink(path.join(PACKAGE_ROOT, "node_modules"), path.join(dir, "node_modules"));
    else {
      process.stderr.write(`bench: ${label} locks other packages than this checkout: npm ci in its worktree\n`);
      await run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, maxBuffer: 64 << 20 });
    }
    await fs.rm(path.join(dir, "bench"), { recursive: true, force: true });
    await fs.cp(import.meta.dirname, path.join(dir, "bench"), {
      recursive: true,
      filter: (src) => ![BUILD_DIR, path.join(import.meta.dirname, "results")].includes(src),
    });
    await fs.copyFile(path.join(PACKAGE_ROOT, "tsconfig.bench.json"), path.join(dir, "tsconfig.bench.json"));
    await run(process.execPath, [requireFrom("typescript/bin/tsc"), "-p", "tsconfig.bench.json"], { cwd: dir });
    await fs.cp(path.join(dir, "src"), path.join(dir, "bench/.build/src"), {
      recursive: true,
      filter: (src) => !/\.tsx?$/.test(src),
    });
    return { dir, label, settings: await runSettings(dir), remove };
  } catch (error) {
    await remove();
    throw error;
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

// --baseline: the revision's code beside this checkout, built with this checkout's harness.
if (values.baseline && !only.some((part) => casesOf(part).some((c) => "revision" in c)))
  throw new Error("--baseline pairs one-pass pipeline cases of up to 20,000 requests: none of the chosen cases is one");
/** This checkout's code, run with the settings its package.json gives Rebook (the figures assume both are set). */
const current = { dir: PACKAGE_ROOT, settings: await runSettings(PACKAGE_ROOT) };
if (
  !current.settings.heapMb ||
  !current.settings.mallocTrimThreshold ||
  !current.settings.semiSpaceMb ||
  !current.settings.postgresSemiSpaceMb
)
  throw new Error(
    "package.json's config must set heapMb, mallocTrimThreshold, semiSpaceMb and postgresSemiSpaceMb: Rebook's cases run with them",
  );
const baseline = values.baseline ? await prepareBaseline(values.baseline) : null;

/** The commit measured, and whether the code the cases run (src/, bench/, the emulator, the packages) differed from it. */
const code = `${await git(["rev-parse", "--short", "HEAD"])}${
  (await git(["status", "--porcelain", "--", "src", "bench", "sandbox", "package.json", "package-lock.json"])) === ""
    ? ""
    : " with uncommitted changes"
}`;

const results: CaseResult[] = [];
const startedAt = new Date();
try {
  for (const part of only) {
    for (const c of casesOf(part)) {
      process.stderr.write(`bench: ${JSON.stringify(c)} (load ${os.loadavg()[0]!.toFixed(2)})\n`);
      const r = await runCase(c);
      results.push(r);
      process.stderr.write(`  ${r.error ? `FAILED: ${r.error}` : JSON.stringify(r.figures)}\n`);
    }
  }
} finally {
  await baseline?.remove();
}
const table = markdown(results, { cpus: os.cpus().length, at: startedAt, node: nodeVersion, code });
const dir = path.join(import.meta.dirname, "results");
await fs.mkdir(dir, { recursive: true });
const stem = path.join(dir, startedAt.toISOString().replace(/[:.]/g, "-"));
await fs.writeFile(
  `${stem}.json`,
  JSON.stringify(
    { at: startedAt.toISOString(), args: values, cpus: os.cpus().length, node: nodeVersion, results },
    null,
    2,
  ),
);
await fs.writeFile(`${stem}.md`, table);
process.stdout.write(`${table}\nwritten to ${stem}.json and .md\n`);
if (results.some((r) => r.error)) process.exitCode = 1;
