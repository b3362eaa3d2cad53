// The processes of a chaos run: the PKB emulator and the Rebook instances, each its own OS process started with an
// explicit environment (nothing inherited), logging to a file, on 127.0.0.1 only. Every process started is tracked
// so that cleanup can always stop it, whatever happened.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A started process. */
export interface Proc {
  name: string;
  logFile: string;
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
}

const running = new Set<Proc>();

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `node --import tsx <script> [args]` from the repo root with exactly `env`, output appended to `logFile`. */
export function startNode(name: string, script: string, args: string[], env: Record<string, string>, logFile: string) {
  const out = fs.openSync(logFile, "a");
  fs.writeSync(out, `\n==== ${new Date().toISOString()} start ${name}\n`);
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out); // the child has its own copy
  if (child.pid === undefined) throw new Error(`${name} could not be started`);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const proc: Proc = { name, logFile, child, pid: child.pid, exited };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Waits until `url` answers 200, the process dies (throws), or `timeoutMs` passes (throws). */
export async function waitReady(proc: Proc, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void proc.exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${proc.name} exited during start-up (code ${proc.child.exitCode}); see its log`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs / 1000} s; see its log`);
}

/** kill -9, and wait until the process is gone. */
export async function killHard(proc: Proc): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill("SIGKILL");
    fs.appendFileSync(proc.logFile, `\n==== ${new Date().toISOString()} kill -9 ${proc.name} (pid ${proc.pid})\n`);
  }
  await proc.exited;
}

/** Asks the process to stop (SIGTERM), then kills it if it is still there after `graceMs`. */
export async function stop(proc: Proc, graceMs = 5_000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill("SIGTERM");
  const gone = await Promise.race([proc.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!gone) await killHard(proc);
}

/** Stops every process this run started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => stop(p, 3_000)));
}

/** Synchronous last resort (process exit): SIGKILL whatever is still running. */
export function killAllNow(): void {
  for (const p of running) if (p.child.exitCode === null) p.child.kill("SIGKILL");
}
