// What every benchmark case measures besides its own figures: the machine's load, this process's CPU and peak memory,
// the CPU of the PostgreSQL backends serving a database (from /proc), and the statements sent through a Db.
import fs from "node:fs";
import os from "node:os";
import type { Db, Queryable } from "../src/store/db.ts";

/** The 1-, 5- and 15-minute load averages, to 0.01. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = os.loadavg().map((x) => Math.round(x * 100) / 100);
  return [a!, b!, c!];
}

/** This process's CPU time in milliseconds (user + system) since `since` (a process.cpuUsage() reading). */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return Math.round((d.user + d.system) / 1000);
}

/**
 * Peak resident memory of this process so far, in MiB (2^20 bytes; every memory figure of the bench is in MiB): Linux's
 * high-water mark (`VmHWM`), which `resetPeakRss` starts again; getrusage's maxRSS where /proc does not give it
 * (maxRSS also keeps the largest of the process's exited threads and of what it exec'd from, which no reset clears).
 */
export function peakRssMb(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1];
    if (kb) return Math.round(Number(kb) / 1024);
  } catch {
    // not Linux: below
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/**
 * Starts the process's peak RSS again from its current RSS (Linux: `clear_refs` 5 resets `VmHWM`), so the peak of work
 * done after it is measured from there and not from earlier work's peak. What earlier work left resident stays in it.
 * False where it cannot (no such file, not allowed).
 */
export function resetPeakRss(): boolean {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ
/** A process's CPU time so far in milliseconds (user + system, from /proc), or null once it has gone. */
export const procCpuMs = (pid: number | string): number | null => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields after the command: state is [0]; utime [11], stime [12] (stat fields 14 and 15).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null; // the backend has gone (its last reading stands)
  }
};

/**
 * This process's CPU so far per thread, in milliseconds (Linux's /proc/self/task: the main thread, whose id is the
 * process's, and the others: V8's workers, which compile optimised code and collect garbage beside it, and libuv's),
 * or null where /proc does not give it. A thread that ends between two readings takes its CPU with it.
 */
export function threadCpuMs(): { main: number; byThread: Map<string, number> } | null {
  try {
    const byThread = new Map<string, number>();
    for (const tid of fs.readdirSync("/proc/self/task")) {
      const ms = procCpuMs(`self/task/${tid}`);
      if (ms !== null) byThread.set(tid, ms);
    }
    return { main: byThread.get(String(process.pid)) ?? 0, byThread };
  } catch {
    return null;
  }
}

/**
 * The CPU of this process's threads other than the main one since `since` (threadCpuMs), ms: threads that ended meanwhile
 * are not counted, threads started meanwhile count from zero.
 */
export function otherThreadsCpuMsSince(since: ReturnType<typeof threadCpuMs>): number | null {
  const now = threadCpuMs();
  if (!since || !now) return null;
  let ms = 0;
  for (const [tid, cpu] of now.byThread) if (tid !== String(process.pid)) ms += cpu - (since.byThread.get(tid) ?? 0);
  return Math.round(ms);
}

/**
 * Samples the CPU of every backend connected to `database` (pg_stat_activity, then /proc/<pid>/stat: the server runs
 * on this machine) every 250 ms through a separate connection; `stop()` returns the CPU milliseconds they used since
 * `start`, counting backends that came and went between samples from their first to their last reading.
 */
export function pgBackendCpu(monitor: Queryable, database: string): { stop: () => Promise<number> } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let stopped = false;
  const sample = async (): Promise<void> => {
    const rows = await monitor.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    );
    for (const { pid } of rows) {
      const ms = procCpuMs(pid);
      if (ms === null) continue;
      if (!first.has(pid)) first.set(pid, ms);
      last.set(pid, ms);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      await sample();
      stopped = true;
      await loop;
      let total = 0;
      for (const [pid, end] of last) total += end - (first.get(pid) ?? end);
      return Math.round(total);
    },
  };
}

