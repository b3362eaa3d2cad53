// No single PKB message (nor a patient's or clinician's details) may stop collection or processing. A message whose
// text PostgreSQL cannot store (U+0000, lone surrogates) is stored with that text made storable and the exact original kept; a message that still fails is set aside in the
// error queue (admin API: list, reason, replay, discard, all audited) while the rest of the poll flows on and the
// cursor moves; and a connection whose polls keep failing makes /health degraded, with the reason.
import { afterEach, describe, expect, it } from "vitest";
import { buildSyncDeps } from "../../src/sync/deps.ts";
import { syncPass } from "../../src/sync/run.ts";
import { createLogger } from "../../src/log.ts";
import { getConnection } from "../../src/store/connections.ts";
import { connectedRebook, type Connected } from "../helpers/connected.ts";
import { engines, refuseMessagesQuotingThem, refuseMessagesSayingRefuseMe } from "../helpers/db.ts";
import { grantThroughConsentPage } from "../helpers/emulator.ts";
import { startWebhook } from "../helpers/webhook.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Added {
  message: { id: string; timestamp: number };
}

async function sendFree(c: Connected, subject: string, content: string): Promise<Added["message"]> {
  const added = await c.emu.control<Added>("POST", "messages", { patientPkbId: c.patientPkbId, subject, content });
  return added.message;
}

interface QueueEntry {
  id: string;
  pkbMessageId: string | null;
  connectionId: string | null;
  reason: string;
  status: "open" | "replayed" | "discarded";
  attempts: number;
}

