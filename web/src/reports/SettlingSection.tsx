// Reports: appointment passed before action (the figure a service manager must see), requests closed because PKB
// already showed them done, PKB showing a change since the request, repeats and requests asked again after an outcome,
// per specialty, with a CSV download (docs/settling.md). Loads its own report for the view.
import { ErrorSummary, Loading } from "../components/ui.tsx";
import { DataTable } from "./DataTable.tsx";
import { useSectionReport } from "./useSectionReport.ts";
import { apiQuery, numberText, type ReportView } from "./model.ts";

/** Settling figures of a set of requests (GET /api/reports/settling). */
export interface SettlingFigures {
  requests: number;
  passedBeforeAction: number;
  passedBeforeReceived: number;
  alreadyDoneInPkb: number;
  flagged: number;
  repeats: number;
  askedAgain: number;
}

/** The settling report. */
export interface SettlingReport {
  overall: SettlingFigures;
  specialties: ({ specialtyCode: string | null; specialtyName: string | null } & SettlingFigures)[];
}

const COLUMNS = [
  "Requests",
  "Appointment passed before action",
  "…already passed when received",
  "Already done in PKB",
  "PKB shows a change",
  "Repeats",
  "Asked again after an outcome",
];
const cells = (f: SettlingFigures) => [
  numberText(f.requests),
  numberText(f.passedBeforeAction),
  numberText(f.passedBeforeReceived),
  numberText(f.alreadyDoneInPkb),
  numberText(f.flagged),
  numberText(f.repeats),
  numberText(f.askedAgain),
];

/** The "Passed, already done, asked again" section's body for the current report view. */
export function SettlingSection({ view }: { view: ReportView }) {
  const query = apiQuery(view, false);
  const { report, error } = useSectionReport<SettlingReport>(
    "settling",
    query,
    "The settling report could not be loaded.",
  );
  if (error) return <ErrorSummary problems={[{ text: error }]} />;
  if (!report) return <Loading what="Loading the appointment passed and repeat figures" />;
  const o = report.overall;
  return (
    <>
      <p className="nhsuk-body">
        Of the {numberText(o.requests)} requests received in the range, {numberText(o.passedBeforeAction)} had their
        appointment pass before anyone acted ({numberText(o.passedBeforeReceived)} had already passed when the request
        arrived). {numberText(o.alreadyDoneInPkb)} were closed because PKB already showed the cancellation, and patients
        asked {numberText(o.repeats)} more times about an appointment whose request was open.
      </p>
      <DataTable
        caption="Appointment passed before action, already done in PKB and repeats, per specialty"
        rowHeader="Specialty"
        columns={COLUMNS}
        rows={report.specialties.map((s) => ({
          label: s.specialtyName ?? s.specialtyCode ?? "No appointment linked",
          cells: cells(s),
        }))}
        total={{ label: "All specialties", cells: cells(o) }}
        testId="table-settling-specialty"
      />
      <p className="nhsuk-body-s">
        <a className="app-download" href={`/api/reports/settling.csv?${query}`} download>
          Download appointment passed before action and repeats per specialty (CSV)
        </a>
      </p>
    </>
  );
}
