// The bench's emulator in its own process (bench/emulator.ts). A warmed pipeline case keeps the emulator its warm-up
// pass used and resets it to the backlog measured: that world must be the one a fresh emulator would have served, and
// any latency the case asks for must hold after the reset (which clears the emulator's faults).
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../bench/emulator.ts";

const root = process.cwd();
const anchor = "2026-03-30T00:00:00.000Z";
const started: Emulator[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
});

async function start(opts: Omit<Parameters<typeof startEmulator>[0], "root" | "anchor">): Promise<Emulator> {
  const e = await startEmulator({ ...opts, root, anchor });
  started.push(e);
  return e;
}

const json = async (base: string, p: string): Promise<unknown> => (await fetch(`${base}${p}`)).json();

describe("bench emulator", () => {
  it("reset to another seed and size serves the world a fresh start with them serves", async () => {
    const [fresh, reused] = await Promise.all([start({ size: 120 }), start({ size: 40, seed: 29 })]);
    const before = (await json(reused.base, "/_sandbox/ground-truth")) as {
      count: number;
      entries: { patientPkbId: string }[];
    };
    expect(before.count).toBeLessThan(120);
    // The warm-up's world changes as it is worked: a message of its own that the reset must not carry over.
    const added = await fetch(`${reused.base}/_sandbox/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ patientPkbId: before.entries[0]!.patientPkbId, subject: "Question", content: "Hello" }),
    });
    expect(added.ok).toBe(true);

    await reused.reset({ size: 120 });

    const [want, got] = await Promise.all([
      json(fresh.base, "/_sandbox/ground-truth"),
      json(reused.base, "/_sandbox/ground-truth"),
    ]);
    expect((got as { count: number }).count).toBeGreaterThanOrEqual(120);
    expect(got).toEqual(want);
    // Sessions, and how often tokens were reused, survive a reset (a warmed case's pass makes a grant of its own);
    // the rest of the summary (the world's counts, the PAS feed) is a fresh start's.
    const state = async (e: Emulator) => {
      const {
        faults: _faults,
        now: _now,
        sessions: _sessions,
        reuses: _reuses,
        ...rest
      } = (await json(e.base, "/_sandbox/state")) as Record<string, unknown>;
      return rest;
    };
    expect(await state(reused)).toEqual(await state(fresh));
  }, 60_000);

  it("keeps its latency across a reset, or takes the one the reset gives", async () => {
    const latency = async (e: Emulator) =>
      ((await json(e.base, "/_sandbox/faults")) as { faults: { latencyMs?: number } | null }).faults?.latencyMs ?? 0;
    const e = await start({ size: 20, seed: 29, latencyMs: 50 });
    await e.reset({ size: 30 });
    expect(await latency(e)).toBe(50);
    const warm = await start({ size: 20, seed: 29 });
    await warm.reset({ size: 30, latencyMs: 20 });
    expect(await latency(warm)).toBe(20);
  }, 60_000);

  it("says why a reset was refused", async () => {
    const e = await start({ size: 20 });
    await expect(e.reset({ size: 0 })).rejects.toThrow(/resetting the emulator's world failed: 400/);
  }, 60_000);
});
