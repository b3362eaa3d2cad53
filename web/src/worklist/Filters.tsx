// The worklist's search and filters. Selects and checkboxes apply at once (the table below updates; focus stays put);
// the search applies on Enter or the Search button.
import { useEffect, useId, useState, type RefObject } from "react";
import type { Team } from "../api/types.ts";
import { SelectField } from "../components/ui.tsx";
import { TYPE_CHOICES } from "../format.ts";
import { confirmationChoices } from "./confirmation-choices.ts";
import {
  changeView,
  DEFAULT_SORT,
  dueChoices,
  flagChoices,
  PAGE_SIZES,
  isFiltered,
  matchChoices,
  sortChoices,
  statusChoices,
  withConfirmation,
  type WorklistView,
} from "./view.ts";

export function Filters({
  view,
  onChange,
  teams,
  specialties,
  searchRef,
  showUnrouted,
  open,
  onToggle,
  searchError = null,
}: {
  view: WorklistView;
  onChange: (v: WorklistView) => void;
  teams: Team[];
  specialties: { code: string; display: string | null }[];
  searchRef: RefObject<HTMLInputElement | null>;
  /** Offer "No team" (admins: requests no rule or default team took). */
  showUnrouted: boolean;
  /** The filter panel is open (remembered per person; the filters themselves live in the URL). */
  open: boolean;
  onToggle: (open: boolean) => void;
  /** What is wrong with the search, shown on the field (the design system's error message). */
  searchError?: string | null;
}) {
  const [q, setQ] = useState(view.q);
  const [specialty, setSpecialty] = useState(view.specialty);
  useEffect(() => setQ(view.q), [view.q]);
  const specialtyName = specialties.find((x) => x.code === view.specialty)?.display ?? view.specialty;
  useEffect(() => setSpecialty(specialtyName), [specialtyName]);
  const listId = useId();
  const set = (change: Partial<WorklistView>) => onChange(changeView(view, change));
  // People know specialties by name; the API filters by code.
  const specialtyCode = (text: string): string => {
    const t = text.trim();
    const byName = specialties.find((x) => x.display?.toLowerCase() === t.toLowerCase());
    return byName ? byName.code : t;
  };

  return (
    <div className="app-filters">
      <search className="app-filters__search" aria-label="Search requests">
        <form
          className="app-filters__search-form"
          onSubmit={(e) => {
            e.preventDefault();
            set({ q });
          }}
        >
          <div className={`nhsuk-form-group nhsuk-u-margin-bottom-0${searchError ? " nhsuk-form-group--error" : ""}`}>
            <label className="nhsuk-label" htmlFor="worklist-search">
              Search by patient name, NHS number, appointment ID or specialty
            </label>
            {searchError ? (
              <span className="nhsuk-error-message" id="worklist-search-error">
                <span className="nhsuk-u-visually-hidden">Error:</span> {searchError}
              </span>
            ) : null}
            <div className="app-filters__search-row">
              <input
                ref={searchRef}
                className={`nhsuk-input${searchError ? " nhsuk-input--error" : ""}`}
                aria-describedby={searchError ? "worklist-search-error" : undefined}
                aria-invalid={searchError ? true : undefined}
                id="worklist-search"
                name="q"
                type="search"
                autoComplete="off"
                spellCheck={false}
                value={q}
                onChange={(e) => setQ(e.target.value)}
                aria-keyshortcuts="/"
              />
              <button className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0" type="submit">
                Search
              </button>
            </div>
          </div>
        </form>
      </search>
      <details
        className="nhsuk-details app-filters__details"
        open={open}
        onToggle={(e) => {
          const now = e.currentTarget.open;
          if (now !== open) onToggle(now);
        }}
      >
        <summary className="nhsuk-details__summary" data-testid="filters-summary">
          <span className="nhsuk-details__summary-text">
            Filters and sort
            {applied(view) ? <span className="app-filters__applied">: {applied(view)}</span> : null}
          </span>
        </summary>
        <div className="nhsuk-details__text app-filters__panel">
          <form className="app-filters__grid" aria-label="Filter requests" onSubmit={(e) => e.preventDefault()}>
            <SelectField id="filter-team" label="Team" value={view.team} onChange={(team) => set({ team })}>
              <option value="">{showUnrouted ? "All teams" : "All my teams"}</option>
              {teams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
              {showUnrouted ? <option value="none">No team</option> : null}
            </SelectField>
            <SelectField
              id="filter-status"
              label="Status"
              value={view.status}
              options={statusChoices}
              onChange={(status) => set({ status })}
            />
            <SelectField
              id="filter-type"
              label="Type"
              value={view.type}
              options={TYPE_CHOICES}
              onChange={(type) => set({ type })}
            />
            <div className="nhsuk-form-group">
              <label className="nhsuk-label" htmlFor="filter-specialty">
                Specialty
              </label>
              <input
                className="nhsuk-input"
                id="filter-specialty"
                list={listId}
                value={specialty}
                autoComplete="off"
                onChange={(e) => setSpecialty(e.target.value)}
                onBlur={() => {
                  if (specialty !== specialtyName) set({ specialty: specialtyCode(specialty) });
                }}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    set({ specialty: specialtyCode(specialty) });
                  }
                }}
              />
              <datalist id={listId}>
                {specialties.map((x) => (
                  <option key={x.code} value={x.display ?? x.code} />
                ))}
              </datalist>
            </div>
            <SelectField
              id="filter-match"
              label="Appointment match"
              value={view.match}
              options={matchChoices}
              onChange={(match) => set({ match })}
            />
            <SelectField
              id="filter-due"
              label="Deadline"
              value={view.due}
              options={dueChoices}
              onChange={(due) => set({ due })}
            />
            <SelectField
              id="filter-confirmation"
              label="In PKB"
              value={view.confirmation}
              options={confirmationChoices}
              onChange={(confirmation) => set(withConfirmation(view, confirmation))}
            />
            <SelectField
              id="filter-flag"
              label="Needs a look"
              value={view.flag}
              options={flagChoices}
              onChange={(flag) => set({ flag })}
            />
            <SelectField
              id="filter-sort"
              label="Sort by"
              value={view.sort}
              options={sortChoices}
              onChange={(sort) => set({ sort })}
            />
            <SelectField
              id="filter-per"
              label="Requests per page"
              value={String(view.per)}
              options={PAGE_SIZES.map((n) => [String(n), String(n)] as const)}
              onChange={(per) => set({ per: Number(per) })}
            />
            <div className="nhsuk-form-group app-filters__mine">
              <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
                <div className="nhsuk-checkboxes__item">
                  <input
                    className="nhsuk-checkboxes__input"
                    id="filter-mine"
                    type="checkbox"
                    checked={view.mine}
                    onChange={(e) => set({ mine: e.target.checked })}
                  />
                  <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="filter-mine">
                    Assigned to me
                  </label>
                </div>
              </div>
            </div>
          </form>
        </div>
      </details>
      {isFiltered(view) ? (
        <p className="nhsuk-body-s app-filters__clear">
          <a
            href="/requests"
            onClick={(e) => {
              e.preventDefault();
              onChange({ ...view, ...readDefaults() });
            }}
          >
            Clear search and filters
          </a>
        </p>
      ) : null}
    </div>
  );
}

const readDefaults = (): Partial<WorklistView> => ({
  sort: DEFAULT_SORT,
  team: "",
  status: "active",
  type: "",
  specialty: "",
  match: "",
  mine: false,
  due: "",
  confirmation: "",
  flag: "",
  q: "",
  pages: [],
  saved: "",
});

/** The filters applied, in a few words, for the closed panel's summary ("2 filters, newest first"); "" for none. */
function applied(v: WorklistView): string {
  const n = [v.team, v.status !== "active", v.type, v.specialty, v.match, v.mine, v.due, v.confirmation, v.flag].filter(
    Boolean,
  ).length;
  const parts = n ? [`${n} ${n === 1 ? "filter" : "filters"} applied`] : [];
  if (v.sort !== DEFAULT_SORT) parts.push((sortChoices.find(([x]) => x === v.sort)?.[1] ?? "").toLowerCase());
  return parts.join(", ");
}
