// Warns before leaving a page with unsaved typed work: in-app navigation (links, Back) is held by React Router's
// blocker and the person chooses in a dialog; closing or reloading the tab gets the browser's own "Leave site?" prompt.
import { useEffect, useRef, type ReactNode } from "react";
import { useBlocker } from "react-router";
import { Dialog } from "./Dialog.tsx";

/**
 * Guards the page while `dirty`. Returns the dialog to render, and `release()` to let the next navigation through
 * (after the work was saved, before moving on).
 */
export function useLeaveGuard(dirty: boolean, what: string): { dialog: ReactNode; release: () => void } {
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  const released = useRef(false);
  useEffect(() => {
    if (dirty) released.current = false;
  }, [dirty]);
  // Only leaving the page counts: the request page changes its own query (?action=outcome) as forms open and close.
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirtyRef.current && !released.current && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (!dirty) return;
    const onUnload = (e: BeforeUnloadEvent) => {
      if (released.current) return;
      e.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", onUnload);
    return () => window.removeEventListener("beforeunload", onUnload);
  }, [dirty]);
  const dialog = (
    <Dialog
      open={blocker.state === "blocked"}
      title="You have not saved your changes"
      onClose={() => blocker.reset?.()}
      closeButton={false}
    >
      <p className="nhsuk-body" data-testid="leave-guard">
        You have typed {what} that is not saved. If you leave, it is kept as a draft in this browser tab until you save
        or discard it, or close the tab.
      </p>
      <div className="app-button-row">
        <button type="button" className="nhsuk-button" data-autofocus onClick={() => blocker.reset?.()}>
          Stay on this page
        </button>
        <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => blocker.proceed?.()}>
          Leave this page
        </button>
      </div>
    </Dialog>
  );
  return {
    dialog,
    release: () => {
      released.current = true;
    },
  };
}
