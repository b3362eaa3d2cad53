// Writes to a request someone else holds. The API refuses them with 409 held_by_other, naming the holder; here the
// person is asked (the holder named) and, only if they go ahead, the write is sent again with override. Nothing is
// written before they answer. Someone who may not override (a clerk, except for notes) is told whom to ask.
import { useCallback, useRef, useState, type ReactNode } from "react";
import { ApiError } from "../api/client.ts";
import { Dialog } from "./Dialog.tsx";

interface Ask {
  holder: string;
  /** What would be done, as a button label: "Save the outcome". */
  action: string;
  mayOverride: boolean;
}

/** The holder's name from a held_by_other error (its details, else its message). */
export function holderName(err: ApiError): string {
  const h = err.details?.holder as { displayName?: unknown } | undefined;
  return typeof h?.displayName === "string" ? h.displayName : "Someone else";
}

/**
 * Wraps a write so that `sending(true)` is called only while it is on its way to the server: a form says "Saving…" then,
 * not while the person is being asked (when nothing has been sent, and the dialog says nothing has changed).
 */
export function whileSending<T>(
  write: (override: boolean) => Promise<T>,
  sending: (on: boolean) => void,
): (override: boolean) => Promise<T> {
  return async (override) => {
    sending(true);
    try {
      return await write(override);
    } finally {
      sending(false);
    }
  };
}

/** Whether an error is the API's "someone else holds this request". */
export const isHeldByOther = (err: unknown): err is ApiError => err instanceof ApiError && err.code === "held_by_other";

/**
 * `run(write, opts)` calls write(false); on held_by_other it asks, and calls write(true) if the person goes ahead.
 * Resolves with the write's result, or null when they did not go ahead. Render `dialog` once.
 */
export function useHeldConfirm(): {
  run: <T>(
    write: (override: boolean) => Promise<T>,
    opts: { action: string; mayOverride: boolean },
  ) => Promise<T | null>;
  dialog: ReactNode;
} {
  const [ask, setAsk] = useState<Ask | null>(null);
  const resolver = useRef<((yes: boolean) => void) | null>(null);
  const answer = (yes: boolean) => {
    resolver.current?.(yes);
    resolver.current = null;
    setAsk(null);
  };
  const run = useCallback(
    async <T,>(write: (override: boolean) => Promise<T>, opts: { action: string; mayOverride: boolean }) => {
      try {
        return await write(false);
      } catch (err) {
        if (!isHeldByOther(err)) throw err;
        const yes = await new Promise<boolean>((resolve) => {
          resolver.current = resolve;
          setAsk({ holder: holderName(err), ...opts });
        });
        return yes ? write(true) : null;
      }
    },
    [],
  );
  const dialog = (
    <Dialog
      open={ask !== null}
      title={ask ? `${ask.holder} is working on this request` : ""}
      onClose={() => answer(false)}
      closeButton={false}
    >
      {ask?.mayOverride ? (
        <>
          <p className="nhsuk-body" data-testid="held-confirm">
            {ask.holder} has this request. Check with them first: you may both be changing it. Nothing has been changed
            yet.
          </p>
          <div className="app-button-row">
            <button type="button" className="nhsuk-button nhsuk-button--warning" onClick={() => answer(true)}>
              {ask.action} anyway
            </button>
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary"
              data-autofocus
              onClick={() => answer(false)}
            >
              Do not change it
            </button>
          </div>
        </>
      ) : ask ? (
        <>
          <p className="nhsuk-body" data-testid="held-confirm">
            {ask.holder} has this request, so only they or a team lead can change it. Nothing has been changed. Ask
            them, or a team lead, to take it further.
          </p>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary"
            data-autofocus
            onClick={() => answer(false)}
          >
            Close
          </button>
        </>
      ) : null}
    </Dialog>
  );
  return { run, dialog };
}
