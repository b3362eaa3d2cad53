// Who the request is about, first and always in view: name, NHS number and date of birth, as clinical systems show a
// patient banner (on the request page and in the worklist's preview).
import type { RequestDetail } from "../api/types.ts";
import { dobText, nhsNumber } from "../format.ts";

/** The patient's full name as PKB gives it, or the short name, or "Patient not identified". */
export const fullName = (r: RequestDetail): string =>
  [r.patient.title, r.patient.firstName, r.patient.lastName].filter(Boolean).join(" ") ||
  r.patient.name ||
  "Patient not identified";

export function PatientBanner({ request: r, label = "Patient banner" }: { request: RequestDetail; label?: string }) {
  return (
    <section className="app-patient-banner" aria-label={label} data-testid="patient-banner">
      <dl className="app-patient-banner__list">
        <div className="app-patient-banner__item app-patient-banner__item--name">
          <dt className="nhsuk-u-visually-hidden">Name</dt>
          <dd>{fullName(r)}</dd>
        </div>
        <div className="app-patient-banner__item">
          <dt>NHS number</dt>
          <dd data-testid="banner-nhs-number">{r.patient.nhsNumber ? nhsNumber(r.patient.nhsNumber) : "Not known"}</dd>
        </div>
        <div className="app-patient-banner__item">
          <dt>Born</dt>
          <dd>{dobText(r.patient.dob) || "Not known"}</dd>
        </div>
      </dl>
    </section>
  );
}
