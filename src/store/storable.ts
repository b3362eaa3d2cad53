// Text PostgreSQL cannot store: U+0000 (text and jsonb refuse it) and lone UTF-16 surrogates (not Unicode; jsonb
// refuses their escapes, and the driver would silently turn them into U+FFFD in text). PKB can send any text, so what
// Rebook stores from PKB goes through here: each such character becomes U+FFFD (the Unicode replacement character,
// visibly "something was here"), and the caller keeps the exact original as JSON text, where these characters are
// plain-ASCII escapes (\u0000, \ud800), so nothing is lost. Pure functions, no I/O.

// eslint-disable-next-line no-control-regex -- U+0000 is exactly what must be found
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const REPLACEMENT = "\uFFFD";

/** True when PostgreSQL can store `s` as text (no U+0000, no lone surrogate). */
export function isStorableText(s: string): boolean {
  UNSTORABLE.lastIndex = 0;
  return !UNSTORABLE.test(s);
}

/** `s` with each U+0000 and each lone surrogate replaced by U+FFFD; storable text is returned unchanged. */
export function storableText(s: string): string {
  return isStorableText(s) ? s : s.replace(UNSTORABLE, REPLACEMENT);
}

/**
 * A copy of a JSON value with every string, object keys included, made storable; `changed` says whether any was not.
 * The value itself is returned when nothing needed changing.
 */
export function storableJson<T>(value: T): { value: T; changed: boolean } {
  // Nearly every value is storable as it is: checked first without copying anything.
  if (isStorableJson(value)) return { value, changed: false };
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      if (isStorableText(v)) return v;
      changed = true;
      return storableText(v);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (!isStorableText(k)) changed = true;
        // Defined, not assigned: a key "__proto__" (JSON.parse makes it an own key) stays a key.
        Object.defineProperty(out, storableText(k), {
          value: walk(x),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return v;
  };
  const copy = walk(value) as T;
  return changed ? { value: copy, changed } : { value, changed };
}

/** True when every string of a JSON value, object keys included, is storable text. */
function isStorableJson(v: unknown): boolean {
  if (typeof v === "string") return isStorableText(v);
  if (Array.isArray(v)) {
    for (const x of v) if (!isStorableJson(x)) return false;
    return true;
  }
  if (v !== null && typeof v === "object") {
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      if (!isStorableText(k) || !isStorableJson((v as Record<string, unknown>)[k])) return false;
    }
  }
  return true;
}
