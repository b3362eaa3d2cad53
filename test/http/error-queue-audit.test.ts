// What the audit log keeps of an admin's work on the error queue, over HTTP on both engines: which PKB message was
// opened, replayed or discarded, why it had been set aside, the discard's reason and, for a replay, whether the message
// is stored now; a replay that filed the message on a request names that request (the audit page links it). Never the
// message's text, the patient's name or NHS number.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setMessageAside } from "../../src/sync/error-queue.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, refuseMessagesSayingRefuseMe, type TestDb } from "../helpers/db.ts";

/** Why the poll set a message aside when the store's trigger refused it (reasonOf: the error's line and SQLSTATE). */
const REFUSED = "storage refused this message (SQLSTATE P0001)";
const NHS = "9434765919";
const PATIENT_TEXT = `Please cancel, refuse me. Jane Smith, NHS number ${NHS}`;

interface AuditRow {
  action: string;
  request_id: string | null;
  details: Record<string, unknown>;
}

describe.each(engines)("the error queue's audit entries on $name", { timeout: 60_000 }, (engine) => {
  let t: TestDb;
  let rebook: TestApp;
  let admin: AuthHeaders;

  beforeAll(async () => {
    t = await engine.open();
    rebook = await buildTestApp(t.db);
    admin = await rebook.signIn("admin", { displayName: "Ada Admin" });
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  /** A message set aside as the poll does it: with PKB's id (or none), its conversation and the reason. */
  async function setAside(messageId: string | null): Promise<string> {
    const conversationId = randomUUID();
    const message = {
      ...(messageId === null ? {} : { id: messageId }),
      conversationId,
      subject: "Request to cancel appointment: Monday 6 October 2025 9:30am - Eye clinic",
      content: PATIENT_TEXT,
      timestamp: Date.now(),
      senderId: "patient-1",
      patientId: "patient-1",
    };
    const key = await setMessageAside(t.db, {
      connectionId: null,
      conversation: { id: conversationId, participants: [{ id: "patient-1", firstName: "Jane", lastName: "Smith" }] },
      message,
      conversationId,
      messageId,
      reason: REFUSED,
    });
    const [row] = await t.db.query<{ id: string }>("SELECT id FROM message_errors WHERE message_key = $1", [key]);
    return row!.id;
  }

  const call = async (method: "GET" | "POST", url: string, payload?: object) =>
    (await rebook.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) })).statusCode;
  const audit = () =>
    t.db.query<AuditRow>(
      "SELECT action, request_id, details FROM audit_log WHERE action LIKE 'error_queue.%' ORDER BY id",
    );

  it("names the message, why it was set aside, the discard's reason and whether a replay stored it", async () => {
    await refuseMessagesSayingRefuseMe(t.db);
    const pkbId = `pkb-${randomUUID().slice(0, 8)}`;
    const replayed = await setAside(pkbId);
    const discarded = await setAside(`pkb-${randomUUID().slice(0, 8)}`);
    const withoutId = await setAside(null);

    expect(await call("GET", `/api/sync/error-queue/${replayed}`)).toBe(200);
    // Still refused: the replay fails for the reason it was set aside.
    expect(await call("POST", `/api/sync/error-queue/${replayed}/replay`)).toBe(409);
    await t.db.query("DROP TRIGGER refuse_poison ON pkb_messages");
    expect(await call("POST", `/api/sync/error-queue/${replayed}/replay`)).toBe(200);
    expect(await call("POST", `/api/sync/error-queue/${discarded}/discard`, { reason: "Sent twice by PKB" })).toBe(200);
    expect(await call("POST", `/api/sync/error-queue/${withoutId}/discard`, { reason: "Unreadable" })).toBe(200);

    const [request] = await t.db.query<{ id: string }>(
      "SELECT r.id FROM appointment_requests r WHERE r.pkb_message_id = $1",
      [pkbId],
    );
    expect(request).toBeDefined();
    const [discardedKey] = await t.db.query<{ k: string }>(
      "SELECT message_key AS k FROM message_errors WHERE id = $1",
      [discarded],
    );
    const rows = await audit();
    expect(rows).toEqual([
      { action: "error_queue.viewed", request_id: null, details: { entryId: replayed, pkbMessageId: pkbId } },
      {
        action: "error_queue.replay_failed",
        request_id: null,
        details: { entryId: replayed, pkbMessageId: pkbId, heldFor: REFUSED, reason: REFUSED },
      },
      {
        action: "error_queue.replayed",
        // The request the replay filed the message on: the audit page shows it and links to it.
        request_id: request!.id,
        details: { entryId: replayed, pkbMessageId: pkbId, heldFor: REFUSED, filedAs: "request" },
      },
      {
        action: "error_queue.discarded",
        request_id: null,
        details: { entryId: discarded, pkbMessageId: discardedKey!.k, heldFor: REFUSED, reason: "Sent twice by PKB" },
      },
      {
        action: "error_queue.discarded",
        request_id: null,
        // The queue keys a message without an id by a digest of it: that is no PKB id.
        details: { entryId: withoutId, pkbMessageId: null, heldFor: REFUSED, reason: "Unreadable" },
      },
    ]);
    // No patient data in the details: not the message's text, the patient's name nor the NHS number.
    const details = JSON.stringify(rows.map((r) => r.details));
    for (const patientData of ["refuse me", "Jane", "Smith", NHS, "Eye clinic"])
      expect(details).not.toContain(patientData);

    // The audit API names the replay's request, as it does for every entry about a request.
    const res = await rebook.app.inject({
      method: "GET",
      url: "/api/audit?action=error_queue.replayed",
      headers: admin,
    });
    expect(res.json<{ items: { requestId: string | null }[] }>().items.map((e) => e.requestId)).toEqual([request!.id]);
  });
});
