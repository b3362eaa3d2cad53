// Control API for the trust's PAS (under /_sandbox/pas): record a clerk's cancel or move (JSON, or the HTML page's
// forms), list the recorded actions, and read or set the feed's switches. Registered inside the control routes, so
// SANDBOX_CONTROL_TOKEN guards it too.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DateTime } from "luxon";
import { z } from "zod";
import { CONTROL_BASE, type SandboxState } from "../context.ts";
import { NHS_NUMBER_SYSTEM } from "../world.ts";
import type { SandboxPatient } from "../model.ts";
import { DELIVERIES } from "./deliver.ts";
import type { PasAction } from "./feed.ts";
import { PAS_ZONE, renderPasPage, ukText } from "./page.ts";

const deliveries = ["cancelled", "removed", "same-identifier", "new-appointment"] as const;

const actionBody = z
  .strictObject({
    appointmentId: z.string().min(1).optional(),
    externalId: z.string().min(1).optional(),
    action: z.enum(["cancel", "move"]),
    /** An instant with offset (JSON) or a UK wall-clock "YYYY-MM-DDTHH:mm" (the page's datetime-local). */
    start: z.string().min(1).optional(),
    delivery: z.enum(deliveries).optional(),
    /** A move delivered as a new appointment: the PAS's id for the new booking (any text, as a PAS may send). */
    newExternalId: z.string().min(1).optional(),
    delaySeconds: z.coerce
      .number()
      .int()
      .min(0)
      .max(365 * 86400)
      .optional(),
  })
  .refine((b) => (b.appointmentId === undefined) !== (b.externalId === undefined), {
    message: "give exactly one of appointmentId and externalId",
  })
  .refine((b) => (b.action === "move") === (b.start !== undefined), {
    message: "a move needs start; a cancel takes none",
  })
  .refine((b) => b.delivery === undefined || DELIVERIES[b.action].includes(b.delivery), {
    message: "delivery: cancel takes cancelled|removed, move takes same-identifier|new-appointment",
  })
  .refine((b) => b.newExternalId === undefined || b.delivery === "new-appointment", {
    message: "newExternalId is for a move delivered as a new appointment (delivery: new-appointment)",
  });

const feedBody = z.strictObject({
  delaySeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(365 * 86400)
    .optional(),
  dropRate: z.coerce.number().min(0).max(1).optional(),
  stopped: z.boolean().optional(),
});

const pageQuery = z.object({
  patient: z.string().trim().optional(),
  ok: z.string().optional(),
  error: z.string().optional(),
});

const WALL_CLOCK = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/** UTC epoch ms of `text`: an ISO instant with offset, or UK wall-clock; null when invalid or not a UK time. */
export function parseStart(text: string): number | null {
  if (WALL_CLOCK.test(text)) {
    const dt = DateTime.fromISO(text, { zone: PAS_ZONE });
    // A time skipped by the clocks going forward is not a UK time: luxon would shift it; refuse instead.
    if (!dt.isValid || dt.toFormat(text.length > 16 ? "yyyy-LL-dd'T'HH:mm:ss" : "yyyy-LL-dd'T'HH:mm") !== text)
      return null;
    return dt.toMillis();
  }
  if (!z.iso.datetime({ offset: true }).safeParse(text).success) return null;
  return Date.parse(text);
}

type Recorded =
  { ok: true; action: PasAction } | { ok: false; status: 400 | 404 | 409; error: string; message: string };

function findPatient(state: SandboxState, query: string): SandboxPatient | null {
  const { world } = state;
  if (query === "") return null;
  const byId = world.patient(query);
  if (byId) return byId;
  const byNhs = world.patientsByIdentifier(NHS_NUMBER_SYSTEM, query)[0];
  if (byNhs) return byNhs;
  const signIn = world.signIn(query);
  return signIn?.kind === "patient" ? signIn.patient : null;
}

