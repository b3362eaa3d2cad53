// An accessible modal dialog on the native <dialog> element: showModal() makes the rest of the page inert, Tab cycles
// within it, Escape closes it, and focus returns to where it was when it closes. It never grows past the window: the
// title and the Close button stay in view and the content between them scrolls (and can then be focused to scroll it
// with the keyboard).
import { useEffect, useId, useRef, useState, type ReactNode } from "react";

const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])";

export function Dialog({
  open,
  title,
  onClose,
  children,
  wide,
  closeButton = true,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
  /** Show a Close button under the content (off when the content has its own way out). */
  closeButton?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const titleId = useId();
  // Whether the content is taller than the room the window leaves it (it then scrolls, and takes focus to scroll).
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      const previous = document.activeElement as HTMLElement | null;
      d.showModal();
      // Start on the first control so Tab and Escape work straight away.
      (d.querySelector<HTMLElement>("[data-autofocus]") ?? d.querySelector<HTMLElement>(FOCUSABLE))?.focus();
      return () => {
        if (d.open) d.close();
        previous?.focus();
      };
    }
    return undefined;
  }, [open]);
  useEffect(() => {
    const el = body.current;
    if (!open || !el) return;
    const measure = () => setScrolls(el.scrollHeight > el.clientHeight + 1);
    measure();
    const watch = new ResizeObserver(measure);
    watch.observe(el);
    window.addEventListener("resize", measure);
    return () => {
      watch.disconnect();
      window.removeEventListener("resize", measure);
    };
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`app-dialog${wide ? " app-dialog--wide" : ""}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        // Keep Tab inside: the native modal would let it leave to the browser's own controls.
        if (e.key !== "Tab" || !ref.current) return;
        const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
          (el) => !el.hasAttribute("disabled"),
        );
        if (items.length === 0) return;
        const first = items[0]!;
        const last = items[items.length - 1]!;
        if (e.shiftKey && (document.activeElement === first || !ref.current.contains(document.activeElement))) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside its content) closes it.
        if (e.target === ref.current) onClose();
      }}
    >
      {open ? (
        <div className="app-dialog__content">
          <h2 className="nhsuk-heading-m" id={titleId}>
            {title}
          </h2>
          <div
            ref={body}
            className={`app-dialog__body${scrolls ? " app-dialog__body--scrolls" : ""}`}
            // Only a body that scrolls is a stop for Tab (so the keyboard can scroll it), named by the title.
            {...(scrolls ? { tabIndex: 0, role: "region", "aria-labelledby": titleId } : {})}
          >
            {children}
          </div>
          {closeButton ? (
            <div className="app-dialog__footer">
              <button
                type="button"
                className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                onClick={onClose}
              >
                Close
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
    </dialog>
  );
}
