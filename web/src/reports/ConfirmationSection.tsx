// Reports: whether outcomes reached PKB — time from the outcome to PKB showing it (median, 90% within) and the share
// confirmed within the limit, per specialty and per team, with a CSV download. Loads its own report for the view.
import { ErrorSummary, Loading } from "../components/ui.tsx";
import { DataTable } from "./DataTable.tsx";
import { useSectionReport } from "./useSectionReport.ts";
import { apiQuery, durationText, numberText, percentText, type ReportView } from "./model.ts";

/** Figures of a set of outcomes (GET /api/reports/confirmation). */
export interface ConfirmationFigures {
  outcomes: number;
  confirmed: number;
  withinLimit: number;
  late: number;
  notConfirmed: number;
  awaiting: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
  share: number | null;
}

/** The confirmation report. */
export interface ConfirmationReport {
  overall: ConfirmationFigures;
  specialties: ({ specialtyCode: string | null; specialtyName: string | null } & ConfirmationFigures)[];
  teams: ({ teamId: string | null; teamName: string | null } & ConfirmationFigures)[];
}

const COLUMNS = [
  "Outcomes",
  "Within the limit",
  "Late",
  "Not confirmed",
  "Awaiting",
  "Share within the limit",
  "Median time",
  "90% within",
];
const cells = (f: ConfirmationFigures) => [
  numberText(f.outcomes),
  numberText(f.withinLimit),
  numberText(f.late),
  numberText(f.notConfirmed),
  numberText(f.awaiting),
  percentText(f.share),
  durationText(f.medianMinutes),
  durationText(f.p90Minutes),
];

/** The "Confirmed in PKB" section's body for the current report view. */
export function ConfirmationSection({ view }: { view: ReportView }) {
  const query = apiQuery(view, false);
  const { report, error } = useSectionReport<ConfirmationReport>(
    "confirmation",
    query,
    "The confirmation report could not be loaded.",
  );
  if (error) return <ErrorSummary problems={[{ text: error }]} />;
  if (!report) return <Loading what="Loading the PKB confirmation figures" />;
  const o = report.overall;
  return (
    <>
      <p className="nhsuk-body">
        Rebook checks that PKB shows every rebooking and cancellation recorded. Of the {numberText(o.outcomes)} recorded
        in the range, {numberText(o.withinLimit)} showed in PKB within the limit, {numberText(o.late)} later,{" "}
        {numberText(o.notConfirmed)} not at all so far, and {numberText(o.awaiting)} are still inside the limit. Times
        run from the outcome to the check that found it in PKB.
      </p>
      <DataTable
        caption="PKB confirmation per specialty"
        rowHeader="Specialty"
        columns={COLUMNS}
        rows={report.specialties.map((s) => ({
          label: s.specialtyName ?? s.specialtyCode ?? "No appointment linked",
          cells: cells(s),
        }))}
        total={{ label: "All specialties", cells: cells(o) }}
        testId="table-confirmation-specialty"
      />
      <DataTable
        caption="PKB confirmation per team"
        rowHeader="Team"
        columns={COLUMNS}
        rows={report.teams.map((t) => ({ label: t.teamName ?? "No team", cells: cells(t) }))}
        total={{ label: "All teams", cells: cells(o) }}
        testId="table-confirmation-team"
      />
      <p className="nhsuk-body-s">
        <a className="app-download" href={`/api/reports/confirmation.csv?${query}`} download>
          Download PKB confirmation per specialty and team (CSV)
        </a>
      </p>
    </>
  );
}
