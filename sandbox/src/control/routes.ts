// The control API under /_sandbox/ (JSON): inspect the world, reset it, add patient messages, play the PAS feed,
// end sessions and inject faults. Guarded by SANDBOX_CONTROL_TOKEN when set. Never exposes tokens.

import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { bearerToken } from "../bearer.ts";
import type { SandboxState } from "../context.ts";
import { faultSpecSchema } from "../faults.ts";
import { registerPasRoutes } from "../pas/routes.ts";
import {
  type ControlError,
  addFreeMessage,
  addRequestMessage,
  cancelAppointment,
  rescheduleAppointment,
  updateAppointmentDetails,
  withdrawRequest,
} from "./mutations.ts";

const instant = z.iso.datetime({ offset: true });

const resetBody = z.strictObject({
  seed: z.number().int().min(0).optional(),
  size: z.number().int().min(1).max(100_000).optional(),
  anchor: instant.or(z.iso.date()).optional(),
  settleScenarios: z.number().int().min(0).max(1_000).optional(),
});

const requestBody = z.strictObject({
  appointmentId: z.string().min(1),
  kind: z.enum(["change", "cancel"]),
  content: z.string().optional(),
  force: z.boolean().optional(),
});

const freeBody = z.strictObject({
  patientPkbId: z.string().min(1),
  subject: z.string(),
  content: z.string(),
  conversationId: z.string().optional(),
  senderId: z.string().optional(),
});

const rescheduleBody = z.strictObject({ start: instant, end: instant.nullable().optional() });

/** A user's name as the user (or an administrator) changes it in PKB: any text, as PKB does not restrict it. */
const renameBody = z
  .strictObject({ title: z.string().optional(), firstName: z.string().optional(), lastName: z.string().optional() })
  .refine((b) => Object.keys(b).length > 0, "expected at least one of title, firstName, lastName");

/**
 * An appointment's details as the trust's feed updates them: any text, as PKB stores what the feed sends, but never
 * blank (the feed's blank fields leave PKB's unchanged; pkb-api.md). `comment: null` removes the comment.
 */
const detailsBody = z
  .strictObject({
    appointmentType: z.string().min(1).optional(),
    comment: z.string().min(1).nullable().optional(),
    locationDisplay: z.string().min(1).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "expected at least one of appointmentType, comment, locationDisplay");

const sessionFilter = z.union([
  z.strictObject({ sessionId: z.string().min(1) }),
  z.strictObject({ username: z.string().min(1) }),
  z.strictObject({ all: z.literal(true) }),
]);

const idParams = z.object({ id: z.string() });

function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  return reply.code(400).send({ error: "invalid_body", message: z.prettifyError(error) });
}

function isError(v: object): v is ControlError {
  return "error" in v && "status" in v;
}

