// Where the PKB sync and the pipeline stand: each connection's state, lag and recent runs, requests per state, and the
// poller's last pass. Admins only.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { adminOnly } from "../../auth/guard.ts";
import { listConnections } from "../../store/connections.ts";
import { MATCH_STATES, REQUEST_STATUSES } from "../../requests/vocabulary.ts";
import { connectionSyncFacts, pipelineCounts, syncHealth } from "../../store/sync-status.ts";
import type { AppDeps } from "../server.ts";

const countsOf = <const T extends readonly string[]>(keys: T) =>
  z.object(Object.fromEntries(keys.map((k) => [k, z.number().int()])) as { [K in T[number]]: z.ZodNumber });

const syncStatusSchema = z.object({
  now: z.date(),
  health: z
    .object({
      status: z.enum(["ok", "degraded"]),
      problems: z.array(
        z.object({
          kind: z.enum(["needs_reauthorisation", "polls_failing", "collection_stalled", "error_queue"]),
          connectionId: z.uuid().nullable(),
          label: z.string().nullable(),
          reason: z.string(),
          since: z.date().nullable(),
        }),
      ),
    })
    .describe("What /health reports as its status, with each problem and its reason"),
  connections: z.array(
    z.object({
      id: z.uuid(),
      label: z.string(),
      status: z.enum(["awaiting_grant", "active", "needs_reauth", "disabled"]),
      lastSyncStartedAt: z.date().nullable(),
      lastSyncFinishedAt: z.date().nullable(),
      lastSyncError: z.string().nullable(),
      messagesCursor: z.date().nullable(),
      newestMessageAt: z.date().nullable(),
      lagSeconds: z.number().int().nullable().describe("Now minus the newest message seen; null before any message"),
      needsReauthSince: z.date().nullable(),
      needsReauthReason: z.string().nullable(),
      recentRuns: z.array(
        z.object({
          id: z.number().int(),
          startedAt: z.date(),
          finishedAt: z.date().nullable(),
          since: z.string().nullable(),
          fetched: z.number().int(),
          newMessages: z.number().int(),
          newRequests: z.number().int(),
          followUps: z.number().int(),
          unrelated: z.number().int(),
          error: z.string().nullable(),
          outcome: z.enum(["ok", "failed", "stopped", "abandoned"]).nullable().describe("Null while it runs"),
        }),
      ),
    }),
  ),
  pipeline: z.object({
    byStatus: countsOf(REQUEST_STATUSES),
    byMatchState: countsOf(MATCH_STATES),
    dueNow: z.number().int().describe("Requests in processing whose next attempt is due"),
    inError: z.number().int(),
    recentErrors: z.array(z.object({ requestId: z.uuid(), reason: z.string().nullable(), at: z.date() })),
  }),
  lastPass: z
    .object({
      at: z.date(),
      error: z.string().nullable(),
      summary: z
        .object({
          durationMs: z.number(),
          processed: z.record(z.string(), z.number()),
          connections: z.array(
            z.object({
              connectionId: z.string(),
              fetched: z.number(),
              newMessages: z.number(),
              newRequests: z.number(),
              followUps: z.number(),
              unrelated: z.number(),
              setAside: z.number(),
              skipped: z.string().nullable(),
            }),
          ),
        })
        .nullable(),
    })
    .nullable()
    .describe(
      "This process's latest poll (connections) and processing run (processed), which run as separate loops; at, " +
        "error and durationMs are those of the one that ended last. Null before the first",
    ),
});

/** The sync status route. */
export const syncStatusRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.addHook("onRequest", adminOnly);
  app.get(
    "/api/sync/status",
    {
      schema: {
        tags: ["Sync"],
        operationId: "getSyncStatus",
        summary: "PKB connections, sync lag and recent runs, and pipeline counts",
        response: { 200: syncStatusSchema },
      },
    },
    async () => {
      const now = new Date();
      const connections = await Promise.all(
        (await listConnections(deps.db)).map(async (c) => {
          const facts = await connectionSyncFacts(deps.db, c.id, 5);
          return {
            ...c,
            newestMessageAt: facts.newestMessageAt,
            lagSeconds: facts.newestMessageAt
              ? Math.max(0, Math.round((now.getTime() - facts.newestMessageAt.getTime()) / 1000))
              : null,
            recentRuns: facts.runs,
          };
        }),
      );
      return {
        now,
        health: await syncHealth(deps.db, { pollIntervalMs: deps.config.sync.intervalMs, now }),
        connections,
        pipeline: await pipelineCounts(deps.db, 10),
        lastPass: deps.poller.lastPass(),
      };
    },
  );
};
