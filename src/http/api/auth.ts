// Staff sign-in: local accounts (email and password, throttled), single sign-on through OpenID Connect, the signed-in
// user with the CSRF token the web app echoes, sign-out and password change. These routes are reachable without a
// session; each one that needs the user asks for it.
import type {} from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { changeOwnPassword, signInWithPassword } from "../../auth/accounts.ts";
import { requireUser } from "../../auth/guard.ts";
import {
  OIDC_BROWSER_COOKIE,
  OIDC_CALLBACK_PATH,
  OIDC_LOGIN_TTL_MS,
  OidcClient,
  OidcRefusal,
  oidcNotConfigured,
  resolveOidcUser,
} from "../../auth/oidc.ts";
import { dummyHash, MAX_PASSWORD_LENGTH } from "../../auth/passwords.ts";
import type { SessionUser } from "../../auth/permissions.ts";
import { createSession, endSession, resolveSession, SESSION_COOKIE } from "../../auth/sessions.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../../store/audit.ts";
import type { AppDeps } from "../server.ts";
import { errorSchema, redirectResponse } from "./common.ts";

const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: z.enum(["admin", "team_lead", "clerk", "viewer"]),
  teamIds: z.array(z.uuid()).describe("Teams the user is a member of"),
  leadTeamIds: z.array(z.uuid()).describe("Teams the user leads"),
});

const signedInSchema = z.object({
  user: userSchema,
  csrfToken: z.string().describe("Send it back in the X-CSRF-Token header of every POST, PUT, PATCH and DELETE"),
});

/** Where the sign-in page is; single sign-on problems are sent there as ?error=code. */
const SIGN_IN_PAGE = "/sign-in";

/** An in-app path to return to after signing in (never another origin, never the API), else "/". */
export function safeReturnTo(raw: string | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return "/";
  if (raw.startsWith("/api/") || raw.startsWith(SIGN_IN_PAGE)) return "/";
  return raw;
}

/** "1 second", "40 seconds", "2 minutes". */
const minutes = (seconds: number): string => {
  if (seconds < 60) return seconds === 1 ? "1 second" : `${seconds} seconds`;
  const m = Math.ceil(seconds / 60);
  return m === 1 ? "a minute" : `${m} minutes`;
};

