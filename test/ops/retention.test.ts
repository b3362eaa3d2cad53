// Retention on PGlite and PostgreSQL: closed requests untouched for their period are purged with their history, notes,
// message content and cached patient details, in batches, each batch audited with counts and ranges only; open (or
// recently touched) requests never are; audit entries, worklist views and poll history go after their own periods; a
// purged message is never turned into a request again; one instance purges at a time; a request being changed is
// skipped rather than waited for.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { AuditAction } from "../../src/audit-actions.ts";
import { recordAudit } from "../../src/store/audit.ts";
import { createConnection } from "../../src/store/connections.ts";
import type { Db } from "../../src/store/db.ts";
import { acquireLease } from "../../src/store/leases.ts";
import { insertMessageIfNew } from "../../src/store/messages.ts";
import { appendEvent } from "../../src/store/requests.ts";
import { countExpired, purgeExpired, type RetentionPolicy } from "../../src/store/retention.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { seedRequest } from "../helpers/requests.ts";

const policy: RetentionPolicy = { requestYears: 8, auditDays: 2922, worklistViewDays: 731, syncRunDays: 90 };
const NOTE = "Patient prefers mornings — call on 07700 900123";

/** A request of `status` whose every trace is `age` old (a SQL interval), for patient `patient`. */
async function agedRequest(db: Db, status: string, age: string, patient: string): Promise<string> {
  const id = await seedRequest(db, { teamId: null, status: status as "done" });
  await db.query(
    `UPDATE appointment_requests SET patient_pkb_id = $2, received_at = now() - $3::interval,
       updated_at = now() - $3::interval, appointment_start = now() - $3::interval + interval '2 days'
     WHERE id = $1`,
    [id, patient, age],
  );
  await db.query(
    `UPDATE pkb_messages SET sent_at = now() - $2::interval, content = 'Please move it', patient_pkb_id = $3
     WHERE pkb_message_id = (SELECT pkb_message_id FROM appointment_requests WHERE id = $1)`,
    [id, age, patient],
  );
  await db.query("DELETE FROM request_events WHERE request_id = $1", [id]);
  await appendEvent(db, { requestId: id, actorUserId: null, type: "received", at: await ago(db, age) });
  await appendEvent(db, {
    requestId: id,
    actorUserId: null,
    type: "status_changed",
    data: { from: "open", to: status },
    at: await ago(db, age),
  });
  await db.query("INSERT INTO request_notes (request_id, body, created_at) VALUES ($1, $2, now() - $3::interval)", [
    id,
    NOTE,
    age,
  ]);
  await db.query(
    `INSERT INTO patients (pkb_user_id, nhs_number, first_name, last_name, raw, fetched_at)
     VALUES ($1, '9434765919', 'Ada', 'Lovelace', '{}', now() - $2::interval) ON CONFLICT DO NOTHING`,
    [patient, age],
  );
  return id;
}

async function ago(db: Db, age: string): Promise<Date> {
  return (await db.query<{ t: Date }>("SELECT now() - $1::interval AS t", [age]))[0]!.t;
}

async function auditAged(
  db: Db,
  action: Extract<AuditAction, "requests.listed" | "request.viewed">,
  age: string,
  n: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    // Each with the details its action writes (recordAudit refuses any other key).
    if (action === "requests.listed")
      await recordAudit(db, {
        actorUserId: null,
        actorLabel: "test",
        action,
        details: { shown: 1, requestIds: [randomUUID()] },
      });
    else await recordAudit(db, { actorUserId: null, actorLabel: "test", action, requestId: randomUUID() });
    const [row] = await db.query<{ id: number }>(
      "UPDATE audit_log SET at = now() - $1::interval WHERE id = (SELECT max(id) FROM audit_log) RETURNING id",
      [age],
    );
    ids.push(row!.id);
  }
  return ids;
}

const exists = async (db: Db, sql: string, params: unknown[]): Promise<boolean> =>
  (await db.query(sql, params)).length > 0;

