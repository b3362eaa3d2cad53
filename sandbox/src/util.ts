// Small helpers shared by the emulator's modules: opaque tokens, stable derived ids, FHIR instant formatting.

import { createHash, randomBytes } from "node:crypto";

/** A fresh opaque token: 32 random bytes, base64url (43 characters). */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** A stable UUID-shaped string derived from `input` (SHA-1 based, like a v5 UUID without a namespace). */
export function stableUuid(input: string): string {
  const h = createHash("sha1").update(input).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A stable string of `digits` decimal digits (no leading zero) derived from `input`. */
export function stableDigits(input: string, digits: number): string {
  const h = createHash("sha1").update(input).digest();
  let out = String(1 + ((h[0] ?? 0) % 9));
  for (let i = 1; out.length < digits; i++) out += String((h[i % h.length] ?? 0) % 10);
  return out;
}

/** Formats an epoch-ms or ISO instant as PKB does in FHIR: "2025-10-25T13:30:00.000+00:00" (UTC, milliseconds). */
export function fhirInstant(value: string | number): string {
  return new Date(value).toISOString().replace(/Z$/, "+00:00");
}

/** Normalises an ISO instant to "YYYY-MM-DDTHH:mm:ss.sssZ". */
export function isoUtc(value: string | number): string {
  return new Date(value).toISOString();
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
