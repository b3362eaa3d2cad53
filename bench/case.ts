// Runs one benchmark case in this (fresh) process, so its CPU time and peak memory are its own:
// `node bench/.build/bench/case.js '{"part":"pipeline","engine":"postgres","size":2000}'` (compiled by `npm run bench`;
// `node --import tsx bench/case.ts …` runs the sources). Prints one JSON line. Each part's module is loaded only for its
// own cases: a baseline revision's code (`--baseline`) is run through the pipeline's alone.
import type { PipelineCase } from "./pipeline.ts";
import type { ReportsCase } from "./reports.ts";
import type { WorklistCase } from "./worklist.ts";

/** A case of any part: which part, and that part's settings. */
export type BenchCase =
  | ({ part: "pipeline" | "latency" } & PipelineCase)
  | ({ part: "reports" } & ReportsCase)
  | ({ part: "worklist" } & WorklistCase);

const c = JSON.parse(process.argv[2] ?? "{}") as BenchCase;
const figures =
  c.part === "pipeline" || c.part === "latency"
    ? await (await import("./pipeline.ts")).runPipelineCase(c)
    : c.part === "reports"
      ? await (await import("./reports.ts")).runReportsCase(c)
      : await (await import("./worklist.ts")).runWorklistCase(c);
process.stdout.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
