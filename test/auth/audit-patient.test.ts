// The audit log found by patient (name without accents or case, or NHS number with spaces or dashes), each entry
// showing the request's patient and appointment, over HTTP on both engines; viewing it is itself audited. The action
// filter takes every action Rebook writes and nothing else.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_ACTIONS } from "../../src/audit-actions.ts";
import { createFromMessage } from "../../src/requests/commands/create.ts";
import { recordAudit } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/db.ts";
import { insertMessageIfNew } from "../../src/store/messages.ts";
import { upsertPatient } from "../../src/store/patients.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

/** A patient with one request for an appointment. */
async function seed(
  db: Db,
  p: { first: string; last: string; nhs: string; start: string; externalId: string },
): Promise<string> {
  const pkbUserId = randomUUID();
  await upsertPatient(db, {
    pkbUserId,
    nhsNumber: p.nhs,
    title: null,
    firstName: p.first,
    lastName: p.last,
    dob: null,
    gender: null,
    email: null,
    phone: null,
    raw: {},
    fetchedAt: new Date(),
  });
  const messageId = randomUUID();
  await insertMessageIfNew(
    db,
    {
      pkbMessageId: messageId,
      conversationId: randomUUID(),
      subject: "Request to cancel appointment: Monday 6 October 2025 9:30am - Eye clinic",
      content: "",
      sentAt: new Date(),
      senderId: pkbUserId,
      patientPkbId: pkbUserId,
      messageStatus: null,
      raw: {},
    },
    null,
  );
  const id = await db.transaction((tx) =>
    createFromMessage(tx, {
      pkbMessageId: messageId,
      conversationId: randomUUID(),
      receivedAt: new Date(),
      type: "cancel",
      parseStatus: "parsed",
      requestedStart: null,
      requestedSubject: "Eye clinic",
      patientNote: "",
      pkbTeamName: null,
      patientPkbId: pkbUserId,
    }),
  );
  await db.query(
    "UPDATE appointment_requests SET nhs_number = NULL, appointment_start = $2, appointment_external_id = $3 WHERE id = $1",
    [id, p.start, p.externalId],
  );
  return id!;
}

interface Entry {
  action: string;
  requestId: string | null;
  details: Record<string, unknown>;
  request: {
    patientName: string | null;
    nhsNumber: string | null;
    appointmentStart: string | null;
    appointmentExternalId: string | null;
  } | null;
}

describe.each(engines)("the audit log by patient on $name", (engine) => {
  let t: TestDb;
  let rebook: TestApp;
  let admin: AuthHeaders;
  let zofia: string;
  let other: string;

  beforeAll(async () => {
    t = await engine.open();
    rebook = await buildTestApp(t.db);
    admin = await rebook.signIn("admin", { displayName: "Ada Admin" });
    zofia = await seed(t.db, {
      first: "Zofia",
      last: "Wiśniewska",
      nhs: "9434765919",
      start: "2025-10-06T08:30:00Z",
      externalId: "APT-7731",
    });
    other = await seed(t.db, {
      first: "Ann",
      last: "Smith",
      nhs: "9434765870",
      start: "2025-11-06T10:00:00Z",
      externalId: "APT-1000",
    });
    for (const requestId of [zofia, other, zofia]) {
      await recordAudit(t.db, { actorUserId: null, actorLabel: "Clerk", action: "request.viewed", requestId });
    }
    await recordAudit(t.db, {
      actorUserId: null,
      actorLabel: "Clerk",
      action: "requests.listed",
      details: { shown: 2, requestIds: [other, zofia] },
    });
    await recordAudit(t.db, { actorUserId: null, actorLabel: "Ada", action: "user.signed_in" });
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  const list = async (query: string): Promise<Entry[]> => {
    const res = await rebook.app.inject({ method: "GET", url: `/api/audit?${query}`, headers: admin });
    expect(res.statusCode).toBe(200);
    return res.json<{ items: Entry[] }>().items;
  };

  it("finds a patient's entries by name without accents or case, and by NHS number in any spacing", async () => {
    for (const q of ["wisniewska", "ZOF wiś", "943 476 5919", "943-476-5919", "9434765919"]) {
      const items = (await list(`patient=${encodeURIComponent(q)}`)).filter((e) => e.action !== "audit.viewed");
      expect(items.map((e) => [e.action, e.requestId])).toEqual([
        ["requests.listed", null],
        ["request.viewed", zofia],
        ["request.viewed", zofia],
      ]);
    }
    expect(await list("patient=nobody")).toEqual([]);
    expect(await list(`patient=smith&action=request.viewed`)).toMatchObject([{ requestId: other }]);
    const bad = await rebook.app.inject({
      method: "GET",
      url: `/api/audit?patient=${"x".repeat(101)}`,
      headers: admin,
    });
    expect(bad.statusCode).toBe(400);
  });

  it("filters by an action the audit page did not name before, and refuses an action Rebook never writes", async () => {
    await recordAudit(t.db, {
      actorUserId: null,
      actorLabel: "Clerk",
      action: "request.reply_prepared",
      requestId: zofia,
      details: { offered: true },
    });
    expect(await list("action=request.reply_prepared")).toMatchObject([{ requestId: zofia }]);
    expect(await list("action=error_queue.discarded")).toEqual([]);
    // Every action Rebook writes can be chosen, in the list and in the export.
    for (const action of AUDIT_ACTIONS) {
      for (const url of [`/api/audit?action=${action}`, `/api/audit/export.csv?action=${action}`]) {
        expect((await rebook.app.inject({ method: "GET", url, headers: admin })).statusCode, url).toBe(200);
      }
    }
    for (const url of ["/api/audit?action=request.vewed", "/api/audit/export.csv?action=request.vewed"]) {
      const res = await rebook.app.inject({ method: "GET", url, headers: admin });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: { code: "fst_err_validation" } });
    }
  });

  it("shows each entry's patient and appointment, and audits the viewing", async () => {
    const items = await list("action=request.viewed");
    expect(items[0]).toMatchObject({
      requestId: zofia,
      request: {
        patientName: "Zofia Wiśniewska",
        nhsNumber: "9434765919",
        appointmentStart: "2025-10-06T08:30:00.000Z",
        appointmentExternalId: "APT-7731",
      },
    });
    expect((await list("action=user.signed_in"))[0]?.request).toBeNull();

    const viewed = await t.db.query<{ actor_label: string; details: { requestIds: string[]; search?: string } }>(
      "SELECT actor_label, details FROM audit_log WHERE action = 'audit.viewed' ORDER BY id DESC LIMIT 2",
    );
    expect(viewed[0]).toEqual({ actor_label: "Ada Admin", details: { requestIds: [] } });
    expect(viewed[1]?.details.requestIds.sort()).toEqual([zofia, other].sort());
    const searched = await t.db.query<{ details: { search?: string } }>(
      "SELECT details FROM audit_log WHERE action = 'audit.viewed' AND details->>'search' = 'nobody'",
    );
    expect(searched).toHaveLength(1);
  });
});
