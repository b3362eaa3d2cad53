// The chaos run's command line: `npm run chaos -- [--requests N] [--short] …`. Everything has a default; the short
// form is the one CI runs.
import { Command, CommanderError, InvalidArgumentError } from "commander";

/** What one chaos run does. Durations in seconds. */
export interface ChaosOptions {
  /** Change/cancel requests the emulator holds before Rebook starts: the backlog. */
  requests: number;
  seed: number;
  /** How long faults, kills, the revocation, the poison message and live traffic go on. */
  chaosSeconds: number;
  kills: number;
  /** Seconds after a kill before the instance is started again. */
  restartAfter: number;
  /** A new live message every this many seconds during the chaos phase. */
  liveEvery: number;
  /** After the chaos phase, how long to wait for Rebook to finish everything before judging. */
  drainSeconds: number;
  /** Longest acceptable collection gap after a kill. */
  maxGapSeconds: number;
  /** No faults, kills, revocation or poison: the same run, calm, to check the checker. */
  calm: boolean;
  /** Admin connection to the local PostgreSQL server (the run creates and drops its own database there). */
  pgUrl: string;
  keepLogs: boolean;
  /** Keep the run's PostgreSQL database (to trace a failure in SQL); its name is printed. */
  keepDb: boolean;
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number ${min}..${max}`);
  return n;
};

const seconds = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected seconds ${min}..${max}`);
  return n;
};

const localPg = (v: string) => {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new InvalidArgumentError("expected a postgres:// URL");
  }
  if (!/^postgres(ql)?:$/.test(url.protocol)) throw new InvalidArgumentError("expected a postgres:// URL");
  if (!LOCAL_HOSTS.has(url.hostname)) throw new InvalidArgumentError("the chaos run only talks to 127.0.0.1");
  return v;
};

/** Parses argv (process.argv) into options; prints help (exit 0) or the problem with an option (exit 2). */
export function parseOptions(argv: string[]): ChaosOptions {
  const cmd = new Command()
    .name("npm run chaos --")
    .description(
      "Chaos run: the PKB emulator with faults, two Rebook instances on one fresh PostgreSQL database, kill -9 and " +
        "restarts, a revocation and re-grant, a poison message, during a backlog. Exits 1 on loss, duplicates, wrong " +
        "matches, refresh-token reuse or a collection gap after a kill over the limit; 2 when the run itself failed.",
    )
    .option("--requests <n>", "backlog: change/cancel requests waiting in PKB at the start", int(1, 100_000))
    .option("--short", "the CI form: a small backlog, a 30 s chaos phase, 2 kills")
    .option("--seed <n>", "the emulator's data seed", int(0, 2 ** 31), 1)
    .option("--chaos-seconds <s>", "length of the chaos phase", seconds(10, 3600))
    .option("--kills <n>", "kill -9s during the chaos phase", int(0, 50))
    .option("--restart-after <s>", "seconds before a killed instance is started again", seconds(0, 120), 3)
    .option("--live-every <s>", "a new live message every this many seconds", seconds(0.1, 60), 1)
    .option("--drain-seconds <s>", "after the chaos phase, the most to wait for Rebook to finish", seconds(10, 7200))
    .option("--max-gap <s>", "longest acceptable collection gap after a kill", seconds(1, 3600), 30)
    .option("--calm", "no faults, kills, revocation or poison (checks the checker)")
    .option(
      "--pg-url <url>",
      "admin URL of the local PostgreSQL server",
      localPg,
      "postgres://postgres@127.0.0.1:5432/postgres",
    )
    .option("--keep-logs", "keep the instances' and the emulator's logs even when the run passes")
    .option("--keep-db", "keep the run's database afterwards (its name is printed; drop it yourself)")
    .showHelpAfterError("(npm run chaos -- --help lists the options)")
    .exitOverride();
  try {
    cmd.parse(argv);
  } catch (err) {
    // Help is a success; a bad option is "the run could not be done" (2), never "Rebook failed" (1).
    process.exit(err instanceof CommanderError && err.exitCode === 0 ? 0 : 2);
  }
  const o = cmd.opts<{
    requests?: number;
    short?: boolean;
    seed: number;
    chaosSeconds?: number;
    kills?: number;
    restartAfter: number;
    liveEvery: number;
    drainSeconds?: number;
    maxGap: number;
    calm?: boolean;
    pgUrl: string;
    keepLogs?: boolean;
    keepDb?: boolean;
  }>();
  const short = o.short ?? false;
  const requests = o.requests ?? (short ? 300 : 1000);
  return {
    requests,
    seed: o.seed,
    chaosSeconds: o.chaosSeconds ?? (short ? 30 : 60),
    kills: o.calm ? 0 : (o.kills ?? (short ? 2 : 4)),
    restartAfter: o.restartAfter,
    liveEvery: o.liveEvery,
    // Enough for the backlog at a modest 25 requests/s, and never less than a minute.
    drainSeconds: o.drainSeconds ?? Math.max(short ? 45 : 60, Math.ceil(requests / 25)),
    maxGapSeconds: o.maxGap,
    calm: o.calm ?? false,
    pgUrl: o.pgUrl,
    keepLogs: o.keepLogs ?? false,
    keepDb: o.keepDb ?? false,
  };
}
