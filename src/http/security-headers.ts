// The security headers, on every response Rebook sends. They are set on the raw response as each request arrives, so
// they reach answers that bypass Fastify's reply (the live-update stream writes its own head) as well as errors, 404s
// and redirects. The Content-Security-Policy starts as the strictest (nothing may load, run or frame it); the web app,
// the API documentation and the server-rendered pages replace it with their own.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { PAGE_CSP } from "./status-page.ts";

/** For JSON, CSV and event streams: nothing may load, run or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The headers every response carries (HSTS added over https). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

/** Registers the headers on every route of `app` (register it before the routes). `hsts` when served over https. */
export const securityHeaders = fp(
  async (app: FastifyInstance, opts: { hsts: boolean }) => {
    app.addHook("onRequest", async (_req, reply) => {
      const res = reply.raw;
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      if (opts.hsts) res.setHeader("strict-transport-security", "max-age=31536000");
      res.setHeader("content-security-policy", API_CSP);
    });
    // A server-rendered page that set no policy of its own gets the one its inline styles need (and nothing else).
    app.addHook("onSend", async (_req, reply, payload) => {
      const type = String(reply.getHeader("content-type") ?? "");
      if (type.startsWith("text/html") && reply.getHeader("content-security-policy") === API_CSP) {
        reply.header("content-security-policy", PAGE_CSP);
      }
      return payload;
    });
  },
  { name: "rebook-security-headers" },
);