/** A Db that counts the statements sent through it (and inside its transactions: BEGIN and COMMIT count too). */
export function countingDb(db: Db): { db: Db; statements: () => number; byText: () => [string, number][] } {
  let n = 0;
  // Per statement text (its first words), to see where the statements go: BENCH_STATEMENTS=1 prints the top ones.
  const texts = new Map<string, number>();
  const count = (sql: string) => {
    n++;
    const key = sql.replace(/\s+/g, " ").trim().slice(0, 90);
    texts.set(key, (texts.get(key) ?? 0) + 1);
  };
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      count(sql);
      return q.query(sql, params);
    },
  });
  const counted: Db = {
    engine: db.engine,
    query: (sql, params) => {
      count(sql);
      return db.query(sql, params);
    },
    transaction: (fn) => {
      n += 2;
      return db.transaction((tx) => fn(wrap(tx)));
    },
    withSession: (fn) =>
      db.withSession((s) =>
        fn({
          exec: (sql) => {
            n++;
            return s.exec(sql);
          },
          query: (sql, params) => {
            n++;
            return s.query(sql, params);
          },
        }),
      ),
    readSnapshot: (sql, params, opts) => {
      count(sql); // the read's BEGIN, DECLARE, FETCHes and COMMIT are not counted one by one
      return db.readSnapshot(sql, params, opts);
    },
    close: () => db.close(),
  };
  return { db: counted, statements: () => n, byText: () => [...texts].sort((a, b) => b[1] - a[1]) };
}

/**
 * Samples this process's memory every `everyMs` while it runs: `stop()` gives the highest JavaScript heap (used and
 * reserved) and the highest memory outside it (buffers, the WebAssembly heap), in MB, to say what a peak RSS is made of.
 */
export function memorySampler(everyMs = 100): {
  stop: () => { heapUsedMb: number; heapTotalMb: number; externalMb: number };
} {
  let heapUsed = 0;
  let heapTotal = 0;
  let external = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    heapUsed = Math.max(heapUsed, m.heapUsed);
    heapTotal = Math.max(heapTotal, m.heapTotal);
    external = Math.max(external, m.external);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  const mb = (b: number): number => Math.round(b / 1048576); // MiB, as peakRssMb
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { heapUsedMb: mb(heapUsed), heapTotalMb: mb(heapTotal), externalMb: mb(external) };
    },
  };
}

/**
 * When each request of a pass finished, as milliseconds from the pass's start, for the pass's shape over time: how long
 * until the first request was done (the first poll's answer, connections and a fresh process's unoptimised code), and
 * the rate over the pass's second half, which neither includes. Kept in a typed array grown by doubling: about 1 MiB
 * at 100k (1.5 MiB while it doubles).
 */
export class PassTimeline {
  private at = new Float64Array(4096);
  private n = 0;
  constructor(private readonly started: number) {}

  /** One request done at `now` (performance.now()). */
  done(now = performance.now()): void {
    if (this.n === this.at.length) {
      const grown = new Float64Array(this.at.length * 2);
      grown.set(this.at);
      this.at = grown;
    }
    this.at[this.n++] = now - this.started;
  }

  /**
   * Seconds to the first request done, and requests/s over the second half of those done: from the instant half were
   * done to the last, counting only the requests done after that instant (a batch's results finish together, so the
   * rest of the half-way request's batch is not counted in a window that starts at its end). Null while fewer than 4
   * are done, or when the second half all finished at the half-way instant (no time to divide by).
   */
  figures(): { firstRequestSeconds: number | null; secondHalfRequestsPerSecond: number | null } {
    if (this.n === 0) return { firstRequestSeconds: null, secondHalfRequestsPerSecond: null };
    const firstRequestSeconds = Math.round(this.at[0]! / 10) / 100;
    if (this.n < 4) return { firstRequestSeconds, secondHalfRequestsPerSecond: null };
    const from = this.at[Math.floor(this.n / 2) - 1]!;
    const ms = this.at[this.n - 1]! - from;
    let after = this.n;
    while (after > 0 && this.at[after - 1]! > from) after--;
    const count = this.n - after;
    return {
      firstRequestSeconds,
      secondHalfRequestsPerSecond: ms > 0 ? Math.round(count / (ms / 1000)) : null,
    };
  }
}
