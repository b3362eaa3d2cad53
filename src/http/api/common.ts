// Shapes shared by API routes.
import { z } from "zod";

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