// Each test starts the emulator and a connected Rebook: generous timeouts for a loaded machine.
describe.each(engines)("poison messages on $name", { timeout: 120_000 }, (engine) => {
  it("stores text PostgreSQL cannot store (U+0000, lone surrogates) made storable, keeps the original, flows on", async () => {
    const c = await connectedRebook(cleanups, { engine });
    const nasty = "Please call me\u0000 back \ud800 after 5pm";
    const poison = await sendFree(c, "Question\u0000", nasty);
    const after = await sendFree(c, "Another question", "Is parking free?");

    const pass = await syncPass(c.rebook.sync);
    expect(pass.connections[0]).toMatchObject({ skipped: null });
    const rows = await c.t.db.query<{ pkb_message_id: string; subject: string; content: string; raw_original: string }>(
      "SELECT pkb_message_id, subject, content, raw_original FROM pkb_messages WHERE pkb_message_id = ANY($1)",
      [[poison.id, after.id]],
    );
    const byId = new Map(rows.map((r) => [r.pkb_message_id, r]));
    expect(byId.get(after.id)).toMatchObject({ content: "Is parking free?", raw_original: null });
    const stored = byId.get(poison.id)!;
    expect(stored.subject).toBe("Question\ufffd");
    expect(stored.content).toBe("Please call me\ufffd back \ufffd after 5pm");
    // The exact original is kept, escaped (JSON text is plain ASCII for these characters): nothing is lost.
    const original = JSON.parse(stored.raw_original) as { content: string; subject: string };
    expect(original.content).toBe(nasty);
    expect(original.subject).toBe("Question\u0000");
    const conn = await getConnection(c.t.db, c.connectionId);
    expect(conn!.messagesCursor!.getTime()).toBeGreaterThanOrEqual(after.timestamp);
    expect(conn!.lastSyncError).toBeNull();
  });

  it("stores a patient and a clinician whose names in PKB PostgreSQL cannot store, made storable, and works on", async () => {
    const c = await connectedRebook(cleanups, { engine });
    // A patient Rebook has not fetched yet (nothing cached), with an NHS number and an appointment PKB lets them change.
    const fetched = new Set(
      (await c.t.db.query<{ id: string }>("SELECT pkb_user_id AS id FROM patients")).map((r) => r.id),
    );
    const soon = Date.now() + 5 * 86_400_000;
    const appointment = c.emu.world.dataset.appointments.find(
      (a) =>
        a.status === "booked" &&
        Date.parse(a.start) > soon &&
        !fetched.has(a.patientPkbId) &&
        c.emu.world.patient(a.patientPkbId)?.nhsNumber,
    );
    expect(appointment).toBeDefined();
    const patient = c.emu.world.patient(appointment!.patientPkbId)!;
    await c.emu.control("POST", `users/${patient.pkbId}/rename`, {
      firstName: "Ann\u0000",
      lastName: "O'Brien \ud800",
    });
    await c.emu.control("POST", "messages", {
      appointmentId: appointment!.id,
      kind: "change",
      content: "Later please",
    });

    const pass = await syncPass(c.rebook.sync);
    expect(pass.processed).toMatchObject({ retry: 0, error: 0 });
    const [request] = await c.t.db.query<{ status: string; nhs_number: string | null }>(
      "SELECT status, nhs_number FROM appointment_requests WHERE patient_pkb_id = $1",
      [patient.pkbId],
    );
    expect(request).toMatchObject({ nhs_number: patient.nhsNumber });
    expect(request!.status).not.toBe("processing");
    const [stored] = await c.t.db.query<{ first_name: string; last_name: string; raw: { firstName: string } }>(
      "SELECT first_name, last_name, raw FROM patients WHERE pkb_user_id = $1",
      [patient.pkbId],
    );
    expect(stored).toMatchObject({
      first_name: "Ann\ufffd",
      last_name: "O'Brien \ufffd",
      raw: { firstName: "Ann\ufffd" },
    });

    // The clinician renamed in PKB grants access again (a second connection of the same PKB user joins the first).
    const [connection] = await c.t.db.query<{ pkb_user_id: string }>(
      "SELECT pkb_user_id FROM pkb_connections WHERE id = $1",
      [c.connectionId],
    );
    await c.emu.control("POST", `users/${connection!.pkb_user_id}/rename`, { title: "Dr\u0000" });
    const created = await c.rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: c.admin,
      payload: { label: "Again" },
    });
    const { authorizePath } = created.json<{ connection: { authorizePath: string } }>().connection;
    expect((await grantThroughConsentPage(c.rebook.app, authorizePath, { headers: c.admin })).status).toBe(200);
    expect((await getConnection(c.t.db, c.connectionId))!.pkbUserName).toMatch(/^Dr\ufffd \S+ \S+$/);
  });

  it("stores an appointment whose details in PKB PostgreSQL cannot store, made storable, and never links it blind", async () => {
    const c = await connectedRebook(cleanups, { engine });
    const soon = Date.now() + 5 * 86_400_000;
    const { appointments } = c.emu.world.dataset;
    // Appointments with nothing else of their patient's within two days, so each match has one candidate.
    const alone = appointments.filter(
      (a) =>
        a.status === "booked" &&
        Date.parse(a.start) > soon &&
        c.emu.world.patient(a.patientPkbId)?.nhsNumber &&
        !appointments.some(
          (b) =>
            b !== a &&
            b.patientPkbId === a.patientPkbId &&
            Math.abs(Date.parse(b.start) - Date.parse(a.start)) < 2 * 86_400_000,
        ),
    );
    const [textual, identified] = alone.filter(
      (a, i) => alone.findIndex((b) => b.patientPkbId === a.patientPkbId) === i,
    );
    expect(identified).toBeDefined();
    // The trust's feed put text into PKB that PostgreSQL cannot store: in the type (so in the message's subject too),
    // the comment and the location of one; the other the PAS moved as a new booking, under an id holding a U+0000.
    await c.emu.control("POST", `appointments/${textual!.id}/details`, {
      appointmentType: "Fracture\u0000 clinic",
      comment: "Bring \ud800 letter",
      locationDisplay: "Ward\u0000 7",
    });
    const moved = await c.emu.control<{ id: string }>("POST", "pas/actions", {
      appointmentId: identified!.id,
      action: "move",
      start: new Date(Date.parse(identified!.start) + 86_400_000).toISOString(),
      delivery: "new-appointment",
      newExternalId: "RB\u00001",
      delaySeconds: 0,
    });
    const { actions } = await c.emu.control<{ actions: { id: string; newAppointmentId: string | null }[] }>(
      "GET",
      "pas/actions",
    );
    const rebooked = c.emu.world.appointment(actions.find((a) => a.id === moved.id)!.newAppointmentId!)!;
    expect(rebooked.externalId).toBe("RB\u00001");
    const sent = new Map<string, string>();
    for (const a of [textual!, rebooked]) {
      const added = await c.emu.control<Added>("POST", "messages", {
        appointmentId: a.id,
        kind: "change",
        content: "Later please",
      });
      sent.set(a.id, added.message.id);
    }

    const pass = await syncPass(c.rebook.sync);
    expect(pass.processed).toMatchObject({ retry: 0, error: 0 });
    const rows = await c.t.db.query<{
      id: string;
      pkb_message_id: string;
      status: string;
      match_state: string;
      appointment_fhir_id: string | null;
      appointment_external_id: string | null;
      appointment_type: string | null;
      appointment_location: string | null;
      candidates: { fhirId: string; externalId: string | null; description: string | null }[];
      match_evidence: { summary: string[] };
    }>(
      `SELECT id, pkb_message_id, status, match_state, appointment_fhir_id, appointment_external_id, appointment_type,
         appointment_location, candidates, match_evidence
       FROM appointment_requests WHERE pkb_message_id = ANY($1::text[])`,
      [[...sent.values()]],
    );
    const of = (a: { id: string }) => rows.find((r) => r.pkb_message_id === sent.get(a.id))!;
    // Text made storable links as any other: the subject and the type read the same.
    expect(of(textual!)).toMatchObject({
      status: "open",
      match_state: "auto_linked",
      appointment_fhir_id: textual!.id,
      appointment_external_id: textual!.externalId,
      appointment_type: "Fracture\ufffd clinic",
      appointment_location: "Ward\ufffd 7",
    });
    expect(of(textual!).candidates[0]!.description).toBe("Bring \ufffd letter");
    // A trust id Rebook cannot store exactly is not the PAS's id: shown made storable and flagged, never linked alone.
    const review = of(rebooked);
    expect(review).toMatchObject({ status: "open", match_state: "review", appointment_external_id: null });
    expect(review.candidates[0]).toMatchObject({
      fhirId: rebooked.id,
      externalId: "RB\ufffd1",
      externalIdNotExact: true,
    });
    expect(review.match_evidence.summary).toContain(
      "The trust's appointment id reached PKB with characters Rebook cannot store (shown as \ufffd): find the appointment in the PAS by patient and date",
    );
    // A person who chooses it links PKB's appointment (its PKB id is exact), but the request holds no PAS id it was not
    // given; the page still shows the id, flagged.
    const chosen = await c.rebook.app.inject({
      method: "POST",
      url: `/api/requests/${review.id}/match`,
      headers: c.admin,
      payload: { fhirId: rebooked.id },
    });
    expect(chosen.statusCode, chosen.body).toBe(200);
    const [linkedEvent] = await c.t.db.query<{ data: { externalId: string | null; fhirId: string } }>(
      "SELECT data FROM request_events WHERE request_id = $1 AND type = 'appointment_linked' ORDER BY id DESC LIMIT 1",
      [review.id],
    );
    expect(linkedEvent!.data).toMatchObject({ fhirId: rebooked.id, externalId: null });
    const detail = await c.rebook.app.inject({ url: `/api/requests/${review.id}`, headers: c.admin });
    const shown = detail.json<{
      appointment: { fhirId: string; externalId: string | null } | null;
      match: {
        state: string;
        candidates: { fhirId: string; externalId: string | null; externalIdNotExact?: boolean }[];
      };
    }>();
    expect(shown.match.state).toBe("manual");
    expect(shown.appointment).toMatchObject({ fhirId: rebooked.id, externalId: null });
    expect(shown.match.candidates.find((x) => x.fhirId === rebooked.id)).toMatchObject({
      externalId: "RB\ufffd1",
      externalIdNotExact: true,
    });
  });

  it("sets a message that still fails aside in the error queue, flows on, and lets an admin replay or discard it", async () => {
    const c = await connectedRebook(cleanups, { engine });
    // Storage refuses some messages for a reason nobody foresaw (here: a trigger in the database itself).
    await refuseMessagesSayingRefuseMe(c.t.db);
    const bad = await sendFree(c, "Hello", "please refuse me");
    const good = await sendFree(c, "Hello again", "a normal message");
    const worse = await sendFree(c, "Third", "refuse me too");

    const pass = await syncPass(c.rebook.sync);
    expect(pass.connections[0]).toMatchObject({ skipped: null, setAside: 2 });
    const stored = await c.t.db.query<{ id: string }>(
      "SELECT pkb_message_id AS id FROM pkb_messages WHERE pkb_message_id = ANY($1)",
      [[bad.id, good.id, worse.id]],
    );
    expect(stored.map((r) => r.id)).toEqual([good.id]);
    expect((await getConnection(c.t.db, c.connectionId))!.messagesCursor!.getTime()).toBeGreaterThanOrEqual(
      worse.timestamp,
    );

    const call = async <T>(method: "GET" | "POST", url: string, payload?: object) => {
      const res = await c.rebook.app.inject({ method, url, headers: c.admin, ...(payload ? { payload } : {}) });
      return { status: res.statusCode, body: res.json<T>() };
    };
    const list = await call<{ items: QueueEntry[] }>("GET", "/api/sync/error-queue");
    expect(list.status).toBe(200);
    expect(list.body.items.map((e) => e.pkbMessageId).sort()).toEqual([bad.id, worse.id].sort());
    expect(list.body.items[0]).toMatchObject({ connectionId: c.connectionId, status: "open" });
    expect(list.body.items[0]!.reason).toMatch(/storage refused this message/);
    // The list shows no message text (patient data); the detail does, and that view is audited.
    expect(JSON.stringify(list.body)).not.toMatch(/refuse me/);
    const entry = list.body.items.find((e) => e.pkbMessageId === bad.id)!;
    const detail = await call<{ original: string }>("GET", `/api/sync/error-queue/${entry.id}`);
    expect(detail.status).toBe(200);
    expect(JSON.parse(detail.body.original)).toMatchObject({ message: { id: bad.id, content: "please refuse me" } });

    // Health says someone must look, with the reason.
    const health = (await c.rebook.app.inject({ method: "GET", url: "/health" })).json<{ status: string }>();
    expect(health.status).toBe("degraded");

    // Re-polling (the overlap window reads them again) neither duplicates nor re-opens entries.
    await syncPass(c.rebook.sync);
    expect((await call<{ items: QueueEntry[] }>("GET", "/api/sync/error-queue")).body.items).toHaveLength(2);

    // Replay while the cause remains: refused with the reason, still open.
    const refused = await call<{ error: { code: string; message: string } }>(
      "POST",
      `/api/sync/error-queue/${entry.id}/replay`,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "replay_failed" });
    expect(refused.body.error.message).toMatch(/storage refused this message/);

    // Once the cause is fixed, replay stores the message as the poll would have.
    await c.t.db.query("DROP TRIGGER refuse_poison ON pkb_messages");
    const replayed = await call<QueueEntry>("POST", `/api/sync/error-queue/${entry.id}/replay`);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ status: "replayed" });
    const [row] = await c.t.db.query<{ content: string; kind: string }>(
      "SELECT content, kind FROM pkb_messages WHERE pkb_message_id = $1",
      [bad.id],
    );
    expect(row).toMatchObject({ content: "please refuse me", kind: "unrelated" });

    // Discard needs a reason; the discarded message is not stored and a later poll does not bring it back.
    const other = list.body.items.find((e) => e.pkbMessageId === worse.id)!;
    expect((await call("POST", `/api/sync/error-queue/${other.id}/discard`, {})).status).toBe(400);
    const discarded = await call<QueueEntry>("POST", `/api/sync/error-queue/${other.id}/discard`, {
      reason: "test message from PKB support",
    });
    expect(discarded.body).toMatchObject({ status: "discarded" });
    await syncPass(c.rebook.sync);
    expect(await c.t.db.query("SELECT 1 FROM pkb_messages WHERE pkb_message_id = $1", [worse.id])).toHaveLength(0);
    const open = await call<{ items: QueueEntry[] }>("GET", "/api/sync/error-queue?status=open");
    expect(open.body.items).toEqual([]);
    const audit = await c.t.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE action LIKE 'error_queue.%' ORDER BY id",
    );
    expect(audit.map((a) => a.action)).toEqual([
      "error_queue.viewed",
      "error_queue.replay_failed",
      "error_queue.replayed",
      "error_queue.discarded",
    ]);
    expect((await c.rebook.app.inject({ method: "GET", url: "/health" })).json()).toMatchObject({ status: "ok" });
  });

  it("keeps no piece of a message in why it was set aside, when PostgreSQL's error quotes it", async () => {
    const c = await connectedRebook(cleanups, { engine });
    // Storage refuses the message with an error PostgreSQL words by quoting the value: here, the message's content.
    await refuseMessagesQuotingThem(c.t.db);
    const content = "please quote me: Jane Smith, NHS number 9434765919";
    const quoted = await sendFree(c, "Hello", content);
    const pass = await syncPass(c.rebook.sync);
    expect(pass.connections[0]).toMatchObject({ skipped: null, setAside: 1 });

    const call = async <T>(method: "GET" | "POST", url: string, payload?: object) => {
      const res = await c.rebook.app.inject({ method, url, headers: c.admin, ...(payload ? { payload } : {}) });
      return { status: res.statusCode, body: res.json<T>() };
    };
    const reason = 'invalid input syntax for type uuid: "…" (SQLSTATE 22P02)';
    const list = await call<{ items: QueueEntry[] }>("GET", "/api/sync/error-queue");
    expect(list.body.items.map((e) => [e.pkbMessageId, e.reason])).toEqual([[quoted.id, reason]]);
    const entry = list.body.items[0]!;
    // A replay while the cause remains says why, in the same words; the discard's audit entry copies them.
    const refused = await call<{ error: { message: string } }>("POST", `/api/sync/error-queue/${entry.id}/replay`);
    expect(refused).toMatchObject({
      status: 409,
      body: { error: { message: `The message still cannot be filed: ${reason}` } },
    });
    expect((await call("POST", `/api/sync/error-queue/${entry.id}/discard`, { reason: "Test message" })).status).toBe(
      200,
    );

    const stored = await c.t.db.query<{ reason: string }>("SELECT reason FROM message_errors");
    const audit = await c.t.db.query<{ action: string; details: Record<string, unknown> }>(
      "SELECT action, details FROM audit_log WHERE action LIKE 'error_queue.%' ORDER BY id",
    );
    expect(audit.map((a) => [a.action, a.details.heldFor, a.details.reason])).toEqual([
      ["error_queue.replay_failed", reason, reason],
      ["error_queue.discarded", reason, "Test message"],
    ]);
    for (const kept of [stored, audit, list.body, refused.body])
      expect(JSON.stringify(kept)).not.toMatch(/quote me|Jane|Smith|9434765919/);
  });
});

