// PKB confirmation against the emulator, over HTTP, on both engines: an outcome is recorded through Rebook's API, the
// trust's PAS (the emulator's) changes the appointment — or does not — and Rebook's checks read it back from the
// Aggregated FHIR API: confirmed; not confirmed after the (short) limit, alerted once; confirmed late; reopening and a
// new outcome move it on; and a runner stopped in the middle of the checks loses nothing.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimDue } from "../../src/jobs/due-work.ts";
import { runRequestWork } from "../../src/jobs/request-work.ts";
import { createLogger } from "../../src/log.ts";
import { PKB_CONFIRMATION } from "../../src/requests/processors/pkb-confirmation.ts";
import { readConfirmation, type ConfirmationRow } from "../../src/store/pkb-confirmations.ts";
import type { TokenCipher } from "../../src/store/crypto.ts";
import { requestWorkQueue } from "../../src/store/request-work.ts";
import { createTeamExclusive } from "../../src/store/teams.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { grantThroughConsentPage, startEmulator, type Emulator } from "../helpers/emulator.ts";

const LIMIT_SECONDS = 3;
/** Short checks: first after 0.3 s, doubling to 0.6 s; not confirmed after 3 s; checks stop after 2 minutes. */
const CONFIRM_ENV = {
  CONFIRM_CHECK_SECONDS: "0.3",
  CONFIRM_MAX_INTERVAL_SECONDS: "0.6",
  CONFIRM_WITHIN_HOURS: String(LIMIT_SECONDS / 3600),
  CONFIRM_CHECK_FOR_HOURS: String(120 / 3600),
};

interface Linked {
  id: string;
  fhirId: string;
  start: Date;
}

