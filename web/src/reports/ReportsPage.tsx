// Reports for service managers and team leads: requests received per specialty over time, the open backlog, how fast
// requests are handled (first action, outcome, deadline share), outcomes, and what is still unmatched. Each chart has
// its figures in a table beneath it and a CSV download; the view (range, bucket, filters) lives in the URL.
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import { ApiError, get } from "../api/client.ts";
import { useDirectory } from "../api/directory.ts";
import { useMe } from "../auth/AuthContext.tsx";
import { canReadReports } from "../auth/permissions.ts";
import { useAnnouncer } from "../components/Announcer.tsx";
import { DateInput } from "../components/DateTimeInput.tsx";
import { ErrorSummary, Inset, Loading, PageHeading, SelectField, useTitle, type Problem } from "../components/ui.tsx";
import { partsOf, plural, TYPE_CHOICES, ukDateTime, ukToday, type DateParts } from "../format.ts";
import { ChartView } from "./Chart.tsx";
import { ConfirmationSection } from "./ConfirmationSection.tsx";
import { SettlingSection } from "./SettlingSection.tsx";
import { DataTable } from "./DataTable.tsx";
import {
  apiQuery,
  axisLabel,
  BUCKETS,
  bucketTotals,
  dateFromParts,
  durationScale,
  durationText,
  inUnit,
  longDate,
  numberText,
  OUTCOME_LABELS,
  percentText,
  presets,
  rangeProblems,
  readReportView,
  rowLabel,
  spansYears,
  SPLITS,
  volumeSeries,
  writeReportView,
  type ReportView,
  type Split,
} from "./model.ts";
import { PeopleSection } from "./PeopleSection.tsx";
import type { Reports, TimingFigures } from "./types.ts";

const OUTCOME_COLOURS = ["#007f3b", "#005eb8", "#d5281b", "#330072", "#00a499", "#768692"];

const SECTIONS: [id: string, title: string][] = [
  ["at-a-glance", "At a glance"],
  ["volume", "Requests received"],
  ["backlog", "Open backlog"],
  ["timings", "Time to action"],
  ["deadline", "Handled by the deadline"],
  ["outcomes", "Outcomes"],
  ["confirmation", "Confirmed in PKB"],
  ["settling", "Passed, already done, asked again"],
  ["people", "Handled by person"],
  ["unmatched", "Unmatched and in review"],
  ["downloads", "Row-level data"],
];

/** A CSV download of one report for the current view. */
function CsvLink({ report, view, what }: { report: string; view: ReportView; what: string }) {
  const bucketed = report !== "summary" && report !== "rows";
  return (
    <a className="app-download" href={`/api/reports/${report}.csv?${apiQuery(view, bucketed)}`} download>
      Download {what} (CSV)
    </a>
  );
}

function Forbidden() {
  useTitle("No access");
  return (
    <>
      <PageHeading>You do not have access to this page</PageHeading>
      <p className="nhsuk-body">Reports are for team leads, viewers and administrators.</p>
    </>
  );
}

export function ReportsPage() {
  const me = useMe();
  return canReadReports(me) ? <Reports /> : <Forbidden />;
}

