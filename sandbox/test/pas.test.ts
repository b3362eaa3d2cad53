// The trust's PAS and its feed into PKB: a clerk's cancel or move is recorded at once and reaches the Aggregated
// FHIR API only after the feed's delay, sometimes never (drop rate, feed stopped) — checked through the public APIs.

import type { Appointment, Bundle } from "@medplum/fhirtypes";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import type { PasAction } from "../src/pas/feed.ts";
import { parseStart } from "../src/pas/routes.ts";
import { IDS, PATIENTS } from "./fixtures.ts";
import { getSystemToken, getWith, postForm, startSandbox } from "./helpers.ts";

const EXTERNAL = "http://fhir.patientsknowbest.com/id/external-identifier";
const post = (app: FastifyInstance, url: string, payload: object) => app.inject({ method: "POST", url, payload });
const put = (app: FastifyInstance, url: string, payload: object) => app.inject({ method: "PUT", url, payload });

async function read(app: FastifyInstance, id: string): Promise<LightMyRequestResponse> {
  return getWith(app, `/aggregated/fhir/Appointment/${id}`, await getSystemToken(app));
}

async function patientAppointments(app: FastifyInstance, nhs: string): Promise<Appointment[]> {
  const q = new URLSearchParams({ "actor:Patient.identifier": `https://fhir.nhs.uk/Id/nhs-number|${nhs}` });
  const res = await getWith(app, `/aggregated/fhir/Appointment?${q.toString()}`, await getSystemToken(app));
  return (res.json<Bundle<Appointment>>().entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

const externalId = (a: Appointment) => a.identifier?.find((i) => i.system === EXTERNAL)?.value;

describe("PAS actions through the feed", () => {
  it("a cancel reaches PKB only after the feed's delay, stamped with the instant it arrived", async () => {
    const { app, clock } = await startSandbox({ pasDelaySeconds: 600 });
    const before = (await read(app, IDS.futureAppointment)).json<Appointment>();
    const res = await post(app, "/_sandbox/pas/actions", { appointmentId: IDS.futureAppointment, action: "cancel" });
    expect(res.statusCode).toBe(201);
    const action = res.json<PasAction>();
    expect(action).toMatchObject({ id: "pas-1", state: "queued", delivery: "cancelled", externalId: "EXT-0003" });
    expect(action.dueAt).toBe("2025-09-20T08:10:00.000Z");

    clock.advance(599);
    expect((await read(app, IDS.futureAppointment)).json<Appointment>().status).toBe("booked");
    clock.advance(61);
    const after = (await read(app, IDS.futureAppointment)).json<Appointment>();
    expect(after.status).toBe("cancelled");
    expect(Number(after.meta?.versionId)).toBe(Number(before.meta?.versionId) + 1);
    expect(after.meta?.lastUpdated).toBe("2025-09-20T08:10:00.000Z");
    const list = (await app.inject("/_sandbox/pas/actions")).json<{ count: number; actions: PasAction[] }>();
    expect(list.actions[0]).toMatchObject({ state: "applied", appliedAt: "2025-09-20T08:10:00.000Z" });
  });

  it("a move by external identifier, entered as UK wall-clock (BST), keeps the identifier", async () => {
    const { app, clock } = await startSandbox({ pasDelaySeconds: 0 });
    // 24 October 2025 is BST: 16:00 UK = 15:00Z.
    const res = await post(app, "/_sandbox/pas/actions", {
      externalId: "112431409e",
      action: "move",
      start: "2025-10-24T16:00",
    });
    expect(res.statusCode).toBe(201);
    expect(res.json<PasAction>()).toMatchObject({
      appointmentId: IDS.seedAppointment,
      newStart: "2025-10-24T15:00:00.000Z",
    });
    clock.advance(1);
    const shown = await patientAppointments(app, PATIENTS.paulNhs);
    const moved = shown.filter((a) => externalId(a) === "112431409e");
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatchObject({
      id: IDS.seedAppointment,
      status: "booked",
      start: "2025-10-24T15:00:00.000+00:00",
    });
  });

  it("after the clocks go back a UK wall-clock time is GMT; the duration is kept", async () => {
    const { app, clock } = await startSandbox({ pasDelaySeconds: 0 });
    const res = await post(app, "/_sandbox/pas/actions", {
      appointmentId: IDS.futureAppointment,
      action: "move",
      start: "2025-10-27T09:00",
    });
    expect(res.statusCode).toBe(201);
    clock.advance(1);
    expect((await read(app, IDS.futureAppointment)).json<Appointment>()).toMatchObject({
      status: "booked",
      start: "2025-10-27T09:00:00.000+00:00",
      end: "2025-10-27T09:30:00.000+00:00",
    });
  });

  it("a move fed as a new appointment cancels the old one and books a new one with new identifiers", async () => {
    const { app, clock } = await startSandbox({ pasDelaySeconds: 30 });
    const res = await post(app, "/_sandbox/pas/actions", {
      appointmentId: IDS.futureAppointment,
      action: "move",
      start: "2025-11-10T14:00:00Z",
      delivery: "new-appointment",
    });
    expect(res.statusCode).toBe(201);
    clock.advance(30);
    const shown = await patientAppointments(app, PATIENTS.pat01Nhs);
    const old = shown.find((a) => a.id === IDS.futureAppointment);
    expect(old?.status).toBe("cancelled");
    const fresh = shown.find((a) => a.start === "2025-11-10T14:00:00.000+00:00");
    expect(fresh).toMatchObject({ status: "booked", appointmentType: { coding: [{ display: "Outpatient" }] } });
    expect(fresh?.id).not.toBe(IDS.futureAppointment);
    expect(externalId(fresh!)).not.toBe("EXT-0003");
    const list = (await app.inject("/_sandbox/pas/actions")).json<{ actions: PasAction[] }>();
    expect(list.actions[0]?.newAppointmentId).toBe(fresh?.id);
  });

  it("a move fed as a new appointment takes the external identifier the PAS gave it (any text)", async () => {
    const { app, clock } = await startSandbox({ pasDelaySeconds: 0 });
    const res = await post(app, "/_sandbox/pas/actions", {
      appointmentId: IDS.futureAppointment,
      action: "move",
      start: "2025-11-10T14:00:00Z",
      delivery: "new-appointment",
      newExternalId: "RB\u00001",
    });
    expect(res.statusCode).toBe(201);
    expect(res.json<PasAction>().newExternalId).toBe("RB\u00001");
    clock.advance(1);
    const fresh = (await patientAppointments(app, PATIENTS.pat01Nhs)).find(
      (a) => a.start === "2025-11-10T14:00:00.000+00:00",
    );
    expect(externalId(fresh!)).toBe("RB\u00001");
    // The PAS knows it by that identifier from then on; another booking cannot take it.
    const again = await post(app, "/_sandbox/pas/actions", {
      appointmentId: IDS.bstAppointment,
      action: "move",
      start: "2025-11-11T14:00:00Z",
      delivery: "new-appointment",
      newExternalId: "RB\u00001",
    });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ error: string }>().error).toBe("external_id_taken");
    expect((await post(app, "/_sandbox/pas/actions", { externalId: "RB\u00001", action: "cancel" })).statusCode).toBe(
      201,
    );
  });

  it("a cancel fed as a removal: gone from the patient's appointments, a read answers 410", async () => {
    const { app, clock } = await startSandbox({ pasDelaySeconds: 0 });
    await post(app, "/_sandbox/pas/actions", {
      appointmentId: IDS.futureAppointment,
      action: "cancel",
      delivery: "removed",
    });
    clock.advance(1);
    const shown = await patientAppointments(app, PATIENTS.pat01Nhs);
    expect(shown.map((a) => a.id)).not.toContain(IDS.futureAppointment);
    const res = await read(app, IDS.futureAppointment);
    expect(res.statusCode).toBe(410);
    expect(res.json<{ issue: Array<{ code: string }> }>().issue[0]?.code).toBe("deleted");
    const again = await post(app, "/_sandbox/pas/actions", { appointmentId: IDS.futureAppointment, action: "cancel" });
    expect(again.statusCode).toBe(404);
    expect(again.json<{ message: string }>().message).toContain("removed");
  });

  it("a per-action delay overrides the feed's", async () => {
    const { app, clock } = await startSandbox({ pasDelaySeconds: 0 });
    await post(app, "/_sandbox/pas/actions", {
      appointmentId: IDS.futureAppointment,
      action: "cancel",
      delaySeconds: 3600,
    });
    clock.advance(3599);
    expect((await read(app, IDS.futureAppointment)).json<Appointment>().status).toBe("booked");
    clock.advance(1);
    expect((await read(app, IDS.futureAppointment)).json<Appointment>().status).toBe("cancelled");
  });
});

