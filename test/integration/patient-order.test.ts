// The pipeline writes a patient's results in the order their requests came (src/sync/patient-order.ts, wired into
// processRequest): two requests of one patient worked at once, the earlier one's write slow, the later one's result
// waits until the earlier has ended. Without the order the later one was written first (and could open the request
// the earlier one then became a repeat of).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grant } from "../../bench/pipeline.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { pipeline } from "../../src/main.ts";
import { TokenCipher } from "../../src/store/crypto.ts";
import type { SyncDeps } from "../../src/sync/deps.ts";
import { PatientOrder } from "../../src/sync/patient-order.ts";
import { processRequest, requestReader, type WriteResult } from "../../src/sync/process.ts";
import { collect } from "../../src/sync/run.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { startEmulator, type Emulator } from "../helpers/emulator.ts";

describe("a patient's results in the order their requests came (postgres)", () => {
  let emu: Emulator;
  let t: TestDb;
  let deps: SyncDeps;
  let earlier: string;
  let later: string;
  beforeAll(async () => {
    emu = await startEmulator({ size: 300 });
    t = await engines[1].open();
    const config = loadConfig({ ...emu.env, LOG_LEVEL: "silent", SYNC_INITIAL_LOOKBACK_DAYS: "1000" });
    deps = pipeline(config, t.db, new TokenCipher(randomBytes(32)), createLogger("silent"));
    await grant(deps);
    await collect(deps); // stored, not worked
    // A patient with two requests received at different times.
    const [pair] = await t.db.query<{ ids: string[] }>(
      `SELECT array_agg(id ORDER BY received_at, id)::text[] AS ids FROM appointment_requests
       WHERE status = 'processing' AND patient_pkb_id IS NOT NULL
       GROUP BY patient_pkb_id HAVING count(DISTINCT received_at) >= 2 ORDER BY patient_pkb_id LIMIT 1`,
    );
    expect(pair, "the emulator's backlog has a patient with two requests").toBeDefined();
    [earlier, later] = pair!.ids as [string, string];
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
    await emu?.stop();
  });

  it("holds the later request's write until the earlier one has ended, whichever finishes its PKB calls first", async () => {
    const order = new PatientOrder();
    const log: string[] = [];
    const name = (id: string): string => (id === earlier ? "earlier" : "later");
    // The writes are recorded, not made: the earlier one's takes a while, as a busy batch write would.
    const write: WriteResult = async (result) => {
      log.push(`${name(result.requestId)} writing`);
      if (result.requestId === earlier) await new Promise((r) => setTimeout(r, 1_500));
      log.push(`${name(result.requestId)} written`);
    };
    await Promise.all([processRequest(deps, earlier, { order, write }), processRequest(deps, later, { order, write })]);
    expect(log).toEqual(["earlier writing", "earlier written", "later writing", "later written"]);
    expect(order.size).toBe(0);
  });

  it("holds the later request's write while the earlier one is still being read", async () => {
    const order = new PatientOrder();
    const log: string[] = [];
    const name = (id: string): string => (id === earlier ? "earlier" : "later");
    const write: WriteResult = async (result) => {
      log.push(`${name(result.requestId)} written`);
    };
    // The earlier request's read returns only once the later one has read, made its PKB calls and come to its turn
    // (`release` is called just before the turn): without its place taken before the read, the later one went first.
    let laterAtTurn!: () => void;
    const gate = new Promise<void>((resolve) => (laterAtTurn = resolve));
    const read = requestReader(t.db);
    const gatedRead = async (id: string) => {
      if (id === earlier) await gate;
      return read(id);
    };
    await Promise.all([
      processRequest(deps, earlier, { order, write, read: gatedRead }),
      processRequest(deps, later, { order, write, read: gatedRead, release: laterAtTurn }),
    ]);
    expect(log).toEqual(["earlier written", "later written"]);
    expect(order.size).toBe(0);
  });
});
