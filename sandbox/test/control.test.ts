// The control API: patient requests and messages, the PAS feed's reschedule/cancel, reset, and its guard — each
// checked through the public APIs.

import type { Appointment } from "@medplum/fhirtypes";
import type { FastifyInstance } from "fastify";
import { describe, expect, it } from "vitest";
import type { GenerateOptions, GroundTruthEntry } from "../src/model.ts";
import { IDS, makeDataset } from "./fixtures.ts";
import { getSystemToken, getUserTokens, getWith, startSandbox } from "./helpers.ts";

const post = (app: FastifyInstance, url: string, payload: object) => app.inject({ method: "POST", url, payload });

async function readAppointment(app: FastifyInstance, id: string): Promise<Appointment> {
  const res = await getWith(app, `/aggregated/fhir/Appointment/${id}`, await getSystemToken(app));
  return res.json<Appointment>();
}

describe("POST /_sandbox/messages", () => {
  it("a change request: PKB subject, visible to the team, appointment pending, ground truth recorded", async () => {
    const { app, clock } = await startSandbox();
    const before = await readAppointment(app, IDS.futureAppointment);
    const res = await post(app, "/_sandbox/messages", {
      appointmentId: IDS.futureAppointment,
      kind: "change",
      content: "Can we do Friday?",
    });
    expect(res.statusCode).toBe(201);
    const { message, groundTruth } = res.json<{
      message: { id: string; subject: string; timestamp: number };
      groundTruth: GroundTruthEntry;
    }>();
    expect(message.subject).toBe("Request to change appointment: Monday 3 November 2025 10:15am - Outpatient");
    expect(message.timestamp).toBe(clock.now);
    expect(groundTruth).toMatchObject({
      kind: "change",
      appointmentId: IDS.futureAppointment,
      patientPkbId: IDS.pat01,
      ambiguous: false,
    });
    const { access_token } = await getUserTokens(app);
    const convs = (await getWith(app, "/json/messages/after/2025-09-19", access_token)).json<
      Array<{ messages: Array<{ id: string; content: string }> }>
    >();
    expect(convs[0]?.messages[0]).toMatchObject({ id: message.id, content: "Can we do Friday?" });
    const after = await readAppointment(app, IDS.futureAppointment);
    expect(after.status).toBe("pending");
    expect(Number(after.meta?.versionId)).toBe(Number(before.meta?.versionId) + 1);
    const truth = (await app.inject("/_sandbox/ground-truth")).json<{ count: number; entries: GroundTruthEntry[] }>();
    expect(truth.entries.map((e) => e.messageId)).toContain(message.id);
    expect(truth.count).toBe(3);
  });

  it("refuses requests PKB would not offer unless forced", async () => {
    const { app, clock } = await startSandbox();
    const cancelled = await post(app, "/_sandbox/messages", {
      appointmentId: IDS.cancelledAppointment,
      kind: "cancel",
    });
    expect(cancelled.statusCode).toBe(409);
    clock.now = Date.parse("2025-11-01T12:00:00Z");
    const late = await post(app, "/_sandbox/messages", { appointmentId: IDS.futureAppointment, kind: "cancel" });
    expect(late.statusCode).toBe(409);
    const forced = await post(app, "/_sandbox/messages", {
      appointmentId: IDS.futureAppointment,
      kind: "cancel",
      force: true,
    });
    expect(forced.statusCode).toBe(201);
    expect((await post(app, "/_sandbox/messages", { appointmentId: "nope", kind: "cancel" })).statusCode).toBe(404);
    expect((await post(app, "/_sandbox/messages", { kind: "cancel" })).statusCode).toBe(400);
  });

  it("free messages carry any text, U+0000 and lone surrogates included, as PKB does", async () => {
    const { app } = await startSandbox();
    const text = "call me\u0000 back \ud800 later";
    const res = await app.inject({
      method: "POST",
      url: "/_sandbox/messages",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ patientPkbId: IDS.paul, subject: "Q\u0000", content: text }),
    });
    expect(res.statusCode).toBe(201);
    const id = res.json<{ message: { id: string } }>().message.id;
    const { access_token } = await getUserTokens(app);
    const body = (await getWith(app, "/json/messages/after/2025-09-19", access_token)).body;
    expect(body).toContain("\\u0000"); // escaped in the JSON text
    const messages = (JSON.parse(body) as Array<{ messages: Array<{ id: string; subject: string; content: string }> }>)
      .flatMap((c) => c.messages)
      .filter((m) => m.id === id);
    expect(messages).toEqual([expect.objectContaining({ subject: "Q\u0000", content: text })]);
  });

  it("free messages: follow-ups in a request's conversation, unrelated otherwise", async () => {
    const { app } = await startSandbox();
    const follow = await post(app, "/_sandbox/messages", {
      patientPkbId: IDS.pat01,
      subject: "Re",
      content: "Any news?",
      conversationId: IDS.seedConversation,
    });
    expect(follow.json<{ groundTruth: GroundTruthEntry }>().groundTruth).toMatchObject({
      kind: "follow-up",
      requestMessageId: IDS.seedMessage,
    });
    const reply = await post(app, "/_sandbox/messages", {
      patientPkbId: IDS.pat01,
      subject: "Re",
      content: "Booked.",
      conversationId: IDS.seedConversation,
      senderId: IDS.jack,
    });
    expect(reply.json<{ message: { senderId: string } }>().message.senderId).toBe(IDS.jack);
    const fresh = await post(app, "/_sandbox/messages", {
      patientPkbId: IDS.paul,
      subject: "Parking",
      content: "Where do I park?",
    });
    expect(fresh.json<{ groundTruth: GroundTruthEntry }>().groundTruth).toMatchObject({
      kind: "unrelated",
      requestMessageId: null,
    });
    const wrong = await post(app, "/_sandbox/messages", {
      patientPkbId: IDS.paul,
      subject: "x",
      content: "y",
      conversationId: IDS.seedConversation,
    });
    expect(wrong.statusCode).toBe(400);
  });
});

