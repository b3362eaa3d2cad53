// The requests API on real data: grant through the emulator, sync, then list, filter, search, view (audited), retry,
// sync status and the OpenAPI document, all over HTTP (app.inject).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncPass } from "../../src/sync/run.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { grantThroughConsentPage, startEmulator, type Emulator } from "../helpers/emulator.ts";

interface Item {
  id: string;
  receivedAt: string;
  type: string | null;
  status: string;
  matchState: string;
  patient: { pkbUserId: string | null; name: string | null; nhsNumber: string | null };
  appointment: { fhirId: string; externalId: string | null; start: string | null } | null;
  teamName: string | null;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
}

describe("requests API on synced emulator data", () => {
  let t: TestDb;
  let emu: Emulator;
  let rebook: TestApp;
  let all: Item[];
  let admin: AuthHeaders;

  const get = async <T>(url: string): Promise<{ status: number; body: T }> => {
    const res = await rebook.app.inject({ method: "GET", url, headers: admin });
    return { status: res.statusCode, body: res.json<T>() };
  };
  const list = async (query: string): Promise<Item[]> => {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: Page } = await get<Page>(
        `/api/requests?limit=200&${query}${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  };

  beforeAll(async () => {
    emu = await startEmulator({ size: 30 });
    t = await engines[1].open();
    rebook = await buildTestApp(t.db, { ...emu.env, SYNC_INITIAL_LOOKBACK_DAYS: "1000" });
    admin = await rebook.signIn("admin", { displayName: "Ada Admin" });
    const created = await rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: admin,
      payload: { label: "Appts" },
    });
    const { connection } = created.json<{ connection: { authorizePath: string } }>();
    const callback = await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin });
    expect(callback.status).toBe(200);
    await rebook.poller.runNow();
    await syncPass(rebook.sync);
    all = await list("");
  });
  afterAll(async () => {
    await rebook?.poller.stop();
    await rebook?.app.close();
    await t?.dispose();
    await emu?.stop();
  });

  it("lists every request newest first, in pages that join up", async () => {
    const [{ n }] = (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM appointment_requests")) as [
      { n: number },
    ];
    expect(n).toBeGreaterThan(10);
    expect(all).toHaveLength(n);
    const times = all.map((i) => Date.parse(i.receivedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const small: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: Page } = await get<Page>(
        `/api/requests?limit=7${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.body.items.length).toBeLessThanOrEqual(7);
      small.push(...res.body.items.map((i) => i.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(small).toEqual(all.map((i) => i.id));
    const identified = all.find((i) => i.patient.nhsNumber);
    expect(identified?.patient.nhsNumber).toMatch(/^\d{10}$/);
    expect(identified?.teamName).toBeNull(); // no teams yet: routed nowhere
  });

  it("filters by status, type and match state (repeated or comma-separated)", async () => {
    const cancels = await list("type=cancel");
    expect(cancels.length).toBeGreaterThan(0);
    expect(cancels.every((i) => i.type === "cancel")).toBe(true);
    const comma = await list("match_state=review,auto_linked");
    const repeated = await list("match_state=review&match_state=auto_linked");
    expect(repeated.map((i) => i.id)).toEqual(comma.map((i) => i.id));
    expect(comma).toHaveLength(all.filter((i) => ["review", "auto_linked"].includes(i.matchState)).length);
    expect(await list("status=done")).toEqual([]);
    const unassigned = await list("assigned_user_id=none&status=open");
    expect(unassigned).toHaveLength(all.filter((i) => i.status === "open").length);
    const bad = await rebook.app.inject({ method: "GET", url: "/api/requests?status=lost", headers: admin });
    expect(bad.statusCode).toBe(400);
    const badCursor = await rebook.app.inject({ method: "GET", url: "/api/requests?cursor=abc", headers: admin });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json()).toMatchObject({ error: { code: "invalid_cursor" } });
  });

  it("searches by patient name, NHS number (with spaces) and external appointment id", async () => {
    const named = all.find((i) => i.patient.name && i.patient.nhsNumber && i.appointment?.externalId)!;
    expect(named).toBeDefined();
    const lastName = named.patient.name!.split(" ").at(-1)!;
    const byName = await list(`q=${encodeURIComponent(lastName.slice(0, 3).toUpperCase())}`);
    expect(byName.map((i) => i.id)).toContain(named.id);
    const nhs = named.patient.nhsNumber!;
    const spaced = `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`;
    const byNhs = await list(`q=${encodeURIComponent(spaced)}`);
    expect(byNhs.map((i) => i.id)).toContain(named.id);
    expect(byNhs.every((i) => i.patient.nhsNumber === nhs)).toBe(true);
    const byExternal = await list(`q=${encodeURIComponent(named.appointment!.externalId!)}`);
    expect(byExternal.map((i) => i.id)).toContain(named.id);
    expect(byExternal.every((i) => i.appointment?.externalId === named.appointment!.externalId)).toBe(true);
  });

  it("shows one request in full and audits every view", async () => {
    const [{ id }] = (await t.db.query<{ id: string }>(
      "SELECT id FROM appointment_requests WHERE match_state = 'auto_linked' ORDER BY received_at LIMIT 1",
    )) as [{ id: string }];
    const first = await get<{
      id: string;
      requested: { start: string; startUk: string };
      patient: { nhsNumber: string; name: string; dob: string | null };
      messages: { id: string; content: string; isRequest: boolean; kind: string }[];
      match: {
        state: string;
        confidence: number;
        evidence: { factor: string; text: string }[];
        candidates: { fhirId: string; score: number; evidence: unknown[] }[];
      };
      appointment: { fhirId: string };
      history: { type: string; at: string }[];
    }>(`/api/requests/${id}`);
    expect(first.status).toBe(200);
    const d = first.body;
    expect(d.messages.filter((m) => m.isRequest)).toHaveLength(1);
    expect(d.messages[0]).not.toHaveProperty("raw");
    expect(d.requested.startUk).toMatch(/\d{4}, \d{2}:\d{2} \((GMT|BST)\)$/);
    expect(d.patient.nhsNumber).toMatch(/^\d{10}$/);
    expect(d.match.state).toBe("auto_linked");
    expect(d.match.evidence.map((e) => e.factor)).toEqual(["start", "subject", "status"]);
    expect(d.match.candidates.length).toBeGreaterThan(0);
    expect(d.match.candidates[0]).toMatchObject({ fhirId: d.appointment.fhirId, score: expect.any(Number) });
    expect(d.match.candidates[0]?.evidence.length).toBe(3);
    expect(d.history[0]?.type).toBe("received");
    expect(d.history.map((h) => h.type)).toEqual(expect.arrayContaining(["patient_identified", "routed"]));
    const at = d.history.map((h) => Date.parse(h.at));
    expect([...at].sort((a, b) => a - b)).toEqual(at);

    await get(`/api/requests/${id}`);
    const audit = await get<{
      items: { action: string; requestId: string; actorLabel: string; actorUserId: string; ip: string }[];
    }>(`/api/audit?request_id=${id}&action=request.viewed`);
    expect(audit.body.items).toHaveLength(2);
    const [me] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE display_name = 'Ada Admin'");
    expect(audit.body.items[0]).toMatchObject({
      action: "request.viewed",
      requestId: id,
      actorLabel: "Ada Admin",
      actorUserId: me!.id,
    });
    expect(audit.body.items[0]?.ip).toBeTruthy();

    const missing = await get(`/api/requests/00000000-0000-4000-8000-000000000000`);
    expect(missing.status).toBe(404);
    const rows = await t.db.query("SELECT 1 FROM audit_log WHERE request_id = $1", [id]);
    expect(rows).toHaveLength(2); // a miss is not a view
  });

  it("audits every list shown (which requests, and the search), found again by each request's id", async () => {
    const before = await t.db.query<{ id: number }>("SELECT max(id)::int AS id FROM audit_log");
    const since = before[0]?.id ?? 0;
    const page = await get<Page>("/api/requests?limit=5&sort=received_desc");
    const nhs = all.find((i) => i.patient.nhsNumber)!.patient.nhsNumber!;
    const searched = await get<Page>(`/api/requests?q=${nhs}`);
    await get<Page>("/api/requests?q=no-such-patient-anywhere");
    await get<Page>("/api/requests?status=processing&type=change&match_state=manual"); // nothing shown, no search
    const entries = await t.db.query<{ action: string; actor_label: string; details: Record<string, unknown> }>(
      "SELECT action, actor_label, details FROM audit_log WHERE id > $1 ORDER BY id",
      [since],
    );
    expect(entries.map((e) => [e.action, e.details.shown, e.details.search ?? null])).toEqual([
      ["requests.listed", 5, null],
      ["requests.listed", searched.body.items.length, nhs],
      ["requests.listed", 0, "no-such-patient-anywhere"],
    ]);
    expect(entries[0]!.details.requestIds).toEqual(page.body.items.map((i) => i.id));
    expect(entries[0]!.actor_label).toBe("Ada Admin");

    // The audit log for one request lists the lists it appeared in as well as its own entries.
    const shown = page.body.items[0]!.id;
    const forRequest = await get<{ items: { action: string; details: { requestIds?: string[] } }[] }>(
      `/api/audit?request_id=${shown}&action=requests.listed`,
    );
    expect(forRequest.body.items.length).toBeGreaterThanOrEqual(1);
    for (const e of forRequest.body.items) expect(e.details.requestIds).toContain(shown);
  });

  it("retries a request in error, which the pipeline then finishes; anything else is a 409", async () => {
    const target = all.find((i) => i.status === "open" && i.patient.nhsNumber)!;
    await t.db.query(
      "UPDATE appointment_requests SET status = 'error', attempts = 5, error_reason = 'PKB FHIR: 503', next_attempt_at = NULL WHERE id = $1",
      [target.id],
    );
    const inError = await list("status=error");
    expect(inError.map((i) => i.id)).toEqual([target.id]);
    const status = await get<{ pipeline: { inError: number; recentErrors: { requestId: string; reason: string }[] } }>(
      "/api/sync/status",
    );
    expect(status.body.pipeline.inError).toBe(1);
    expect(status.body.pipeline.recentErrors).toEqual([
      { requestId: target.id, reason: "PKB FHIR: 503", at: expect.any(String) },
    ]);

    const res = await rebook.app.inject({ method: "POST", url: `/api/requests/${target.id}/retry`, headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: target.id, status: "processing" });
    const events = await t.db.query<{ type: string }>(
      "SELECT type FROM request_events WHERE request_id = $1 AND type = 'retry_requested'",
      [target.id],
    );
    expect(events).toHaveLength(1);
    await rebook.poller.runNow(); // joins the pass the retry started
    await rebook.poller.runNow();
    const [row] = await t.db.query<{ status: string; attempts: number; error_reason: string | null }>(
      "SELECT status, attempts, error_reason FROM appointment_requests WHERE id = $1",
      [target.id],
    );
    expect(row).toEqual({ status: "open", attempts: 1, error_reason: null });

    const again = await rebook.app.inject({
      method: "POST",
      url: `/api/requests/${target.id}/retry`,
      headers: admin,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: "not_in_error" } });
    const missing = await rebook.app.inject({
      method: "POST",
      url: "/api/requests/00000000-0000-4000-8000-000000000000/retry",
      headers: admin,
    });
    expect(missing.statusCode).toBe(404);
  });

  it("reports sync status per connection and for the pipeline", async () => {
    const { status, body } = await get<{
      connections: { status: string; lagSeconds: number; recentRuns: unknown[]; messagesCursor: string }[];
      pipeline: { byStatus: Record<string, number>; byMatchState: Record<string, number>; dueNow: number };
      lastPass: { at: string; summary: { processed: Record<string, number> } } | null;
    }>("/api/sync/status");
    expect(status).toBe(200);
    expect(body.connections).toHaveLength(1);
    const [c] = body.connections;
    expect(c).toMatchObject({ status: "active", lagSeconds: expect.any(Number) });
    expect(c!.recentRuns.length).toBeGreaterThan(0);
    expect(c!.recentRuns.length).toBeLessThanOrEqual(5);
    expect(Object.keys(body.pipeline.byStatus).sort()).toEqual(["done", "error", "in_progress", "open", "processing"]);
    expect(body.pipeline.byStatus.open).toBe(all.length);
    expect(body.pipeline.dueNow).toBe(0);
    expect(body.lastPass?.summary.processed).toBeDefined();
  });

  it("documents every new route in the OpenAPI document", async () => {
    const { body } = await get<{ paths: Record<string, Record<string, unknown>> }>("/api/openapi.json");
    const routes = [
      ["get", "/api/requests"],
      ["get", "/api/requests/{id}"],
      ["post", "/api/requests/{id}/retry"],
      ["get", "/api/audit"],
      ["get", "/api/routing-rules"],
      ["post", "/api/routing-rules"],
      ["put", "/api/routing-rules/{id}"],
      ["delete", "/api/routing-rules/{id}"],
      ["post", "/api/routing-rules/reorder"],
      ["get", "/api/routing-rules/export"],
      ["post", "/api/routing-rules/import"],
      ["get", "/api/teams"],
      ["post", "/api/teams"],
      ["patch", "/api/teams/{id}"],
      ["put", "/api/teams/{id}/members/{userId}"],
      ["delete", "/api/teams/{id}/members/{userId}"],
      ["get", "/api/users"],
      ["post", "/api/users"],
      ["get", "/api/sync/status"],
    ] as const;
    for (const [method, path] of routes) expect(body.paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });
});
