// The Aggregated FHIR API under /aggregated/fhir (system token): Appointment search and read, metadata.
// Read-only: other methods answer 405 with an OperationOutcome.

import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { systemTokenGuard } from "../bearer.ts";
import type { SandboxState } from "../context.ts";
import { FHIR_BASE, publicBase } from "../context.ts";
import { FHIR_JSON, fhirOutcome } from "../outcome.ts";
import { appointmentResource } from "./appointment.ts";
import { searchsetBundle } from "./bundle.ts";
import { capabilityStatement } from "./capability.ts";
import { parseAppointmentSearch, runAppointmentSearch } from "./search.ts";

const queryShape = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const idParams = z.object({ id: z.string() });

/** Registers the FHIR routes (call inside a plugin with prefix FHIR_BASE). */
export function registerFhirRoutes(app: FastifyInstance, state: SandboxState): void {
  const { world, settings } = state;
  const bases = (request: FastifyRequest) => {
    const pkbWebUrl = publicBase(settings, request);
    return { pkbWebUrl, fhirBase: `${pkbWebUrl}${FHIR_BASE}` };
  };

  app.addHook("onRequest", systemTokenGuard(state));
  app.addHook("onSend", (_request, reply, payload, done) => {
    const type = String(reply.getHeader("content-type") ?? "");
    if (type === "" || type.startsWith("application/json")) reply.header("content-type", FHIR_JSON);
    done(null, payload);
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(fhirOutcome("not-found", "unknown resource type or operation")),
  );

  app.get("/metadata", (request, reply) => {
    const { pkbWebUrl, fhirBase } = bases(request);
    return reply.send(capabilityStatement(fhirBase, pkbWebUrl, settings.clock()));
  });

  app.get("/Appointment", (request, reply) => {
    const query = queryShape.parse(request.query ?? {});
    const search = parseAppointmentSearch(world, query);
    if ("status" in search) return reply.code(search.status).send(fhirOutcome(search.code, search.text));
    const links = bases(request);
    const matches = runAppointmentSearch(world, search);
    const from = (search.page - 1) * search.count;
    const pageItems = matches.slice(from, from + search.count);
    const organisation = world.dataset.organisation;
    const resources = pageItems.map((a) => appointmentResource(a, world.patient(a.patientPkbId), organisation, links));
    const rawQuery = request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "";
    return reply.send(
      searchsetBundle({
        fhirBase: links.fhirBase,
        resourceType: "Appointment",
        rawQuery,
        page: search.page,
        count: search.count,
        total: search.total === "none" ? null : matches.length,
        matches: matches.length,
        resources,
        now: settings.clock(),
      }),
    );
  });

  app.get("/Appointment/:id", (request, reply) => {
    const { id } = idParams.parse(request.params);
    const a = world.appointment(id);
    const resource =
      a && appointmentResource(a, world.patient(a.patientPkbId), world.dataset.organisation, bases(request));
    if (!resource && world.wasRemoved(id)) {
      return reply.code(410).send(fhirOutcome("deleted", `Appointment/${id} has been deleted`));
    }
    if (!resource) return reply.code(404).send(fhirOutcome("not-found", `Appointment/${id} is not known`));
    return reply.header("etag", `W/"${resource.meta?.versionId ?? "0"}"`).send(resource);
  });

  app.route({
    method: ["POST", "PUT", "PATCH", "DELETE"],
    url: "/*",
    handler: (_request, reply) =>
      reply.code(405).header("allow", "GET").send(fhirOutcome("not-supported", "the Aggregated FHIR API is read-only")),
  });
}
