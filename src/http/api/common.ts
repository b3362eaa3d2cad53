// Shapes and helpers shared by API routes.
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { requireUser } from "../../auth/guard.ts";
import { tabIdSchema } from "../../events/bus.ts";
import type { ActionContext } from "../../requests/command.ts";
import { SNAPSHOT_IDLE_MS } from "../../store/db.ts";

/** Every error response: a stable code, a message safe to show, and for some codes details (e.g. who holds a request). */
export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** The header with which the web app names the browser tab a write comes from (see tabIdSchema). */
export const TAB_HEADER = "x-rebook-tab";

/**
 * A person's write: who (401 without a session), from where, and from which browser tab (x-rebook-tab, when it is a
 * tab id; anything else is ignored, as the tab only spares itself a second load of its own change).
 */
export function actionContext(req: FastifyRequest): ActionContext {
  const tab = tabIdSchema.safeParse(req.headers[TAB_HEADER]);
  return { actor: requireUser(req), ip: req.ip, tab: tab.success ? tab.data : null };
}

/** A redirect (no body), for the OpenAPI document. */
export const redirectResponse = (description: string) => z.null().describe(description);

/**
 * Ends a streamed download whose client has not read for `stallMs` (the socket idle: nothing more could be written),
 * as when a laptop sleeps or a proxy is stuck with the connection open. Destroying the response destroys the stream,
 * and with it the export's read (Db.readSnapshot), which gives back its connection or cursor and its turn. The default
 * is the store's own limit for an idle snapshot read; tests make it short.
 */
export function endStalledDownload(reply: FastifyReply, stallMs = SNAPSHOT_IDLE_MS): void {
  reply.raw.setTimeout(stallMs, () => {
    if (!reply.raw.writableFinished) reply.raw.destroy();
  });
}
