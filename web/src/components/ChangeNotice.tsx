// A change confirmed where the person who made it reads it: the sentence in the app's notice (green; red when some of
// it failed), and what the API warned about the change beneath, as the design system's warning callout. Both sit in one
// live region (status, or alert for a failure), so what is shown is what is read.
import type { ReactNode } from "react";
import type { ChangeNotice as Notice } from "../api/warnings.ts";

export function ChangeNotice({
  notice,
  ok = true,
  children,
}: {
  notice: Notice;
  ok?: boolean;
  /** More under the sentence (e.g. the requests a bulk action could not change). */
  children?: ReactNode;
}) {
  const { warnings } = notice;
  return (
    <div className="app-change-notice" role={ok ? "status" : "alert"} data-testid="change-notice">
      <div className={`app-notice ${ok ? "app-notice--ok" : "app-notice--error"}`}>
        <p className="nhsuk-body nhsuk-u-margin-bottom-0">
          {notice.about ? (
            <>
              {/* The words of aboutText, with the patient's name isolated for direction. */}
              <strong>
                Previous request (<bdi>{notice.about}</bdi>):
              </strong>{" "}
            </>
          ) : null}
          {notice.text}
        </p>
        {children}
      </div>
      {warnings.length ? (
        <div className="nhsuk-warning-callout" data-testid="change-warnings">
          <p className="nhsuk-warning-callout__label">
            <span role="text">
              <span className="nhsuk-u-visually-hidden">Important: </span>Check what was saved
            </span>
          </p>
          {warnings.length === 1 ? (
            <p>{warnings[0]}</p>
          ) : (
            <ul className="nhsuk-list nhsuk-list--bullet">
              {warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}
