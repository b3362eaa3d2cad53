// The OpenAPI document at /api/openapi.json (and /api/docs): where Rebook is served, how a caller is authenticated
// (the session cookie, and the CSRF header on every state-changing call), declared once here and applied to each route
// by its method and whether it is public; plus the answers every route can give that routes do not repeat (400 for
// input refused at the edge, 401 without a session, 403 without the CSRF token) and a route's non-JSON 200.
// Routes declare their own operationId, summary, tags and schemas; a route may set `security` itself to differ.
import type { FastifyDynamicSwaggerOptions, SwaggerTransform } from "@fastify/swagger";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { z } from "zod";
import { CSRF_HEADER, SESSION_COOKIE } from "../../auth/sessions.ts";
import type { Config } from "../../config.ts";
import { errorSchema } from "./common.ts";

/** Routes reachable without a session outside /api (health checks, the status page, the web app). */
const PUBLIC_OUTSIDE_API = /^\/(health(\/.*)?|status|)$/;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The security requirement of `method url` when the route does not set its own. */
export function securityFor(
  method: string,
  url: string,
  isPublic: (url: string) => boolean,
): { [scheme: string]: string[] }[] {
  if (isPublic(url) || PUBLIC_OUTSIDE_API.test(url)) return [];
  return SAFE_METHODS.has(method) ? [{ sessionCookie: [] }] : [{ sessionCookie: [], csrfToken: [] }];
}

const RESPONSE_TEXT: Record<string, string> = {
  "200": "OK",
  "201": "Created",
  "204": "Done (no content)",
  "400": "Invalid input",
  "401": "Not signed in (unauthenticated)",
  "403": "Not allowed (forbidden), or csrf_failed",
  "404": "Not found (or not yours to see)",
  "409": "Conflicts with the current state",
  "429": "Too many attempts: wait for Retry-After seconds",
  "502": "PKB did not answer as expected",
  "503": "Unavailable",
};
const responseText = (code: string): string => RESPONSE_TEXT[code] ?? (Number(code) >= 400 ? "Error" : "OK");

const TYPE_NOTES: Record<string, string> = {
  "text/csv": "CSV: RFC 4180, UTF-8 with a byte order mark, a header row",
  "text/html": "A page for the browser",
  "text/event-stream": "Server-Sent Events",
};

/** The swagger transform: adds each route's security and the shared answers, then converts its zod schemas. */
export function documentRoute(isPublic: (url: string) => boolean): SwaggerTransform {
  return (args) => {
    const { schema, url, route } = args;
    if (!schema || schema.hide) return jsonSchemaTransform(args);
    const method = String(Array.isArray(route.method) ? route.method[0] : route.method);
    const security = schema.security ?? securityFor(method, url, isPublic);
    const secured = security.some((s) => Object.keys(s).length > 0);
    const optional = security.some((s) => Object.keys(s).length === 0);
    const produces = (schema.produces ?? []).find((t) => t !== "application/json");
    // Every zod answer as JSON with a description (a route that produces CSV, a page or a stream still errs in JSON).
    const json = (body: z.ZodType, code: string) => ({
      description: body.description ?? responseText(code),
      content: { "application/json": { schema: body } },
    });
    const own = Object.fromEntries(
      Object.entries((schema.response ?? {}) as Record<string, unknown>).map(([code, r]) => [
        code,
        r instanceof z.ZodType ? json(r, code) : r,
      ]),
    );
    const shared: Record<string, unknown> = {
      // Anything (a header too) may carry text the store cannot keep: 400 invalid_text; or fail validation.
      400: json(errorSchema.describe("Invalid input (validation, or invalid_text)"), "400"),
    };
    if (secured && !optional) shared[401] = json(errorSchema, "401");
    if (secured && !SAFE_METHODS.has(method)) shared[403] = json(errorSchema, "403");
    if (produces && !Object.keys(own).some((code) => code.startsWith("2"))) {
      shared[200] = { description: TYPE_NOTES[produces] ?? produces, content: { [produces]: { schema: z.string() } } };
    }
    // A copy: the route's own schema (used to validate and serialise) is left as it is.
    const documented = { ...schema, security, response: { ...shared, ...own } };
    const out = jsonSchemaTransform({ ...args, schema: documented });
    // No content and a redirect have no body: only the description (and the Location header).
    const responses = (out.schema.response ?? {}) as Record<string, { description?: string }>;
    for (const code of Object.keys(responses).filter((c) => c === "204" || c.startsWith("3"))) {
      responses[code] = {
        type: "null",
        description: responses[code]!.description,
        ...(code.startsWith("3") ? { headers: { location: { type: "string", description: "Where to go" } } } : {}),
      } as { description?: string };
    }
    return out;
  };
}

/** The @fastify/swagger options: the document's info, servers and security schemes. */
export function openapiOptions(config: Config, isPublic: (url: string) => boolean): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      info: {
        title: "Rebook API",
        version: "0.1.0",
        description:
          "PKB appointment change and cancel requests: connections, requests, routing, sync. Sign in with POST /api/auth/login: it sets the session cookie and returns the CSRF token to send in the X-CSRF-Token header of every POST, PUT, PATCH and DELETE.",
      },
      servers: [{ url: config.publicUrl, description: "This Rebook (PUBLIC_URL)" }],
      components: {
        securitySchemes: {
          sessionCookie: {
            type: "apiKey",
            in: "cookie",
            name: SESSION_COOKIE,
            description: "The HTTP-only session cookie POST /api/auth/login sets",
          },
          csrfToken: {
            type: "apiKey",
            in: "header",
            name: CSRF_HEADER,
            description: "The session's CSRF token (from sign-in or GET /api/auth/me), on every state-changing call",
          },
        },
      },
    },
    transform: documentRoute(isPublic),
  };
}
