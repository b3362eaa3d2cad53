// OAuth client authentication at token endpoints: HTTP Basic (RFC 6749 §2.3.1, form-urlencoded id and secret) or
// form fields client_id/client_secret; using both is invalid_request. Secrets are compared in constant time.

import { createHash, timingSafeEqual } from "node:crypto";
import type { RegisteredClient } from "../context.ts";

/** Outcome of authenticating the client of a token request. */
export type ClientAuthResult =
  | { ok: true; clientId: string }
  | { ok: false; status: 400 | 401; error: "invalid_request" | "invalid_client"; description: string };

function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

function parseBasic(header: string): { id: string; secret: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  try {
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

/** Authenticates the client against `clients` from the Authorization header or the form's client_id/client_secret. */
export function authenticateClient(
  authorization: string | undefined,
  form: { client_id?: string | undefined; client_secret?: string | undefined },
  clients: readonly RegisteredClient[],
): ClientAuthResult {
  let id: string | undefined;
  let secret: string | undefined;
  if (authorization !== undefined && /^Basic\s/i.test(authorization)) {
    const basic = parseBasic(authorization);
    if (!basic) return { ok: false, status: 401, error: "invalid_client", description: "malformed Basic credentials" };
    if (form.client_secret !== undefined) {
      return {
        ok: false,
        status: 400,
        error: "invalid_request",
        description: "use one client authentication method, not both Basic and client_secret",
      };
    }
    if (form.client_id !== undefined && form.client_id !== basic.id) {
      return {
        ok: false,
        status: 400,
        error: "invalid_request",
        description: "client_id differs from Basic credentials",
      };
    }
    ({ id, secret } = basic);
  } else {
    id = form.client_id;
    secret = form.client_secret;
  }
  if (id === undefined || secret === undefined) {
    return { ok: false, status: 401, error: "invalid_client", description: "client authentication required" };
  }
  const client = clients.find((c) => c.id === id);
  if (!client || !sameSecret(client.secret, secret)) {
    return {
      ok: false,
      status: 401,
      error: "invalid_client",
      description: "Invalid client or Invalid client credentials",
    };
  }
  return { ok: true, clientId: client.id };
}
