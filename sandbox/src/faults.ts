// Fault injection for API routes (never the control API): added latency, deterministic 5xx at a given rate, and a
// 429 with Retry-After on every Nth request. Counting is per matched request since the faults were last set, so a
// test sees the same sequence every run.

import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { CONTROL_BASE, FHIR_BASE } from "./context.ts";
import { FHIR_JSON, fhirOutcome } from "./outcome.ts";

/** The body of PUT /_sandbox/faults. */
export const faultSpecSchema = z.strictObject({
  /** Added to every matched request, in milliseconds. */
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** Fraction (0..1) of matched requests answered with `status`, evenly spread: 0.5 = every 2nd request. */
  errorRate: z.number().min(0).max(1).default(0),
  status: z.union([z.literal(500), z.literal(502), z.literal(503)]).default(503),
  /** Every `every`-th matched request gets 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit: z
    .strictObject({ every: z.number().int().min(1), retryAfterSeconds: z.number().int().min(0).default(1) })
    .optional(),
  /** Path prefixes the faults apply to (default: every non-control route). */
  paths: z.array(z.string().startsWith("/")).min(1).optional(),
});

/** Active fault settings. */
export type FaultSpec = z.infer<typeof faultSpecSchema>;

/** What to do with one request. */
export type FaultDecision = { delayMs: number; reply: null | { status: number; retryAfter?: number } };

/** Holds the fault settings and the request counter. */
export class FaultInjector {
  private spec: FaultSpec | null = null;
  private count = 0;

  /** Replaces the settings and restarts counting. */
  set(spec: FaultSpec): void {
    this.spec = spec;
    this.count = 0;
  }

  /** Removes every fault. */
  clear(): void {
    this.spec = null;
    this.count = 0;
  }

  /** How many requests the current settings have matched (so a test can see its faults were exercised). */
  matched(): number {
    return this.count;
  }

  /** The current settings (null when none). */
  get(): FaultSpec | null {
    return this.spec;
  }

  /** Decides the fault for a request path; counts only matched requests. */
  decide(path: string): FaultDecision {
    const spec = this.spec;
    if (!spec || path.startsWith(CONTROL_BASE)) return { delayMs: 0, reply: null };
    if (spec.paths && !spec.paths.some((p) => path.startsWith(p))) return { delayMs: 0, reply: null };
    this.count += 1;
    const n = this.count;
    if (spec.rateLimit && n % spec.rateLimit.every === 0) {
      return { delayMs: spec.latencyMs, reply: { status: 429, retryAfter: spec.rateLimit.retryAfterSeconds } };
    }
    if (Math.floor(n * spec.errorRate) > Math.floor((n - 1) * spec.errorRate)) {
      return { delayMs: spec.latencyMs, reply: { status: spec.status } };
    }
    return { delayMs: spec.latencyMs, reply: null };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function faultBody(path: string, status: number): { type: string; body: unknown } {
  const text =
    status === 429 ? "too many requests (sandbox fault injection)" : "injected failure (sandbox fault injection)";
  if (path.startsWith(FHIR_BASE) || path.startsWith("/json")) {
    const outcome = fhirOutcome(status === 429 ? "throttled" : "transient", text);
    return { type: path.startsWith(FHIR_BASE) ? FHIR_JSON : "application/json; charset=utf-8", body: outcome };
  }
  if (path.endsWith("/token") || path.startsWith("/apiToken.action")) {
    const error = status === 503 || status === 429 ? "temporarily_unavailable" : "server_error";
    return { type: "application/json; charset=utf-8", body: { error, error_description: text } };
  }
  return { type: "text/plain; charset=utf-8", body: text };
}

/** Global onRequest hook applying the injector's decisions. */
export function faultHook(faults: FaultInjector) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const path = request.url.split("?")[0] ?? "";
    const decision = faults.decide(path);
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    if (!decision.reply) return undefined;
    const { type, body } = faultBody(path, decision.reply.status);
    if (decision.reply.retryAfter !== undefined) reply.header("retry-after", String(decision.reply.retryAfter));
    return reply.code(decision.reply.status).header("content-type", type).send(body);
  };
}
