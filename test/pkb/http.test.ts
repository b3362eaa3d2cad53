// The HTTP layer of every JSON call to PKB (httpGet through callJson), against a real local HTTP server that misbehaves
// as a network can: the answer's body cut off, a body that stops arriving, a 429 with Retry-After, nobody listening.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { UpstreamError } from "../../src/errors.ts";
import { callJson, httpGet, type RetryPolicy } from "../../src/pkb/http.ts";

const noRetry: RetryPolicy = { retries: 0, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 5_000 };
const schema = z.object({ ok: z.boolean() });
const opts = (retry: RetryPolicy = noRetry) => ({
  service: "pkb_rest" as const,
  timeoutMs: 300,
  retry,
  what: "GET thing",
  endpoint: "GET /thing",
});

let server: http.Server;
let base: string;
const seen: Record<string, number> = {};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = req.url ?? "/";
    seen[path] = (seen[path] ?? 0) + 1;
    if (path === "/ok") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, auth: req.headers.authorization }));
    } else if (path === "/cut") {
      res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
      res.write('{"ok":');
      setTimeout(() => req.socket.destroy(), 20);
    } else if (path === "/stall") {
      res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
      res.write('{"ok":');
      setTimeout(() => req.socket.destroy(), 3_000).unref();
    } else if (path === "/busy-then-ok") {
      if (seen[path] === 1) {
        res.writeHead(429, { "retry-after": "0", "content-type": "application/json" });
        res.end(JSON.stringify({ error: "rate_limited" }));
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: true }));
      }
    } else if (path === "/refused") {
      res.writeHead(403, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "access_denied" }));
    } else {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: "not a boolean" }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const get = (path: string) => (signal: AbortSignal) =>
  httpGet(`${base}${path}`, { Accept: "application/json", Authorization: "Bearer t0k" }, signal);

describe("httpGet through callJson", () => {
  it("reads a JSON answer, with the headers sent", async () => {
    const answer = await httpGet(`${base}/ok`, { Authorization: "Bearer t0k" }, new AbortController().signal);
    expect(answer.status).toBe(200);
    expect(answer.ok).toBe(true);
    expect(answer.headers.get("Content-Type")).toBe("application/json");
    expect(answer.headers.get("x-absent")).toBeNull();
    expect(JSON.parse(await answer.text())).toEqual({ ok: true, auth: "Bearer t0k" });
    await expect(callJson(get("/ok"), schema, opts())).resolves.toEqual({ ok: true });
  });

  it("fails as a network error, not retried, when the body is cut off", async () => {
    const err = await callJson(get("/cut"), schema, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).message).toBe("GET thing: network error");
    expect((err as UpstreamError).retryable).toBe(true);
  });

  it("times out when the body stops arriving", async () => {
    const err = await callJson(get("/stall"), schema, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).message).toBe("GET thing: timed out");
  });

  it("waits out a 429's Retry-After, then reads the answer", async () => {
    const retry = { ...noRetry, retries: 1 };
    await expect(callJson(get("/busy-then-ok"), schema, opts(retry))).resolves.toEqual({ ok: true });
    expect(seen["/busy-then-ok"]).toBe(2);
  });

  it("gives PKB's own code for a refusal, and says what was unexpected in an answer's shape", async () => {
    const refused = (await callJson(get("/refused"), schema, opts()).catch((e: unknown) => e)) as UpstreamError;
    expect(refused.status).toBe(403);
    expect(refused.upstreamCode).toBe("access_denied");
    expect(refused.retryable).toBe(false);
    const odd = (await callJson(get("/odd"), schema, opts()).catch((e: unknown) => e)) as UpstreamError;
    expect(odd.message).toMatch(/^GET thing: unexpected response shape \(ok: /);
  });

  it("fails as a network error when nobody listens", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await callJson((signal) => httpGet(`http://127.0.0.1:${port}/ok`, {}, signal), schema, opts()).catch(
      (e: unknown) => e,
    );
    expect((err as UpstreamError).message).toBe("GET thing: network error");
  });
});
