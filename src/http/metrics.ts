// GET /metrics in Prometheus's text format, and the HTTP latency of every route. Who may read it:
// - METRICS_TOKEN set: the request must carry `Authorization: Bearer <token>` (else 401);
// - METRICS_ALLOW set: the client address (as TRUST_PROXY resolves it) must be in one of its ranges (else 403);
// - both set: both must pass; neither set: only a request made directly to a loopback address, with no proxy's
//   forwarding headers, is answered (else 403) — a reverse proxy on the same host cannot expose it by accident.
import { timingSafeEqual, createHash } from "node:crypto";
import { BlockList, isIP } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Registry } from "prom-client";
import type { Config } from "../config.ts";
import { httpDuration, processRegistry } from "../metrics/instruments.ts";
import { storeGaugeRegistry } from "../metrics/store-gauges.ts";
import type { Queryable } from "../store/db.ts";

/** An address without an IPv4-mapped IPv6 prefix ("::ffff:10.0.0.1" → "10.0.0.1"). */
function plainAddress(addr: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return m ? m[1]! : addr;
}

/** A matcher for addresses and CIDR ranges ("10.0.0.0/8", "192.168.1.4", "fd00::/8"). */
export function addressMatcher(ranges: readonly string[]): (addr: string) => boolean {
  const list = new BlockList();
  for (const r of ranges) {
    const [addr, bits] = r.split("/");
    const type = isIP(addr!) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(addr!, type);
    else list.addSubnet(addr!, Number(bits), type);
  }
  return (addr) => {
    const a = plainAddress(addr);
    const type = isIP(a);
    return type !== 0 && list.check(a, type === 6 ? "ipv6" : "ipv4");
  };
}

const isLoopback = addressMatcher(["127.0.0.0/8", "::1"]);

const digest = (v: string): Buffer => createHash("sha256").update(v, "utf8").digest();

/** Decides whether a request may read the metrics: null when it may, else the status and reason to answer with. */
export function metricsAccess(
  policy: Config["metrics"],
): (req: FastifyRequest) => { status: 401 | 403; message: string } | null {
  const allowed = policy.allow ? addressMatcher(policy.allow) : null;
  const expected = policy.token ? digest(policy.token) : null;
  return (req) => {
    if (expected) {
      const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
      // Comparing digests keeps the comparison constant-time whatever the lengths.
      if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
        return { status: 401, message: "A valid metrics bearer token is required" };
      }
    }
    if (allowed && !allowed(req.ip)) return { status: 403, message: "This address may not read the metrics" };
    if (!expected && !allowed) {
      const proxied = req.headers["x-forwarded-for"] !== undefined || req.headers.forwarded !== undefined;
      if (proxied || !isLoopback(req.socket.remoteAddress ?? "")) {
        return {
          status: 403,
          message: "Metrics are only served to loopback until METRICS_TOKEN or METRICS_ALLOW is configured",
        };
      }
    }
    return null;
  };
}

/** Registers GET /metrics and the HTTP latency histogram (every route, labelled by its template). */
export function registerMetrics(app: FastifyInstance, deps: { config: Config; db: Queryable }): void {
  const store = storeGaugeRegistry(deps.db);
  const check = metricsAccess(deps.config.metrics);

  app.addHook("onResponse", async (req: FastifyRequest, reply: FastifyReply) => {
    // The route template (e.g. /api/requests/:id), never the URL: paths and queries can hold identifiers.
    const route = req.routeOptions.url ?? "unmatched";
    httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get("/metrics", { schema: { hide: true } }, async (req, reply) => {
    const denied = check(req);
    if (denied) {
      if (denied.status === 401) reply.header("WWW-Authenticate", 'Bearer realm="rebook-metrics"');
      const code = denied.status === 401 ? "unauthenticated" : "forbidden";
      return reply.status(denied.status).send({ error: { code, message: denied.message } });
    }
    const merged = Registry.merge([processRegistry, store]);
    const text = await merged.metrics();
    return reply.header("Cache-Control", "no-store").type(merged.contentType).send(text);
  });
}
