// Shapes and helpers shared by API routes.
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { SNAPSHOT_IDLE_MS } from "../../store/db.ts";

/** Every error response: a stable code, a message safe to show, and for some codes details (e.g. who holds a request). */
export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

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
