// GET messages read as it arrives (PkbRest.streamMessagesAfter), against a real local HTTP server sending the answer
// in small chunks: conversations handed over in batches, and an answer that is not one JSON array failing as PKB's
// answer (an UpstreamError, not retried, counted as an invalid body) without quoting it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/errors.ts";
import { pkbCallErrors } from "../../src/metrics/instruments.ts";
import { PkbRest } from "../../src/pkb/rest.ts";
import type { UserTokens } from "../../src/pkb/tokens.ts";

const conversation = (i: number) => ({
  id: `c${i}`,
  subject: "Appointment",
  messages: [
    {
      id: `m${i}`,
      conversationId: `c${i}`,
      subject: "Request to change appointment: Sunday 14 September 2025 12:00am - Emergency",
      content: `Note "${i}" with ] and } and a \\ and 🙂`,
      senderId: "u1",
      patientId: "u1",
      timestamp: 1_757_804_400_000 + i,
    },
  ],
});

const BODIES: Record<string, string> = {
  ok: JSON.stringify(
    Array.from({ length: 25 }, (_, i) => conversation(i)),
    null,
    1,
  ),
  garbled: `[${JSON.stringify(conversation(1))},{"id":"c2","subject":Mr Smith}]`,
  truncated: `[${JSON.stringify(conversation(1))},${JSON.stringify(conversation(2)).slice(0, 40)}`,
};
const seen: Record<string, number> = {};

let server: http.Server;
let rest: PkbRest;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const which = (req.url ?? "").split("/").at(-1) ?? "";
    seen[which] = (seen[which] ?? 0) + 1;
    const body = Buffer.from(BODIES[which] ?? "[]");
    res.writeHead(200, { "content-type": "application/json" }); // chunked: it ends cleanly, whatever it holds
    let at = 0;
    const next = () => {
      if (at >= body.length) return res.end();
      res.write(body.subarray(at, at + 97), () => setImmediate(next));
      at += 97;
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // The connection's tokens are not what is tested here: any token does.
  const tokens = { accessToken: async () => "t0k" } as unknown as UserTokens;
  rest = new PkbRest(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, tokens, {
    timeoutMs: 2_000,
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1_000 },
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const invalidBodies = async () =>
  (await pkbCallErrors.get()).values.find(
    (v) => v.labels.status === "invalid_body" && v.labels.endpoint === "GET /json/messages/after/{date}",
  )?.value ?? 0;

describe("GET messages read as a stream", () => {
  it("hands the conversations over in batches, whatever the chunks", async () => {
    const batches: string[][] = [];
    const total = await rest.streamMessagesAfter(
      "connection",
      "ok",
      async (conversations, malformed) => {
        expect(malformed).toEqual([]);
        batches.push(conversations.map((c) => c.id));
      },
      10,
    );
    expect(total).toBe(25);
    expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => `c${i}`));
    expect(batches.every((b) => b.length >= 10 || b === batches.at(-1))).toBe(true);
  });

  it("fails as PKB's answer, once and without quoting it, when an element is not JSON or the array is cut short", async () => {
    for (const which of ["garbled", "truncated"]) {
      const before = await invalidBodies();
      const stored: string[] = [];
      const err = await rest
        .streamMessagesAfter("connection", which, async (cs) => void stored.push(...cs.map((c) => c.id)))
        .catch((e: unknown) => e);
      expect(err, which).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).retryable).toBe(false);
      expect((err as Error).message).toMatch(/^GET messages: /);
      expect((err as Error).message).not.toContain("Smith");
      expect(seen[which], which).toBe(1); // not retried
      expect(await invalidBodies()).toBe(before + 1);
      expect(stored).toEqual([]); // a batch is only handed over when full or at the end
    }
  });
});
