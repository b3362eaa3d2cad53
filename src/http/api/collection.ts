// Whether new requests are arriving from PKB, for everyone signed in: the worklist and every page say so when they are
// not (since when, and that the admins know), instead of "Live". Names no connection; carries no patient data.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { collectionStatus, type CollectionProblem } from "../../domain/collection.ts";
import { listConnections } from "../../store/connections.ts";
import type { SyncHealth } from "../../store/sync-status.ts";
import { syncHealth } from "../../store/sync-status.ts";
import type { AppDeps } from "../server.ts";

/**
 * What the sync's health check found, in the terms everyone may read: the problems that stop collection (at most one
 * per connection: re-authorisation needed, polls failing repeatedly, no poll finished for a long time) and the
 * messages set aside in the error queue (counted and dated; no connection named).
 */
export function problemsOf(health: SyncHealth): {
  problems: CollectionProblem[];
  setAside: { messages: number; since: Date | null };
} {
  const problems: CollectionProblem[] = [];
  let messages = 0;
  let since: Date | null = null;
  for (const p of health.problems) {
    if (p.kind === "error_queue") {
      messages += p.messages ?? 0;
      if (p.since && (!since || p.since < since)) since = p.since;
    } else {
      problems.push({ kind: p.kind, since: p.since });
    }
  }
  return { problems, setAside: { messages, since } };
}

const collectionSchema = z.object({
  state: z
    .enum(["collecting", "stopped", "not_connected"])
    .describe("stopped: new requests are not arriving through at least one PKB connection"),
  partial: z.boolean().describe("true when another connection still collects"),
  since: z.date().nullable().describe("When the earliest problem began"),
  reasons: z.array(z.string()),
  kinds: z
    .array(z.enum(["needs_reauthorisation", "polls_failing", "collection_stalled"]))
    .describe("The kinds of problem, once each"),
  adminsTold: z.object({
    banner: z.boolean().describe("Admins see it on every page (the re-authorisation banner, or the collection banner)"),
    alert: z.boolean().describe("An alert goes to ALERT_WEBHOOK_URL (re-authorisation and failing polls)"),
  }),
  setAside: z
    .object({ messages: z.number().int(), since: z.date().nullable() })
    .describe("PKB messages set aside in the error queue for an admin (other requests still arrive)"),
});

/** The collection status route. */
export const collectionRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.get(
    "/api/collection",
    {
      schema: {
        tags: ["Sync"],
        operationId: "getCollectionStatus",
        summary: "Whether new requests are arriving from PKB (for everyone signed in)",
        response: { 200: collectionSchema },
      },
    },
    async () => {
      const connections = await listConnections(deps.db);
      const health = await syncHealth(deps.db, { pollIntervalMs: deps.config.sync.intervalMs });
      return collectionStatus({
        connections,
        ...problemsOf(health),
        alerting: deps.config.alertWebhookUrl !== null,
      });
    },
  );
};