function Reports() {
  useTitle("Reports");
  const me = useMe();
  const dir = useDirectory(me);
  const { announce } = useAnnouncer();
  const [params, setParams] = useSearchParams();
  const today = useMemo(() => ukToday(), []);
  const view = useMemo(() => readReportView(params, today), [params, today]);
  const fieldProblems = rangeProblems(view.from, view.to);
  const valid = !fieldProblems.from && !fieldProblems.to;
  const key = apiQuery(view);
  const unbucketed = apiQuery(view, false);
  const [loaded, setLoaded] = useState<{ key: string; reports: Reports } | null>(null);
  const [error, setError] = useState<{ key: string; message: string } | null>(null);

  useEffect(() => {
    if (!valid) return;
    const ctl = new AbortController();
    const load = <T,>(name: string, bucketed = true) =>
      get<T>(`/api/reports/${name}?${bucketed ? key : unbucketed}`, { signal: ctl.signal });
    Promise.all([
      load<Reports["volume"]>("volume"),
      load<Reports["backlog"]>("backlog"),
      load<Reports["timings"]>("timings"),
      load<Reports["outcomes"]>("outcomes"),
      load<Reports["summary"]>("summary", false),
    ])
      .then(([volume, backlog, timings, outcomes, summary]) => {
        setLoaded({ key, reports: { volume, backlog, timings, outcomes, summary } });
        setError(null);
        announce(`Reports updated: ${plural(summary.requests, "request")} received in the range`);
      })
      .catch((err: unknown) => {
        if ((err as Error).name === "AbortError") return;
        setError({ key, message: err instanceof ApiError ? err.message : "The reports could not be loaded." });
      });
    return () => ctl.abort();
  }, [key, unbucketed, valid, announce]);

  const reports = loaded?.key === key ? loaded.reports : null;
  const go = (v: ReportView) => setParams(writeReportView(v));

  return (
    <>
      <PageHeading caption="Reports">Appointment requests</PageHeading>
      <p className="nhsuk-body">
        Requests received from PKB, how fast they were handled and how they ended. Dates are UK dates (Europe/London); a
        day runs from midnight to midnight UK time, across the clock changes.
      </p>
      <Filters view={view} today={today} dir={dir} problems={fieldProblems} onApply={go} />
      {error?.key === key ? <ErrorSummary problems={[{ text: error.message }]} /> : null}
      {valid && !reports && error?.key !== key ? <Loading what="Loading the reports" /> : null}
      {reports ? <ReportBody reports={reports} view={view} onSplit={(split) => go({ ...view, split })} /> : null}
    </>
  );
}

/** The filter form as typed: the dates as day, month and year fields. */
type Draft = Omit<ReportView, "from" | "to"> & { from: DateParts; to: DateParts };
const toDraft = (v: ReportView): Draft => ({ ...v, from: partsOf(v.from), to: partsOf(v.to) });

