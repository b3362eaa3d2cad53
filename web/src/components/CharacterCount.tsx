// A textarea with the NHS design system's character count (nhsuk-frontend's CharacterCount component): it says how
// many characters remain and, past the limit, how many too many, in words (and to screen readers). Nothing is cut: the
// form refuses a text over the limit and says so.
import { CharacterCount } from "nhsuk-frontend";
import { useEffect, useRef } from "react";
import { FieldError } from "./ui.tsx";

/** Characters as the API counts them (code points, so an emoji counts as the server does). */
export const charCount = (text: string): number => [...text].length;

export function CharacterCountTextarea({
  id,
  label,
  hint,
  value,
  onChange,
  maxLength,
  error,
  rows = 3,
  labelClassName,
}: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  onChange: (value: string) => void;
  maxLength: number;
  error?: string | null;
  rows?: number;
  labelClassName?: string;
}) {
  const root = useRef<HTMLDivElement>(null);
  const counter = useRef<CharacterCount | null>(null);
  useEffect(() => {
    if (!root.current || counter.current) return;
    try {
      counter.current = new CharacterCount(root.current, { maxlength: maxLength, countFunction: charCount });
    } catch {
      // Already set up on this element (a development double render), or unsupported: the form still checks.
    }
  }, [maxLength]);
  // A value set by the app (a restored draft, cleared after saving) is counted too, not only typing.
  useEffect(() => {
    counter.current?.updateCount();
    counter.current?.updateCountMessage();
  }, [value]);
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null, `${id}-info`].filter(Boolean);
  return (
    <div
      className={`nhsuk-form-group nhsuk-character-count${error ? " nhsuk-form-group--error" : ""}`}
      ref={root}
      data-testid={`${id}-count`}
    >
      <label className={`nhsuk-label${labelClassName ? ` ${labelClassName}` : ""}`} htmlFor={id}>
        {label}
      </label>
      {hint ? (
        <div className="nhsuk-hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      <FieldError id={`${id}-error`}>{error}</FieldError>
      <textarea
        className={`nhsuk-textarea nhsuk-js-character-count${error ? " nhsuk-textarea--error" : ""}`}
        id={id}
        rows={rows}
        value={value}
        aria-describedby={describedBy.join(" ")}
        onChange={(e) => onChange(e.target.value)}
      />
      <div className="nhsuk-hint nhsuk-character-count__message" id={`${id}-info`}>
        You can enter up to {maxLength.toLocaleString("en-GB")} characters
      </div>
    </div>
  );
}
