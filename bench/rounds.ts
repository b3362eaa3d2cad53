// `npm run bench -- --repeat N`: a one-pass pipeline case run N times, and with `--baseline` each run beside one of
// the baseline's, alternating which code goes first. Single runs on this machine spread by ±10–20% and a case run
// second ran up to 15% apart from the same code run first (docs/performance.md, "Checked and tried"): the medians of
// alternated runs say more than one pair.
import type { PipelineCase } from "./pipeline.ts";

/**
 * The runs of one case: `repeat` times, each paired with a run of `baseline`'s code when given (first in odd runs,
 * second in even ones). One run without a baseline is the case itself, unmarked.
 */
export function rounds<C extends PipelineCase>(c: C, repeat: number, baseline?: string): C[] {
  return Array.from({ length: repeat }, (_, i): C[] => {
    const round = repeat > 1 ? { round: { n: i + 1, of: repeat } } : {};
    const now = { ...c, ...round };
    if (!baseline) return [now];
    const before = { ...c, revision: baseline, ...round };
    return i % 2 === 0 ? [before, now] : [now, before];
  }).flat();
}

/**
 * A one-pass case's runs (`rounds`) and, beside them, the same case's runs in a process warmed by another backlog
 * first (bench/pipeline.ts): each round's warmed run next to that round's fresh run (or baseline pair), going second in
 * odd rounds and first in even ones, so both are taken under the same load.
 */
export function freshAndWarmed<C extends PipelineCase>(c: C, repeat: number, baseline?: string): C[] {
  const fresh = rounds(c, repeat, baseline);
  const warmed = rounds({ ...c, process: "warmed" as const }, repeat);
  const perRound = fresh.length / repeat; // with a baseline, each round is a pair
  return warmed.flatMap((w, i) => {
    const f = fresh.slice(i * perRound, (i + 1) * perRound);
    return i % 2 === 0 ? [...f, w] : [w, ...f];
  });
}

/** `--repeat`'s value: a whole number of runs from 1 to 20 (1 when not given). */
export function parseRepeat(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 20)
    throw new Error(`--repeat ${value}: give a whole number of runs, 1 to 20`);
  return n;
}
