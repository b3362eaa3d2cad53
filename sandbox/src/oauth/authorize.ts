// GET/POST /apiAuthorize.action: PKB's authorization endpoint (authorization code grant). Bad client_id or
// redirect_uri → error page, never a redirect; other problems → redirect with a standard OAuth error and the state.

import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { SandboxState } from "../context.ts";
import { SANDBOX_PASSWORD } from "../context.ts";
import type { PkbScope } from "../sessions.ts";
import type { WorldUser } from "../world.ts";
import { renderConsentPage, renderErrorPage } from "./consent-page.ts";
import { chooseRedirect, withParams } from "./redirect.ts";

const SCOPES = ["PATIENT", "CLINICIAN", "TEAMCOORD"] as const;
const PENDING_TTL_MS = 10 * 60_000;

const single = z.string().optional();
const authorizeQuery = z.looseObject({
  response_type: single,
  client_id: single,
  scope: single,
  state: single,
  redirect_uri: single,
});

const consentForm = z.object({
  request: z.string().min(1),
  username: z.string().default(""),
  password: z.string().default(""),
  decision: z.enum(["grant", "deny"]),
});

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("x-frame-options", "DENY")
    .send(body);
}

/** The scopes a user may grant: staff CLINICIAN/TEAMCOORD (default CLINICIAN), patients PATIENT. */
function scopeFor(user: WorldUser, requested: PkbScope | null): PkbScope | null {
  const allowed: readonly PkbScope[] = user.kind === "staff" ? ["CLINICIAN", "TEAMCOORD"] : ["PATIENT"];
  if (requested === null) return allowed[0] ?? null;
  return allowed.includes(requested) ? requested : null;
}

/** Registers the authorization endpoint and its consent form. */
export function registerAuthorize(app: FastifyInstance, state: SandboxState): void {
  const { settings, world, sessions, pendingAuthorizations } = state;

  const page = (
    requestId: string,
    clientId: string,
    scope: string | null,
    extra: { error?: string; username?: string },
  ) =>
    renderConsentPage({
      requestId,
      clientId,
      scope,
      staff: world.dataset.staff,
      patients: world.dataset.patients,
      ...extra,
    });

  app.get("/apiAuthorize.action", (request, reply) => {
    const parsed = authorizeQuery.safeParse(request.query);
    if (!parsed.success) return html(reply, 400, renderErrorPage("Each parameter may be given only once."));
    const q = parsed.data;
    if (q.client_id !== settings.userClient.id) {
      return html(reply, 400, renderErrorPage("Unknown client_id: this application is not registered with PKB."));
    }
    const redirect = chooseRedirect(q.redirect_uri, settings.userClient.redirectUris);
    if (!redirect.ok) return html(reply, 400, renderErrorPage(redirect.message));
    const fail = (error: string, description: string) =>
      reply.redirect(withParams(redirect.use, { error, error_description: description, state: q.state }), 302);
    if (q.response_type === undefined) return fail("invalid_request", "response_type is required");
    if (q.response_type !== "code") return fail("unsupported_response_type", "only response_type=code is supported");
    let scope: PkbScope | null = null;
    if (q.scope !== undefined && q.scope !== "") {
      const s = SCOPES.find((x) => x === q.scope);
      if (!s) return fail("invalid_scope", "scope must be PATIENT, CLINICIAN or TEAMCOORD");
      scope = s;
    }
    const now = settings.clock();
    for (const [id, p] of pendingAuthorizations) if (p.expiresAt <= now) pendingAuthorizations.delete(id);
    const requestId = randomUUID();
    pendingAuthorizations.set(requestId, {
      clientId: q.client_id,
      redirectUriSent: redirect.sent,
      redirectUriUsed: redirect.use,
      state: q.state,
      scope,
      expiresAt: now + PENDING_TTL_MS,
    });
    return html(reply, 200, page(requestId, q.client_id, scope, {}));
  });

  app.post("/apiAuthorize.action", (request, reply) => {
    const parsed = consentForm.safeParse(request.body);
    if (!parsed.success)
      return html(reply, 400, renderErrorPage("The form was incomplete. Start again from the application."));
    const form = parsed.data;
    const pending = pendingAuthorizations.get(form.request);
    if (!pending || pending.expiresAt <= settings.clock()) {
      return html(reply, 400, renderErrorPage("This sign-in request has expired. Start again from the application."));
    }
    if (form.decision === "deny") {
      pendingAuthorizations.delete(form.request);
      const to = withParams(pending.redirectUriUsed, {
        error: "access_denied",
        error_description: "The user denied access",
        state: pending.state,
      });
      return reply.redirect(to, 302);
    }
    const user = world.signIn(form.username);
    if (!user || form.password !== SANDBOX_PASSWORD) {
      const error = "Unknown username or wrong password.";
      return html(reply, 401, page(form.request, pending.clientId, pending.scope, { error, username: form.username }));
    }
    const scope = scopeFor(user, pending.scope);
    if (!scope) {
      const error = `USER_TYPE_NOT_PERM: this user cannot grant ${pending.scope ?? ""} access. Choose another user.`;
      return html(reply, 403, page(form.request, pending.clientId, pending.scope, { error, username: form.username }));
    }
    pendingAuthorizations.delete(form.request);
    const code = sessions.issueCode({
      clientId: pending.clientId,
      userPkbId: user.kind === "staff" ? user.staff.pkbId : user.patient.pkbId,
      username: form.username.trim(),
      scope,
      redirectUriSent: pending.redirectUriSent,
      redirectUriUsed: pending.redirectUriUsed,
    });
    return reply.redirect(withParams(pending.redirectUriUsed, { code, state: pending.state }), 302);
  });
}