describe("the feed's switches", () => {
  it("a drop rate loses a deterministic share of actions for ever", async () => {
    const { app, clock } = await startSandbox();
    expect((await put(app, "/_sandbox/pas/feed", { dropRate: 0.5, delaySeconds: 10 })).json()).toEqual({
      delaySeconds: 10,
      dropRate: 0.5,
      stopped: false,
    });
    const first = await post(app, "/_sandbox/pas/actions", { appointmentId: IDS.futureAppointment, action: "cancel" });
    const second = await post(app, "/_sandbox/pas/actions", { appointmentId: IDS.seedAppointment, action: "cancel" });
    expect(first.json<PasAction>().state).toBe("queued");
    expect(second.json<PasAction>().state).toBe("dropped");
    clock.advance(30 * 86400);
    expect((await read(app, IDS.futureAppointment)).json<Appointment>().status).toBe("cancelled");
    expect((await read(app, IDS.seedAppointment)).json<Appointment>().status).toBe("booked");
    const state = (await app.inject("/_sandbox/state")).json<{ pas: { actions: Record<string, number> } }>();
    expect(state.pas.actions).toEqual({ applied: 1, dropped: 1 });
  });

  it("a stopped feed holds due actions; restarted, it delivers them at the restart", async () => {
    const { app, clock } = await startSandbox({ pasDelaySeconds: 60 });
    await put(app, "/_sandbox/pas/feed", { stopped: true });
    await post(app, "/_sandbox/pas/actions", { appointmentId: IDS.futureAppointment, action: "cancel" });
    clock.advance(3600);
    expect((await read(app, IDS.futureAppointment)).json<Appointment>().status).toBe("booked");
    await put(app, "/_sandbox/pas/feed", { stopped: false });
    const after = (await read(app, IDS.futureAppointment)).json<Appointment>();
    expect(after.status).toBe("cancelled");
    expect(after.meta?.lastUpdated).toBe("2025-09-20T09:00:00.000Z");
  });

  it("a reset forgets recorded actions and keeps the switches", async () => {
    const { app } = await startSandbox({ pasDelaySeconds: 45 });
    await post(app, "/_sandbox/pas/actions", { appointmentId: IDS.futureAppointment, action: "cancel" });
    await post(app, "/_sandbox/reset", {});
    expect((await app.inject("/_sandbox/pas/actions")).json()).toEqual({ count: 0, actions: [] });
    expect((await app.inject("/_sandbox/pas/feed")).json<{ delaySeconds: number }>().delaySeconds).toBe(45);
  });
});

