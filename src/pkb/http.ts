// Every call Rebook makes to PKB goes through here: a timeout on each attempt, retries with exponential backoff and
// jitter for network errors, timeouts, 429 (honouring Retry-After) and 5xx, and failures turned into UpstreamError
// carrying PKB's own code (OAuth `error` or OperationOutcome response code) when it sent one.
import pRetry, { AbortError } from "p-retry";
import { Agent, errors as undiciErrors, request as undiciRequest } from "undici";
import type { z } from "zod";
import { UpstreamError } from "../errors.ts";
import { pkbCallDuration, pkbCallErrors } from "../metrics/instruments.ts";
import { oauthErrorSchema, operationOutcomeSchema } from "./schemas.ts";

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After Rebook will wait inside one call; beyond it the call fails as retryable. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 4,
  minDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

export interface CallOptions {
  service: UpstreamError["service"];
  timeoutMs: number;
  retry?: RetryPolicy;
  /** For logs and errors: what the call is, without identifiers (e.g. "GET messages"). */
  what: string;
  /** For metrics: the method and path template, never a URL with identifiers (e.g. "GET /json/v1/users/{id}"). */
  endpoint: string;
}

/** Reads PKB's error code from an error body: OAuth `error`, or the first OperationOutcome response code. */
export function upstreamCode(body: unknown): string | null {
  const oauth = oauthErrorSchema.safeParse(body);
  if (oauth.success) return oauth.data.error;
  const oo = operationOutcomeSchema.safeParse(body);
  if (oo.success) {
    for (const issue of oo.data.issue) {
      const code = issue.details?.coding?.find((c) => c.code)?.code;
      if (code) return code;
    }
    return oo.data.issue[0]?.code ?? null;
  }
  return null;
}

/** Retry-After as seconds (delta-seconds or HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * What Rebook reads of an answer from PKB. `httpGet` gives it for the calls answered with one JSON document; fetch's
 * `Response` has it too (the messages endpoint, read as a stream, is fetched).
 */
export interface HttpAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * The connections to PKB for `httpGet`: kept alive between calls, as many at once as calls are in flight. undici's own
 * `request` costs under a third of the CPU of a `fetch` (no WHATWG streams, Headers or Request objects): the pipeline
 * makes two such calls per request (docs/performance.md, "PKB's calls, the pass and follow-up checks"). Its answer's
 * body must always be read (`text()`): unlike fetch's, an unread one holds its connection.
 */
const pkbAgent = new Agent();

/** undici's errors for an answer's body that stopped arriving (fetch's are TypeErrors): not Rebook's own mistakes. */
const BODY_CUT_OFF = [
  undiciErrors.SocketError,
  undiciErrors.BodyTimeoutError,
  undiciErrors.RequestAbortedError,
  undiciErrors.ResponseContentLengthMismatchError,
];
const isBodyCutOff = (err: Error): boolean => BODY_CUT_OFF.some((type) => err instanceof type);

