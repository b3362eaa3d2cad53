// Bulk changes for team leads and admins: assign, unassign, move the status of, record one outcome on, or transfer many
// requests at once. Each request goes through the same command as alone, in its own transaction, with its own result;
// `override: true` lets the change go ahead on requests someone else holds (else they fail with held_by_other).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireUser } from "../../auth/guard.ts";
import { AppError } from "../../errors.ts";
import type { ActionContext, CommandResult, WriteOptions } from "../../requests/command.ts";
import { assignRequest, unassignRequest } from "../../requests/commands/assign.ts";
import { changeStatus, recordOutcome } from "../../requests/commands/status.ts";
import { transferRequest } from "../../requests/commands/transfer.ts";
import type { AppDeps } from "../server.ts";
import { actionContext, errorSchema } from "./common.ts";
import {
  bulkOutcomeBody,
  overrideField,
  presentResult,
  reasonText,
  workflowResultSchema,
  workStatusSchema,
} from "./workflow-schemas.ts";

const bulkIds = z
  .array(z.uuid())
  .min(1)
  .max(200)
  .transform((ids) => [...new Set(ids)]);

const bulkBody = z.discriminatedUnion("action", [
  z.object({ action: z.literal("assign"), ids: bulkIds, userId: z.uuid(), override: overrideField }),
  z.object({ action: z.literal("unassign"), ids: bulkIds, override: overrideField }),
  z.object({
    action: z.literal("status"),
    ids: bulkIds,
    status: workStatusSchema,
    reason: z.string().trim().max(2000).optional(),
    override: overrideField,
  }),
  z.object({
    action: z.literal("outcome"),
    ids: bulkIds,
    outcome: bulkOutcomeBody,
    override: overrideField,
  }),
  z.object({
    action: z.literal("transfer"),
    ids: bulkIds,
    teamId: z.uuid(),
    reason: reasonText,
    override: overrideField,
  }),
]);
type BulkBody = z.infer<typeof bulkBody>;

const bulkItemSchema = z.union([
  z.object({ id: z.uuid(), ok: z.literal(true), result: workflowResultSchema }),
  z.object({ id: z.uuid(), ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);

/** Runs the body's action on one request through its command (each in its own transaction). */
function runOne(deps: AppDeps, c: ActionContext & WriteOptions, id: string, body: BulkBody): Promise<CommandResult> {
  const props = { ...c, requestId: id };
  switch (body.action) {
    case "assign":
      return assignRequest(deps.db, { ...props, userId: body.userId });
    case "unassign":
      return unassignRequest(deps.db, props);
    case "status":
      return changeStatus(deps.db, { ...props, status: body.status, reason: body.reason });
    case "outcome":
      return recordOutcome(deps.db, { ...props, outcome: body.outcome });
    case "transfer":
      return transferRequest(deps.db, { ...props, teamId: body.teamId, reason: body.reason });
  }
}

/** The bulk route. */
export const bulkRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.post(
    "/api/requests/bulk",
    {
      schema: {
        tags: ["Workflow"],
        operationId: "bulkUpdateRequests",
        summary:
          "Assign, unassign, move the status of, record an outcome on, or transfer many requests (team leads and admins)",
        description:
          "Each request is changed in its own transaction and has its own result: ok, or the error code it would have had alone (not_found for one you cannot see, held_by_other for one someone else holds unless override, outcome_required for a move to done).",
        body: bulkBody,
        response: {
          200: z.object({ results: z.array(bulkItemSchema), succeeded: z.number().int(), failed: z.number().int() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      const actor = requireUser(req);
      if (actor.role !== "admin" && actor.role !== "team_lead") {
        throw new AppError("forbidden", "Bulk changes are for team leads and admins", 403);
      }
      const body = req.body;
      const c = { ...actionContext(req), override: body.override, bulk: true };
      const results: z.infer<typeof bulkItemSchema>[] = [];
      for (const id of body.ids) {
        try {
          results.push({ id, ok: true, result: presentResult(await runOne(deps, c, id, body)) });
        } catch (err) {
          const known = err instanceof AppError && err.expose;
          if (!known) req.log.error({ err, requestId: id }, "bulk item failed");
          results.push({
            id,
            ok: false,
            error: known
              ? { code: err.code, message: err.message }
              : { code: "internal", message: "Something went wrong on our side" },
          });
        }
      }
      const succeeded = results.filter((r) => r.ok).length;
      return { results, succeeded, failed: results.length - succeeded };
    },
  );
};