function Filters({
  view,
  today,
  dir,
  problems,
  onApply,
}: {
  view: ReportView;
  today: string;
  dir: ReturnType<typeof useDirectory>;
  problems: { from?: string; to?: string };
  onApply: (v: ReportView) => void;
}) {
  const [draft, setDraft] = useState(() => toDraft(view));
  const [shown, setShown] = useState<{ from?: string; to?: string }>(problems);
  // The URL changed (back, forward, a preset link): the form follows it.
  useEffect(() => {
    setDraft(toDraft(view));
    setShown(rangeProblems(view.from, view.to));
  }, [view]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const from = dateFromParts(draft.from, "first");
    const to = dateFromParts(draft.to, "last");
    const p: { from?: string; to?: string } = {
      from: "problem" in from ? from.problem : undefined,
      to: "problem" in to ? to.problem : undefined,
    };
    if ("date" in from && "date" in to) Object.assign(p, rangeProblems(from.date, to.date));
    setShown(p);
    if ("date" in from && "date" in to && !p.from && !p.to) onApply({ ...draft, from: from.date, to: to.date });
  };
  const summary: Problem[] = [
    ...(shown.from ? [{ href: "#report-from-day", text: shown.from }] : []),
    ...(shown.to ? [{ href: "#report-to-day", text: shown.to }] : []),
  ];
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const specialtyKnown =
    !view.specialty || view.specialty === "none" || dir?.specialties.some((s) => s.code === view.specialty);
  return (
    <>
      <ErrorSummary problems={summary} />
      <form className="app-filters app-report-filters" noValidate onSubmit={submit} aria-label="Report filters">
        <div className="app-report-dates">
          <DateInput
            idPrefix="report-from"
            legend="From"
            hint="First day, for example 1 9 2026"
            value={draft.from}
            onChange={(from) => set({ from })}
            error={shown.from}
          />
          <DateInput
            idPrefix="report-to"
            legend="To"
            hint="Last day, included"
            value={draft.to}
            onChange={(to) => set({ to })}
            error={shown.to}
          />
        </div>
        <div className="app-filters__grid">
          <SelectField
            id="report-bucket"
            label="Group by"
            value={draft.bucket}
            options={BUCKETS}
            onChange={(bucket) => set({ bucket })}
          />
          <SelectField id="report-team" label="Team" value={draft.team} onChange={(team) => set({ team })}>
            <option value="">Every team</option>
            {(dir?.teams ?? []).map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
            {draft.team && draft.team !== "none" && !dir?.teams.some((t) => t.id === draft.team) ? (
              <option value={draft.team}>A team no longer listed</option>
            ) : null}
            <option value="none">No team</option>
          </SelectField>
          <SelectField
            id="report-specialty"
            label="Specialty"
            value={draft.specialty}
            onChange={(specialty) => set({ specialty })}
          >
            <option value="">Every specialty</option>
            {(dir?.specialties ?? []).map((x) => (
              <option key={x.code} value={x.code}>
                {x.display ?? x.code}
              </option>
            ))}
            {!specialtyKnown ? <option value={view.specialty}>{view.specialty}</option> : null}
            <option value="none">No appointment linked</option>
          </SelectField>
          <SelectField
            id="report-type"
            label="Request type"
            value={draft.type}
            options={TYPE_CHOICES}
            onChange={(type) => set({ type })}
          />
          <div className="nhsuk-form-group">
            <button className="nhsuk-button nhsuk-u-margin-bottom-0" type="submit">
              Show the report
            </button>
          </div>
        </div>
        <p className="nhsuk-body-s app-presets">
          Or show:{" "}
          {presets(today).map((p, i) => (
            <span key={p.label}>
              {i > 0 ? " · " : null}
              <Link
                to={`/reports?${writeReportView({ ...view, from: p.from, to: p.to, bucket: p.bucket }).toString()}`}
              >
                {p.label}
              </Link>
            </span>
          ))}
        </p>
      </form>
    </>
  );
}

/** A report's section: its heading (the title in the contents list) and what follows. */
function Section({ id, children }: { id: string; children: ReactNode }) {
  const title = SECTIONS.find(([x]) => x === id)?.[1] ?? id;
  return (
    <section aria-labelledby={id}>
      <h2 className="nhsuk-heading-m" id={id}>
        {title}
      </h2>
      {children}
    </section>
  );
}

/** One headline figure. */
function Figure({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId?: string }) {
  return (
    <div className="app-figure" data-testid={testId}>
      <dt className="app-figure__label">{label}</dt>
      <dd className="app-figure__value">{value}</dd>
      {detail ? <dd className="app-figure__detail">{detail}</dd> : null}
    </div>
  );
}

function ReportBody({ reports, view, onSplit }: { reports: Reports; view: ReportView; onSplit: (s: Split) => void }) {
  const { volume, backlog, timings, outcomes, summary } = reports;
  const unit = view.bucket;
  const word = unit; // "day", "week" or "month", in sentences
  const bucketHeader = BUCKETS.find(([b]) => b === unit)![1]; // "Day", "Week" or "Month", heading the tables' rows
  const withYear = spansYears(volume.buckets);
  const labels = volume.buckets.map((b) => axisLabel(b, unit, withYear));
  const rowLabels = volume.buckets.map((b) => rowLabel(b, unit));
  const range = `${longDate(view.from)} to ${longDate(view.to)}`;
  // The split answers at once (the URL follows), so the radios never lag behind a click.
  const [split, setSplit] = useState(view.split);
  useEffect(() => setSplit(view.split), [view.split]);
  const series = volumeSeries(volume, split);
  const totals = bucketTotals(series, volume.buckets.length);
  const splitWord = SPLITS.find(([s]) => s === split)![1].toLowerCase();
  const open = summary.status.open + summary.status.in_progress;
  const worklistFilter = new URLSearchParams();
  if (view.team && view.team !== "none") worklistFilter.set("team", view.team);
  if (view.type) worklistFilter.set("type", view.type);

  const timingCells = (t: TimingFigures) => [
    numberText(t.requests),
    durationText(t.firstAction.medianMinutes),
    durationText(t.firstAction.p90Minutes),
    durationText(t.outcome.medianMinutes),
    durationText(t.outcome.p90Minutes),
  ];
  const timingColumns = [
    "Requests",
    "First action: median",
    "First action: 90% within",
    "Outcome: median",
    "Outcome: 90% within",
  ];
  const slaCells = (t: TimingFigures) => [
    numberText(t.sla.met),
    numberText(t.sla.missed),
    numberText(t.sla.pending),
    percentText(t.sla.share),
  ];
  const slaColumns = ["Met", "Missed", "Not yet due", "Share met"];
  // Durations in the unit that reads best for the largest of them (minutes, hours or days).
  const scale = durationScale(
    Math.max(0, ...timings.buckets.flatMap((b) => [b.firstAction.p90Minutes ?? 0, b.outcome.p90Minutes ?? 0])),
  );
  const timingLine = (pick: (t: TimingFigures) => number | null) =>
    timings.buckets.map((b) => inUnit(pick(b), scale.divisor));

  return (
    <div data-testid="reports">
      <p className="nhsuk-body app-secondary" data-testid="report-range">
        Showing {range}, by {word}
        {view.team || view.specialty || view.type ? ", filtered" : ""}. Figures as of {ukDateTime(summary.asOf)}.
      </p>
      {volume.requests === 0 ? (
        <Inset>
          <p className="nhsuk-body">No requests were received in this range with these filters.</p>
        </Inset>
      ) : null}
      <nav className="nhsuk-contents-list" aria-label="Reports on this page">
        <ol className="nhsuk-contents-list__list">
          {SECTIONS.map(([id, title]) => (
            <li className="nhsuk-contents-list__item" key={id}>
              <a className="nhsuk-contents-list__link" href={`#${id}`}>
                {title}
              </a>
            </li>
          ))}
        </ol>
      </nav>

      <Section id="at-a-glance">
        <dl className="app-figures" data-testid="figures">
          <Figure label="Requests received" value={numberText(summary.requests)} testId="figure-received" />
          <Figure
            label="Still open"
            value={numberText(open)}
            detail={`${numberText(summary.status.in_progress)} in progress`}
          />
          <Figure
            label="Handled by the deadline"
            value={percentText(summary.sla.share)}
            detail={`${numberText(summary.sla.met)} met, ${numberText(summary.sla.missed)} missed`}
          />
          <Figure
            label="Time to outcome"
            value={durationText(timings.overall.outcome.medianMinutes)}
            detail={
              timings.overall.outcome.medianMinutes === null
                ? "no outcomes recorded in the range"
                : `median; 90% within ${durationText(timings.overall.outcome.p90Minutes)}`
            }
          />
          <Figure
            label="Appointment to choose"
            value={numberText(summary.unmatched.review + summary.unmatched.noCandidates)}
            detail="in review or no match found"
          />
          <Figure label="In error" value={numberText(summary.error)} detail="waiting for a retry" />
        </dl>
        <p className="nhsuk-body-s">
          <CsvLink report="summary" view={view} what="these figures" />
        </p>
      </Section>

      <Section id="volume">
        <div className="nhsuk-form-group">
          <fieldset className="nhsuk-fieldset">
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Split by</legend>
            <div className="nhsuk-radios nhsuk-radios--inline nhsuk-radios--small">
              {SPLITS.map(([s, label]) => (
                <div className="nhsuk-radios__item" key={s}>
                  <input
                    className="nhsuk-radios__input"
                    id={`split-${s}`}
                    name="split"
                    type="radio"
                    value={s}
                    checked={split === s}
                    onChange={() => {
                      setSplit(s);
                      onSplit(s);
                    }}
                  />
                  <label className="nhsuk-label nhsuk-radios__label" htmlFor={`split-${s}`}>
                    {label}
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
        </div>
        <ChartView
          kind="stacked-bar"
          labels={labels}
          series={series}
          label={`Stacked bar chart: requests received per ${word}, by ${splitWord}, ${range}`}
          yTitle="Requests"
          integer
          testId="chart-volume"
        />
        <DataTable
          caption={`Requests received per ${word}, by ${splitWord}`}
          rowHeader={bucketHeader}
          columns={[...series.map((s) => s.label), "Total"]}
          rows={rowLabels.map((label, i) => ({
            label,
            cells: [...series.map((s) => numberText(s.values[i] ?? 0)), numberText(totals[i] ?? 0)],
          }))}
          total={{
            label: "Total",
            cells: [...series.map((s) => numberText(s.values.reduce((a, b) => a + b, 0))), numberText(volume.requests)],
          }}
          testId="table-volume"
        />
        <p className="nhsuk-body-s">
          <CsvLink report="volume" view={view} what={`requests received per ${word}, specialty, team and type`} />
        </p>
      </Section>

      <Section id="backlog">
        <p className="nhsuk-body">
          Requests received and not yet done at the end of each {word} (requests from before the range included).
        </p>
        <ChartView
          kind="line"
          labels={labels}
          series={[{ label: "Open requests", values: backlog.buckets.map((b) => b.open), colour: "#005eb8" }]}
          label={`Line chart: open requests at the end of each ${word}, ${range}`}
          yTitle="Open requests"
          integer
          testId="chart-backlog"
        />
        <DataTable
          caption={`Open requests at the end of each ${word}`}
          rowHeader={bucketHeader}
          columns={["Open at the end"]}
          rows={backlog.buckets.map((b, i) => ({
            label: rowLabels[i],
            cells: [b.open === null ? "Not yet" : numberText(b.open)],
          }))}
          testId="table-backlog"
        />
        <p className="nhsuk-body-s">
          <CsvLink report="backlog" view={view} what="the open backlog" />
        </p>
      </Section>

      <Section id="timings">
        <p className="nhsuk-body">
          From the request arriving to the first thing a person did with it, and to its outcome, for requests received
          in each {word}. The median is the middle request; 90% of requests were handled within the second figure.
        </p>
        <ChartView
          kind="line"
          labels={labels}
          series={[
            {
              label: "First action, median",
              values: timingLine((b) => b.firstAction.medianMinutes),
              colour: "#005eb8",
            },
            {
              label: "First action, 90% within",
              values: timingLine((b) => b.firstAction.p90Minutes),
              colour: "#005eb8",
              dashed: true,
            },
            { label: "Outcome, median", values: timingLine((b) => b.outcome.medianMinutes), colour: "#007f3b" },
            {
              label: "Outcome, 90% within",
              values: timingLine((b) => b.outcome.p90Minutes),
              colour: "#007f3b",
              dashed: true,
            },
          ]}
          label={`Line chart: ${scale.title.toLowerCase()} to the first action and to the outcome (median and 90th percentile) per ${word}, ${range}`}
          yTitle={scale.title}
          testId="chart-timings"
        />
        <DataTable
          caption={`Time to the first action and to the outcome, per ${word} of receipt`}
          rowHeader={bucketHeader}
          columns={timingColumns}
          rows={timings.buckets.map((b, i) => ({ label: rowLabels[i], cells: timingCells(b) }))}
          total={{ label: "Whole range", cells: timingCells(timings.overall) }}
          testId="table-timings"
        />
        <DataTable
          caption="Time to action and deadline share by specialty"
          rowHeader="Specialty"
          columns={[...timingColumns, ...slaColumns]}
          rows={timings.specialties.map((s) => ({
            label: s.specialtyCode === null ? "No appointment linked" : (s.specialtyName ?? s.specialtyCode),
            cells: [...timingCells(s), ...slaCells(s)],
          }))}
          testId="table-specialties"
        />
        <p className="nhsuk-body-s">
          <CsvLink report="timings" view={view} what="time to action" />
        </p>
      </Section>

      <Section id="deadline">
        <p className="nhsuk-body">
          Requests with an outcome by their deadline (met), after it or not at all once it passed (missed), and still
          inside it (not yet due), per {word} of receipt. The share met counts only met and missed.
        </p>
        <ChartView
          kind="stacked-bar"
          labels={labels}
          series={[
            { label: "Met", values: timings.buckets.map((b) => b.sla.met), colour: "#007f3b" },
            { label: "Missed", values: timings.buckets.map((b) => b.sla.missed), colour: "#d5281b" },
            { label: "Not yet due", values: timings.buckets.map((b) => b.sla.pending), colour: "#768692" },
          ]}
          label={`Stacked bar chart: requests whose deadline was met, missed or not yet due, per ${word}, ${range}`}
          yTitle="Requests"
          integer
          testId="chart-deadline"
        />
        <DataTable
          caption={`Requests handled by the deadline, per ${word} of receipt`}
          rowHeader={bucketHeader}
          columns={slaColumns}
          rows={timings.buckets.map((b, i) => ({ label: rowLabels[i], cells: slaCells(b) }))}
          total={{ label: "Whole range", cells: slaCells(timings.overall) }}
          testId="table-deadline"
        />
      </Section>

      <Section id="outcomes">
        <p className="nhsuk-body">The outcome recorded so far for requests received in each {word}.</p>
        <ChartView
          kind="stacked-bar"
          labels={labels}
          series={OUTCOME_LABELS.map(([k, label], i) => ({
            label,
            values: outcomes.buckets.map((b) => b.outcomes[k]),
            colour: OUTCOME_COLOURS[i],
          }))}
          label={`Stacked bar chart: outcomes of the requests received per ${word}, ${range}`}
          yTitle="Requests"
          integer
          testId="chart-outcomes"
        />
        <DataTable
          caption={`Outcomes of the requests received per ${word}`}
          rowHeader={bucketHeader}
          columns={[...OUTCOME_LABELS.map(([, label]) => label), "Total"]}
          rows={outcomes.buckets.map((b, i) => ({
            label: rowLabels[i],
            cells: [...OUTCOME_LABELS.map(([k]) => numberText(b.outcomes[k])), numberText(b.requests)],
          }))}
          total={{
            label: "Total",
            cells: [...OUTCOME_LABELS.map(([k]) => numberText(outcomes.outcomes[k])), numberText(outcomes.requests)],
          }}
          testId="table-outcomes"
        />
        <p className="nhsuk-body-s">
          <CsvLink report="outcomes" view={view} what="outcomes" />
        </p>
      </Section>

      <Section id="confirmation">
        <ConfirmationSection view={view} />
      </Section>

      <Section id="settling">
        <SettlingSection view={view} />
      </Section>

      <Section id="people">
        <PeopleSection view={view} />
      </Section>

      <Section id="unmatched">
        <p className="nhsuk-body">Requests received in the range, not yet done, without a confirmed appointment.</p>
        <DataTable
          caption="Requests without a confirmed appointment"
          rowHeader="Why"
          columns={["Requests"]}
          rows={[
            { label: "In review: a person must choose the appointment", cells: [numberText(summary.unmatched.review)] },
            { label: "No matching appointment found in PKB", cells: [numberText(summary.unmatched.noCandidates)] },
            {
              label: "Patient not identified or request not understood",
              cells: [numberText(summary.unmatched.notApplicable)],
            },
          ]}
          total={{ label: "Total", cells: [numberText(summary.unmatched.total)] }}
          testId="table-unmatched"
        />
        <p className="nhsuk-body-s">
          <Link to={`/requests?${new URLSearchParams([...worklistFilter, ["match", "needs_person"]]).toString()}`}>
            Open the requests with an appointment to choose in the worklist
          </Link>{" "}
          (any date).
        </p>
      </Section>

      <Section id="downloads">
        <p className="nhsuk-body">
          One row per request received in the range, with its specialty, team, timings, outcome and deadline, for your
          own analysis. It has no patient names or NHS numbers; each download is recorded in the audit log.
        </p>
        <p className="nhsuk-body">
          <a
            className="nhsuk-button nhsuk-button--secondary"
            href={`/api/reports/rows.csv?${apiQuery(view, false)}`}
            download
          >
            Download every request in the range (CSV)
          </a>
        </p>
        <p className="nhsuk-body-s">
          Every figure here is also available as JSON for business intelligence tools: see the{" "}
          <a href="/api/docs">API documentation</a> (Reports).
        </p>
      </Section>
    </div>
  );
}
