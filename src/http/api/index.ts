// The JSON API under /api: zod schemas beside each route (validation, response whitelisting, OpenAPI at /api/docs).
// Every /api route needs a signed-in user except sign-in itself and the API's documentation; each route then applies
// the rules of src/auth/permissions.ts.
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, HTTPMethods } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { requireUser } from "../../auth/guard.ts";
import type { AppDeps } from "../server.ts";
import { auditRoutes } from "./audit.ts";
import { bulkRoutes } from "./bulk.ts";
import { collectionRoutes } from "./collection.ts";
import { authRoutes } from "./auth.ts";
import { confirmationRoutes } from "./confirmation.ts";
import { connectionRoutes } from "./connections.ts";
import { peopleReportRoutes } from "./report-people.ts";
import { reportRoutes } from "./reports.ts";
import { requestRoutes } from "./requests.ts";
import { routingRoutes } from "./routing.ts";
import { syncStatusRoutes } from "./sync-status.ts";
import { teamRoutes } from "./teams.ts";
import { errorQueueRoutes } from "./error-queue.ts";
import { eventRoutes } from "./events.ts";
import { openapiOptions } from "./openapi.ts";
import { patientContactRoutes } from "./patient-contact.ts";
import { signInAdminRoutes } from "./sign-in-admin.ts";
import { simulateRoutes } from "./simulate.ts";
import { viewRoutes } from "./views.ts";
import { workflowRoutes } from "./workflow.ts";

/** Route patterns anyone may reach: sign-in (/api/auth/…) and the API's documentation. */
export function isPublicRoute(route: string): boolean {
  return (
    route.startsWith("/api/auth/") ||
    route === "/api/openapi.json" ||
    route === "/api/docs" ||
    route.startsWith("/api/docs/")
  );
}

/** API routes that check the signed-in user themselves, to answer a browser with a page rather than JSON. */
const CHECKS_USER_ITSELF = new Set(["/api/pkb/oauth/callback"]);

const routeTables = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/** Every route of the app (method and pattern, HEAD left out), in registration order: the RBAC tests walk it. */
export function routeTable(app: FastifyInstance): readonly { method: string; url: string }[] {
  return routeTables.get(app) ?? [];
}

/** Registers OpenAPI and every API route. */
export async function registerApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const routes: { method: string; url: string }[] = [];
  routeTables.set(app, routes);
  app.addHook("onRoute", (r) => {
    const methods: HTTPMethods[] = Array.isArray(r.method) ? r.method : [r.method];
    for (const method of methods) if (method !== "HEAD") routes.push({ method, url: r.url });
  });
  // Sign-in first: a route matched under /api (unknown paths fall through to the 404) needs a user unless public.
  app.addHook("onRequest", async (req) => {
    const route = req.routeOptions.url;
    if (!route?.startsWith("/api/") || isPublicRoute(route) || CHECKS_USER_ITSELF.has(route)) return;
    requireUser(req);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(swagger, openapiOptions(deps.config, isPublicRoute));
  // Swagger UI loads its scripts and styles from Rebook itself (the plugin's own default policy needs no inline code).
  await app.register(swaggerUi, {
    routePrefix: "/api/docs",
    staticCSP: {
      "default-src": "'none'",
      "script-src": "'self'",
      "style-src": "'self'",
      "img-src": "'self' data:",
      "font-src": "'self' data:",
      "connect-src": "'self'",
      "base-uri": "'none'",
      "form-action": "'none'",
      "frame-ancestors": "'none'",
    },
  });
  app.get("/api/openapi.json", { schema: { hide: true } }, () => app.swagger());

  await app.register(async (api) => {
    await api.register(authRoutes, deps);
    await api.register(connectionRoutes, deps);
    await api.register(requestRoutes, deps);
    await api.register(patientContactRoutes, deps);
    await api.register(peopleReportRoutes, deps);
    await api.register(auditRoutes, deps);
    await api.register(routingRoutes, deps);
    await api.register(teamRoutes, deps);
    await api.register(signInAdminRoutes, deps);
    await api.register(syncStatusRoutes, deps);
    await api.register(errorQueueRoutes, deps);
    await api.register(reportRoutes, deps);
    await api.register(confirmationRoutes, deps);
    await api.register(workflowRoutes, deps);
    await api.register(bulkRoutes, deps);
    await api.register(collectionRoutes, deps);
    await api.register(viewRoutes, deps);
    await api.register(eventRoutes, deps);
    await api.register(simulateRoutes, deps);
  });
}
