// The error queue for admins: PKB messages the poll set aside because they could not be stored or filed. List them
// (no message text), open one (the message as received; the view is audited), replay it once the cause is fixed, or
// discard it with a reason. Admins only.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { adminOnly, requireUser } from "../../auth/guard.ts";
import { AppError } from "../../errors.ts";
import { publishRequestsCreated } from "../../events/publish.ts";
import { recordAudit } from "../../store/audit.ts";
import { getErrorQueueItem, listErrorQueue, type ErrorQueueEntry } from "../../store/error-queue.ts";
import {
  discardErrorQueueItem,
  pkbMessageIdOf,
  replayErrorQueueItem,
  type QueueActor,
} from "../../sync/error-queue.ts";
import type { AppDeps } from "../server.ts";
import { errorSchema } from "./common.ts";

const STATUSES = ["open", "replayed", "discarded"] as const;

export const errorQueueEntrySchema = z.object({
  id: z.uuid(),
  pkbMessageId: z.string().nullable().describe("PKB's message id; null when the message had none that could be read"),
  conversationId: z.string().nullable(),
  connectionId: z.uuid().nullable(),
  connectionLabel: z.string().nullable(),
  reason: z.string().describe("Why the message could not be stored or filed (the latest failure)"),
  status: z.enum(STATUSES),
  attempts: z.number().int().describe("Failures so far: the poll's and any failed replays"),
  firstFailedAt: z.date(),
  lastFailedAt: z.date(),
  resolvedAt: z.date().nullable(),
  resolvedBy: z.uuid().nullable(),
  resolutionNote: z.string().nullable(),
});

/** An entry as the API shows it: PKB's id of the message, never the queue's key (a digest for a message without one). */
const present = ({ messageKey, ...e }: ErrorQueueEntry): z.infer<typeof errorQueueEntrySchema> => ({
  ...e,
  pkbMessageId: pkbMessageIdOf(messageKey),
});
const idParams = z.object({ id: z.uuid() });

/** The error queue routes. */
export const errorQueueRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.addHook("onRequest", adminOnly);
  const actor = (req: Parameters<typeof requireUser>[0]): QueueActor => {
    const user = requireUser(req);
    return { userId: user.id, label: user.displayName, ip: req.ip };
  };

  app.get(
    "/api/sync/error-queue",
    {
      schema: {
        tags: ["Sync"],
        operationId: "listErrorQueue",
        summary: "PKB messages set aside because they could not be stored or filed",
        description: "Newest first. No message text here: open an entry to see the message (that view is audited).",
        querystring: z.object({
          status: z.enum([...STATUSES, "all"]).default("all"),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(errorQueueEntrySchema) }) },
      },
    },
    async (req) => ({
      items: (
        await listErrorQueue(deps.db, {
          status: req.query.status === "all" ? null : req.query.status,
          limit: req.query.limit,
        })
      ).map(present),
    }),
  );

  app.get(
    "/api/sync/error-queue/:id",
    {
      schema: {
        tags: ["Sync"],
        operationId: "getErrorQueueEntry",
        summary: "One set-aside message, as PKB sent it, with the reason",
        params: idParams,
        response: {
          200: errorQueueEntrySchema.extend({
            original: z.string().describe("JSON text: {conversation (without its messages), message}, as received"),
          }),
          404: errorSchema,
        },
      },
    },
    async (req) => {
      const item = await getErrorQueueItem(deps.db, req.params.id);
      if (!item) throw new AppError("not_found", "The error queue entry was not found", 404);
      const by = actor(req);
      // The message is patient data: who looked is recorded.
      await recordAudit(deps.db, {
        actorUserId: by.userId,
        actorLabel: by.label,
        ip: by.ip,
        action: "error_queue.viewed",
        details: { entryId: item.id, pkbMessageId: pkbMessageIdOf(item.messageKey) },
      });
      return { ...present(item), original: item.original };
    },
  );

  app.post(
    "/api/sync/error-queue/:id/replay",
    {
      schema: {
        tags: ["Sync"],
        operationId: "replayErrorQueueEntry",
        summary: "Store and file a set-aside message again",
        description:
          "409 replay_failed with the reason when it still fails (the entry stays open); audited either way.",
        params: idParams,
        response: { 200: errorQueueEntrySchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req) => {
      const { entry, createdRequestMessageId } = await replayErrorQueueItem(deps.db, req.params.id, actor(req));
      if (createdRequestMessageId) {
        await publishRequestsCreated(deps.db, [createdRequestMessageId]);
        void deps.poller.runNow(); // identify, match and route the new request now
      }
      return present(entry);
    },
  );

  app.post(
    "/api/sync/error-queue/:id/discard",
    {
      schema: {
        tags: ["Sync"],
        operationId: "discardErrorQueueEntry",
        summary: "Discard a set-aside message for good, with the reason",
        params: idParams,
        body: z.object({ reason: z.string().trim().min(1).max(500) }),
        response: { 200: errorQueueEntrySchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req) => present(await discardErrorQueueItem(deps.db, req.params.id, actor(req), req.body.reason)),
  );
};
