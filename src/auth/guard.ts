// Puts the signed-in user on every request (from the session cookie) and enforces CSRF on state-changing requests.
// Routes then call requireUser() and the rules in permissions.ts. The CSRF token comes in the X-CSRF-Token header, or,
// for an HTML form (application/x-www-form-urlencoded, which cannot set headers), in its `_csrf` field.
import cookie from "@fastify/cookie";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { AppError } from "../errors.ts";
import type { Db } from "../store/db.ts";
import { isAdmin, type SessionUser } from "./permissions.ts";
import { CSRF_HEADER, csrfMatches, resolveSession, SESSION_COOKIE, type SessionPolicy } from "./sessions.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in person, or null. */
    user: SessionUser | null;
    /** The session's CSRF token (for the client to echo), or null. */
    csrfToken: string | null;
    /** The session's id (the hash of its token), or null. */
    sessionId: string | null;
  }
}

/** The form field an HTML form carries the CSRF token in. */
export const CSRF_FORM_FIELD = "_csrf";

// Requests whose CSRF token is to be read from the parsed form body (checked in preValidation).
const formCsrfPending = new WeakSet<FastifyRequest>();

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The signed-in user; 401 `unauthenticated` when there is none. */
export function requireUser(req: FastifyRequest): SessionUser {
  if (!req.user) throw new AppError("unauthenticated", "Sign in to continue", 401);
  return req.user;
}

/** 403 `forbidden` unless `allowed`. */
export function ensure(allowed: boolean, message = "You do not have permission to do that"): void {
  if (!allowed) throw new AppError("forbidden", message, 403);
}

/** Route hook: 401 without a signed-in user, 403 unless they are an admin. */
export async function adminOnly(req: FastifyRequest): Promise<void> {
  ensure(isAdmin(requireUser(req)));
}

const csrfFailed = (): AppError =>
  new AppError("csrf_failed", "This form has expired. Reload the page and try again.", 403);

/** Reads sessions for every request; CSRF-checks every state-changing request made with a session cookie. */
export const sessionGuard = fp(
  async (app: FastifyInstance, opts: { db: Db; policy: SessionPolicy; cookieSecret?: string }) => {
    if (!app.hasDecorator("parseCookie")) await app.register(cookie);
    app.decorateRequest("user", null);
    app.decorateRequest("csrfToken", null);
    app.decorateRequest("sessionId", null);
    app.addHook("onRequest", async (req) => {
      const token = req.cookies[SESSION_COOKIE];
      if (!token) return;
      const session = await resolveSession(opts.db, token, opts.policy);
      if (!session) return;
      if (!SAFE_METHODS.has(req.method)) {
        const given = req.headers[CSRF_HEADER];
        if (!csrfMatches(session.csrfToken, Array.isArray(given) ? given[0] : given)) {
          const type = req.headers["content-type"] ?? "";
          if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) throw csrfFailed();
          formCsrfPending.add(req);
        }
      }
      req.user = session.user;
      req.csrfToken = session.csrfToken;
      req.sessionId = session.sessionId;
    });
    app.addHook("preValidation", async (req) => {
      if (!formCsrfPending.has(req)) return;
      const body = req.body as Record<string, unknown> | null | undefined;
      const given = body?.[CSRF_FORM_FIELD];
      if (!req.csrfToken || !csrfMatches(req.csrfToken, typeof given === "string" ? given : undefined)) {
        throw csrfFailed();
      }
    });
  },
  { name: "rebook-session-guard" },
);
