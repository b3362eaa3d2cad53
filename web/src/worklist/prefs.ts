// How a person likes the worklist laid out (compact rows, the preview pane, the filters open): remembered in this
// browser per person. Filters, sort and page stay in the URL (view.ts); this is only the layout.
import { useCallback, useEffect, useState } from "react";

export interface WorklistPrefs {
  /** One line per request. */
  compact: boolean;
  /** At wide screens: the list with the selected request beside it. */
  preview: boolean;
  /** The filter panel shown (the search is always shown). */
  filtersOpen: boolean;
}

const DEFAULTS: WorklistPrefs = { compact: false, preview: false, filtersOpen: false };

const key = (userId: string) => `rebook.worklist.layout.${userId}`;

/** Reads the remembered layout (defaults for anything missing or unreadable). */
export function readPrefs(userId: string): WorklistPrefs {
  try {
    const stored = JSON.parse(localStorage.getItem(key(userId)) ?? "{}") as Partial<
      Record<keyof WorklistPrefs, unknown>
    >;
    return {
      compact: typeof stored.compact === "boolean" ? stored.compact : DEFAULTS.compact,
      preview: typeof stored.preview === "boolean" ? stored.preview : DEFAULTS.preview,
      filtersOpen: typeof stored.filtersOpen === "boolean" ? stored.filtersOpen : DEFAULTS.filtersOpen,
    };
  } catch {
    return DEFAULTS;
  }
}

/** The layout and a setter that remembers each change. */
export function usePrefs(userId: string): [WorklistPrefs, (change: Partial<WorklistPrefs>) => void] {
  const [prefs, setPrefs] = useState(() => readPrefs(userId));
  const update = useCallback(
    (change: Partial<WorklistPrefs>) =>
      setPrefs((p) => {
        const next = { ...p, ...change };
        try {
          localStorage.setItem(key(userId), JSON.stringify(next));
        } catch {
          // Storage full or blocked: the layout still changes for this page.
        }
        return next;
      }),
    [userId],
  );
  return [prefs, update];
}

/** True while the window is at least `px` wide (the preview pane needs room beside the list). */
export function useWide(px = 1200): boolean {
  const query = `(min-width: ${px}px)`;
  const [wide, setWide] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const on = (e: MediaQueryListEvent) => setWide(e.matches);
    setWide(m.matches);
    m.addEventListener("change", on);
    return () => m.removeEventListener("change", on);
  }, [query]);
  return wide;
}
