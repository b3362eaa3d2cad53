// Bearer checks: user tokens on /json (401 + PKB-coded OperationOutcome), system tokens on the Aggregated FHIR API
// (401 + FHIR OperationOutcome). A token for the other API is rejected like an unknown one.

import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import type { SandboxState } from "./context.ts";
import { FHIR_JSON, fhirOutcome, pkbOutcome } from "./outcome.ts";
import type { Session } from "./sessions.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The PKB session behind a /json request's bearer token (set by the user-token guard). */
    pkbSession: Session | null;
  }
}

/** The bearer token of a request, or null when there is no "Authorization: Bearer …" header. */
export function bearerToken(request: FastifyRequest): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
  return m?.[1] ?? null;
}

const CHALLENGE_MISSING = 'Bearer realm="pkb"';
const CHALLENGE_INVALID = 'Bearer realm="pkb", error="invalid_token"';

/** onRequest hook for /json: requires a live user access token and sets request.pkbSession. */
export function userTokenGuard(state: SandboxState) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const token = bearerToken(request);
    if (token === null) {
      void reply
        .code(401)
        .header("www-authenticate", CHALLENGE_MISSING)
        .send(pkbOutcome("login", "BAD_AUTHENTICATION", "an access token is required (Authorization: Bearer …)"));
      return;
    }
    const check = state.sessions.checkUserToken(token);
    if (!check.ok) {
      void reply
        .code(401)
        .header("www-authenticate", CHALLENGE_INVALID)
        .send(pkbOutcome("login", check.code, check.description));
      return;
    }
    request.pkbSession = check.session;
    done();
  };
}

/** onRequest hook for the Aggregated FHIR API (except /metadata): requires a live client-credentials token. */
export function systemTokenGuard(state: SandboxState) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (request.url.split("?")[0]?.endsWith("/metadata")) return done();
    const token = bearerToken(request);
    let problem: string | null = null;
    if (token === null) problem = "an access token is required (Authorization: Bearer …)";
    else {
      const status = state.sessions.checkSystemToken(token);
      if (status === "expired") problem = "access token expired";
      else if (status === "unknown") {
        problem = state.sessions.isUserToken(token)
          ? "a user (authorization code) token is not valid for the Aggregated FHIR API"
          : "unknown access token";
      }
    }
    if (problem === null) return done();
    void reply
      .code(401)
      .header("www-authenticate", token === null ? CHALLENGE_MISSING : CHALLENGE_INVALID)
      .header("content-type", FHIR_JSON)
      .send(fhirOutcome("login", problem));
  };
}
