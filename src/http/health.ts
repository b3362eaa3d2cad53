// Health for load balancers and operators, and the plain status page. Without a signed-in admin they say only how
// things stand (no connection ids, labels, PKB user names or errors); an admin gets the details. Liveness (/health/live:
// the process answers) is separate from readiness (/health/ready: the store answers and every migration is applied).
import type { FastifyInstance } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { isAdmin } from "../auth/permissions.ts";
import { listConnections, type Connection } from "../store/connections.ts";
import { readMigrations } from "../store/migrate.ts";
import { syncHealth, type SyncHealth } from "../store/sync-status.ts";
import type { AppDeps } from "./server.ts";
import { statusPage } from "./status-page.ts";

/**
 * The overall state: ok; degraded (working, but something needs attention: a PKB connection needs re-authorisation,
 * keeps failing or is not collected, or messages wait in the error queue; see syncHealth); down (the store does not
 * answer).
 */
export type HealthStatus = "ok" | "degraded" | "down";

const status = z.enum(["ok", "degraded", "down"]);
const healthSchema = z.object({
  status,
  store: z
    .object({ engine: z.enum(["pglite", "postgres"]), ok: z.boolean(), latencyMs: z.number().optional() })
    .optional()
    .describe("Admins only"),
  pkb: z
    .object({
      sandbox: z.boolean(),
      connections: z.array(
        z.object({
          id: z.uuid(),
          label: z.string(),
          status: z.string(),
          lastSyncFinishedAt: z.date().nullable(),
          needsReauthSince: z.date().nullable(),
        }),
      ),
    })
    .optional()
    .describe("Admins only"),
  problems: z
    .array(
      z.object({
        kind: z.enum(["needs_reauthorisation", "polls_failing", "collection_stalled", "error_queue"]),
        connectionId: z.uuid().nullable(),
        label: z.string().nullable(),
        reason: z.string(),
        since: z.date().nullable(),
      }),
    )
    .optional()
    .describe("Admins only: what makes the status degraded, and why"),
});

const tags = ["Health"];

/** Registers /health, /health/live, /health/ready and the status page at /status. */
export const healthRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db, config } = deps;
  const expectedMigrations = (await readMigrations()).length;

  app.get(
    "/health",
    {
      schema: {
        tags,
        operationId: "getHealth",
        summary: "Overall health: ok, degraded or down (details for a signed-in admin)",
        description:
          "For load balancers and monitors: 200 with ok or degraded (a PKB connection needs re-authorisation, keeps failing or is not collected, or messages wait in the error queue), 503 with down when the store does not answer. A signed-in admin also gets the store's and each PKB connection's state, and each problem with its reason.",
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (req, reply) => {
      const started = Date.now();
      const admin = req.user !== null && isAdmin(req.user);
      let connections: Connection[];
      let sync: SyncHealth;
      try {
        connections = await listConnections(db);
        sync = await syncHealth(db, { pollIntervalMs: config.sync.intervalMs });
      } catch {
        return reply
          .status(503)
          .send(admin ? { status: "down", store: { engine: db.engine, ok: false } } : { status: "down" });
      }
      const overall = sync.status;
      if (!admin) return { status: overall };
      return {
        status: overall,
        problems: sync.problems,
        store: { engine: db.engine, ok: true, latencyMs: Date.now() - started },
        pkb: {
          sandbox: config.pkb.useSandbox,
          connections: connections.map((c) => ({
            id: c.id,
            label: c.label,
            status: c.status,
            lastSyncFinishedAt: c.lastSyncFinishedAt,
            needsReauthSince: c.needsReauthSince,
          })),
        },
      };
    },
  );

  app.get(
    "/health/live",
    {
      schema: {
        tags,
        operationId: "getLiveness",
        summary: "Liveness: the process answers (restart it if not)",
        response: { 200: z.object({ status: z.literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  const notReady = z.object({
    status: z.literal("not_ready"),
    reason: z.enum(["store_unreachable", "migrations_pending"]),
  });
  app.get(
    "/health/ready",
    {
      schema: {
        tags,
        operationId: "getReadiness",
        summary: "Readiness: the store answers and every migration is applied (send traffic only then)",
        response: { 200: z.object({ status: z.literal("ready") }), 503: notReady },
      },
    },
    async (_req, reply) => {
      try {
        await db.query("SELECT 1");
      } catch {
        return reply.status(503).send({ status: "not_ready", reason: "store_unreachable" });
      }
      const applied = await db
        .query<{ n: number }>("SELECT count(*)::int AS n FROM schema_migrations")
        .then((r) => r[0]?.n ?? 0)
        .catch(() => 0);
      if (applied < expectedMigrations) {
        return reply.status(503).send({ status: "not_ready", reason: "migrations_pending" });
      }
      return { status: "ready" as const };
    },
  );

  // The plain status page (no patient data): counts for everyone, each connection's details for a signed-in admin.
  app.get("/status", { schema: { hide: true } }, async (req, reply) => {
    const connections = await listConnections(db);
    const counts = { byStatus: {} as Record<string, number>, byMatch: {} as Record<string, number> };
    const rows = await db.query<{ status: string; match_state: string; n: number }>(
      "SELECT status, match_state, count(*)::int AS n FROM appointment_requests GROUP BY 1, 2",
    );
    for (const r of rows) {
      counts.byStatus[r.status] = (counts.byStatus[r.status] ?? 0) + r.n;
      counts.byMatch[r.match_state] = (counts.byMatch[r.match_state] ?? 0) + r.n;
    }
    const admin = req.user !== null && isAdmin(req.user);
    return reply.type("text/html; charset=utf-8").send(
      statusPage({
        config,
        engine: db.engine,
        connections,
        counts,
        detailed: admin,
        // Only a signed-in admin gets the connect form (with the session's CSRF token in it).
        csrfToken: admin ? req.csrfToken : null,
      }),
    );
  });
};

/** Registers the health routes and the status page on `app`. */
export async function registerHealth(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await app.register(healthRoutes, deps);
}
