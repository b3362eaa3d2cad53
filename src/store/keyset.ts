// Opaque keyset-pagination cursors: base64url JSON of the last row's sort key and id. Sort keys are timestamptz values
// in PostgreSQL's own text form (microseconds kept), so a page boundary never falls between rows of the same millisecond.
import { z } from "zod";
import { AppError } from "../errors.ts";

/**
 * Where the previous page ended: the sort it was taken in, its last row's sort key (null sorts last) and id. Sorts by
 * computed ranks also carry the row's ranks and the instant they were computed at (so every page ranks alike).
 */
export interface Cursor {
  sort: string;
  key: string | null;
  id: string;
  ranks?: number[];
  at?: string;
}

// Sort keys are timestamptz text in UTC (the store's sessions run in UTC); ids are uuids or bigserial numbers.
const cursorSchema = z.object({
  s: z.string(),
  k: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00$/)
    .nullable(),
  i: z.string().regex(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{1,15})$/),
  r: z.array(z.number().int().min(0).max(99)).max(4).optional(),
  n: z.iso.datetime().optional(),
});

/** The opaque text a client passes back as `cursor`. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ s: c.sort, k: c.key, i: c.id, r: c.ranks, n: c.at })).toString("base64url");
}

/** Reads a cursor made by encodeCursor for the same sort; a 400 `invalid_cursor` otherwise. */
export function decodeCursor(text: string, sort: string): Cursor {
  let parsed: z.infer<typeof cursorSchema> | null = null;
  try {
    const r = cursorSchema.safeParse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
    if (r.success) parsed = r.data;
  } catch {
    parsed = null;
  }
  if (!parsed) throw new AppError("invalid_cursor", "The cursor is not one this API gave out", 400);
  if (parsed.s !== sort) throw new AppError("invalid_cursor", "The cursor belongs to a different sort order", 400);
  return { sort: parsed.s, key: parsed.k, id: parsed.i, ranks: parsed.r, at: parsed.n };
}

/** Collects positional parameters while a statement is built: `p(value)` returns "$n". */
export function paramList(): { params: unknown[]; p: (v: unknown) => string } {
  const params: unknown[] = [];
  return {
    params,
    p: (v) => {
      params.push(v);
      return `$${params.length}`;
    },
  };
}
