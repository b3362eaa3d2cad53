// Manual match and re-match on requests the real pipeline made from the PKB emulator, re-match searching the emulator's
// FHIR API again (and failing clearly when it fails), and the pipeline's live-update events.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEADLINE_POLICY, deadlineAt } from "../../src/domain/deadline.ts";
import { eventBus, type BusEvent } from "../../src/events/bus.ts";
import { createTeam } from "../../src/store/people.ts";
import { syncPass } from "../../src/sync/run.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { grantThroughConsentPage, startEmulator, type Emulator } from "../helpers/emulator.ts";
import { audits, history, person, seedRequest, type Person, type StoredCandidate } from "./helpers.ts";

interface Row {
  id: string;
  status: string;
  match_state: string;
  appointment_fhir_id: string | null;
  appointment_start: Date | null;
  received_at: Date;
  deadline_at: Date;
  candidates: StoredCandidate[];
}

describe("manual match and re-match against the PKB emulator", () => {
  let emu: Emulator;
  let t: TestDb;
  let rebook: TestApp;
  let clerk: Person;
  let teamId: string;
  const heard: BusEvent[] = [];

  const row = async (id: string): Promise<Row> =>
    (await t.db.query<Row>("SELECT * FROM appointment_requests WHERE id = $1", [id]))[0]!;
  const post = async (url: string, payload: Record<string, unknown> = {}) => {
    const res = await rebook.app.inject({ method: "POST", url, payload, headers: clerk.headers });
    return {
      status: res.statusCode,
      body: res.json<{ matchState: string; error?: { code: string; message: string } }>(),
    };
  };

  beforeAll(async () => {
    emu = await startEmulator({ size: 40 });
    t = await engines[0].open();
    rebook = await buildTestApp(t.db, { ...emu.env, SYNC_INITIAL_LOOKBACK_DAYS: "1000" });
    teamId = (await createTeam(t.db, { name: "Appointments", isDefault: true })).id;
    const admin = await person(t.db, rebook.config, { role: "admin" });
    clerk = await person(t.db, rebook.config, { role: "clerk", teams: [{ teamId }] });
    eventBus(t.db).subscribe((e) => heard.push(e));
    const created = await rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: admin.headers,
      payload: { label: "Appointments" },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { connection } = created.json<{ connection: { authorizePath: string } }>();
    expect(
      (await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin.headers })).status,
    ).toBe(200);
    await rebook.poller.runNow();
    await syncPass(rebook.sync);
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
    await emu?.stop();
  });

  it("publishes request.created and request.updated from the pipeline once its work is committed", async () => {
    const requests = await t.db.query<{ id: string; status: string }>("SELECT id, status FROM appointment_requests");
    expect(requests.length).toBeGreaterThan(10);
    const created = heard.filter((e) => e.type === "request.created");
    expect(new Set(created.map((e) => e.requestId))).toEqual(new Set(requests.map((r) => r.id)));
    expect(created.every((e) => e.status === "processing" && e.teamId === null)).toBe(true);
    // Each request's last event says what is stored now: routed to the default team and open.
    for (const r of requests) {
      const last = heard.filter((e) => e.requestId === r.id).at(-1);
      expect(last).toMatchObject({ type: "request.updated", status: r.status, teamId });
    }
  });

  it("links a request by hand to one of its stored candidates", async () => {
    const [r] = await t.db.query<Row>(
      `SELECT * FROM appointment_requests WHERE status = 'open' AND jsonb_array_length(candidates) >= 2
       ORDER BY received_at LIMIT 1`,
    );
    expect(r, "the emulator's data has requests with several candidates").toBeDefined();
    const other = r!.candidates.find((c) => c.fhirId !== r!.appointment_fhir_id)!;
    expect((await post(`/api/requests/${r!.id}/match`, { fhirId: "not-a-candidate" })).body.error?.code).toBe(
      "not_a_candidate",
    );
    const matched = await post(`/api/requests/${r!.id}/match`, { fhirId: other.fhirId });
    expect(matched.status).toBe(200);
    expect(matched.body.matchState).toBe("manual");
    const after = await row(r!.id);
    expect(after).toMatchObject({ match_state: "manual", appointment_fhir_id: other.fhirId });
    expect(after.appointment_start?.toISOString()).toBe(other.start);
    // The deadline follows the newly linked appointment.
    expect(after.deadline_at).toEqual(
      deadlineAt({ receivedAt: after.received_at, appointmentStart: after.appointment_start }, DEFAULT_DEADLINE_POLICY),
    );
    expect((await history(t.db, r!.id)).at(-1)).toMatchObject({
      type: "appointment_linked",
      actor_user_id: clerk.user.id,
      data: { manual: true, fhirId: other.fhirId, previousFhirId: r!.appointment_fhir_id },
    });
    expect((await audits(t.db, r!.id)).at(-1)).toMatchObject({ action: "request.manually_matched" });
    const detail = await rebook.app.inject({ method: "GET", url: `/api/requests/${r!.id}`, headers: clerk.headers });
    expect(detail.json()).toMatchObject({ match: { state: "manual" }, appointment: { fhirId: other.fhirId } });
    // Choosing it again changes nothing.
    expect((await post(`/api/requests/${r!.id}/match`, { fhirId: other.fhirId })).body).toMatchObject({
      changed: false,
    });
  });

  it("refuses to link a candidate whose PKB id Rebook cannot store, changing nothing", async () => {
    const [r] = await t.db.query<Row>(
      `SELECT * FROM appointment_requests WHERE status = 'open' AND match_state <> 'manual'
         AND jsonb_array_length(candidates) >= 1 ORDER BY received_at DESC LIMIT 1`,
    );
    expect(r).toBeDefined();
    // As the pipeline stores an appointment whose PKB id held a U+0000 (candidateRecords): shown made storable, flagged.
    const flagged = { ...r!.candidates[0]!, fhirId: "pkb\ufffd1", fhirIdNotExact: true };
    await t.db.query("UPDATE appointment_requests SET candidates = $2::jsonb WHERE id = $1", [
      r!.id,
      JSON.stringify([...r!.candidates, flagged]),
    ]);
    const before = await history(t.db, r!.id);
    const refused = await post(`/api/requests/${r!.id}/match`, { fhirId: "pkb\ufffd1" });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "appointment_id_not_exact" });
    expect(refused.body.error?.message).toContain("act on it in the PAS");
    expect(await row(r!.id)).toMatchObject({
      match_state: r!.match_state,
      appointment_fhir_id: r!.appointment_fhir_id,
    });
    expect(await history(t.db, r!.id)).toHaveLength(before.length);
  });

  it("re-matches through the pipeline's code: the same answer from PKB, then a new one after PKB changed", async () => {
    const [r] = await t.db.query<Row>(
      "SELECT * FROM appointment_requests WHERE status = 'open' AND match_state = 'auto_linked' ORDER BY received_at LIMIT 1",
    );
    const linked = r!.appointment_fhir_id!;
    // Unlink it by hand first, so the re-match has something to put right.
    const spare = r!.candidates.find((c) => c.fhirId !== linked);
    if (spare) await post(`/api/requests/${r!.id}/match`, { fhirId: spare.fhirId });
    const again = await post(`/api/requests/${r!.id}/rematch`);
    expect(again.status).toBe(200);
    expect(again.body.matchState).toBe("auto_linked");
    expect((await row(r!.id)).appointment_fhir_id).toBe(linked);
    expect((await history(t.db, r!.id)).at(-1)).toMatchObject({
      type: "rematched",
      data: { decision: "auto_linked", fhirId: linked },
    });
    expect((await audits(t.db, r!.id)).at(-1)).toMatchObject({ action: "request.rematched" });

    // The trust moves that appointment five days later in its PAS; PKB now has nothing at the time asked for.
    const start = new Date(r!.candidates.find((c) => c.fhirId === linked)!.start!);
    await emu.control("POST", `appointments/${linked}/reschedule`, {
      start: new Date(start.getTime() + 5 * 86_400_000).toISOString(),
    });
    const moved = await post(`/api/requests/${r!.id}/rematch`);
    expect(moved.status).toBe(200);
    expect(moved.body.matchState).not.toBe("auto_linked");
    const after = await row(r!.id);
    expect(after.appointment_fhir_id).toBeNull();
    expect(after.candidates.map((c) => c.fhirId)).not.toContain(linked);
    expect(after.deadline_at).toEqual(
      deadlineAt({ receivedAt: after.received_at, appointmentStart: null }, DEFAULT_DEADLINE_POLICY),
    );
  });

  it("answers 502 pkb_unavailable with the reason when PKB fails, changing nothing", async () => {
    const [r] = await t.db.query<Row>(
      "SELECT * FROM appointment_requests WHERE status = 'open' AND match_state = 'auto_linked' ORDER BY received_at DESC LIMIT 1",
    );
    const before = (await history(t.db, r!.id)).length;
    await emu.control("PUT", "faults", { errorRate: 1, status: 503, paths: ["/aggregated/fhir/Appointment"] });
    try {
      const failed = await post(`/api/requests/${r!.id}/rematch`);
      expect(failed.status).toBe(502);
      expect(failed.body.error).toMatchObject({
        code: "pkb_unavailable",
        message: expect.stringMatching(/^PKB's appointment search failed: .*503/),
      });
    } finally {
      await emu.control("DELETE", "faults");
    }
    expect(await history(t.db, r!.id)).toHaveLength(before);
    expect((await row(r!.id)).appointment_fhir_id).toBe(r!.appointment_fhir_id);
  }, 60_000);

  it("cannot re-match a request whose patient has no NHS number", async () => {
    const id = await seedRequest(t.db, { teamId });
    const res = await post(`/api/requests/${id}/rematch`);
    expect([res.status, res.body.error?.code]).toEqual([409, "patient_not_identified"]);
  });
});
