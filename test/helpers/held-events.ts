// Live events held back in a page, so that "the event came late" does not depend on the machine's speed: install
// HOLD_EVENTS with context.addInitScript, then hold(page, requestId), act, and release(page).
import type { Page } from "playwright-core";

// Runs in the page before the app (a string: the tests' TypeScript has no DOM types). Messages about the request whose
// id is in window.__holdFor (request.updated, not presence) are kept back (the app's handler never sees them) until window.__release() delivers them.
export const HOLD_EVENTS = `(() => {
  const Real = window.EventSource;
  window.__holdFor = null;
  window.__held = [];
  window.__live = false;
  class HoldingEventSource extends Real {
    constructor(...args) {
      super(...args);
      this.addEventListener("open", () => (window.__live = true));
      // Added before the app sets onmessage, so it runs first and can stop it.
      this.addEventListener("message", (m) => {
        if (!window.__holdFor || m.__released) return;
        let d = null;
        try { d = JSON.parse(m.data); } catch { return; }
        if (d && d.type === "request.updated" && d.requestId === window.__holdFor) {
          m.stopImmediatePropagation();
          window.__held.push({ source: this, data: m.data });
        }
      });
    }
  }
  window.EventSource = HoldingEventSource;
  window.__release = () => {
    window.__holdFor = null;
    for (const h of window.__held.splice(0)) {
      const m = new MessageEvent("message", { data: h.data });
      m.__released = true;
      h.source.dispatchEvent(m);
    }
  };
})()`;

/** How many events the page holds back. */
export const held = (page: Page) => page.evaluate<number>("window.__held.length");
/** Holds back the request's request.updated events from now on. */
export const hold = (page: Page, id: string) => page.evaluate(`window.__holdFor = ${JSON.stringify(id)}`);
/** Delivers the held events, in order, and stops holding. */
export const release = (page: Page) => page.evaluate("window.__release()");
/** Waits until the page's live stream is open. */
export const live = (page: Page) => page.waitForFunction("window.__live === true");
