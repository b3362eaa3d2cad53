// Whether new requests are arriving from PKB, for everyone signed in: the worklist and every page say so when they are
// not (since when, and that the admins know), instead of "Live". Names no connection; carries no patient data.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { collectionStatus, type CollectionProblem } from "../../domain/collection.ts";
import { listConnections, type Connection } from "../../store/connections.ts";
import type { AppDeps } from "../server.ts";

/**
 * The problems that stop collection, per connection: here a connection that needs re-authorisation. (Failing and
 * stalled polls come from the sync's health check where it exists: add them here with their kinds.)
 */
function problemsOf(connections: readonly Connection[]): CollectionProblem[] {
  return connections
    .filter((c) => c.status === "needs_reauth")
    .map((c) => ({ kind: "needs_reauthorisation", since: c.needsReauthSince }));
}

const collectionSchema = z.object({
  state: z
    .enum(["collecting", "stopped", "not_connected"])
    .describe("stopped: new requests are not arriving through at least one PKB connection"),
  partial: z.boolean().describe("true when another connection still collects"),
  since: z.date().nullable().describe("When the earliest problem began"),
  reasons: z.array(z.string()),
  adminsTold: z.object({
    banner: z.boolean().describe("Admins see the re-authorisation banner on every page"),
    alert: z.boolean().describe("An alert was sent to ALERT_WEBHOOK_URL"),
  }),
});

/** The collection status route. */
export const collectionRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.get(
    "/api/collection",
    {
      schema: {
        tags: ["Sync"],
        summary: "Whether new requests are arriving from PKB (for everyone signed in)",
        response: { 200: collectionSchema },
      },
    },
    async () => {
      const connections = await listConnections(deps.db);
      return collectionStatus({
        connections,
        problems: problemsOf(connections),
        alerting: deps.config.alertWebhookUrl !== null,
      });
    },
  );
};
