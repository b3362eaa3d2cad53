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

/** A running emulator: its base URL, its pid, and how to stop it. */
export interface Emulator {
  base: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts the emulator with `size` requests (seed 11 unless `seed` is given, anchored at today's UTC midnight) and
 * `latencyMs` per call, from the checkout at `root` (the bench's own: a baseline revision's code is measured against
 * today's emulator).
 */
export async function startEmulator(opts: {
  size: number;
  latencyMs?: number;
  root: string;
  seed?: number;
}): Promise<Emulator> {
  const port = await freePort();
  const now = new Date();
  const anchor = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
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
        SANDBOX_SEED: String(opts.seed ?? 11),
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
  if (opts.latencyMs) {
    const res = await fetch(`${base}/_sandbox/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ latencyMs: opts.latencyMs }),
    });
    if (!res.ok) throw new Error(`setting the emulator's latency failed: ${res.status}`);
  }
  return {
    base,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await gone;
    },
  };
}