/** Registers the PAS routes (call inside the control plugin). */
export function registerPasRoutes(app: FastifyInstance, state: SandboxState): void {
  const { world, pas, settings } = state;
  const base = `${CONTROL_BASE}/pas`;

  const record = (body: unknown): Recorded => {
    const parsed = actionBody.safeParse(body);
    if (!parsed.success)
      return { ok: false, status: 400, error: "invalid_body", message: z.prettifyError(parsed.error) };
    const b = parsed.data;
    const id = b.appointmentId ?? b.externalId ?? "";
    const appointment = b.appointmentId ? world.appointment(id) : world.appointmentByExternalId(id);
    if (!appointment) {
      const gone = b.appointmentId !== undefined && world.wasRemoved(id);
      return {
        ok: false,
        status: 404,
        error: "unknown_appointment",
        message: gone ? `appointment ${id} was removed from PKB` : `no appointment ${id}`,
      };
    }
    if (appointment.status === "cancelled") {
      return { ok: false, status: 409, error: "cancelled", message: "the appointment is already cancelled" };
    }
    if (b.newExternalId !== undefined && world.appointmentByExternalId(b.newExternalId)) {
      const message = "another appointment has that external identifier";
      return { ok: false, status: 409, error: "external_id_taken", message };
    }
    let newStartMs: number | undefined;
    if (b.start !== undefined) {
      const ms = parseStart(b.start);
      if (ms === null) {
        const message =
          "start: expected an instant with offset, or a UK wall-clock time that exists (YYYY-MM-DDTHH:mm)";
        return { ok: false, status: 400, error: "invalid_start", message };
      }
      newStartMs = ms;
    }
    const action = pas.record(
      {
        appointment,
        action: b.action,
        newStartMs,
        delivery: b.delivery,
        delaySeconds: b.delaySeconds,
        newExternalId: b.newExternalId,
      },
      settings.clock(),
    );
    return { ok: true, action };
  };

  const isForm = (request: FastifyRequest) =>
    String(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
  const backToPage = (reply: FastifyReply, patient: string, key: "ok" | "error", text: string) =>
    reply.redirect(`${base}?${new URLSearchParams({ patient, [key]: text }).toString()}`, 303);

  app.get("/pas", (request, reply) => {
    const q = pageQuery.parse(request.query ?? {});
    const query = q.patient ?? "";
    const patient = findPatient(state, query);
    const suggestions = patient
      ? []
      : world.dataset.appointments
          .filter((a) => a.status === "pending")
          .slice(0, 15)
          .flatMap((a) => {
            const p = world.patient(a.patientPkbId);
            return p ? [{ patient: p, appointment: a }] : [];
          });
    const notice =
      q.error !== undefined
        ? { kind: "error" as const, text: q.error }
        : q.ok !== undefined
          ? { kind: "ok" as const, text: q.ok }
          : undefined;
    const html = renderPasPage({
      base,
      query,
      patient,
      appointments: patient ? world.appointmentsOf(patient.pkbId) : [],
      actions: patient ? pas.listForPatient(patient.pkbId) : pas.list(),
      suggestions,
      feed: pas.getSettings(),
      notice,
    });
    return reply.type("text/html; charset=utf-8").send(html);
  });

  app.get("/pas/actions", () => {
    const actions = pas.list();
    return { count: actions.length, actions };
  });

  app.post("/pas/actions", (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const result = record(body);
    if (isForm(request)) {
      const appointment = typeof body.appointmentId === "string" ? world.appointment(body.appointmentId) : undefined;
      const patient = appointment?.patientPkbId ?? "";
      if (!result.ok) return backToPage(reply, patient, "error", result.message);
      const a = result.action;
      const what = a.action === "cancel" ? "Cancel" : `Move to ${a.newStart ? ukText(a.newStart) : ""}`;
      const when = a.state === "dropped" ? "the feed will lose it" : `it reaches PKB at ${ukText(a.dueAt)}`;
      return backToPage(reply, patient, "ok", `${what} recorded in the PAS (${a.id}); ${when}.`);
    }
    if (!result.ok) return reply.code(result.status).send({ error: result.error, message: result.message });
    return reply.code(201).send(result.action);
  });

  app.get("/pas/feed", () => pas.getSettings());
  app.put("/pas/feed", (request, reply) => {
    const parsed = feedBody.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: "invalid_body", message: z.prettifyError(parsed.error) });
    return pas.setSettings(stripUndefined(parsed.data), settings.clock());
  });
  app.post("/pas/feed", (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = feedBody.safeParse({ ...body, stopped: body.stopped === "true" });
    if (!parsed.success) return backToPage(reply, "", "error", z.prettifyError(parsed.error));
    const f = pas.setSettings(stripUndefined(parsed.data), settings.clock());
    const text = `Feed ${f.stopped ? "stopped" : "running"}: delay ${f.delaySeconds} s, share lost ${f.dropRate}.`;
    return backToPage(reply, "", "ok", text);
  });
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
