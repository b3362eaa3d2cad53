// Serves the staff web app built by Vite (web/dist): hashed assets cached for a year, index.html never cached, every
// in-app path (/requests/…, /admin/…) answered with index.html so deep links and reloads work, and an /api path
// that matches no route answered with a JSON 404. Its pages get a strict Content-Security-Policy that the app satisfies
// (no inline scripts or styles, nothing from other origins).
import { existsSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { PACKAGE_ROOT } from "../paths.ts";

/** Where `npm run build:web` puts the app. */
export const WEB_DIST = path.join(PACKAGE_ROOT, "web/dist");

/** The app's Content-Security-Policy: only this origin; images may also be inlined icons (data:). */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const HASHED_ASSET = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+(\.map)?$/;

const NOT_BUILT = `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Rebook</title></head>
<body><main><h1>Rebook</h1><p>The web app has not been built. Run <code>npm run build:web</code> (or <code>npm start</code>,
which builds it first) and reload this page.</p><p><a href="/status">Service status</a></p></main></body></html>`;

/** Registers the web app on `app` (the security headers come from security-headers.ts). */
export async function registerWeb(app: FastifyInstance, opts: { root?: string } = {}): Promise<void> {
  const root = opts.root ?? WEB_DIST;
  const built = existsSync(path.join(root, "index.html"));

  const sendIndex = (reply: FastifyReply): FastifyReply => {
    reply.header("content-security-policy", APP_CSP);
    reply.header("cache-control", "no-cache");
    if (!built) return reply.status(503).type("text/html; charset=utf-8").send(NOT_BUILT);
    return reply.sendFile("index.html", root);
  };

  if (built) {
    await app.register(fastifyStatic, {
      root,
      prefix: "/",
      // Any file under web/dist (a rebuild is served without a restart); a miss falls through to the handler below.
      wildcard: true,
      index: false,
      decorateReply: true,
      setHeaders: (reply, filePath) => {
        const rel = `/${path.relative(root, filePath).split(path.sep).join("/")}`;
        reply.header("content-security-policy", APP_CSP);
        reply.header("cache-control", HASHED_ASSET.test(rel) ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
  } else {
    app.log.warn({ root }, "the web app is not built (npm run build:web): / shows a notice");
  }

  app.get("/", { schema: { hide: true } }, async (_req, reply) => sendIndex(reply));

  app.setNotFoundHandler(async (req, reply) => {
    const url = req.url.split("?")[0] ?? "/";
    const wantsPage =
      (req.method === "GET" || req.method === "HEAD") &&
      !url.startsWith("/api/") &&
      url !== "/api" &&
      !path.extname(url) &&
      String(req.headers.accept ?? "text/html").includes("text/html");
    if (wantsPage) return sendIndex(reply);
    return reply.status(404).send({ error: { code: "not_found", message: `${req.method} ${url} was not found` } });
  });
}
