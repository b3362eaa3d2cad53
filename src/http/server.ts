// The Fastify application: JSON API, health, the staff web app at / and a plain status page at /status.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { TokenCipher } from "../store/crypto.ts";
import type { Db } from "../store/db.ts";
import type { Poller } from "../jobs/poller.ts";
import type { SyncDeps } from "../sync/deps.ts";
import formbody from "@fastify/formbody";
import { adminOnly, requireUser, sessionGuard } from "../auth/guard.ts";
import { beginGrant } from "../sync/connect.ts";
import { registerApi } from "./api/index.ts";
import { inputGuard } from "./input-guard.ts";
import { securityHeaders } from "./security-headers.ts";
import { registerHealth } from "./health.ts";
import { registerMetrics } from "./metrics.ts";
import { registerWeb } from "./web.ts";

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  cipher: TokenCipher;
  sync: SyncDeps;
  poller: Poller;
  /** How long a CSV export may wait for a client that stopped reading before it is cut (tests only; else 10 minutes). */
  exportStallMs?: number;
}

/** The Rebook HTTP application. */
export type App = FastifyInstance;

/** Builds the HTTP application (not listening yet). */
export async function buildApp(deps: AppDeps): Promise<App> {
  const logger: FastifyBaseLogger = deps.logger.child(
    { component: "http" },
    {
      // Never log query strings: OAuth callbacks carry codes, searches carry NHS numbers and names.
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split("?")[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  );
  const trust = deps.config.trustProxy;
  // A hop count trusts that many proxies nearest the server (as proxy-addr counts them).
  const trustProxy = typeof trust === "number" ? (_addr: string, hop: number) => hop < trust : trust;
  const app = Fastify({ loggerInstance: logger, trustProxy });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AppError) {
      if (!err.expose) req.log.error({ err }, "request failed");
      const details = err.expose && err.details && typeof err.details === "object" ? { details: err.details } : {};
      return reply.status(err.status).send({
        error: { code: err.code, message: err.expose ? err.message : "Something went wrong on our side", ...details },
      });
    }
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      // Fastify's own 4xx (malformed JSON, schema validation, too large): safe to show.
      return reply
        .status(e.statusCode)
        .send({ error: { code: (e.code ?? "bad_request").toLowerCase(), message: e.message ?? "Bad request" } });
    }
    req.log.error({ err }, "unhandled error");
    return reply.status(500).send({ error: { code: "internal", message: "Something went wrong on our side" } });
  });

  // Before any route: the security headers on every response, and text the store cannot keep refused once.
  await app.register(securityHeaders, { hsts: deps.config.session.secureCookie });
  await app.register(inputGuard);
  registerMetrics(app, deps);
  await app.register(sessionGuard, { db: deps.db, policy: deps.config.session });
  await registerApi(app, deps);

  // Health checks and the status page (they read the signed-in user, when there is one, for the details).
  await registerHealth(app, deps);

  // "Grant access in PKB" from the status page, for a signed-in admin; the form carries the CSRF token (_csrf), and a
  // cross-site form cannot start it: the Origin must be Rebook's own.
  await app.register(formbody);
  app.post<{ Body: { label?: string } }>(
    "/connect",
    { onRequest: adminOnly, schema: { hide: true } },
    async (req, reply) => {
      const origin = req.headers.origin;
      const host = req.headers.host;
      if (origin && origin !== deps.config.publicUrl && new URL(origin).host !== host) {
        throw new AppError("forbidden", "Start Grant Access from Rebook's own page", 403);
      }
      const label = typeof req.body?.label === "string" ? req.body.label.trim().slice(0, 200) : "";
      const { authorizeUrl } = await beginGrant(deps.sync, {
        label: label || "PKB connection",
        userId: requireUser(req).id,
      });
      return reply.redirect(authorizeUrl, 303);
    },
  );

  // The staff web app at / (and every in-app path).
  await registerWeb(app);

  return app;
}