describe("a connection whose polls keep failing", { timeout: 120_000 }, () => {
  it("makes /health degraded with the reason, alerts once, and is ok again once a poll succeeds", async () => {
    const hook = await startWebhook(cleanups);
    const c = await connectedRebook(cleanups, { env: { ALERT_WEBHOOK_URL: hook.url } });
    const deps = buildSyncDeps({
      config: c.rebook.config,
      db: c.t.db,
      cipher: c.rebook.cipher,
      logger: createLogger("silent"),
      instanceId: "failing-test",
      retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
    });
    await c.emu.control("PUT", "faults", { errorRate: 1, status: 502, paths: ["/json/messages"] });
    // /health (public) gives the bare status; the reason is for admins, on the sync status.
    const health = async () =>
      (await c.rebook.app.inject({ method: "GET", url: "/health" })).json<{ status: string }>().status;
    const details = async () =>
      (await c.rebook.app.inject({ method: "GET", url: "/api/sync/status", headers: c.admin })).json<{
        health: { status: string; problems: { connectionId: string | null; reason: string }[] };
      }>().health;
    await syncPass(deps);
    expect(await health()).toBe("ok"); // one failure is not yet a pattern
    await syncPass(deps);
    await syncPass(deps);
    expect(await health()).toBe("degraded");
    const d = await details();
    expect(d.status).toBe("degraded");
    expect(d.problems).toEqual([
      expect.objectContaining({ connectionId: c.connectionId, reason: expect.stringMatching(/HTTP 502/) }),
    ]);
    await syncPass(deps); // a fourth failure: still one incident
    expect(hook.alerts.map((a) => a.event)).toEqual(["pkb_connection_sync_failing"]);
    expect(hook.alerts[0]!.reason).toMatch(/HTTP 502/);
    await c.emu.control("DELETE", "faults");
    await syncPass(deps);
    expect(await health()).toBe("ok");
    expect((await details()).problems).toEqual([]);
    expect(hook.alerts.map((a) => a.event)).toEqual(["pkb_connection_sync_failing", "pkb_connection_sync_recovered"]);
  });
});
