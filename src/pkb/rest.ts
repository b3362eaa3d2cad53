// PKB's custom REST API (user token): messages and users. A 401 is replayed once after a refresh; a 401 that says the
// session is over marks the connection as needing re-authorisation.
import type { z } from "zod";
import { UpstreamError } from "../errors.ts";
import { JSONParser } from "@streamparser/json";
import { callJson, callResponse, type RetryPolicy } from "./http.ts";
import { SESSION_ENDED_CODES } from "./oauth.ts";
import {
  pkbConversationSchema,
  pkbConversationsSchema,
  pkbUserSchema,
  type PkbConversation,
  type PkbUser,
} from "./schemas.ts";
import type { UserTokens } from "./tokens.ts";

/** The messages endpoint as a metrics label (its date is a parameter, not part of the name). */
const MESSAGES_AFTER = "GET /json/messages/after/{date}";

export class PkbRest {
  constructor(
    private readonly baseUrl: string,
    private readonly tokens: UserTokens,
    private readonly opts: { timeoutMs: number; retry?: RetryPolicy },
  ) {}

  /** Runs `call` with the connection's access token: a 401 is replayed once after a refresh. */
  private async withToken<T>(connectionId: string, call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.tokens.accessToken(connectionId);
    try {
      return await call(token);
    } catch (err) {
      if (!(err instanceof UpstreamError) || err.status !== 401) throw err;
      if (err.upstreamCode && SESSION_ENDED_CODES.has(err.upstreamCode)) {
        throw await this.tokens.sessionEnded(connectionId, err.upstreamCode);
      }
      // Expired or otherwise refused: refresh once and replay once.
      const again = await this.tokens.accessToken(connectionId, token);
      try {
        return await call(again);
      } catch (err2) {
        if (err2 instanceof UpstreamError && err2.status === 401) {
          throw await this.tokens.sessionEnded(connectionId, err2.upstreamCode ?? "BAD_AUTHENTICATION");
        }
        throw err2;
      }
    }
  }

  private fetcher(path: string, token: string) {
    return (signal: AbortSignal) =>
      fetch(`${this.baseUrl}${path}`, {
        headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
        signal,
      });
  }

  private get<S extends z.ZodType>(
    connectionId: string,
    path: string,
    schema: S,
    what: string,
    endpoint: string,
  ): Promise<z.output<S>> {
    return this.withToken(connectionId, (token) =>
      callJson(this.fetcher(path, token), schema, {
        service: "pkb_rest",
        timeoutMs: this.opts.timeoutMs,
        retry: this.opts.retry,
        what,
        endpoint,
      }),
    );
  }

  /**
   * Streams the connection user's conversations with messages after `since`, parsing the JSON array as it arrives and
   * handing them to `onBatch` `batchSize` at a time (the next part of the body is read only when the batch is done),
   * so a backlog of any size is never held whole. Returns the number of conversations.
   */
  streamMessagesAfter(
    connectionId: string,
    since: string,
    onBatch: (conversations: PkbConversation[]) => Promise<void>,
    batchSize = 100,
  ): Promise<number> {
    const path = `/json/messages/after/${encodeURIComponent(since)}`;
    return this.withToken(connectionId, (token) =>
      callResponse(
        this.fetcher(path, token),
        async (res, touch) => {
          if (!res.body) return 0;
          const parser = new JSONParser({ paths: ["$.*"], keepStack: false });
          let pending: PkbConversation[] = [];
          let total = 0;
          const failure: { error: UpstreamError | null } = { error: null };
          parser.onValue = ({ value }) => {
            const parsed = pkbConversationSchema.safeParse(value);
            if (!parsed.success) {
              failure.error ??= new UpstreamError(
                "pkb_rest",
                `GET messages: unexpected conversation shape (${parsed.error.issues[0]?.message ?? ""})`,
                200,
                false,
              );
              return;
            }
            pending.push(parsed.data);
          };
          const reader = (res.body as ReadableStream<Uint8Array>).getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            touch();
            // The parser ends by itself after the top-level array; anything after it is ignored (whitespace).
            if (!parser.isEnded) parser.write(value);
            if (failure.error) throw failure.error;
            if (pending.length >= batchSize) {
              const batch = pending;
              pending = [];
              total += batch.length;
              await onBatch(batch);
            }
          }
          if (!parser.isEnded) parser.end(); // throws on a truncated body
          if (failure.error) throw failure.error;
          if (pending.length > 0) {
            total += pending.length;
            await onBatch(pending);
          }
          return total;
        },
        {
          service: "pkb_rest",
          timeoutMs: this.opts.timeoutMs,
          retry: this.opts.retry,
          what: "GET messages",
          endpoint: MESSAGES_AFTER,
        },
      ),
    );
  }

  /** The connection user's conversations with messages after `since` (PKB takes a date; the window is coarse). */
  messagesAfter(connectionId: string, since: string): Promise<PkbConversation[]> {
    return this.get(
      connectionId,
      `/json/messages/after/${encodeURIComponent(since)}`,
      pkbConversationsSchema,
      "GET messages",
      MESSAGES_AFTER,
    );
  }

  /** A PKB user's details (the patient's NHS number is among nationalIds). */
  user(connectionId: string, userId: string): Promise<PkbUser> {
    return this.get(
      connectionId,
      `/json/v1/users/${encodeURIComponent(userId)}`,
      pkbUserSchema,
      "GET user",
      "GET /json/v1/users/{id}",
    );
  }

  /** The user a fresh access token belongs to (used once, right after Grant Access, before the token is stored). */
  async selfWithToken(accessToken: string): Promise<PkbUser> {
    return callJson(
      (signal) =>
        fetch(`${this.baseUrl}/json/users/self`, {
          headers: { Accept: "application/json", Authorization: `Bearer ${accessToken}` },
          signal,
        }),
      pkbUserSchema,
      {
        service: "pkb_rest",
        timeoutMs: this.opts.timeoutMs,
        retry: this.opts.retry,
        what: "GET self",
        endpoint: "GET /json/users/self",
      },
    );
  }

  /** The signed-in user (who granted access). */
  self(connectionId: string): Promise<PkbUser> {
    return this.get(connectionId, "/json/users/self", pkbUserSchema, "GET self", "GET /json/users/self");
  }
}