/** Registers the control routes (call inside a plugin with prefix CONTROL_BASE). */
export function registerControlRoutes(app: FastifyInstance, state: SandboxState): void {
  const { world, sessions, faults, settings } = state;

  if (settings.controlToken !== undefined) {
    const expected = settings.controlToken;
    app.addHook("onRequest", (request, reply, done) => {
      if (bearerToken(request) === expected) return done();
      void reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="sandbox-control"')
        .send({ error: "unauthorized", message: "control token required" });
    });
  }

  const summary = () => ({
    seed: world.dataset.seed,
    size: world.dataset.size,
    anchor: world.dataset.anchor,
    now: new Date(settings.clock()).toISOString(),
    organisation: world.dataset.organisation,
    counts: world.counts(),
    sessions: sessions
      .list()
      .reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.status]: (acc[s.status] ?? 0) + 1 }), {}),
    reuses: sessions.reuses(),
    faults: faults.get(),
    pas: {
      feed: state.pas.getSettings(),
      actions: state.pas
        .list()
        .reduce<Record<string, number>>((acc, a) => ({ ...acc, [a.state]: (acc[a.state] ?? 0) + 1 }), {}),
    },
    demoUsers: world.dataset.staff.map((s) => ({
      username: s.username,
      pkbId: s.pkbId,
      team: s.teamName,
      receivesAppointmentRequests: s.receivesAppointmentRequests,
    })),
  });

  app.get("/state", () => summary());

  app.get("/ground-truth", () => ({ count: world.dataset.groundTruth.length, entries: world.dataset.groundTruth }));

  app.post("/reset", (request, reply) => {
    const parsed = resetBody.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const b = parsed.data;
    const dataset = settings.generate({
      seed: b.seed ?? world.dataset.seed,
      size: b.size ?? world.dataset.size,
      ...(b.anchor !== undefined ? { anchor: new Date(b.anchor) } : {}),
      ...(b.settleScenarios !== undefined ? { settleScenarios: b.settleScenarios } : {}),
    });
    world.load(dataset);
    sessions.rebind((username) => {
      const u = world.signIn(username);
      return u ? (u.kind === "staff" ? u.staff.pkbId : u.patient.pkbId) : undefined;
    });
    faults.clear();
    state.pas.clear();
    state.pendingAuthorizations.clear();
    return summary();
  });

  app.post("/messages", (request, reply) => {
    const body = request.body ?? {};
    const asRequest = requestBody.safeParse(body);
    const asFree = asRequest.success ? null : freeBody.safeParse(body);
    let result;
    if (asRequest.success) result = addRequestMessage(state, asRequest.data);
    else if (asFree?.success) result = addFreeMessage(state, asFree.data);
    else {
      const message =
        "expected {appointmentId, kind, content?, force?} or {patientPkbId, subject, content, conversationId?, senderId?}";
      return reply.code(400).send({ error: "invalid_body", message });
    }
    if (isError(result)) return reply.code(result.status).send({ error: result.error, message: result.message });
    return reply.code(201).send(result);
  });

  const appointmentAction = (name: string, act: (id: string, body: unknown) => object) => {
    app.post(`/appointments/:id/${name}`, (request, reply) => {
      const { id } = idParams.parse(request.params);
      const result = act(id, request.body ?? {});
      if (result instanceof z.ZodError) return badRequest(reply, result);
      if (isError(result)) return reply.code(result.status).send({ error: result.error, message: result.message });
      return result;
    });
  };
  appointmentAction("reschedule", (id, body) => {
    const parsed = rescheduleBody.safeParse(body);
    return parsed.success ? rescheduleAppointment(state, id, parsed.data) : parsed.error;
  });
  appointmentAction("cancel", (id) => cancelAppointment(state, id));
  appointmentAction("withdraw-request", (id) => withdrawRequest(state, id));
  appointmentAction("details", (id, body) => {
    const parsed = detailsBody.safeParse(body);
    return parsed.success ? updateAppointmentDetails(state, id, parsed.data) : parsed.error;
  });

  // A patient's or staff member's name changed in PKB: served from then on by GET /json/v1/users/{id} and
  // /json/users/self (a name can hold any text, U+0000 included).
  app.post("/users/:id/rename", (request, reply) => {
    const { id } = idParams.parse(request.params);
    const parsed = renameBody.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const user = world.user(id);
    if (!user) return reply.code(404).send({ error: "not_found", message: `no user with id ${id}` });
    const person = user.kind === "patient" ? user.patient : user.staff;
    Object.assign(person, parsed.data);
    return { pkbId: person.pkbId, title: person.title, firstName: person.firstName, lastName: person.lastName };
  });

  app.get("/sessions", () => sessions.list());
  for (const action of ["expire", "revoke"] as const) {
    app.post(`/sessions/${action}`, (request, reply) => {
      const parsed = sessionFilter.safeParse(request.body ?? {});
      if (!parsed.success)
        return reply
          .code(400)
          .send({ error: "invalid_body", message: "expected {sessionId} or {username} or {all: true}" });
      return { affected: action === "expire" ? sessions.expire(parsed.data) : sessions.revoke(parsed.data) };
    });
  }

  app.get("/faults", () => ({ faults: faults.get(), matched: faults.matched() }));
  app.put("/faults", (request, reply) => {
    const parsed = faultSpecSchema.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    faults.set(parsed.data);
    return { faults: faults.get() };
  });
  app.delete("/faults", () => {
    faults.clear();
    return { faults: null };
  });

  registerPasRoutes(app, state);

  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: "not_found", message: "unknown control endpoint" }),
  );
}
