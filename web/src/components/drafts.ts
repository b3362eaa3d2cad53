// Drafts of typed work (the outcome form, a note), kept in this browser tab's sessionStorage by person and request, so
// a session that ends mid-form, a reload or leaving the page loses nothing. Cleared when the work is saved or
// discarded, and all of a person's drafts when they sign out (a session that merely expired keeps them for sign-in).
import { useCallback, useEffect, useRef, useState } from "react";

const PREFIX = "rebook:draft:";

/** The storage key of one draft. */
const keyOf = (userId: string, kind: string, requestId: string): string => `${PREFIX}${userId}:${kind}:${requestId}`;

interface Stored<T> {
  value: T;
  savedAt: string;
}

function read<T>(key: string): Stored<T> | null {
  try {
    const raw = window.sessionStorage.getItem(key);
    return raw ? (JSON.parse(raw) as Stored<T>) : null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  try {
    window.sessionStorage.setItem(key, JSON.stringify({ value, savedAt: new Date().toISOString() }));
  } catch {
    // Storage full or blocked: the form still works, only the draft is not kept.
  }
}

/** Whether a draft of `kind` exists for the request. */
export function hasDraft(userId: string, kind: string, requestId: string): boolean {
  return read(keyOf(userId, kind, requestId)) !== null;
}

/** Forgets every draft of a person (on signing out), or of everyone when no id is given. */
export function clearDrafts(userId?: string): void {
  try {
    const prefix = userId ? `${PREFIX}${userId}:` : PREFIX;
    for (const k of Object.keys(window.sessionStorage)) if (k.startsWith(prefix)) window.sessionStorage.removeItem(k);
  } catch {
    // Nothing kept, nothing to clear.
  }
}

/**
 * A value kept as a draft: starts from the stored draft (`restored` says so) or `initial`; every change is stored
 * unless `isEmpty(value)`, which removes the draft. `discard()` forgets it and goes back to `initial`.
 */
export function useDraft<T>(
  where: { userId: string; kind: string; requestId: string },
  initial: T,
  isEmpty: (v: T) => boolean,
): { value: T; set: (v: T) => void; restored: string | null; discard: () => void } {
  const key = keyOf(where.userId, where.kind, where.requestId);
  const first = useRef<Stored<T> | null | undefined>(undefined);
  if (first.current === undefined) first.current = read<T>(key);
  const [value, setValue] = useState<T>(first.current?.value ?? initial);
  const [restored, setRestored] = useState<string | null>(first.current?.savedAt ?? null);
  const emptyRef = useRef(isEmpty);
  emptyRef.current = isEmpty;
  useEffect(() => {
    if (emptyRef.current(value)) window.sessionStorage.removeItem(key);
    else write(key, value);
  }, [key, value]);
  const discard = useCallback(() => {
    window.sessionStorage.removeItem(key);
    setRestored(null);
    setValue(initial);
  }, [key, initial]);
  return { value, set: setValue, restored, discard };
}