describe("bad PAS actions get clear errors and change nothing", () => {
  it.each([
    [{ appointmentId: IDS.futureAppointment, externalId: "EXT-0003", action: "cancel" }, 400, "exactly one"],
    [{ appointmentId: IDS.futureAppointment, action: "move" }, 400, "a move needs start"],
    [
      { appointmentId: IDS.futureAppointment, action: "cancel", start: "2025-11-01T10:00Z" },
      400,
      "a cancel takes none",
    ],
    [{ appointmentId: IDS.futureAppointment, action: "cancel", delivery: "new-appointment" }, 400, "delivery"],
    [
      { appointmentId: IDS.futureAppointment, action: "move", start: "2025-11-01T10:00Z", newExternalId: "X-1" },
      400,
      "newExternalId",
    ],
    // 01:30 on 29 March 2026 does not exist in the UK (the clocks go forward at 01:00).
    [{ appointmentId: IDS.futureAppointment, action: "move", start: "2026-03-29T01:30" }, 400, "UK wall-clock"],
    [{ appointmentId: IDS.futureAppointment, action: "move", start: "next Tuesday" }, 400, "start"],
    [{ appointmentId: IDS.cancelledAppointment, action: "cancel" }, 409, "already cancelled"],
    [{ externalId: "NOPE", action: "cancel" }, 404, "no appointment"],
  ])("%j → %i", async (body, status, text) => {
    const { app } = await startSandbox();
    const res = await post(app, "/_sandbox/pas/actions", body);
    expect(res.statusCode).toBe(status);
    expect(res.json<{ message: string }>().message).toContain(text);
    expect((await app.inject("/_sandbox/pas/actions")).json<{ count: number }>().count).toBe(0);
  });

  it("rejects bad feed switches", async () => {
    const { app } = await startSandbox();
    expect((await put(app, "/_sandbox/pas/feed", { dropRate: 2 })).statusCode).toBe(400);
    expect((await put(app, "/_sandbox/pas/feed", { delaySeconds: -1 })).statusCode).toBe(400);
    expect((await put(app, "/_sandbox/pas/feed", { speed: 1 })).statusCode).toBe(400);
  });

  it("parses UK wall-clock starts exactly and refuses times the clocks skip", () => {
    expect(parseStart("2025-10-24T16:00")).toBe(Date.parse("2025-10-24T15:00:00Z"));
    expect(parseStart("2025-12-24T16:00")).toBe(Date.parse("2025-12-24T16:00:00Z"));
    expect(parseStart("2026-03-29T01:30")).toBeNull();
    expect(parseStart("2026-03-29T02:00")).toBe(Date.parse("2026-03-29T01:00:00Z"));
    expect(parseStart("2025-10-24T16:00:00+01:00")).toBe(Date.parse("2025-10-24T15:00:00Z"));
    expect(parseStart("2025-10-24T16:00:00")).toBe(Date.parse("2025-10-24T15:00:00Z"));
    expect(parseStart("2025-13-24T16:00")).toBeNull();
  });
});

