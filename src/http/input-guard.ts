// One check at the edge for every route: text PostgreSQL cannot store (U+0000) or that is not Unicode (an unpaired
// surrogate, which JSON's \ud800 escapes can carry) is refused with 400 `invalid_text` before validation, wherever it
// is: the body (values and keys, at any depth), the query string, the path parameters and the headers. Refusing rather
// than silently cleaning keeps what a person typed intact or tells them; nothing half-written reaches the store.
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { AppError } from "../errors.ts";

/** U+0000 or a UTF-16 surrogate that is not half of a pair. */
// eslint-disable-next-line no-control-regex -- finding U+0000 is the point
const UNSTORABLE = /[\u0000\ud800-\udfff]/u;

/** True when `s` holds a character the store cannot keep (U+0000 or an unpaired surrogate). */
export const isUnstorableText = (s: string): boolean => UNSTORABLE.test(s);

/**
 * Where in `value` the first unstorable string (or object key) is, as a dotted path from `root`, or null. Walks
 * iteratively, so a deeply nested body cannot exhaust the stack.
 */
export function findUnstorableText(value: unknown, root: string): string | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === "string") {
      if (isUnstorableText(v)) return at;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}[${i}]`]);
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (isUnstorableText(k)) return at;
        stack.push([child, `${at}.${k}`]);
      }
    }
  }
  return null;
}

/** The 400 for unstorable text at `where`. */
export const invalidText = (where: string): AppError =>
  new AppError(
    "invalid_text",
    `${where} contains a character that cannot be stored (U+0000 or an unpaired surrogate): remove it and try again`,
    400,
    true,
    { where },
  );

function check(req: FastifyRequest): void {
  const where =
    findUnstorableText(req.params, "params") ??
    findUnstorableText(req.query, "query") ??
    findUnstorableText(req.body, "body") ??
    findUnstorableText(req.headers, "headers");
  if (where) throw invalidText(where);
}

/** Registers the check on every route of `app` (register it before the routes). */
export const inputGuard = fp(
  async (app: FastifyInstance) => {
    app.addHook("preValidation", async (req) => check(req));
  },
  { name: "rebook-input-guard" },
);