/** A GET to PKB with undici's `request`: aborted by `signal` (its reason is what rejects), the body read by `text()`. */
export async function httpGet(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<HttpAnswer> {
  // Not followed: a 3xx is an error (PKB's APIs do not redirect, and a token is never sent on to another address).
  const res = await undiciRequest(url, {
    method: "GET",
    headers: { "User-Agent": "Rebook", ...headers },
    signal,
    dispatcher: pkbAgent,
  });
  return {
    status: res.statusCode,
    ok: res.statusCode >= 200 && res.statusCode < 300,
    headers: {
      get: (name) => {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
    },
    text: () => res.body.text(),
  };
}

async function readBody(res: HttpAnswer): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Aborts when no progress is reported for `ms`: a whole-call timeout would cut off a long but healthy stream. */
class IdleTimer {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly ms: number) {
    this.touch();
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(new DOMException("idle", "TimeoutError")), this.ms);
  }
  /** Runs Rebook's own work on what arrived (e.g. storing a batch) with the timer stopped, then starts it again. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    clearTimeout(this.timer);
    try {
      return await work();
    } finally {
      this.touch();
    }
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}

/**
 * Performs `request` (a fresh call per attempt), retrying transient failures until a 2xx response, which `consume`
 * reads (once: a failure while consuming is not retried here, as part of it may have been acted on). `touch` tells the
 * idle timer that the body is still arriving; `hold(work)` runs Rebook's own work on what arrived (storing a batch)
 * with the idle timer stopped, so a slow store is never taken for PKB falling silent. Non-retryable HTTP errors throw
 * UpstreamError at once.
 */
export async function callResponse<T, R extends HttpAnswer = Response>(
  request: (signal: AbortSignal) => Promise<R>,
  consume: (res: R, touch: () => void, hold: <W>(work: () => Promise<W>) => Promise<W>) => Promise<T>,
  opts: CallOptions,
): Promise<T> {
  const policy = opts.retry ?? defaultRetryPolicy;
  const networkError = (err: unknown): UpstreamError => {
    const timedOut = (err as Error).name === "TimeoutError" || (err as Error).name === "AbortError";
    return new UpstreamError(opts.service, `${opts.what}: ${timedOut ? "timed out" : "network error"}`, null, true);
  };
  const labels = (status: string) => ({ service: opts.service, endpoint: opts.endpoint, status });
  const attempt = async (): Promise<T> => {
    const idle = new IdleTimer(opts.timeoutMs);
    // Latency is measured to the response headers: a streamed body's time is mostly Rebook's own storing.
    const started = performance.now();
    const observe = (status: string, failed: boolean): void => {
      pkbCallDuration.observe(labels(status), (performance.now() - started) / 1000);
      if (failed) pkbCallErrors.inc(labels(status));
    };
    try {
      let res: R;
      try {
        res = await request(idle.signal);
      } catch (err) {
        const name = (err as Error).name;
        observe(name === "TimeoutError" || name === "AbortError" ? "timeout" : "network", true);
        throw networkError(err);
      }
      observe(String(res.status), !res.ok);
      if (res.ok) {
        idle.touch();
        try {
          return await consume(
            res,
            () => idle.touch(),
            (work) => idle.hold(work),
          );
        } catch (err) {
          // PKB answered 2xx but its body was malformed or stopped arriving (an error of Rebook's own while storing
          // what it read is not PKB's, and is not counted).
          if (err instanceof UpstreamError) {
            pkbCallErrors.inc(labels("invalid_body"));
            throw new AbortError(err);
          }
          if (
            err instanceof Error &&
            (err.name === "TimeoutError" ||
              err.name === "AbortError" ||
              // fetch's body cut off, and undici's (a socket closed mid-body)
              err instanceof TypeError ||
              isBodyCutOff(err))
          ) {
            pkbCallErrors.inc(labels("body_interrupted"));
            throw new AbortError(networkError(err));
          }
          throw new AbortError(err as Error);
        }
      }
      // An error's body is only PKB's code: one cut off mid-way leaves the error without it.
      const body = await readBody(res).catch(() => null);
      const retryable = res.status === 429 || res.status >= 500;
      const err = new UpstreamError(
        opts.service,
        `${opts.what}: HTTP ${res.status}`,
        res.status,
        retryable,
        upstreamCode(body),
        parseRetryAfter(res.headers.get("retry-after")),
      );
      if (!retryable) throw new AbortError(err);
      if (err.retryAfterSeconds !== null) {
        const wait = err.retryAfterSeconds * 1000;
        if (wait > policy.maxRetryAfterMs) throw new AbortError(err);
        await sleep(wait);
      }
      throw err;
    } finally {
      idle.stop();
    }
  };
  // p-retry rethrows an AbortError's original error.
  return pRetry(attempt, {
    retries: policy.retries,
    minTimeout: policy.minDelayMs,
    maxTimeout: policy.maxDelayMs,
    factor: 2,
    randomize: true,
    shouldRetry: ({ error }) => error instanceof UpstreamError && error.retryable,
  });
}

/** callResponse for a JSON body validated by `schema`. */
export function callJson<S extends z.ZodType>(
  request: (signal: AbortSignal) => Promise<HttpAnswer>,
  schema: S,
  opts: CallOptions,
): Promise<z.output<S>> {
  return callResponse(
    request,
    async (res) => {
      const body = await readBody(res);
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new UpstreamError(
          opts.service,
          `${opts.what}: unexpected response shape (${issue ? `${issue.path.join(".")}: ${issue.message}` : ""})`,
          res.status,
          false,
        );
      }
      return parsed.data;
    },
    opts,
  );
}
