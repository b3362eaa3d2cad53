// The PKB sandbox emulator in its own process (as `npm run sandbox` runs it), so its work never shares Rebook's event
// loop or CPU accounting: started on a free port, ready when its FHIR metadata answers; optional latency on every
// PKB call through its fault-injection control API.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";

/** A free TCP port on the loopback interface. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A running emulator: its base URL, its pid, how to give it another backlog, and how to stop it. */
export interface Emulator {
  base: string;
  pid: number;
  /**
   * Regenerates its world with `size` requests of `seed` (`PASS_SEED` unless given), as a fresh start with them would
   * have it: the same anchor and settle scenarios, and `latencyMs` per call, else the latency it was started with (a
   * reset clears faults).
   */
  reset(world: { size: number; seed?: number; latencyMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** The seed of the backlog a case measures (a warm-up's backlog has another). */
export const PASS_SEED = 11;
/**
 * Settle scenarios in the world: SANDBOX_SETTLE_SCENARIOS's default at start, but a reset's own default is none, so the
 * bench sets it both ways and a reset regenerates the same world.
 */
const SETTLE_SCENARIOS = 4;

/** Sends the emulator's control API `body` as JSON; `what` names the step in the error. */
async function control(base: string, method: string, route: string, body: unknown, what: string): Promise<void> {
  const res = await fetch(`${base}/_sandbox/${route}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${what} failed: ${res.status} ${(await res.text()).slice(0, 200)}`);
}

/**
 * Starts the emulator with `size` requests (seed `PASS_SEED` unless `seed` is given, anchored at `anchor` or else today's
 * UTC midnight) and `latencyMs` per call, from the checkout at `root` (the bench's own: a baseline revision's code is
 * measured against today's emulator).
 */
export async function startEmulator(opts: {
  size: number;
  latencyMs?: number;
  root: string;
  seed?: number;
  anchor?: string;
}): Promise<Emulator> {
  const port = await freePort();
  const now = new Date();
  const anchor =
    opts.anchor ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", path.join(opts.root, "sandbox/src/main.ts")],
    {
      cwd: opts.root,
      env: {
        // eslint-disable-next-line no-restricted-properties -- the child needs the PATH the bench was started with
        PATH: process.env.PATH,
        SANDBOX_PORT: String(port),
        SANDBOX_SIZE: String(opts.size),
        SANDBOX_SEED: String(opts.seed ?? PASS_SEED),
        SANDBOX_SETTLE_SCENARIOS: String(SETTLE_SCENARIOS),
        SANDBOX_ANCHOR: anchor,
        SANDBOX_LOG_LEVEL: "warn",
        // Tokens outlive the longest run, as a PKB session would.
        SANDBOX_ACCESS_TOKEN_TTL: "8h",
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`the emulator exited (code ${code})`))),
  );
  const ready = (async () => {
    for (const deadline = Date.now() + 300_000; Date.now() < deadline;) {
      try {
        if ((await fetch(`${base}/aggregated/fhir/metadata`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("the emulator did not answer within 300 s");
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (err) {
    child.kill("SIGTERM");
    throw err;
  }
  const latency = async (ms = opts.latencyMs): Promise<void> => {
    if (ms) await control(base, "PUT", "faults", { latencyMs: ms }, "setting the emulator's latency");
  };
  const emulator: Emulator = {
    base,
    pid: child.pid!,
    reset: async (world) => {
      const body = { seed: world.seed ?? PASS_SEED, size: world.size, anchor, settleScenarios: SETTLE_SCENARIOS };
      await control(base, "POST", "reset", body, "resetting the emulator's world");
      await latency(world.latencyMs);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await gone;
    },
  };
  try {
    await latency();
  } catch (err) {
    await emulator.stop();
    throw err;
  }
  return emulator;
}