describe("messages PostgreSQL cannot store as text", () => {
  it("carries U+0000 in a request's or a free message's text verbatim, as PKB can send any text", async () => {
    const { app } = await startSandbox();
    const request = await post(app, "/_sandbox/messages", {
      appointmentId: IDS.futureAppointment,
      kind: "cancel",
      content: "Please cancel\u0000 thank you",
    });
    expect(request.statusCode).toBe(201);
    const free = await post(app, "/_sandbox/messages", {
      patientPkbId: IDS.paul,
      subject: "Parking\u0000",
      content: "\u0000",
    });
    expect(free.statusCode).toBe(201);
    const { access_token } = await getUserTokens(app);
    const res = await getWith(app, "/json/messages/after/2025-09-19", access_token);
    expect(res.body).toContain("\\u0000"); // JSON escapes it; the raw byte never appears
    const texts = res
      .json<Array<{ messages: Array<{ subject: string; content: string }> }>>()
      .flatMap((c) => c.messages.map((m) => m.subject + "|" + m.content));
    expect(texts).toContain("Parking\u0000|\u0000");
    expect(texts.some((t) => t.endsWith("|Please cancel\u0000 thank you"))).toBe(true);
  });
});

describe("PAS feed actions", () => {
  it("reschedule: pending → booked at the new start (duration kept), visible through FHIR", async () => {
    const { app, clock } = await startSandbox();
    const res = await post(app, `/_sandbox/appointments/${IDS.bstAppointment}/reschedule`, {
      start: "2025-09-16T10:00:00+01:00",
    });
    expect(res.statusCode).toBe(200);
    const a = await readAppointment(app, IDS.bstAppointment);
    expect(a).toMatchObject({
      status: "booked",
      start: "2025-09-16T09:00:00.000+00:00",
      end: "2025-09-16T09:30:00.000+00:00",
    });
    expect(a.meta?.lastUpdated).toBe(new Date(clock.now).toISOString());
    const token = await getSystemToken(app);
    const search = await getWith(
      app,
      `/aggregated/fhir/Appointment?actor:Patient.identifier=9136220604&status=pending`,
      token,
    );
    expect(search.json<{ total: number }>().total).toBe(0);
    const bad = await post(app, `/_sandbox/appointments/${IDS.bstAppointment}/reschedule`, {
      start: "2025-09-16T10:00:00",
    });
    expect(bad.statusCode).toBe(400);
  });

  it("cancel and withdraw-request", async () => {
    const { app } = await startSandbox();
    expect((await post(app, `/_sandbox/appointments/${IDS.seedAppointment}/cancel`, {})).statusCode).toBe(200);
    expect((await readAppointment(app, IDS.seedAppointment)).status).toBe("cancelled");
    expect((await post(app, `/_sandbox/appointments/${IDS.bstAppointment}/withdraw-request`, {})).statusCode).toBe(200);
    expect((await readAppointment(app, IDS.bstAppointment)).status).toBe("booked");
    expect((await post(app, `/_sandbox/appointments/${IDS.bstAppointment}/withdraw-request`, {})).statusCode).toBe(409);
    expect((await post(app, "/_sandbox/appointments/nope/cancel", {})).statusCode).toBe(404);
  });

  it("details: the trust's feed changes an appointment's text (any), served by FHIR with a new version", async () => {
    const { app } = await startSandbox();
    const before = await readAppointment(app, IDS.seedAppointment);
    const externalId = (a: typeof before) =>
      a.identifier?.find((i) => i.system?.endsWith("/external-identifier"))?.value;
    const res = await post(app, `/_sandbox/appointments/${IDS.seedAppointment}/details`, {
      appointmentType: "Emer\u0000gency",
      comment: "Bring \ud800 letter",
      locationDisplay: "Ward\u0000 7",
    });
    expect(res.statusCode).toBe(200);
    const after = await readAppointment(app, IDS.seedAppointment);
    expect(externalId(after)).toBe(externalId(before));
    expect(after.appointmentType?.coding?.[0]?.display).toBe("Emer\u0000gency");
    expect(after.comment).toBe("Bring \ud800 letter");
    expect(after.participant?.find((p) => p.actor?.type === "Location")?.actor?.display).toBe("Ward\u0000 7");
    expect(Number(after.meta?.versionId)).toBe(Number(before.meta?.versionId) + 1);
    expect(
      (await post(app, `/_sandbox/appointments/${IDS.seedAppointment}/details`, { comment: null })).statusCode,
    ).toBe(200);
    expect((await readAppointment(app, IDS.seedAppointment)).comment).toBeUndefined();
    // A partial update makes a cancelled appointment active again.
    expect((await readAppointment(app, IDS.cancelledAppointment)).status).toBe("cancelled");
    await post(app, `/_sandbox/appointments/${IDS.cancelledAppointment}/details`, { locationDisplay: "Ward 8" });
    expect((await readAppointment(app, IDS.cancelledAppointment)).status).toBe("booked");
    // The feed's key is not a detail, and a blank field is ignored by the feed, so neither is accepted here.
    for (const body of [
      {},
      { externalId: "EXT-1" },
      { appointmentType: "" },
      { comment: "" },
      { locationDisplay: "" },
    ]) {
      expect((await post(app, `/_sandbox/appointments/${IDS.bstAppointment}/details`, body)).statusCode).toBe(400);
    }
    expect((await post(app, `/_sandbox/appointments/${IDS.bstAppointment}/details`, { start: "x" })).statusCode).toBe(
      400,
    );
    expect((await post(app, "/_sandbox/appointments/nope/details", { comment: "x" })).statusCode).toBe(404);
  });
});