describe("the PAS page", () => {
  it("lists a patient's appointments and records a move from its form", async () => {
    const { app, clock } = await startSandbox({ pasDelaySeconds: 120 });
    const page = await app.inject(`/_sandbox/pas?patient=${PATIENTS.pat01Nhs}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain("Mon 3 Nov 2025 10:15");
    expect(page.body).toContain("EXT-0003");
    expect(page.body).toContain('<label for="m-a0000000-0000-4000-8000-000000000003">');

    const res = await postForm(app, "/_sandbox/pas/actions", {
      appointmentId: IDS.futureAppointment,
      action: "move",
      start: "2025-11-05T11:30",
      delivery: "same-identifier",
    });
    expect(res.statusCode).toBe(303);
    const location = String(res.headers.location);
    expect(location).toMatch(/^\/_sandbox\/pas\?patient=3054563&ok=/);
    const back = await app.inject(location);
    expect(back.body).toContain('role="status"');
    expect(back.body).toContain("Move to Wed 5 Nov 2025 11:30 recorded in the PAS (pas-1)");
    expect(back.body).toContain("on its way to PKB");
    clock.advance(120);
    expect((await read(app, IDS.futureAppointment)).json<Appointment>().start).toBe("2025-11-05T11:30:00.000+00:00");
    expect((await app.inject(location)).body).toContain("in PKB since Sat 20 Sep 2025 09:02");
  });

  it("shows a form error in an alert and suggests patients with requests", async () => {
    const { app } = await startSandbox();
    const res = await postForm(app, "/_sandbox/pas/actions", {
      appointmentId: IDS.futureAppointment,
      action: "move",
      start: "2026-03-29T01:30",
    });
    expect(res.statusCode).toBe(303);
    const back = await app.inject(String(res.headers.location));
    expect(back.body).toContain('role="alert"');
    const home = await app.inject("/_sandbox/pas");
    expect(home.body).toContain("Patients with a request in PKB");
    expect(home.body).toContain(`?patient=${IDS.pat01}`);
  });

  it("sets the feed's switches from its form", async () => {
    const { app } = await startSandbox();
    const res = await postForm(app, "/_sandbox/pas/feed", { delaySeconds: "5", dropRate: "0.25", stopped: "true" });
    expect(res.statusCode).toBe(303);
    expect((await app.inject("/_sandbox/pas/feed")).json()).toEqual({ delaySeconds: 5, dropRate: 0.25, stopped: true });
  });
});

describe("PAS configuration", () => {
  it("reads SANDBOX_PAS_DELAY (0 allowed) and SANDBOX_PAS_DROP_RATE", () => {
    const r = loadConfig({ SANDBOX_PAS_DELAY: "0", SANDBOX_PAS_DROP_RATE: "0.1" });
    expect(r.ok && r.config.pasDelaySeconds).toBe(0);
    expect(r.ok && r.config.pasDropRate).toBe(0.1);
    const d = loadConfig({});
    expect(d.ok && [d.config.pasDelaySeconds, d.config.pasDropRate]).toEqual([120, 0]);
    const bad = loadConfig({ SANDBOX_PAS_DELAY: "soon", SANDBOX_PAS_DROP_RATE: "1.5" });
    expect(bad.ok ? [] : bad.errors.length).toBe(2);
  });
});