/** The auth routes. */
export const authRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const tags = ["Sign-in"];
  const { config, db } = deps;
  const policy = config.session;
  const throttle = config.auth.throttle;
  const oidc = config.auth.oidc
    ? new OidcClient(config.auth.oidc, `${config.publicUrl}${OIDC_CALLBACK_PATH}`, config.pkb.timeoutMs / 1000)
    : null;
  // The stand-in hash for unknown emails, ready before the first sign-in.
  void dummyHash();

  // Sign-in takes JSON only: an HTML form on another site cannot post JSON, so it cannot sign a browser in (or out).
  app.addHook("onRequest", async (req) => {
    const type = req.headers["content-type"];
    if (req.method === "POST" && type && !type.toLowerCase().startsWith("application/json")) {
      throw new AppError("unsupported_media_type", "Send JSON (Content-Type: application/json)", 415);
    }
  });

  const setSessionCookie = (reply: FastifyReply, token: string, expires: Date): void => {
    void reply.setCookie(SESSION_COOKIE, token, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: policy.secureCookie,
      expires,
    });
  };

  /** Starts a session for `userId` in place of any this browser had; returns what /me returns. */
  const startSession = async (
    req: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    method: "password" | "oidc",
  ): Promise<{ user: SessionUser; csrfToken: string }> => {
    const previous = req.cookies[SESSION_COOKIE];
    if (previous) await endSession(db, previous);
    const s = await createSession(db, {
      userId,
      method,
      ip: req.ip,
      userAgent: req.headers["user-agent"] ?? null,
      policy,
    });
    setSessionCookie(reply, s.token, s.expiresAt);
    const session = await resolveSession(db, s.token, policy);
    if (!session) throw new AppError("internal", "The new session could not be read", 500);
    await recordAudit(db, {
      actorUserId: userId,
      actorLabel: session.user.displayName,
      action: "user.signed_in",
      details: { method },
      ip: req.ip,
    });
    return { user: session.user, csrfToken: session.csrfToken };
  };

  app.get(
    "/api/auth/providers",
    {
      schema: {
        tags,
        operationId: "getSignInProviders",
        summary: "How staff can sign in (for the sign-in page)",
        response: {
          200: z.object({
            local: z.boolean().describe("Email and password"),
            oidc: z
              .object({ displayName: z.string().describe("The single sign-on button's text") })
              .nullable()
              .describe("Single sign-on, when configured: start it at /api/auth/oidc/start"),
          }),
        },
      },
    },
    async () => ({ local: true, oidc: config.auth.oidc ? { displayName: config.auth.oidc.displayName } : null }),
  );

  app.post(
    "/api/auth/login",
    {
      schema: {
        tags,
        operationId: "signIn",
        summary: "Sign in with email and password",
        description:
          "Sets the HTTP-only session cookie and returns the user and the CSRF token. Wrong email and wrong password answer alike (401 invalid_credentials). Too many failures answer 429 too_many_attempts with Retry-After.",
        body: z.object({
          email: z.string().trim().min(1).max(320),
          password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
        }),
        response: { 200: signedInSchema, 401: errorSchema, 403: errorSchema, 429: errorSchema },
      },
    },
    async (req, reply) => {
      const { email, password } = req.body;
      const outcome = await signInWithPassword(db, { email, password, ip: req.ip, policy: throttle });
      // Never what was typed as the email (it may be a password typed in the wrong field): its keyed hash instead.
      req.log.info(
        {
          account: outcome.accountRef,
          userId: outcome.userId,
          ip: req.ip,
          outcome: outcome.ok ? "ok" : outcome.reason,
        },
        "password sign-in",
      );
      if (!outcome.ok) {
        if (outcome.reason === "throttled") {
          return reply
            .status(429)
            .header("retry-after", String(outcome.retryAfterSeconds))
            .send({
              error: {
                code: "too_many_attempts",
                message: `Too many failed sign-in attempts. Try again in ${minutes(outcome.retryAfterSeconds)}.`,
              },
            });
        }
        if (outcome.reason === "account_disabled") {
          throw new AppError("account_disabled", "Your account is switched off. Ask your Rebook administrator.", 403);
        }
        throw new AppError("invalid_credentials", "Enter a correct email address and password", 401);
      }
      return startSession(req, reply, outcome.userId, "password");
    },
  );

  app.post(
    "/api/auth/logout",
    {
      schema: {
        tags,
        operationId: "signOut",
        summary: "Sign out: ends this session and clears its cookie",
        security: [{}, { sessionCookie: [], csrfToken: [] }],
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await endSession(db, token);
      if (req.user) {
        await recordAudit(db, {
          actorUserId: req.user.id,
          actorLabel: req.user.displayName,
          action: "user.signed_out",
          ip: req.ip,
        });
      }
      void reply.clearCookie(SESSION_COOKIE, {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: policy.secureCookie,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/auth/me",
    {
      schema: {
        tags,
        operationId: "getMe",
        summary: "The signed-in user and the session's CSRF token",
        security: [{ sessionCookie: [] }],
        description: "401 unauthenticated when not signed in (or the session ended).",
        response: { 200: signedInSchema, 401: errorSchema },
      },
    },
    async (req) => ({ user: requireUser(req), csrfToken: req.csrfToken! }),
  );

  app.post(
    "/api/auth/password",
    {
      onRequest: async (req) => void requireUser(req),
      schema: {
        tags,
        operationId: "changeOwnPassword",
        summary: "Change one's own password",
        security: [{ sessionCookie: [], csrfToken: [] }],
        description: `The new password needs at least 12 characters. Signs out every other session of the user.`,
        body: z.object({
          current: z.string().min(1).max(MAX_PASSWORD_LENGTH),
          new: z.string().max(MAX_PASSWORD_LENGTH),
        }),
        response: { 204: z.null(), 400: errorSchema, 401: errorSchema, 429: errorSchema },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const result = await changeOwnPassword(db, {
        userId: user.id,
        email: user.email,
        current: req.body.current,
        next: req.body.new,
        keepSessionId: req.sessionId!,
        ip: req.ip,
        policy: throttle,
      });
      if (!result.ok) {
        return reply
          .status(429)
          .header("retry-after", String(result.retryAfterSeconds))
          .send({
            error: {
              code: "too_many_attempts",
              message: `Too many wrong passwords. Try again in ${minutes(result.retryAfterSeconds)}.`,
            },
          });
      }
      await recordAudit(db, {
        actorUserId: user.id,
        actorLabel: user.displayName,
        action: "user.password_changed",
        ip: req.ip,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/auth/oidc/start",
    {
      schema: {
        tags,
        operationId: "startSingleSignOn",
        summary: "Start single sign-on (browser)",
        description:
          "Redirects to the OpenID Connect provider (authorization code with PKCE). 404 sso_not_configured when single sign-on is not set up.",
        querystring: z.object({ returnTo: z.string().max(2000).optional().describe("In-app path to go to after") }),
        response: {
          302: redirectResponse("To the provider's sign-in page, or to /sign-in?error=… when it cannot start"),
          404: errorSchema,
        },
      },
    },
    async (req, reply) => {
      if (!oidc) throw oidcNotConfigured();
      try {
        const { url, browserToken } = await oidc.start(db, safeReturnTo(req.query.returnTo));
        void reply.setCookie(OIDC_BROWSER_COOKIE, browserToken, {
          path: "/api/auth/oidc",
          httpOnly: true,
          sameSite: "lax",
          secure: policy.secureCookie,
          maxAge: OIDC_LOGIN_TTL_MS / 1000,
        });
        return reply.redirect(url, 302);
      } catch (err) {
        if (!(err instanceof OidcRefusal)) throw err;
        req.log.warn({ code: err.code, reason: err.message }, "single sign-on could not start");
        return reply.redirect(`${SIGN_IN_PAGE}?error=${err.code}`, 302);
      }
    },
  );

  app.get(
    "/api/auth/oidc/callback",
    {
      schema: {
        tags,
        operationId: "finishSingleSignOn",
        summary: "The provider's redirect after single sign-on (browser)",
        description:
          "Signs the person in and redirects to the app; on failure redirects to the sign-in page with ?error=sso_failed, sso_unknown_user or sso_inactive.",
        response: { 302: redirectResponse("Into the app, or to /sign-in?error=…"), 404: errorSchema },
      },
    },
    async (req, reply) => {
      if (!oidc || !config.auth.oidc) throw oidcNotConfigured();
      const search = req.url.includes("?") ? req.url.slice(req.url.indexOf("?")) : "";
      void reply.clearCookie(OIDC_BROWSER_COOKIE, { path: "/api/auth/oidc" });
      try {
        const { identity, returnTo } = await oidc.finish(db, {
          search,
          browserToken: req.cookies[OIDC_BROWSER_COOKIE],
        });
        const { userId, provisioned } = await db.transaction((tx) =>
          resolveOidcUser(tx, identity, config.auth.oidc?.autoProvisionRole ?? null),
        );
        req.log.info({ userId, provisioned }, "single sign-on");
        await startSession(req, reply, userId, "oidc");
        return reply.redirect(returnTo, 302);
      } catch (err) {
        if (!(err instanceof OidcRefusal)) throw err;
        req.log.warn({ code: err.code, reason: err.message }, "single sign-on refused");
        return reply.redirect(`${SIGN_IN_PAGE}?error=${err.code}`, 302);
      }
    },
  );
};
