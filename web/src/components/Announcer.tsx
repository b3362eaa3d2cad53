// Screen reader announcements: one polite and one assertive live region for the whole app, present from the first
// render (a region added at the moment of the message is often not read). Each message is added to its region as an
// element of its own, read as an addition: screen readers queue polite additions, so a second message soon after a
// first (a live update just after a confirmation) is read after it instead of replacing it before it was read, and the
// same text twice is read twice. A message leaves the region MESSAGE_MS later (taking it away is not read out).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

interface Announcer {
  /** Reads `text` out politely (after what is being read), or at once when `assertive`. */
  announce: (text: string, assertive?: boolean) => void;
}

/** How long a message stays in its region (ms): long after any screen reader has taken it. */
const MESSAGE_MS = 15_000;
/** At most this many messages are kept in a region (the oldest go first). */
const MAX_MESSAGES = 5;

interface Message {
  id: number;
  text: string;
}

const Ctx = createContext<Announcer>({ announce: () => undefined });

/** Provides announce() and renders the live regions. */
export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [polite, setPolite] = useState<Message[]>([]);
  const [assertive, setAssertive] = useState<Message[]>([]);
  const lastId = useRef(0);
  const timers = useRef(new Set<number>());
  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const t of pending) window.clearTimeout(t);
    };
  }, []);
  const announce = useCallback((text: string, urgent = false) => {
    if (!text) return;
    const set = urgent ? setAssertive : setPolite;
    const message = { id: ++lastId.current, text };
    set((list) => [...list, message].slice(-MAX_MESSAGES));
    const timer = window.setTimeout(() => {
      timers.current.delete(timer);
      set((list) => list.filter((m) => m !== message));
    }, MESSAGE_MS);
    timers.current.add(timer);
  }, []);
  const value = useMemo(() => ({ announce }), [announce]);
  return (
    <Ctx.Provider value={value}>
      {children}
      <div
        className="nhsuk-u-visually-hidden"
        aria-live="polite"
        aria-relevant="additions"
        aria-atomic="false"
        data-testid="live-polite"
      >
        {polite.map((m) => (
          <div key={m.id}>{m.text}</div>
        ))}
      </div>
      <div className="nhsuk-u-visually-hidden" aria-live="assertive" aria-relevant="additions" aria-atomic="false">
        {assertive.map((m) => (
          <div key={m.id}>{m.text}</div>
        ))}
      </div>
    </Ctx.Provider>
  );
}

/** The app's announcer. */
export const useAnnouncer = (): Announcer => useContext(Ctx);
