// Small NHS design system pieces as React components (markup and classes from nhsuk-frontend).
import { useEffect, useId, useRef, type ReactNode } from "react";
import { Link } from "react-router";

export type TagColour =
  "white" | "grey" | "green" | "aqua-green" | "blue" | "purple" | "pink" | "red" | "orange" | "yellow";

/** A tag: always text, the colour only reinforces it. */
export function Tag({ colour, children, className }: { colour?: TagColour; children: ReactNode; className?: string }) {
  return (
    <strong className={["nhsuk-tag", colour ? `nhsuk-tag--${colour}` : "", className ?? ""].join(" ").trim()}>
      {children}
    </strong>
  );
}

/** Sets the document title ("Worklist – Rebook"). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} – Rebook` : "Rebook";
  }, [title]);
}

/** The page's h1; focus lands here after each navigation (see Layout). */
export function PageHeading({ children, caption }: { children: ReactNode; caption?: ReactNode }) {
  return (
    <h1 className="nhsuk-heading-l app-page-heading" tabIndex={-1}>
      {caption ? <span className="nhsuk-caption-l">{caption}</span> : null}
      {children}
    </h1>
  );
}

/** One problem for the error summary: the message and the id of the field it is about. */
export interface Problem {
  href?: string;
  text: string;
}

/**
 * The error summary: focused when it appears, links to each field. Named by its own title: the id is this summary's
 * (two may be on a page at once, such as the outcome form's and the wait form's).
 */
export function ErrorSummary({ problems, title = "There is a problem" }: { problems: Problem[]; title?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const key = problems.map((p) => p.text).join("|");
  useEffect(() => {
    if (problems.length > 0) ref.current?.focus();
  }, [key, problems.length]);
  if (problems.length === 0) return null;
  return (
    <div className="nhsuk-error-summary" aria-labelledby={titleId} role="alert" tabIndex={-1} ref={ref}>
      <h2 className="nhsuk-error-summary__title" id={titleId}>
        {title}
      </h2>
      <div className="nhsuk-error-summary__body">
        <ul className="nhsuk-list nhsuk-error-summary__list">
          {problems.map((p, i) => (
            <li key={i}>
              {p.href ? (
                <a
                  href={p.href}
                  onClick={(e) => {
                    const el = document.querySelector<HTMLElement>(p.href!);
                    if (el) {
                      e.preventDefault();
                      el.focus();
                      el.scrollIntoView({ block: "center" });
                    }
                  }}
                >
                  {p.text}
                </a>
              ) : (
                p.text
              )}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

/** A field's error message (the visually hidden "Error:" prefix is the design system's). */
export function FieldError({ id, children }: { id: string; children: ReactNode }) {
  if (!children) return null;
  return (
    <span className="nhsuk-error-message" id={id}>
      <span className="nhsuk-u-visually-hidden">Error:</span> {children}
    </span>
  );
}

/** A warning callout. */
export function Warning({ heading, children, level = 2 }: { heading: string; children: ReactNode; level?: 2 | 3 }) {
  const H = level === 2 ? "h2" : "h3";
  return (
    <div className="nhsuk-warning-callout">
      <H className="nhsuk-warning-callout__label">
        <span role="text">
          <span className="nhsuk-u-visually-hidden">Important: </span>
          {heading}
        </span>
      </H>
      {children}
    </div>
  );
}

/** Inset text. */
export function Inset({ children }: { children: ReactNode }) {
  return (
    <div className="nhsuk-inset-text">
      <span className="nhsuk-u-visually-hidden">Information: </span>
      {children}
    </div>
  );
}

/** A back link to an in-app path. */
export function BackLink({ to, children = "Back" }: { to: string; children?: ReactNode }) {
  return (
    <Link className="nhsuk-back-link" to={to}>
      {children}
    </Link>
  );
}

/** A summary list from [key, value] rows; rows with a null value are left out. */
export function SummaryList({
  rows,
  noBorder,
}: {
  rows: [ReactNode, ReactNode | null | undefined, ReactNode?][];
  noBorder?: boolean;
}) {
  return (
    <dl className={`nhsuk-summary-list${noBorder ? " nhsuk-summary-list--no-border" : ""}`}>
      {rows
        .filter(([, v]) => v !== null && v !== undefined && v !== "")
        .map(([k, v, action], i) => (
          <div className="nhsuk-summary-list__row" key={i}>
            <dt className="nhsuk-summary-list__key">{k}</dt>
            <dd className="nhsuk-summary-list__value">{v}</dd>
            {action ? <dd className="nhsuk-summary-list__actions">{action}</dd> : null}
          </div>
        ))}
    </dl>
  );
}

/** A loading message that is announced (politely) and does not flash for fast answers. */
export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="nhsuk-body app-loading" role="status">
      {what}…
    </p>
  );
}

/** A labelled select in a form group: `options` as [value, text] pairs, and/or `children` for options of its own. */
export function SelectField<T extends string>({
  id,
  label,
  value,
  options = [],
  onChange,
  children,
}: {
  id: string;
  label: string;
  value: T;
  options?: readonly (readonly [T, string])[];
  onChange: (value: T) => void;
  children?: ReactNode;
}) {
  return (
    <div className="nhsuk-form-group">
      <label className="nhsuk-label" htmlFor={id}>
        {label}
      </label>
      <select className="nhsuk-select" id={id} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
        {children}
      </select>
    </div>
  );
}
