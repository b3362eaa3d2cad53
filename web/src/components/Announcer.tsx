// Screen reader announcements: one polite and one assertive live region for the whole app, present from the first
// render (a region added at the moment of the message is often not read).
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";

interface Announcer {
  /** Reads `text` out politely (after what is being read), or at once when `assertive`. */
  announce: (text: string, assertive?: boolean) => void;
}

const Ctx = createContext<Announcer>({ announce: () => undefined });

/** Provides announce() and renders the live regions. */
export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [polite, setPolite] = useState("");
  const [assertive, setAssertive] = useState("");
  const timer = useRef<number | undefined>(undefined);
  const announce = useCallback((text: string, urgent = false) => {
    const set = urgent ? setAssertive : setPolite;
    // Clear first so the same text twice is read twice.
    set("");
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => set(text), 50);
  }, []);
  const value = useMemo(() => ({ announce }), [announce]);
  return (
    <Ctx.Provider value={value}>
      {children}
      <div className="nhsuk-u-visually-hidden" aria-live="polite" aria-atomic="true" data-testid="live-polite">
        {polite}
      </div>
      <div className="nhsuk-u-visually-hidden" aria-live="assertive" aria-atomic="true">
        {assertive}
      </div>
    </Ctx.Provider>
  );
}

/** The app's announcer. */
export const useAnnouncer = (): Announcer => useContext(Ctx);
