// Token endpoints: POST /apiToken.action (PKB, user clients: authorization_code and refresh_token) and the
// Keycloak realm's openid-connect/token (Aggregated FHIR API, client_credentials). Both take form bodies only and
// answer RFC 6749 error bodies.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { SandboxState } from "../context.ts";
import { KEYCLOAK_TOKEN_PATH } from "../context.ts";
import { authenticateClient } from "./client-auth.ts";

const tokenForm = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

type OAuthError =
  "invalid_request" | "invalid_client" | "invalid_grant" | "unauthorized_client" | "unsupported_grant_type";

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header("cache-control", "no-store").header("pragma", "no-cache");
}

function oauthError(reply: FastifyReply, status: number, error: OAuthError, description: string): FastifyReply {
  if (status === 401) reply.header("www-authenticate", 'Basic realm="pkb"');
  return noStore(reply).code(status).send({ error, error_description: description });
}

/** Reads a token request's form: single-valued parameters, or an error message. */
function readForm(
  request: FastifyRequest,
): { ok: true; form: Record<string, string> } | { ok: false; message: string } {
  const type = String(request.headers["content-type"] ?? "");
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    return { ok: false, message: "the body must be application/x-www-form-urlencoded" };
  }
  const parsed = tokenForm.safeParse(request.body ?? {});
  if (!parsed.success) return { ok: false, message: "malformed form body" };
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.data)) {
    if (Array.isArray(v)) return { ok: false, message: `parameter ${k} was given more than once` };
    form[k] = v;
  }
  return { ok: true, form };
}

/** Registers both token endpoints. */
export function registerTokenEndpoints(app: FastifyInstance, state: SandboxState): void {
  const { settings, sessions } = state;

  app.post("/apiToken.action", (request, reply) => {
    const read = readForm(request);
    if (!read.ok) return oauthError(reply, 400, "invalid_request", read.message);
    const form = read.form;
    const auth = authenticateClient(request.headers.authorization, form, [settings.userClient]);
    if (!auth.ok) return oauthError(reply, auth.status, auth.error, auth.description);
    if (form.grant_type === "authorization_code") {
      if (!form.code) return oauthError(reply, 400, "invalid_request", "code is required");
      const result = sessions.exchangeCode(form.code, auth.clientId, form.redirect_uri);
      if (!result.ok) return oauthError(reply, 400, result.error, result.description);
      return noStore(reply).send(result.body);
    }
    if (form.grant_type === "refresh_token") {
      if (!form.refresh_token) return oauthError(reply, 400, "invalid_request", "refresh_token is required");
      const result = sessions.refreshGrant(form.refresh_token, auth.clientId);
      if (!result.ok) return oauthError(reply, 400, result.error, result.description);
      return noStore(reply).send(result.body);
    }
    if (form.grant_type === undefined) return oauthError(reply, 400, "invalid_request", "grant_type is required");
    return oauthError(reply, 400, "unsupported_grant_type", "use authorization_code or refresh_token");
  });

  app.post(KEYCLOAK_TOKEN_PATH, (request, reply) => {
    const read = readForm(request);
    if (!read.ok) return oauthError(reply, 400, "invalid_request", read.message);
    const form = read.form;
    if (form.grant_type === undefined)
      return oauthError(reply, 400, "invalid_request", "Missing form parameter: grant_type");
    const auth = authenticateClient(request.headers.authorization, form, [settings.fhirClient]);
    if (!auth.ok) return oauthError(reply, 401, "invalid_client", "Invalid client or Invalid client credentials");
    if (form.grant_type !== "client_credentials") {
      return oauthError(reply, 400, "unsupported_grant_type", "Unsupported grant_type");
    }
    return noStore(reply).send(sessions.issueSystemToken(auth.clientId));
  });
}
