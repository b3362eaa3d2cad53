// Collection never waits behind processing (issue 8's 10k chaos run: after a kill the surviving instance worked a backlog
// of thousands of requests before polling again, and messages were lost). The poll loop collects on its own schedule
// while the pipeline works the backlog, and the processing loop is woken when new requests are stored. Shutdown stops
// both, waits for work in progress and leaves nothing claimed. PKB is slowed for patient and appointment look-ups only,
// so the backlog takes many poll intervals to work whatever the machine's speed: what is asserted is the order of
// events (the new message is stored while requests of the backlog are still in processing), not how fast.
import { afterEach, describe, expect, it } from "vitest";
import { startPoller } from "../../src/jobs/poller.ts";
import { createLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { ingestConnection } from "../../src/sync/ingest.ts";
import { connectedRebook, type Connected } from "../helpers/connected.ts";
import { engines } from "../helpers/db.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function until<T>(what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** PKB answers patient and appointment look-ups (not the messages) this much later. */
const LOOKUP_LATENCY_MS = 2_000;
const BACKLOG = 16;

/** Stores a backlog of BACKLOG cancel requests whose patients must be looked up in PKB, and slows those look-ups. */
async function slowBacklog(c: Connected): Promise<void> {
  await c.t.db.query("DELETE FROM patients");
  const truth = await c.emu.control<{ entries: { patientPkbId: string; nhsNumber: string | null }[] }>(
    "GET",
    "ground-truth",
  );
  const patients = [...new Set(truth.entries.filter((e) => e.nhsNumber).map((e) => e.patientPkbId))];
  for (let i = 0; i < BACKLOG; i++) {
    await c.emu.control("POST", "messages", {
      patientPkbId: patients[i % patients.length],
      subject: "Request to cancel appointment: Monday 1 December 2025 10:00am - Clinic",
      content: "Cannot come",
    });
  }
  await c.emu.control("PUT", "faults", {
    latencyMs: LOOKUP_LATENCY_MS,
    paths: ["/json/v1/users", "/aggregated/fhir/Appointment"],
  });
}

async function counts(c: Connected, messageId: string): Promise<{ stored: boolean; processing: number }> {
  const [row] = await c.t.db.query<{ stored: boolean; processing: number }>(
    `SELECT EXISTS (SELECT 1 FROM pkb_messages WHERE pkb_message_id = $1) AS stored,
            (SELECT count(*)::int FROM appointment_requests WHERE status = 'processing') AS processing`,
    [messageId],
  );
  return row!;
}

describe.each(engines)("collection behind a backlog on $name", { timeout: 120_000 }, (engine) => {
  it("stores a new message while the backlog is still being worked", async () => {
    const c = await connectedRebook(cleanups, { engine, env: { PIPELINE_CONCURRENCY: "2" } });
    await slowBacklog(c);
    const loop = startPoller(c.rebook.sync, 300, createLogger("silent"));
    cleanups.push(() => loop.stop());
    // The loop has stored the backlog and is working it (a look-up is waiting on PKB).
    await until("the backlog to be stored and worked", 30_000, async () =>
      (await c.emu.control<{ matched: number }>("GET", "faults")).matched > 0 ? true : null,
    );
    expect((await counts(c, "none")).processing).toBeGreaterThan(BACKLOG / 2);

    const sent = await c.emu.control<{ message: { id: string } }>("POST", "messages", {
      patientPkbId: c.patientPkbId,
      subject: "Parking",
      content: "Where do I park?",
    });
    const when = await until("the new message to be stored", 90_000, async () => {
      const now = await counts(c, sent.message.id);
      return now.stored ? now : null;
    });
    // Stored while requests of the backlog still waited: collection did not wait for the pipeline.
    expect(when.processing).toBeGreaterThan(0);

    // Processing was woken for the requests polls store: a new request is worked along with the backlog.
    await c.emu.control("DELETE", "faults");
    await until("the backlog to be worked", 60_000, async () =>
      (await counts(c, "none")).processing === 0 ? true : null,
    );
  });

  it("stops promptly while a backlog is being worked, waits for the work in progress and leaves nothing claimed", async () => {
    const c = await connectedRebook(cleanups, { engine, env: { PIPELINE_CONCURRENCY: "2" } });
    await slowBacklog(c);
    const loop = startPoller(c.rebook.sync, 300, createLogger("silent"));
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await loop.stop();
    });
    await until("the backlog to be worked", 30_000, async () =>
      (await c.emu.control<{ matched: number }>("GET", "faults")).matched > 0 ? true : null,
    );
    await loop.stop();
    stopped = true;
    // Work in progress finished before stop() returned; the rest of the backlog was left for later, and no request
    // is hidden behind a claim that nobody works (it would wait out the claim lease after a restart).
    const [row] = await c.t.db.query<{ processing: number; claimed: number }>(
      `SELECT count(*)::int AS processing,
              count(*) FILTER (WHERE next_attempt_at > now() + interval '1 minute')::int AS claimed
       FROM appointment_requests WHERE status = 'processing'`,
    );
    expect(row!.processing).toBeGreaterThan(0);
    expect(row!.claimed).toBe(0);
    const faults = await c.emu.control<{ matched: number }>("GET", "faults");
    await new Promise((r) => setTimeout(r, LOOKUP_LATENCY_MS + 500));
    // Nothing more was asked of PKB after stop() returned.
    expect((await c.emu.control<{ matched: number }>("GET", "faults")).matched).toBe(faults.matched);
  });

  it("finishes a long poll whose storing takes longer than PKB's timeout: the time is Rebook's, not PKB's", async () => {
    // PKB's timeout is 1 s; storing each batch of 100 conversations takes longer (a loaded store). Before, the idle
    // timer counted Rebook's own storing as PKB being silent, cut the response and failed the poll, which then began
    // again from the same cursor: a first poll of a big backlog never finished (the 10k chaos run).
    const c = await connectedRebook(cleanups, { engine, env: { PKB_TIMEOUT_SECONDS: "1" } });
    for (let i = 0; i < 150; i++)
      await c.emu.control("POST", "messages", { patientPkbId: c.patientPkbId, subject: `Question ${i}`, content: "?" });
    const slow: Db = {
      ...c.t.db,
      transaction: async (fn) => {
        await new Promise((r) => setTimeout(r, 1_500));
        return c.t.db.transaction(fn);
      },
    };
    const polled = await ingestConnection({ ...c.rebook.sync, db: slow }, c.connectionId);
    expect(polled.skipped).toBeNull();
    expect(polled.newMessages).toBe(150);
  });
});
