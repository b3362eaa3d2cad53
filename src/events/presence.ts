// Who is looking at or working on which request right now. Browsers send a heartbeat every ~20 s; an entry without one
// for PRESENCE_TTL_MS is gone. Kept in memory and fed from the event bus, so on PostgreSQL every instance learns the
// others' presence through the relay; a restarted instance forgets it until the next heartbeats (20 s).
import type { Db } from "../store/db.ts";
import { eventBus, type EventBus, type PresenceEvent } from "./bus.ts";

/** How long a presence entry lasts without a heartbeat. */
export const PRESENCE_TTL_MS = 60_000;

/** One person's presence on a request. */
export interface PresenceEntry {
  userId: string;
  displayName: string;
  state: "viewing" | "editing";
  /** When they entered this state. */
  since: Date;
}

interface Held extends PresenceEntry {
  /** Local clock (ms) of the last heartbeat: expiry never depends on another machine's clock. */
  seenAt: number;
  /** The request fields of the last event, for the "left" event on expiry. */
  request: Pick<PresenceEvent, "requestId" | "teamId" | "status" | "assignedUserId">;
}

/** The presence of everyone on every request, for one store. */
export class PresenceStore {
  private readonly byRequest = new Map<string, Map<string, Held>>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly clock: () => number = Date.now,
    private readonly ttlMs = PRESENCE_TTL_MS,
  ) {
    bus.subscribe((e) => {
      if (e.type === "presence") this.apply(e);
    });
  }

  /** Everyone present on a request (expired entries dropped), longest-present first, without `excludeUserId`. */
  list(requestId: string, excludeUserId?: string | null): PresenceEntry[] {
    this.expire();
    return [...(this.byRequest.get(requestId)?.values() ?? [])]
      .filter((h) => h.userId !== excludeUserId)
      .sort((a, b) => a.since.getTime() - b.since.getTime() || a.userId.localeCompare(b.userId))
      .map(({ userId, displayName, state, since }) => ({ userId, displayName, state, since }));
  }

  /** The event for a heartbeat or departure of `user` on a request (publish it; the store learns it from the bus). */
  change(
    request: Held["request"],
    user: { id: string; displayName: string },
    state: PresenceEntry["state"] | "left",
    now: Date,
  ): PresenceEvent {
    const held = this.byRequest.get(request.requestId)?.get(user.id);
    const since = held && held.state === state ? held.since : now;
    return {
      type: "presence",
      ...request,
      at: now.toISOString(),
      presence: { userId: user.id, displayName: user.displayName, state, since: since.toISOString() },
    };
  }

  private apply(e: PresenceEvent): void {
    const { requestId, teamId, status, assignedUserId } = e;
    let people = this.byRequest.get(requestId);
    if (e.presence.state === "left") {
      people?.delete(e.presence.userId);
      if (people?.size === 0) this.byRequest.delete(requestId);
    } else {
      if (!people) this.byRequest.set(requestId, (people = new Map<string, Held>()));
      people.set(e.presence.userId, {
        userId: e.presence.userId,
        displayName: e.presence.displayName,
        state: e.presence.state,
        since: new Date(e.presence.since),
        seenAt: this.clock(),
        request: { requestId, teamId, status, assignedUserId },
      });
    }
    this.schedule();
  }

  /** Drops entries past their time and tells this instance's listeners they left (each instance expires its own). */
  private expire(): void {
    const cutoff = this.clock() - this.ttlMs;
    for (const [requestId, people] of this.byRequest) {
      for (const held of [...people.values()]) {
        if (held.seenAt >= cutoff) continue; // lasts the full TTL
        people.delete(held.userId);
        void this.bus.publish(
          {
            type: "presence",
            ...held.request,
            at: new Date(this.clock()).toISOString(),
            presence: {
              userId: held.userId,
              displayName: held.displayName,
              state: "left",
              since: held.since.toISOString(),
            },
          },
          { relay: false },
        );
      }
      if (people.size === 0) this.byRequest.delete(requestId);
    }
    this.schedule();
  }

  /** Sweeps every 10 s while anyone is present, so "left" is announced without anyone asking. */
  private schedule(): void {
    if (this.byRequest.size === 0) {
      if (this.sweeper) clearInterval(this.sweeper);
      this.sweeper = null;
    } else if (!this.sweeper) {
      this.sweeper = setInterval(() => this.expire(), 10_000);
      this.sweeper.unref();
    }
  }
}

const stores = new WeakMap<Db, PresenceStore>();

/** The presence store of the store `db` (created on first use, fed by its event bus). */
export function presenceStore(db: Db): PresenceStore {
  let store = stores.get(db);
  if (!store) {
    store = new PresenceStore(eventBus(db));
    stores.set(db, store);
  }
  return store;
}