interface Confirmation {
  state: string;
  due: string | null;
  checkedAt: string | null;
  confirmedAt: string | null;
  shows: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The UK wall-clock date and time of `d` + `days`, at 10:30, for the outcome form. */
function ukSlot(d: Date, days: number): { date: string; time: string } {
  // From the appointment or from today, whichever is later: a rebooking into the past needs an explicit confirmation.
  const at = new Date(Math.max(d.getTime(), Date.now()) + days * 86_400_000);
  const date = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(at);
  return { date, time: "10:30" };
}

/** A webhook receiver that keeps what it was sent. */
async function startWebhook(): Promise<{ url: string; received: Record<string, unknown>[]; stop(): Promise<void> }> {
  const received: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/alerts`, received, stop: () => new Promise((r) => server.close(() => r())) };
}

describe.each(engines)("PKB confirmation against the emulator on $name", { timeout: 60_000 }, (engine) => {
  let t: TestDb;
  let emu: Emulator;
  let rebook: TestApp;
  let admin: AuthHeaders;
  let lead: AuthHeaders;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let linked: Linked[];

  /** Rebook on the test store; a restart keeps the instance's token key (`cipher`), as a real restart does. */
  const build = (cipher?: TokenCipher) =>
    buildTestApp(
      t.db,
      { ...emu.env, ...CONFIRM_ENV, SYNC_INITIAL_LOOKBACK_DAYS: "1000", ALERT_WEBHOOK_URL: hook.url },
      cipher ? { cipher } : {},
    );
  const work = (app: TestApp = rebook) =>
    runRequestWork({ db: t.db, sync: app.sync, logger: createLogger("silent"), now: () => new Date() });

  /** Runs the due checks until the request's confirmation satisfies `want` (or fails after `ms`). */
  async function checksUntil(
    requestId: string,
    want: (c: ConfirmationRow | null) => boolean,
    app: TestApp = rebook,
    ms = 15_000,
  ): Promise<ConfirmationRow | null> {
    const until = Date.now() + ms;
    for (;;) {
      await work(app);
      const c = await readConfirmation(t.db, requestId);
      if (want(c)) return c;
      if (Date.now() > until) throw new Error(`confirmation of ${requestId} never got there: ${JSON.stringify(c)}`);
      await sleep(100);
    }
  }

  const api = async (
    method: "GET" | "POST",
    url: string,
    payload?: Record<string, unknown>,
    headers: AuthHeaders = admin,
  ) => {
    const res = await rebook.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json<Record<string, unknown>>();
  };
  const confirmationOf = async (id: string) =>
    (await api("GET", `/api/requests/${id}`)).pkbConfirmation as Confirmation;
  const eventsOf = (id: string, type: string) =>
    t.db.query<{ data: Record<string, unknown> }>(
      "SELECT data FROM request_events WHERE request_id = $1 AND type = $2 ORDER BY id",
      [id, type],
    );
  const pas = (body: Record<string, unknown>) => emu.control("POST", "pas/actions", { delaySeconds: 0, ...body });

  beforeAll(async () => {
    hook = await startWebhook();
    emu = await startEmulator({ size: 40 });
    t = await engine.open();
    const teamId = await createTeamExclusive(t.db, { name: "Appointments", description: "", isDefault: true });
    rebook = await build();
    admin = await rebook.signIn("admin");
    lead = await rebook.signIn("team_lead", { leadTeamIds: [teamId] });
    const created = await rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: admin,
      payload: { label: "Appointments" },
    });
    const { connection } = created.json<{ connection: { authorizePath: string } }>();
    expect((await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin })).status).toBe(200);
    await rebook.poller.runNow();
    await rebook.poller.runNow();
    const rows = await t.db.query<{ id: string; appointment_fhir_id: string; appointment_start: Date }>(
      `SELECT DISTINCT ON (appointment_fhir_id) id, appointment_fhir_id, appointment_start FROM appointment_requests
       WHERE match_state = 'auto_linked' AND status = 'open' AND appointment_start IS NOT NULL
       ORDER BY appointment_fhir_id, received_at`,
    );
    linked = rows.map((r) => ({ id: r.id, fhirId: r.appointment_fhir_id, start: r.appointment_start }));
    expect(linked.length).toBeGreaterThanOrEqual(6);
  }, 60_000);
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
    await emu?.stop();
    await hook?.stop();
  });

  it("a cancellation the PAS feeds to PKB is confirmed, with what PKB showed", async () => {
    const r = linked[0]!;
    await api("POST", `/api/requests/${r.id}/outcome`, { outcome: "cancelled" });
    const awaiting = await confirmationOf(r.id);
    expect(awaiting).toMatchObject({ state: "awaiting", checkedAt: null, confirmedAt: null, shows: null });
    await pas({ appointmentId: r.fhirId, action: "cancel" });
    const c = await checksUntil(r.id, (x) => x?.state === "confirmed");
    expect(c?.shows).toMatch(/^PKB shows the appointment cancelled \(\w{3} \d{1,2} \w{3,4}/);
    const shown = await confirmationOf(r.id);
    expect(shown.state).toBe("confirmed");
    expect(Date.parse(shown.confirmedAt!)).toBeLessThanOrEqual(Date.parse(shown.due!));
    // The check that confirmed it is the last check: the request page never says "not checked yet" beside it.
    expect(shown.checkedAt).toBe(shown.confirmedAt);
    expect((await eventsOf(r.id, "pkb_confirmed")).map((e) => e.data)).toEqual([
      expect.objectContaining({ outcome: "cancelled", late: false }),
    ]);
    expect(hook.received).toEqual([]);
  });

  it("a rebooking the PAS feeds as a new appointment is confirmed once the old one is cancelled", async () => {
    const r = linked[1]!;
    const slot = ukSlot(r.start, 9);
    await api("POST", `/api/requests/${r.id}/outcome`, { outcome: "rebooked", newStart: slot });
    await pas({
      appointmentId: r.fhirId,
      action: "move",
      start: `${slot.date}T${slot.time}`,
      delivery: "new-appointment",
    });
    const c = await checksUntil(r.id, (x) => x?.state === "confirmed");
    expect(c?.shows).toMatch(/^PKB shows .* 10:30 \(a new appointment\)$/);
  });

  it("not shown within the limit: not confirmed (the reason, the filter, the banner, one alert); then confirmed late", async () => {
    const r = linked[2]!;
    await api("POST", `/api/requests/${r.id}/outcome`, { outcome: "cancelled" });
    const c = await checksUntil(r.id, (x) => x?.state === "not_confirmed");
    expect(c?.shows).toMatch(/^PKB still shows \w{3} \d{1,2} \w{3,4}( \d{4})? \d{2}:\d{2}/);
    const filtered = await api("GET", "/api/requests?status=done&confirmation=not_confirmed");
    expect((filtered.items as { id: string }[]).map((i) => i.id)).toEqual([r.id]);
    const either = await api("GET", "/api/requests?status=done&confirmation=awaiting,not_confirmed");
    expect((either.items as { id: string }[]).map((i) => i.id)).toContain(r.id);
    expect(await api("GET", "/api/pkb-confirmation/summary", undefined, lead)).toEqual({
      notConfirmed: 1,
      awaiting: 0,
    });
    // More checks at the longest interval: still one history row and one alert.
    await sleep(1_300);
    await work();
    expect(await eventsOf(r.id, "pkb_not_confirmed")).toHaveLength(1);
    expect(hook.received).toEqual([
      expect.objectContaining({
        event: "pkb_not_confirmed",
        requestId: r.id,
        outcome: "cancelled",
        team: "Appointments",
      }),
    ]);
    // No NHS number in the alert: no ten digits in a row outside the ids (CI once drew a request id holding ten).
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
    expect(JSON.stringify(hook.received).replace(uuid, "<id>")).not.toMatch(/\d{10}/);

    await pas({ appointmentId: r.fhirId, action: "cancel" });
    await checksUntil(r.id, (x) => x?.state === "confirmed");
    expect((await eventsOf(r.id, "pkb_confirmed")).map((e) => e.data)).toEqual([
      expect.objectContaining({ late: true }),
    ]);
    expect(hook.received).toHaveLength(1);
    expect(await api("GET", "/api/pkb-confirmation/summary", undefined, lead)).toEqual({
      notConfirmed: 0,
      awaiting: 0,
    });
  });

  it("reopening forgets the checks; a new outcome starts them again; rejected needs none", async () => {
    const r = linked[3]!;
    await api("POST", `/api/requests/${r.id}/outcome`, { outcome: "cancelled" });
    await checksUntil(r.id, (x) => (x?.checks ?? 0) >= 1);
    await api("POST", `/api/requests/${r.id}/status`, {
      status: "open",
      reason: "The patient rang: they want a new date",
    });
    expect((await confirmationOf(r.id)).state).toBe("not_needed");
    const [w] = await t.db.query<{ due_at: Date | null }>(
      "SELECT due_at FROM request_work WHERE request_id = $1 AND kind = $2",
      [r.id, PKB_CONFIRMATION],
    );
    expect(w?.due_at).toBeNull();

    const slot = ukSlot(r.start, 14);
    await api("POST", `/api/requests/${r.id}/outcome`, { outcome: "rebooked", newStart: slot });
    const fresh = await readConfirmation(t.db, r.id);
    expect(fresh).toMatchObject({ state: "awaiting", checks: 0, outcome: "rebooked" });
    await pas({ appointmentId: r.fhirId, action: "move", start: `${slot.date}T${slot.time}` });
    const c = await checksUntil(r.id, (x) => x?.state === "confirmed");
    expect(c?.shows).toMatch(/^PKB shows \w{3} \d{1,2} \w{3,4}( \d{4})? 10:30$/);

    await api("POST", `/api/requests/${r.id}/status`, { status: "open", reason: "Booked in error" });
    await api("POST", `/api/requests/${r.id}/outcome`, { outcome: "rejected", reason: "Not possible this month" });
    expect((await confirmationOf(r.id)).state).toBe("not_needed");
  });

  it("a runner stopped in the middle of the checks loses nothing: a new one carries on and confirms", async () => {
    const r = linked[4]!;
    const slot = ukSlot(r.start, 21);
    await api("POST", `/api/requests/${r.id}/outcome`, { outcome: "rebooked", newStart: slot });
    // The PAS feed takes 2 s: the first checks find the old time.
    await pas({ appointmentId: r.fhirId, action: "move", start: `${slot.date}T${slot.time}`, delaySeconds: 2 });
    const first = await checksUntil(r.id, (x) => (x?.checks ?? 0) >= 1);
    expect(first).toMatchObject({ state: "awaiting" });
    expect(first?.shows).toMatch(/^PKB still shows/);
    // A runner claims the next check and dies before settling it (its claim lease runs out after 1 s).
    for (let due = false; !due; await sleep(50)) {
      const [row] = await t.db.query<{ due: boolean }>(
        "SELECT due_at <= now() AS due FROM request_work WHERE request_id = $1 AND kind = $2",
        [r.id, PKB_CONFIRMATION],
      );
      due = row?.due === true;
    }
    const claimed = await claimDue(t.db, requestWorkQueue(PKB_CONFIRMATION), { limit: 10, leaseMs: 1_000 });
    expect(claimed.length).toBeGreaterThanOrEqual(1);
    // The whole app stops; another instance starts on the same store.
    await rebook.app.close();
    await rebook.poller.stop();
    rebook = await build(rebook.cipher);
    admin = await rebook.signIn("admin");
    const c = await checksUntil(r.id, (x) => x?.state === "confirmed");
    expect(c?.checks).toBeGreaterThan(first!.checks);
    expect((await confirmationOf(r.id)).shows).toMatch(/10:30$/);
  });
});
