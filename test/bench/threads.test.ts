// The bench's split of Rebook's CPU between the main thread and the others (V8's compiler and collector, libuv's pool,
// worker threads): bench/measure.ts threadCpuMs and otherThreadsCpuMsSince, read from Linux's /proc/self/task.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { otherThreadsCpuMsSince, threadCpuMs } from "../../bench/measure.ts";

/** Keeps the current thread busy until the process has used `ms` more CPU (whatever else the machine runs). */
const spin = (ms: number): void => {
  const start = process.cpuUsage();
  for (;;) {
    const d = process.cpuUsage(start);
    if (d.user + d.system >= ms * 1000) return;
  }
};

describe.runIf(process.platform === "linux")("threads' CPU", () => {
  it("counts a busy main thread as the main one's, and a busy worker as another's", async () => {
    const before = threadCpuMs()!;
    expect(before.byThread.get(String(process.pid))).toBe(before.main);
    spin(300);
    const afterMain = threadCpuMs()!;
    expect(afterMain.main - before.main).toBeGreaterThanOrEqual(200);

    const since = threadCpuMs();
    // A worker spinning for 300 ms of CPU, kept alive until read: an ended thread's CPU leaves /proc/self/task with it.
    const worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       const start = process.cpuUsage();
       for (;;) { const d = process.cpuUsage(start); if (d.user + d.system >= 300000) break; }
       parentPort.postMessage("spun"); setInterval(() => {}, 1000);`,
      { eval: true },
    );
    await new Promise((resolve) => worker.once("message", resolve));
    const others = otherThreadsCpuMsSince(since);
    await worker.terminate();
    expect(others).toBeGreaterThanOrEqual(200);
  });
});
