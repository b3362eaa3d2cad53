// Reports: requests handled per person (for admins, and team leads for their teams), beside the team and overall
// figures, with the time to outcome and the share of patients answered; CSV download. Loads its own report.
import { ErrorSummary, Loading } from "../components/ui.tsx";
import { DataTable } from "./DataTable.tsx";
import { useSectionReport } from "./useSectionReport.ts";
import { apiQuery, durationText, numberText, percentText, type ReportView } from "./model.ts";

interface Figures {
  handled: number;
  medianMinutesToOutcome: number | null;
  p90MinutesToOutcome: number | null;
  byDeadline: number;
  answered: number;
  answeredShare: number | null;
}
interface PeopleReport {
  overall: Figures;
  teams: ({ teamId: string | null; teamName: string | null } & Figures)[];
  people: ({ userId: string | null; displayName: string } & Figures)[] | null;
  peopleTeams: string[] | null;
}

const COLUMNS = [
  "Handled",
  "Median time to outcome",
  "90% within",
  "By the deadline",
  "Patient answered",
  "Share answered",
];
const cells = (f: Figures) => [
  numberText(f.handled),
  durationText(f.medianMinutesToOutcome),
  durationText(f.p90MinutesToOutcome),
  numberText(f.byDeadline),
  numberText(f.answered),
  percentText(f.answeredShare),
];

/** The "Handled by person" section's body. */
export function PeopleSection({ view }: { view: ReportView }) {
  const query = apiQuery(view, false);
  const { report, error } = useSectionReport<PeopleReport>(
    "people",
    query,
    "The per-person figures could not be loaded.",
  );
  if (error) return <ErrorSummary problems={[{ text: error }]} />;
  if (!report) return <Loading what="Loading the per-person figures" />;
  const o = report.overall;
  return (
    <>
      <p className="nhsuk-body">
        Requests received in the range that have an outcome, by who recorded it: {numberText(o.handled)} handled, the
        patient answered for {percentText(o.answeredShare)}. Times run from receipt to the outcome.
      </p>
      <DataTable
        caption="Requests handled per team"
        rowHeader="Team"
        columns={COLUMNS}
        rows={report.teams.map((t) => ({ label: t.teamName ?? "No team", cells: cells(t) }))}
        total={{ label: "All teams", cells: cells(o) }}
        testId="table-people-team"
      />
      {report.people ? (
        <DataTable
          caption={
            report.peopleTeams === null
              ? "Requests handled per person"
              : "Requests handled per person, in the teams you lead"
          }
          rowHeader="Person"
          columns={COLUMNS}
          rows={report.people.map((p) => ({ label: p.displayName, cells: cells(p) }))}
          testId="table-people-person"
        />
      ) : (
        <p className="nhsuk-body">Per-person figures are for team leads and administrators.</p>
      )}
      <p className="nhsuk-body-s">
        <a className="app-download" href={`/api/reports/people.csv?${query}`} download>
          Download requests handled per team and person (CSV)
        </a>
      </p>
    </>
  );
}
