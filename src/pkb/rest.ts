// PKB's custom REST API (user token): messages and users. A 401 is replayed once after a refresh; a 401 that says the
// session is over marks the connection as needing re-authorisation.
import type { z } from "zod";
import { UpstreamError } from "../errors.ts";
import { callJson, callResponse, httpGet, type RetryPolicy } from "./http.ts";
import { JsonArrayElements, JsonArrayError } from "./json-array.ts";
import { SESSION_ENDED_CODES } from "./oauth.ts";
import {
  pkbConversationEnvelopeSchema,
  pkbConversationSchema,
  pkbMessageSchema,
  pkbConversationsSchema,
  pkbUserSchema,
  type PkbConversation,
  type PkbUser,
} from "./schemas.ts";
import type { UserTokens } from "./tokens.ts";

/** A conversation or message in PKB's answer that Rebook cannot read, handed over as received with the reason. */
export interface MalformedItem {
  conversationId: string | null;
  /** The message's id when it has a readable one. */
  messageId: string | null;
  value: unknown;
  reason: string;
}

const idOf = (v: unknown): string | null => {
  const id = (v as { id?: unknown } | null)?.id;
  return typeof id === "string" || typeof id === "number" ? String(id) : null;
};

/**
 * Reads one conversation of GET messages. A message that does not have the documented shape is handed back as
 * malformed and the conversation's other messages are read; so is a conversation that cannot be read at all.
 */
export function readConversation(value: unknown): { conversation: PkbConversation | null; malformed: MalformedItem[] } {
  const parsed = pkbConversationSchema.safeParse(value);
  if (parsed.success) return { conversation: parsed.data, malformed: [] };
  const envelope = pkbConversationEnvelopeSchema.safeParse(value);
  if (!envelope.success) {
    const reason = `unexpected conversation shape (${envelope.error.issues[0]?.message ?? ""})`;
    return { conversation: null, malformed: [{ conversationId: null, messageId: null, value, reason }] };
  }
  const malformed: MalformedItem[] = [];
  const messages: PkbConversation["messages"] = [];
  for (const raw of envelope.data.messages) {
    const m = pkbMessageSchema.safeParse(raw);
    if (m.success) messages.push(m.data);
    else {
      const issue = m.error.issues[0];
      malformed.push({
        conversationId: envelope.data.id,
        messageId: idOf(raw),
        value: raw,
        reason: `unexpected message shape (${issue ? `${issue.path.join(".")}: ${issue.message}` : ""})`,
      });
    }
  }
  return { conversation: { ...envelope.data, messages }, malformed };
}

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
        // Unless the connection holds newer tokens by now (a grant or refresh since): then replay with those.
        const ended = await this.tokens.sessionEnded(connectionId, err.upstreamCode, token);
        if (ended) throw ended;
      }
      // Expired or otherwise refused: refresh once and replay once.
      const again = await this.tokens.accessToken(connectionId, token);
      try {
        return await call(again);
      } catch (err2) {
        if (err2 instanceof UpstreamError && err2.status === 401) {
          const ended = await this.tokens.sessionEnded(connectionId, err2.upstreamCode ?? "BAD_AUTHENTICATION", again);
          if (ended) throw ended;
          throw new UpstreamError("pkb_rest", "PKB refused a token that was replaced meanwhile", 401, true);
        }
        throw err2;
      }
    }
  }

  /** A JSON GET of `path` (undici's request: one document, read whole). */
  private getter(path: string, token: string) {
    return (signal: AbortSignal) =>
      httpGet(`${this.baseUrl}${path}`, { Accept: "application/json", Authorization: `Bearer ${token}` }, signal);
  }

  /** A fetch of `path`, for an answer read as a stream (the messages). */
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
      callJson(this.getter(path, token), schema, {
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
   * so a backlog of any size is never held whole. What cannot be read (see readConversation) comes with the batch as
   * `malformed`: one odd message never stops the rest. Returns the number of conversations.
   */
  streamMessagesAfter(
    connectionId: string,
    since: string,
    onBatch: (conversations: PkbConversation[], malformed: MalformedItem[]) => Promise<void>,
    batchSize = 100,
  ): Promise<number> {
    const path = `/json/messages/after/${encodeURIComponent(since)}`;
    return this.withToken(connectionId, (token) =>
      callResponse(
        this.fetcher(path, token),
        async (res, touch, hold) => {
          if (!res.body) return 0;
          const parser = new JsonArrayElements();
          // What is not one JSON array is PKB's answer failing, as an answer that is not an array is (below).
          const read = (chunk: Uint8Array | null): unknown[] => {
            try {
              if (chunk) return parser.write(chunk);
              parser.end(); // throws on a truncated body
              return [];
            } catch (err) {
              if (err instanceof JsonArrayError)
                throw new UpstreamError("pkb_rest", `GET messages: ${err.message}`, 200, false);
              throw err;
            }
          };
          let pending: PkbConversation[] = [];
          let malformed: MalformedItem[] = [];
          let total = 0;
          const flush = async () => {
            const batch = pending;
            const bad = malformed;
            pending = [];
            malformed = [];
            total += batch.length;
            // Storing is Rebook's time, not PKB's: the idle timeout waits (PKB's side holds the rest meanwhile).
            await hold(() => onBatch(batch, bad));
          };
          const reader = (res.body as ReadableStream<Uint8Array>).getReader();
          let opened = false;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            touch();
            if (!opened) {
              // The answer must be an array: anything else is PKB failing, not a conversation to set aside.
              const first = value.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
              if (first === undefined) continue;
              if (first !== 0x5b)
                throw new UpstreamError("pkb_rest", "GET messages: the answer is not a JSON array", 200, false);
              opened = true;
            }
            // The parser ends by itself after the top-level array; anything after it is ignored (whitespace).
            for (const element of read(value)) {
              const conversation = readConversation(element);
              if (conversation.conversation) pending.push(conversation.conversation);
              malformed.push(...conversation.malformed);
            }
            if (pending.length + malformed.length >= batchSize) await flush();
          }
          read(null);
          if (pending.length > 0 || malformed.length > 0) await flush();
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
        httpGet(
          `${this.baseUrl}/json/users/self`,
          { Accept: "application/json", Authorization: `Bearer ${accessToken}` },
          signal,
        ),
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