describe("state, reset and guard", () => {
  it("GET state summarises the world; reset regenerates it and keeps sessions of users that still exist", async () => {
    const calls: GenerateOptions[] = [];
    const generate = (o: GenerateOptions) => {
      calls.push(o);
      const d = makeDataset();
      d.appointments = d.appointments.slice(0, 2);
      return { ...d, seed: o.seed, size: o.size };
    };
    const { app } = await startSandbox({ generate });
    const state = (await app.inject("/_sandbox/state")).json<{ counts: Record<string, number>; seed: number }>();
    expect(state.counts).toMatchObject({ patients: 4, staff: 2, messages: 2 });
    const { access_token } = await getUserTokens(app);
    const reset = await post(app, "/_sandbox/reset", { seed: 3, size: 9, anchor: "2025-09-01" });
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toMatchObject({ seed: 3, size: 9, counts: { appointments: 2 } });
    expect(calls[0]).toEqual({ seed: 3, size: 9, anchor: new Date("2025-09-01T00:00:00Z") });
    expect((await getWith(app, "/json/users/self", access_token)).statusCode).toBe(200);
    expect((await post(app, "/_sandbox/reset", { seed: -1 })).statusCode).toBe(400);
  });

  it("SANDBOX_CONTROL_TOKEN guards the control API", async () => {
    const { app } = await startSandbox({ controlToken: "ct" });
    expect((await app.inject("/_sandbox/state")).statusCode).toBe(401);
    const ok = await app.inject({ url: "/_sandbox/state", headers: { authorization: "Bearer ct" } });
    expect(ok.statusCode).toBe(200);
  });
});

describe("POST /_sandbox/users/{id}/rename", () => {
  it("changes a patient's or staff member's name as PKB then serves it, any text included", async () => {
    const { app } = await startSandbox();
    const { access_token } = await getUserTokens(app);
    const renamed = await post(app, `/_sandbox/users/${IDS.pat01}/rename`, { lastName: "O\u0000Brien \ud800" });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ pkbId: IDS.pat01, lastName: "O\u0000Brien \ud800" });
    const patient = (await getWith(app, `/json/v1/users/${IDS.pat01}`, access_token)).json<{ lastName: string }>();
    expect(patient.lastName).toBe("O\u0000Brien \ud800");
    expect(
      (await post(app, `/_sandbox/users/${IDS.jack}/rename`, { title: "Prof", firstName: "Jac" })).statusCode,
    ).toBe(200);
    const self = (await getWith(app, "/json/users/self", access_token)).json<{ title: string; firstName: string }>();
    expect(self).toMatchObject({ title: "Prof", firstName: "Jac", lastName: "Brown" });
    expect((await post(app, `/_sandbox/users/${IDS.jack}/rename`, {})).statusCode).toBe(400);
    expect((await post(app, `/_sandbox/users/${IDS.jack}/rename`, { email: "x@y" })).statusCode).toBe(400);
    expect((await post(app, "/_sandbox/users/nope/rename", { lastName: "X" })).statusCode).toBe(404);
  });
});
