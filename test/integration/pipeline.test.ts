// Grant → sync → every generated change/cancel request present exactly once with the right patient and appointment,
// compared with the emulator's ground truth, over HTTP to the emulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listConnections } from "../../src/store/connections.ts";
import { syncPass } from "../../src/sync/run.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { grantThroughConsentPage, startEmulator, type Emulator } from "../helpers/emulator.ts";

interface Truth {
  messageId: string;
  kind: "change" | "cancel" | "follow-up" | "unrelated";
  patientPkbId: string;
  nhsNumber: string | null;
  appointmentId: string | null;
  externalId: string | null;
  requestMessageId: string | null;
  ambiguous: boolean;
}

interface Row {
  pkb_message_id: string;
  type: string;
  nhs_number: string | null;
  patient_state: string;
  match_state: string;
  appointment_fhir_id: string | null;
  appointment_external_id: string | null;
  candidates: { fhirId: string }[];
  status: string;
}

describe("pipeline against the emulator", () => {
  let t: TestDb;
  let emu: Emulator;
  let rebook: TestApp;
  let truth: Truth[];
  let admin: AuthHeaders;

  beforeAll(async () => {
    emu = await startEmulator({ size: 150 });
    t = await engines[0].open();
    rebook = await buildTestApp(t.db, { ...emu.env, SYNC_INITIAL_LOOKBACK_DAYS: "1000" });
    truth = (await emu.control<{ entries: Truth[] }>("GET", "ground-truth")).entries;
    admin = await rebook.signIn("admin");
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
    await emu?.stop();
  });

  it("connects through PKB's consent page and stores the tokens encrypted", async () => {
    const created = await rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: admin,
      payload: { label: "Appointments" },
    });
    expect(created.statusCode).toBe(201);
    const { connection } = created.json<{ connection: { authorizePath: string } }>();
    const callback = await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin });
    expect(callback.status).toBe(200);
    expect(callback.body).toContain("Access granted");
    const [c] = await listConnections(t.db);
    expect(c).toMatchObject({ status: "active", pkbUserName: "Jack Brown", hasRefreshToken: true });
  });

  it("turns every change/cancel request into exactly one request with the right patient and appointment", async () => {
    // Grant Access started a pass in the background; a second one at the same time must not trip over it.
    const [background, pass] = await Promise.all([rebook.poller.runNow(), syncPass(rebook.sync)]);
    expect(background?.connections[0]?.skipped ?? null).toBeNull();
    expect([null, "leased elsewhere"]).toContain(pass.connections[0]?.skipped ?? null);
    await syncPass(rebook.sync); // picks up anything the other pass still had claimed
    const rows = await t.db.query<Row>("SELECT r.*, r.candidates FROM appointment_requests r");
    const byMessage = new Map(rows.map((r) => [r.pkb_message_id, r]));
    const requests = truth.filter((x) => x.kind === "change" || x.kind === "cancel");
    expect(rows).toHaveLength(requests.length);

    let autoLinked = 0;
    let correct = 0;
    let matchable = 0;
    for (const gt of requests) {
      const r = byMessage.get(gt.messageId);
      expect(r, gt.messageId).toBeDefined();
      expect(r!.type).toBe(gt.kind);
      expect(r!.status).toBe("open");
      if (!gt.nhsNumber) {
        expect(r!.patient_state).toBe("not_identified");
        continue;
      }
      expect(r!.nhs_number).toBe(gt.nhsNumber);
      if (r!.match_state === "auto_linked") {
        autoLinked++;
        if (r!.appointment_fhir_id === gt.appointmentId) correct++;
        expect(r!.appointment_external_id).toBe(gt.externalId);
      } else {
        // In review, the right appointment is among the candidates offered to the person.
        expect(r!.match_state).toBe("review");
        expect(r!.candidates.map((c) => c.fhirId)).toContain(gt.appointmentId);
      }
      if (gt.ambiguous) expect(r!.match_state, "ambiguous requests go to review").toBe("review");
      else matchable++;
    }
    const precision = autoLinked ? correct / autoLinked : 1;
    const recall = matchable ? correct / matchable : 1;
    console.log(
      `match precision ${(precision * 100).toFixed(1)}% (${correct}/${autoLinked}), recall ${(recall * 100).toFixed(1)}% (${correct}/${matchable})`,
    );
    expect(precision).toBe(1);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it("stores unrelated messages and ignores them, and attaches follow-ups to their request", async () => {
    const messages = await t.db.query<{
      pkb_message_id: string;
      kind: string;
      request_id: string | null;
      req_msg: string | null;
    }>(
      `SELECT m.pkb_message_id, m.kind, m.request_id, r.pkb_message_id AS req_msg
       FROM pkb_messages m LEFT JOIN appointment_requests r ON r.id = m.request_id`,
    );
    const byId = new Map(messages.map((m) => [m.pkb_message_id, m]));
    const visible = truth.filter((x) => byId.has(x.messageId));
    expect(visible.filter((x) => x.kind === "unrelated").length).toBeGreaterThan(0);
    for (const gt of visible) {
      const m = byId.get(gt.messageId)!;
      if (gt.kind === "unrelated") expect(m.kind, gt.messageId).toBe("unrelated");
      if (gt.kind === "follow-up") {
        expect(m.kind).toBe("follow_up");
        expect(m.req_msg).toBe(gt.requestMessageId);
      }
    }
  });

  it("polls again without duplicating anything", async () => {
    const before = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pkb_messages");
    const pass = await syncPass(rebook.sync);
    expect(pass.connections[0]?.newMessages).toBe(0);
    expect(pass.connections[0]?.fetched).toBeGreaterThan(0); // the overlap window re-reads the newest messages
    const after = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pkb_messages");
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it("stores a message seen through two connections once", async () => {
    const before = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pkb_messages");
    const created = await rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: admin,
      payload: { label: "Amelia" },
    });
    const { connection } = created.json<{ connection: { authorizePath: string } }>();
    expect(
      (await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin, username: "amelia.khan" }))
        .status,
    ).toBe(200);
    await rebook.poller.runNow();
    const pass = await syncPass(rebook.sync);
    expect(pass.connections).toHaveLength(2);
    const after = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pkb_messages");
    expect(after[0]?.n).toBe(before[0]?.n);
    const [requests] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM appointment_requests");
    expect(requests?.n).toBe(truth.filter((x) => x.kind === "change" || x.kind === "cancel").length);
  });

  it("starts Grant Access from the status page only for a signed-in admin, with the CSRF token, from Rebook's own origin", async () => {
    const anonymousPage = await rebook.app.inject({ method: "GET", url: "/status" });
    expect(anonymousPage.body).not.toContain("Grant access in PKB");
    expect(anonymousPage.body).not.toContain("Sept 2025"); // counts only: no request details on an unauthenticated page
    const page = await rebook.app.inject({ method: "GET", url: "/status", headers: { cookie: admin.cookie } });
    expect(page.body).toContain("Grant access in PKB");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    expect(csrf).toBe(admin["x-csrf-token"]);
    const form = (body: string, headers: Record<string, string>) =>
      rebook.app.inject({
        method: "POST",
        url: "/connect",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        payload: body,
      });
    const ok = await form(`label=Front+desk&_csrf=${encodeURIComponent(csrf!)}`, {
      origin: "http://localhost:3000",
      cookie: admin.cookie,
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toContain("/apiAuthorize.action?");
    const noToken = await form("label=x", { origin: "http://localhost:3000", cookie: admin.cookie });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json()).toMatchObject({ error: { code: "csrf_failed" } });
    expect((await form("label=x", { origin: "http://localhost:3000" })).statusCode).toBe(401);
    const clerk = await rebook.signIn("clerk");
    const notAdmin = await form(`label=x&_csrf=${encodeURIComponent(clerk["x-csrf-token"])}`, { cookie: clerk.cookie });
    expect(notAdmin.statusCode).toBe(403);
    const forged = await form(`label=x&_csrf=${encodeURIComponent(csrf!)}`, {
      origin: "https://evil.example",
      cookie: admin.cookie,
    });
    expect(forged.statusCode).toBe(403);
  });
});
