// One whole pass (`npm run sync`): processing starts on the first batch the poll stores and goes on beside the poll, and
// the pass ends with every request the poll stored worked exactly once. The poll is held before it stores its second
// batch until a request has been worked: a pass that waited for the whole poll before processing would never get past
// that gate (the gate gives up after a while, and the order then shows it). The poll stores its requests claimed for the
// pass's drain (ClaimHandoff), so the drain claims few rows itself.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { grant } from "../../bench/pipeline.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { pipeline } from "../../src/main.ts";
import { TokenCipher } from "../../src/store/crypto.ts";
import { syncPass } from "../../src/sync/run.ts";
import { engines } from "../helpers/db.ts";
import { startEmulator } from "../helpers/emulator.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe.each(engines)("a sync pass on $name", (engine) => {
  it("works what the poll stores while the poll goes on, and every request once", async () => {
    // Several batches of conversations (a batch is at least 100; how far over depends on how the body arrives).
    const emu = await startEmulator({ size: 300 });
    cleanups.push(() => emu.stop());
    const t = await engine.open();
    cleanups.push(() => t.dispose());
    const config = loadConfig({ ...emu.env, LOG_LEVEL: "silent", SYNC_INITIAL_LOOKBACK_DAYS: "1000" });
    const deps = pipeline(config, t.db, new TokenCipher(randomBytes(32)), createLogger("silent"));
    await grant(deps);

    const order: string[] = [];
    let firstWorked: () => void = () => {};
    const worked = new Promise<void>((resolve) => (firstWorked = resolve));
    // The gate: the poll's second batch is stored only once a request has been worked (or after 8 s without).
    const stream = deps.rest.streamMessagesAfter.bind(deps.rest);
    let batches = 0;
    deps.rest.streamMessagesAfter = (connectionId, since, onBatch, batchSize) =>
      stream(
        connectionId,
        since,
        async (conversations, malformed) => {
          if (++batches === 2) await Promise.race([worked, new Promise((r) => setTimeout(r, 8_000))]);
          order.push(`batch ${batches}`);
          return onBatch(conversations, malformed);
        },
        batchSize,
      );
    // The rows the drain claims itself (FOR UPDATE SKIP LOCKED): the poll stores its requests claimed for the drain.
    let claimedByClaims = 0;
    const transaction = t.db.transaction.bind(t.db);
    t.db.transaction = (body) =>
      transaction((tx) =>
        body({
          ...tx,
          query: async (sql, params) => {
            const rows = await tx.query(sql, params);
            if (/FOR UPDATE SKIP LOCKED/.test(sql)) claimedByClaims += rows.length;
            return rows;
          },
        } as typeof tx),
      );
    const queued: number[] = [];
    let processed = 0;
    const pass = await syncPass(deps, {
      onQueued: (n) => queued.push(n),
      onCollected: () => order.push("poll ended"),
      onProcessed: () => {
        if (processed++ === 0) {
          order.push("first request worked");
          firstWorked();
        }
      },
    });

    expect(batches).toBeGreaterThanOrEqual(2);
    expect(order.slice(0, 3)).toEqual(["batch 1", "first request worked", "batch 2"]);
    expect(order.at(-1)).toBe("poll ended");
    const truth = (await emu.control<{ entries: { kind: string }[] }>("GET", "ground-truth")).entries.filter(
      (e) => e.kind === "change" || e.kind === "cancel",
    );
    const [stored] = await t.db.query<{ n: number; processing: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'processing')::int AS processing
       FROM appointment_requests`,
    );
    expect(stored).toEqual({ n: truth.length, processing: 0 });
    expect(pass.connections[0]!.newRequests).toBe(truth.length);
    const p = pass.processed;
    expect(p.auto_linked + p.review + p.no_candidates + p.not_identified).toBe(truth.length);
    expect(processed).toBe(truth.length);
    // Handed over, not claimed: the drain's own claims took few if any (every one before the handoff).
    expect(claimedByClaims).toBeLessThan(truth.length / 2);
    // The total awaiting processing grows with each batch stored, up to every request the poll stored.
    expect(queued[0]).toBe(0);
    expect(queued.at(-1)).toBe(truth.length);
    expect([...queued].sort((a, b) => a - b)).toEqual(queued);
  });
});
