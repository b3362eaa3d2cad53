// Shapes shared by API routes.
import { z } from "zod";

/** Every error response: a stable code and a message safe to show. */
export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** A redirect (no body), for the OpenAPI document. */
export const redirectResponse = (description: string) => z.null().describe(description);