describe.each(engines)("retention on $name", (engine) => {
  let t: TestDb | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  it("purges closed requests untouched for the period with their traces, in audited batches; never open ones", async () => {
    t = await engine.open();
    const db = t.db;
    const old = [await agedRequest(db, "done", "9 years", "p1"), await agedRequest(db, "done", "9 years", "p2")];
    const touched = await agedRequest(db, "done", "9 years", "p3");
    await appendEvent(db, { requestId: touched, actorUserId: null, type: "note_added" }); // touched today
    const shared = await agedRequest(db, "done", "9 years", "p4");
    const keepers = [
      await agedRequest(db, "open", "20 years", "p4"), // an open request keeps p4's cached details too
      await agedRequest(db, "in_progress", "20 years", "p5"),
      await agedRequest(db, "processing", "20 years", "p6"),
      await agedRequest(db, "error", "20 years", "p7"),
      await agedRequest(db, "done", "7 years", "p8"),
      await agedRequest(db, "done", "9 years", "p9"), // follow-up work still scheduled for it (below)
    ];
    await db.query("INSERT INTO request_work (request_id, kind, due_at) VALUES ($1, 'check', now())", [keepers[5]]);
    // An outcome PKB never showed (not confirmed) holds its request back too, however old.
    const unconfirmed = await agedRequest(db, "done", "9 years", "p10");
    await db.query(
      `INSERT INTO pkb_confirmations (request_id, outcome, outcome_at, due_at, state)
       VALUES ($1, 'cancelled', now() - interval '9 years', now() - interval '9 years', 'not_confirmed')`,
      [unconfirmed],
    );
    keepers.push(unconfirmed);
    const [{ pkb_message_id: oldMessage } = { pkb_message_id: "" }] = await db.query<{ pkb_message_id: string }>(
      "SELECT pkb_message_id FROM appointment_requests WHERE id = $1",
      [old[0]],
    );
    const followUp = randomUUID();
    await insertMessageIfNew(
      db,
      {
        pkbMessageId: followUp,
        conversationId: "c",
        subject: "Re: appointment",
        content: "Also my address changed",
        sentAt: await ago(db, "9 years"),
        senderId: "p1",
        patientPkbId: "p1",
        messageStatus: null,
        raw: { content: "Also my address changed" },
      },
      null,
    );
    await db.query("UPDATE pkb_messages SET kind = 'follow_up', request_id = $2 WHERE pkb_message_id = $1", [
      followUp,
      old[0],
    ]);

    expect((await countExpired(db, policy)).requests).toBe(3);
    const counts = await purgeExpired(db, policy, { holder: "test", batchSize: 2 });
    expect(counts?.requests).toBe(3);

    for (const id of [...old, shared]) {
      expect(await exists(db, "SELECT 1 FROM appointment_requests WHERE id = $1", [id])).toBe(false);
      expect(await exists(db, "SELECT 1 FROM request_events WHERE request_id = $1", [id])).toBe(false);
      expect(await exists(db, "SELECT 1 FROM request_notes WHERE request_id = $1", [id])).toBe(false);
      expect(await exists(db, "SELECT 1 FROM request_timings WHERE request_id = $1", [id])).toBe(false);
    }
    for (const id of [touched, ...keepers])
      expect(await exists(db, "SELECT 1 FROM appointment_requests WHERE id = $1", [id]), id).toBe(true);
    expect(await exists(db, "SELECT 1 FROM patients WHERE pkb_user_id = 'p1'", [])).toBe(false);
    expect(await exists(db, "SELECT 1 FROM patients WHERE pkb_user_id = 'p4'", [])).toBe(true);

    // The messages keep their PKB ids (so PKB re-sending them changes nothing) but nothing of what they said.
    const msgs = await db.query<{ subject: string; content: string; raw: unknown; purged_at: Date | null }>(
      "SELECT subject, content, raw, purged_at FROM pkb_messages WHERE pkb_message_id = ANY($1::text[])",
      [[oldMessage, followUp]],
    );
    expect(msgs).toHaveLength(2);
    for (const m of msgs) expect(m).toMatchObject({ subject: "", content: "", raw: {}, purged_at: expect.any(Date) });
    expect(
      await insertMessageIfNew(
        db,
        {
          pkbMessageId: oldMessage,
          conversationId: "x",
          subject: "Request to cancel appointment: Monday 6 October 2025 9:30am - Eye clinic",
          content: "again",
          sentAt: new Date(),
          senderId: null,
          patientPkbId: null,
          messageStatus: null,
          raw: {},
        },
        null,
      ),
    ).toBe(false);

    // Two batches (2 + 1), each audited with counts and ranges, never content.
    const audit = await db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_log WHERE action = 'retention.purged' ORDER BY id",
    );
    expect(audit.map((a) => a.details.requests)).toEqual([2, 1]);
    expect(audit[0]!.details).toMatchObject({
      class: "requests",
      rows: 2,
      events: 4,
      notes: 2,
      olderThan: expect.any(String),
      receivedFrom: expect.any(String),
      receivedTo: expect.any(String),
    });
    expect(audit.reduce((n, a) => n + Number(a.details.messagesEmptied), 0)).toBe(4);
    const text = JSON.stringify(audit);
    for (const secret of [NOTE, "Please move it", "address", "p1", "9434765919", "Lovelace", ...old])
      expect(text).not.toContain(secret);

    expect(await countExpired(db, policy)).toMatchObject({ requests: 0 });
    expect(await purgeExpired(db, policy, { holder: "test", batchSize: 2 })).toMatchObject({ requests: 0 });
  });

  it("purges audit entries, worklist views and poll history after their own periods, by id range", async () => {
    t = await engine.open();
    const db = t.db;
    const oldViews = await auditAged(db, "requests.listed", "800 days", 5);
    const newViews = await auditAged(db, "requests.listed", "10 days", 2);
    const keptAudit = await auditAged(db, "request.viewed", "800 days", 3);
    const oldAudit = await auditAged(db, "request.viewed", "3000 days", 1);
    const conn = await createConnection(db, { label: "Clinic", createdBy: null });
    for (const age of ["100 days", "100 days", "100 days", "1 day"])
      await db.query("INSERT INTO sync_runs (connection_id, started_at) VALUES ($1, now() - $2::interval)", [
        conn.id,
        age,
      ]);

    const counts = await purgeExpired(db, policy, { holder: "test", batchSize: 2 });
    expect(counts).toMatchObject({ worklist_views: 5, audit: 1, sync_runs: 3, requests: 0 });
    const left = (await db.query<{ id: number }>("SELECT id FROM audit_log WHERE action <> 'retention.purged'")).map(
      (r) => r.id,
    );
    expect(left.sort((a, b) => a - b)).toEqual([...newViews, ...keptAudit].sort((a, b) => a - b));
    expect((await db.query("SELECT 1 FROM sync_runs")).length).toBe(1);

    const audit = await db.query<{ details: { class: string; rows: number; fromId: number; toId: number } }>(
      "SELECT details FROM audit_log WHERE action = 'retention.purged' ORDER BY id",
    );
    const views = audit.filter((a) => a.details.class === "worklist_views").map((a) => a.details);
    expect(views.map((v) => v.rows)).toEqual([2, 2, 1]);
    expect(views[0]).toMatchObject({ fromId: oldViews[0], toId: oldViews[1] });
    expect(views[2]).toMatchObject({ fromId: oldViews[4], toId: oldViews[4] });
    expect(audit.find((a) => a.details.class === "audit")?.details).toMatchObject({
      rows: 1,
      fromId: oldAudit[0],
      toId: oldAudit[0],
    });
  });

  it("does nothing while another instance holds the retention lease", async () => {
    t = await engine.open();
    const db = t.db;
    await auditAged(db, "requests.listed", "800 days", 2);
    expect(await acquireLease(db, "retention", "other-instance", 60_000)).toBe(true);
    expect(await purgeExpired(db, policy, { holder: "me", batchSize: 10 })).toBeNull();
    expect((await countExpired(db, policy)).worklist_views).toBe(2);
  });
});

describe("retention on postgres, beside the workflow", () => {
  let t: TestDb | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  it("skips a request someone is changing instead of waiting for it, and purges it on a later run", async () => {
    t = await engines[1].open();
    const db = t.db;
    const busy = await agedRequest(db, "done", "9 years", "p1");
    const idle = await agedRequest(db, "done", "9 years", "p2");
    let locked!: () => void;
    let release!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const released = new Promise<void>((r) => (release = r));
    const change = db.transaction(async (tx) => {
      await tx.query("SELECT id FROM appointment_requests WHERE id = $1 FOR UPDATE", [busy]);
      locked();
      await released;
    });
    await isLocked;
    const counts = await purgeExpired(db, policy, { holder: "test", batchSize: 10 });
    release();
    await change;
    expect(counts?.requests).toBe(1);
    expect(await exists(db, "SELECT 1 FROM appointment_requests WHERE id = $1", [idle])).toBe(false);
    expect(await exists(db, "SELECT 1 FROM appointment_requests WHERE id = $1", [busy])).toBe(true);
    expect((await purgeExpired(db, policy, { holder: "test", batchSize: 10 }))?.requests).toBe(1);
  });
});
