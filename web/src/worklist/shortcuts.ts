// Single-key shortcuts for triage. They never fire while the person is typing (inputs, selects, text areas, editable
// content), with a modifier held, or while a dialog is open — except "?" which may open the list from anywhere but
// a text field.
import { useEffect, useRef } from "react";

/** The shortcuts, for the "?" dialog and the footer hint. */
export const SHORTCUTS: [keys: string[], what: string][] = [
  [["j"], "Next request"],
  [["k"], "Previous request"],
  [["↓", "↑"], "Next and previous request, with the preview pane"],
  [["Enter", "o"], "Open the request"],
  [["c"], "Claim the request"],
  [["r"], "Record an outcome for the request"],
  [["x"], "Select or deselect the request (team leads)"],
  [["/"], "Search"],
  [["?"], "Show these shortcuts"],
];

const typing = (t: EventTarget | null): boolean => {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  if (t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  if (t instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset"].includes(t.type);
  }
  return false;
};

/** Calls handlers[key] for unmodified key presses outside text fields; a handler returning false lets the key through. */
export function useShortcuts(handlers: Record<string, () => boolean | void>, enabled = true): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      if (typing(e.target)) return;
      if (document.querySelector("dialog[open]")) return;
      const h = ref.current[e.key];
      if (!h) return;
      // Enter on a link or button keeps its own meaning.
      if (e.key === "Enter" && e.target instanceof HTMLElement && e.target.closest("a, button")) return;
      if (h() !== false) e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [enabled]);
}
