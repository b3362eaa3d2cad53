// Performance benchmarks: `npm run bench`. Each benchmark prints its figures and they are written to
// bench/results/<timestamp>.json. Performance is measured here, never by timed assertions in tests.
import fs from "node:fs/promises";
import path from "node:path";

/** One benchmark: a name and a function returning named figures (units in the names). */
export interface Benchmark {
  name: string;
  run(): Promise<Record<string, number>>;
}

const { pipelineBenchmarks } = await import("./pipeline.ts");
const { reportBenchmarks } = await import("./reports.ts");
const benchmarks: Benchmark[] = [...pipelineBenchmarks, ...reportBenchmarks];

async function main(): Promise<void> {
  if (benchmarks.length === 0) {
    console.log("no benchmarks yet");
    return;
  }
  const results: Record<string, Record<string, number>> = {};
  for (const b of benchmarks) {
    const figures = await b.run();
    results[b.name] = figures;
    console.log(b.name, figures);
  }
  const dir = path.join(import.meta.dirname, "results");
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await fs.writeFile(file, JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
  console.log(`written to ${file}`);
}

await main();
