// Live updates: an in-process event bus that use cases and the pipeline publish to AFTER their transaction commits,
// and that the SSE endpoint and the presence store listen to. On PostgreSQL each event is also sent with NOTIFY so that
// other instances deliver it to their own listeners (see pg-relay.ts); PGlite is one process, so the bus alone will do.
// Events are hints for screens to refresh: the store stays the truth, and an event lost in a crash is harmless.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { REQUEST_STATUSES } from "../requests/vocabulary.ts";
import type { Db } from "../store/db.ts";

/** The NOTIFY channel instances share. */
export const EVENTS_CHANNEL = "rebook_events";

const requestFields = {
  requestId: z.uuid(),
  /** The request's team: who may receive the event is decided from it. */
  teamId: z.uuid().nullable(),
  status: z.enum(REQUEST_STATUSES),
  assignedUserId: z.uuid().nullable(),
  /** ISO 8601 instant the event was published. */
  at: z.iso.datetime(),
};

/**
 * A browser tab's id, as the web app sends it with each write (header x-rebook-tab): random, made when the tab opens
 * the app. Nothing else about the tab or the person.
 */
export const tabIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

/** Someone's presence on a request: "left" when they closed it or their heartbeat stopped. */
export const presenceChangeSchema = z.object({
  userId: z.uuid(),
  displayName: z.string(),
  state: z.enum(["viewing", "editing", "left"]),
  /** When they entered this state (ISO 8601). */
  since: z.iso.datetime(),
});

/** Every event the bus carries, as sent to browsers. */
export const busEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.enum(["request.updated", "request.created"]),
    ...requestFields,
    /**
     * Who made the change: a person's user id, null for the system (the pipeline, jobs). Their own screens take it as
     * theirs (confirmed where they made it), not as news. An instance of an earlier version does not say: null.
     */
    actorUserId: z.uuid().nullable().default(null),
    /**
     * The browser tab the change was made from, when its write said (x-rebook-tab): that tab loaded the request after
     * the answer, so it need not load it again for this event; the person's other tabs do.
     */
    tabId: tabIdSchema.optional(),
    /** The team it belonged to before this change (a transfer): that team's people hear of it leaving. */
    previousTeamId: z.uuid().nullable().optional(),
    /** A reminder for the assignee: the wait for the patient ended (src/requests/commands/snooze.ts). */
    reminder: z.literal("waiting_ended").optional(),
  }),
  z.object({ type: z.literal("presence"), ...requestFields, presence: presenceChangeSchema }),
]);
export type BusEvent = z.infer<typeof busEventSchema>;
export type RequestChange = Extract<BusEvent, { type: "request.updated" | "request.created" }>;
export type PresenceEvent = Extract<BusEvent, { type: "presence" }>;

/** One relayed event, or several published together (publishMany): one NOTIFY carries them all. */
const relayedSchema = z.union([
  z.object({ origin: z.string(), event: busEventSchema }),
  z.object({ origin: z.string(), events: z.array(busEventSchema) }),
]);

/** NOTIFY payloads must stay under 8,000 bytes: events published together are relayed in chunks below this. */
const RELAY_CHUNK_BYTES = 6_000;

type Listener = (event: BusEvent) => void;

/** Publish/subscribe within this process, relayed between instances on PostgreSQL. */
export class EventBus {
  /** Identifies this process's bus in relayed messages, so it ignores its own NOTIFYs. */
  readonly origin = randomUUID();
  private readonly listeners = new Set<Listener>();
  private failures = 0;

  /** `notify` sends a relayed message to other instances (null: this process only). */
  constructor(private readonly notify: ((payload: string) => Promise<unknown>) | null = null) {}

  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** How many listeners there are (open streams and stores). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** How many relays to other instances failed (they are not retried: events are hints). */
  get relayFailures(): number {
    return this.failures;
  }

  /**
   * Delivers `event` to this process's listeners at once and, unless `relay` is false, to other instances. Call after
   * the change it describes has committed. Never rejects.
   */
  async publish(event: BusEvent, opts: { relay?: boolean } = {}): Promise<void> {
    this.deliver(event);
    if (!this.notify || opts.relay === false) return;
    try {
      await this.notify(JSON.stringify({ origin: this.origin, event }));
    } catch {
      this.failures++;
    }
  }

  /**
   * Delivers many events (e.g. a batch of new requests) and relays them to other instances in as few NOTIFYs as fit
   * (each payload under RELAY_CHUNK_BYTES). Never rejects.
   */
  async publishMany(events: readonly BusEvent[]): Promise<void> {
    for (const event of events) this.deliver(event);
    if (!this.notify || events.length === 0) return;
    let chunk: string[] = [];
    let size = 0;
    const send = async () => {
      if (chunk.length === 0) return;
      // One event alone keeps publish()'s shape, which instances of an earlier version read too.
      const origin = JSON.stringify(this.origin);
      const payload =
        chunk.length === 1
          ? `{"origin":${origin},"event":${chunk[0]}}`
          : `{"origin":${origin},"events":[${chunk.join(",")}]}`;
      chunk = [];
      size = 0;
      try {
        await this.notify!(payload);
      } catch {
        this.failures++;
      }
    };
    for (const event of events) {
      const json = JSON.stringify(event);
      if (size + json.length > RELAY_CHUNK_BYTES) await send();
      chunk.push(json);
      size += json.length + 1;
    }
    await send();
  }

  /** Takes a message relayed by an instance (NOTIFY payload); delivers it unless it is this bus's own or malformed. */
  receive(payload: string): boolean {
    let parsed: z.infer<typeof relayedSchema> | null;
    try {
      const r = relayedSchema.safeParse(JSON.parse(payload));
      parsed = r.success ? r.data : null;
    } catch {
      parsed = null;
    }
    if (!parsed || parsed.origin === this.origin) return false;
    for (const event of "events" in parsed ? parsed.events : [parsed.event]) this.deliver(event);
    return true;
  }

  private deliver(event: BusEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One broken listener (a closed stream) must not stop the others.
      }
    }
  }
}

const buses = new WeakMap<Db, EventBus>();

/**
 * The bus of the store `db`: one per store object, so the HTTP app and the pipeline that share a store share a bus
 * without wiring, and tests with separate stores never hear each other. On PostgreSQL it relays with NOTIFY.
 */
export function eventBus(db: Db): EventBus {
  let bus = buses.get(db);
  if (!bus) {
    bus = new EventBus(
      db.engine === "postgres" ? (payload) => db.query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, payload]) : null,
    );
    buses.set(db, bus);
  }
  return bus;
}
