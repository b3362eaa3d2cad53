// Receives the events other instances publish (NOTIFY on EVENTS_CHANNEL) on one dedicated PostgreSQL connection and
// hands them to this instance's bus. Reconnects with backoff when the connection drops; events sent while it was down
// are lost (screens refetch when their stream reconnects, so nothing stays wrong).
import pg from "pg";
import type { Logger } from "../log.ts";
import { EVENTS_CHANNEL, type EventBus } from "./bus.ts";

export interface PgRelay {
  /** Resolves once the first LISTEN is in place (rejects if the first connection fails; it keeps retrying). */
  ready: Promise<void>;
  /** Whether LISTEN is in place right now. */
  listening(): boolean;
  stop(): Promise<void>;
}

/** Listens on `url` for other instances' events and delivers them to `bus`. */
export function startPgRelay(bus: EventBus, url: string, logger?: Logger): PgRelay {
  let client: pg.Client | null = null;
  let stopped = false;
  let listening = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;
  let settleReady: ((err?: Error) => void) | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    settleReady = (err) => (err ? reject(err) : resolve());
  });
  ready.catch(() => undefined); // callers that do not wait for it must not see an unhandled rejection

  const retry = (err: Error): void => {
    listening = false;
    const c = client;
    client = null;
    c?.removeAllListeners();
    c?.on("error", () => undefined);
    void c?.end().catch(() => undefined);
    if (stopped) return;
    settleReady?.(err);
    settleReady = null;
    const delay = Math.min(30_000, 500 * 2 ** attempt++) * (0.75 + Math.random() * 0.5);
    logger?.warn({ err: err.message, retryInMs: Math.round(delay) }, "event relay connection lost");
    timer = setTimeout(() => void connect(), delay);
    timer.unref();
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: url });
    client = c;
    c.on("notification", (msg) => {
      if (msg.channel === EVENTS_CHANNEL && msg.payload) bus.receive(msg.payload);
    });
    c.on("error", (err) => retry(err));
    c.on("end", () => {
      if (!stopped && client === c) retry(new Error("connection ended"));
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${EVENTS_CHANNEL}`);
      if (stopped) {
        await c.end().catch(() => undefined);
        return;
      }
      listening = true;
      attempt = 0;
      settleReady?.();
      settleReady = null;
    } catch (err) {
      if (client === c) retry(err as Error);
    }
  };

  void connect();
  return {
    ready,
    listening: () => listening,
    async stop() {
      stopped = true;
      listening = false;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners();
        c.on("error", () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}
