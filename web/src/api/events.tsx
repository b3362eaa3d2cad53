// Live updates: one EventSource on /api/events for the whole app while signed in. Each message is JSON with a `type`:
// request.created / request.updated (the request's id, team, status, assignee, who made the change and from which
// browser tab) or presence (someone viewing, editing or leaving a request). Events are not replayed after a reconnect,
// so `epoch` changes on every (re)open and screens refetch. A "session_ended" event means the session is over.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { RequestStatus } from "./types.ts";

/** Someone else on a request. */
export interface Presence {
  userId: string;
  displayName: string;
  state: "viewing" | "editing";
  /** When we last heard of it (local ms). */
  seenAt: number;
}

export interface RequestEvent {
  type: "request.created" | "request.updated";
  requestId: string;
  teamId: string | null;
  status: RequestStatus;
  assignedUserId: string | null;
  /** Who made the change (null: the system). The user's own changes are confirmed where they made them, not news. */
  actorUserId: string | null;
  /** The browser tab the change was made from, when its write said: TAB_ID (api/client.ts) for one made in this tab. */
  tabId: string | null;
  /** "waiting_ended": the wait for the patient ended and the request is back (a reminder for its assignee). */
  reminder?: "waiting_ended";
}

type Listener = (e: RequestEvent) => void;

interface Events {
  /** False while the stream is down (it reconnects by itself). */
  live: boolean;
  /** Changes each time the stream (re)opens: refetch what is on screen. */
  epoch: number;
  subscribe: (l: Listener) => () => void;
  /** Others (not me) on each request. */
  presence: ReadonlyMap<string, Presence[]>;
  /** Records who is on a request as the presence API answered (the others, not me). */
  setPresenceFor: (
    requestId: string,
    entries: { userId: string; displayName: string; state: "viewing" | "editing" }[],
  ) => void;
}

const Ctx = createContext<Events>({
  live: false,
  epoch: 0,
  subscribe: () => () => undefined,
  presence: new Map(),
  setPresenceFor: () => undefined,
});

// The server forgets presence after 60 s without a heartbeat (and says "left"); forget it a little later here too.
const PRESENCE_TTL_MS = 75_000;

const parse = (raw: string): Record<string, unknown> | null => {
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

export function EventsProvider({
  myUserId,
  onSessionEnded,
  children,
}: {
  myUserId: string | null;
  onSessionEnded: () => void;
  children: ReactNode;
}) {
  const [live, setLive] = useState(false);
  const [epoch, setEpoch] = useState(0);
  const [presence, setPresence] = useState<Map<string, Presence[]>>(new Map());
  const listeners = useRef(new Set<Listener>());
  const ended = useRef(onSessionEnded);
  ended.current = onSessionEnded;

  const setPresenceFor = useCallback<Events["setPresenceFor"]>(
    (requestId, entries) => {
      setPresence((prev) => {
        const next = new Map(prev);
        const now = Date.now();
        const list = entries
          .filter((e) => e.userId !== myUserId)
          .map((e) => ({ userId: e.userId, displayName: e.displayName, state: e.state, seenAt: now }));
        if (list.length) next.set(requestId, list);
        else next.delete(requestId);
        return next;
      });
    },
    [myUserId],
  );

  useEffect(() => {
    if (!myUserId || typeof EventSource === "undefined") return;
    const es = new EventSource("/api/events");
    es.onopen = () => {
      setLive(true);
      setEpoch((n) => n + 1);
    };
    es.onerror = () => setLive(es.readyState === EventSource.OPEN);
    es.addEventListener("session_ended", () => {
      es.close();
      setLive(false);
      ended.current();
    });
    es.onmessage = (m: MessageEvent<string>) => {
      const d = parse(m.data);
      if (!d || typeof d.requestId !== "string") return;
      const requestId = d.requestId;
      if (d.type === "request.created" || d.type === "request.updated") {
        const e: RequestEvent = {
          type: d.type,
          requestId,
          teamId: (d.teamId as string | null) ?? null,
          status: d.status as RequestStatus,
          assignedUserId: (d.assignedUserId as string | null) ?? null,
          actorUserId: typeof d.actorUserId === "string" ? d.actorUserId : null,
          tabId: typeof d.tabId === "string" ? d.tabId : null,
          ...(d.reminder === "waiting_ended" ? { reminder: "waiting_ended" as const } : {}),
        };
        for (const l of listeners.current) l(e);
        return;
      }
      if (d.type !== "presence") return;
      const p = d.presence as { userId?: string; displayName?: string; state?: string } | undefined;
      if (!p?.userId || p.userId === myUserId) return;
      const userId = p.userId;
      setPresence((prev) => {
        const next = new Map(prev);
        const list = (next.get(requestId) ?? []).filter((x) => x.userId !== userId);
        if (p.state === "viewing" || p.state === "editing") {
          list.push({ userId, displayName: p.displayName ?? "Someone", state: p.state, seenAt: Date.now() });
        }
        if (list.length) next.set(requestId, list);
        else next.delete(requestId);
        return next;
      });
    };
    // Forget presence nobody has refreshed (a "left" that never came).
    const sweep = window.setInterval(() => {
      setPresence((prev) => {
        const now = Date.now();
        let changed = false;
        const next = new Map<string, Presence[]>();
        for (const [k, v] of prev) {
          const kept = v.filter((p) => now - p.seenAt < PRESENCE_TTL_MS);
          if (kept.length !== v.length) changed = true;
          if (kept.length) next.set(k, kept);
        }
        return changed ? next : prev;
      });
    }, 15_000);
    return () => {
      es.close();
      window.clearInterval(sweep);
      setLive(false);
    };
  }, [myUserId]);

  const subscribe = useCallback((l: Listener) => {
    listeners.current.add(l);
    return () => {
      listeners.current.delete(l);
    };
  }, []);

  const value = useMemo<Events>(
    () => ({ live, epoch, presence, subscribe, setPresenceFor }),
    [live, epoch, presence, subscribe, setPresenceFor],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The live event stream. */
export const useEvents = (): Events => useContext(Ctx);

/** "Sam Smith is working on this" / "Sam Smith and 1 other are viewing this"; null when nobody else is there. */
export function presenceText(list: readonly Presence[] | undefined): string | null {
  if (!list || list.length === 0) return null;
  const editing = list.filter((p) => p.state === "editing");
  const who = editing.length ? editing : list;
  const first = who[0]!.displayName;
  const others = who.length - 1;
  const names = others > 0 ? `${first} and ${others} other${others === 1 ? "" : "s"}` : first;
  const verb = others > 0 ? "are" : "is";
  return editing.length ? `${names} ${verb} working on this` : `${names} ${verb} viewing this`;
}
