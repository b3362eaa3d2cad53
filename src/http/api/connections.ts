// PKB connections: list, start Grant Access (JSON or a browser redirect), the OAuth callback, re-authorise. Admins
// only; the callback must come back to the admin who started that Grant Access.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { adminOnly, requireUser } from "../../auth/guard.ts";
import { isAdmin } from "../../auth/permissions.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../../store/audit.ts";
import { getConnection, listConnections, removeAbandonedConnection, type Connection } from "../../store/connections.ts";
import { beginGrant, completeGrant } from "../../sync/connect.ts";
import type { AppDeps } from "../server.ts";
import { grantResultPage } from "../status-page.ts";
import { errorSchema, redirectResponse } from "./common.ts";

export const connectionSchema = z.object({
  id: z.uuid(),
  label: z.string(),
  status: z.enum(["awaiting_grant", "active", "needs_reauth", "disabled"]),
  pkbUserName: z.string().nullable(),
  scope: z.string().nullable(),
  grantedAt: z.date().nullable(),
  accessExpiresAt: z.date().nullable(),
  hasRefreshToken: z.boolean(),
  messagesCursor: z.date().nullable(),
  lastSyncStartedAt: z.date().nullable(),
  lastSyncFinishedAt: z.date().nullable(),
  lastSyncError: z.string().nullable(),
  needsReauthSince: z.date().nullable(),
  needsReauthReason: z.string().nullable(),
  /** Where an admin's browser goes to (re-)authorise this connection. */
  authorizePath: z.string(),
});

const present = (c: Connection): z.infer<typeof connectionSchema> => ({
  ...c,
  authorizePath: `/api/pkb/connections/${c.id}/authorize`,
});

const idParams = z.object({ id: z.uuid() });

/** The PKB connection routes. */
export const connectionRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  // Every route but the callback (which answers the browser with a page, and checks the user itself).
  app.addHook("onRequest", async (req) => {
    if (req.routeOptions.url !== "/api/pkb/oauth/callback") await adminOnly(req);
  });

  app.get(
    "/api/pkb/connections",
    {
      schema: {
        tags: ["PKB connections"],
        operationId: "listConnections",
        summary: "Every PKB connection and its state",
        response: { 200: z.array(connectionSchema) },
      },
    },
    async () => (await listConnections(deps.db)).map(present),
  );

  app.post(
    "/api/pkb/connections",
    {
      schema: {
        tags: ["PKB connections"],
        operationId: "createConnection",
        summary: "Start Grant Access for a new connection",
        description:
          "Returns PKB's authorize URL: send the clinician's browser there. PKB redirects back to the callback.",
        body: z.object({ label: z.string().trim().min(1).max(200) }),
        response: { 201: z.object({ connection: connectionSchema, authorizeUrl: z.url() }) },
      },
    },
    async (req, reply) => {
      const { connection, authorizeUrl } = await beginGrant(deps.sync, {
        label: req.body.label,
        userId: requireUser(req).id,
      });
      return reply.status(201).send({ connection: present(connection), authorizeUrl });
    },
  );

  app.get(
    "/api/pkb/connections/:id",
    {
      schema: {
        tags: ["PKB connections"],
        operationId: "getConnection",
        summary: "One PKB connection and its state",
        params: idParams,
        response: { 200: connectionSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const c = await getConnection(deps.db, req.params.id);
      if (!c) throw new AppError("not_found", "PKB connection was not found", 404);
      return present(c);
    },
  );

  app.get(
    "/api/pkb/connections/:id/authorize",
    {
      schema: {
        tags: ["PKB connections"],
        operationId: "reauthorizeConnection",
        summary: "Grant access again (browser)",
        description:
          "Redirects the browser to PKB to grant access for this connection (first time or re-authorisation).",
        params: idParams,
        response: { 302: redirectResponse("To PKB's Grant Access page") },
      },
    },
    async (req, reply) => {
      const { authorizeUrl } = await beginGrant(deps.sync, {
        connectionId: req.params.id,
        userId: requireUser(req).id,
      });
      return reply.redirect(authorizeUrl, 302);
    },
  );

  app.delete(
    "/api/pkb/connections/:id",
    {
      schema: {
        tags: ["PKB connections"],
        operationId: "removeConnection",
        summary: "Remove a connection whose Grant Access was never finished",
        description:
          "Only for status awaiting_grant (409 connection_in_use otherwise: a granted connection holds tokens and collects requests). Audited (pkb.connection_removed).",
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const removed = await deps.db.transaction(async (tx) => {
        const c = await getConnection(tx, req.params.id, { forUpdate: true });
        if (!c) throw new AppError("not_found", "No such PKB connection", 404);
        if (c.status !== "awaiting_grant") {
          throw new AppError(
            "connection_in_use",
            `${c.label} has been granted access: it cannot be removed while it holds PKB's tokens`,
            409,
          );
        }
        const label = await removeAbandonedConnection(tx, c.id);
        await recordAudit(tx, {
          actorUserId: user.id,
          actorLabel: user.displayName,
          action: "pkb.connection_removed",
          details: { connectionId: c.id, label },
          ip: req.ip,
        });
        return label;
      });
      req.log.info({ connectionId: req.params.id, removed: removed !== null }, "PKB connection removed");
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/pkb/oauth/callback",
    {
      schema: {
        tags: ["PKB connections"],
        operationId: "finishGrantAccess",
        summary: "PKB's redirect after Grant Access",
        description:
          "Only for the signed-in admin who started this Grant Access (else 401 or 403, as a page). Audited: pkb.connection_granted, pkb.connection_reauthorised, or pkb.connection_grant_failed when PKB refused or another admin followed the link.",
        querystring: z.object({
          code: z.string().optional(),
          state: z.string().optional(),
          error: z.string().optional(),
          error_description: z.string().optional(),
        }),
        produces: ["text/html"],
      },
    },
    async (req, reply) => {
      const query = new URLSearchParams(req.query as Record<string, string>);
      try {
        const user = requireUser(req);
        if (!isAdmin(user)) throw new AppError("forbidden", "Only an admin can connect Rebook to PKB", 403);
        const c = await completeGrant(deps.sync, query, {
          userId: user.id,
          label: user.displayName,
          ip: req.ip,
        });
        // Catch up straight away rather than at the next interval (after the pass in progress, if there is one:
        // it may have missed the requests the grant made due).
        deps.poller.wake();
        return reply
          .type("text/html; charset=utf-8")
          .send(grantResultPage({ ok: true, label: c.label, who: c.pkbUserName }));
      } catch (err) {
        if (!(err instanceof AppError) || !err.expose) throw err;
        return reply
          .status(err.status)
          .type("text/html; charset=utf-8")
          .send(grantResultPage({ ok: false, message: err.message }));
      }
    },
  );
};
