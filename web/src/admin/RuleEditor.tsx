// One rule of the draft: a summary with reorder, enable and remove buttons, and (when open) its form: name, team,
// assignee, priority and each condition with a proper control. Specialties, locations and appointment types are picked
// by name from what Rebook has seen (GET /api/routing-rules/choices); the rule keeps specialty codes.
import {
  MATCH_STATES,
  type MatchState,
  type Priority,
  type RequestType,
  type RuleChoices,
  type RuleConditions,
  type Team,
} from "../api/types.ts";
import { Tag } from "../components/ui.tsx";
import { matchText, priorityText } from "../format.ts";
import type { DraftRule } from "./rules.ts";

const LIST_FIELDS: { key: keyof RuleConditions & string; label: string; hint: string }[] = [
  { key: "pkbTeams", label: "Sent to PKB team", hint: "PKB team names, separated by commas" },
  { key: "keywords", label: "Words in the patient's note", hint: "Whole words or phrases, separated by commas" },
];

/** The match states a rule can test: every state but "pending" (rules run once the pipeline matched). */
const RULE_MATCH_STATES = MATCH_STATES.filter((s): s is Exclude<MatchState, "pending"> => s !== "pending");

const splitList = (s: string): string[] =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** A specialty's name from its code ("Ophthalmology"), or the code when Rebook has not seen its name. */
const specialtyName = (code: string, choices: RuleChoices | null): string =>
  choices?.specialties.find((s) => s.code === code)?.display ?? code;

/** The conditions in words, for the collapsed view. */
export function describeConditions(c: RuleConditions, choices: RuleChoices | null = null): string {
  const parts: string[] = [];
  if (c.types?.length) parts.push(c.types.map((t) => (t === "cancel" ? "cancellations" : "changes")).join(" or "));
  if (c.specialtyCodes?.length) {
    parts.push(`specialty ${c.specialtyCodes.map((code) => specialtyName(code, choices)).join(" or ")}`);
  }
  if (c.locations?.length) parts.push(`location contains ${c.locations.join(" or ")}`);
  if (c.appointmentTypes?.length) parts.push(`appointment type contains ${c.appointmentTypes.join(" or ")}`);
  if (c.pkbTeams?.length) parts.push(`sent to PKB team ${c.pkbTeams.join(" or ")}`);
  if (c.keywords?.length) parts.push(`note mentions ${c.keywords.join(" or ")}`);
  if (c.matchStates?.length) parts.push(`match is ${c.matchStates.map((m) => matchText[m]).join(" or ")}`);
  return parts.length ? `When ${parts.join(", and ")}` : "Every request";
}

function CheckboxGroup<T extends string>({
  legend,
  hint = "Leave all unticked to match any",
  idPrefix,
  options,
  value,
  onChange,
}: {
  legend: string;
  hint?: string;
  idPrefix: string;
  options: [T, string][];
  value: T[] | undefined;
  onChange: (v: T[] | undefined) => void;
}) {
  const chosen = new Set(value ?? []);
  return (
    <div className="nhsuk-form-group">
      <fieldset className="nhsuk-fieldset" aria-describedby={`${idPrefix}-hint`}>
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
        <div className="nhsuk-hint" id={`${idPrefix}-hint`}>
          {hint}
        </div>
        <div className="nhsuk-checkboxes nhsuk-checkboxes--small app-checkbox-grid">
          {options.map(([v, label], i) => (
            <div className="nhsuk-checkboxes__item" key={v}>
              <input
                className="nhsuk-checkboxes__input"
                id={`${idPrefix}-${/^[\w-]+$/.test(v) ? v : i}`}
                type="checkbox"
                checked={chosen.has(v)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(v);
                  else next.delete(v);
                  onChange(next.size ? options.map(([o]) => o).filter((o) => next.has(o)) : undefined);
                }}
              />
              <label
                className="nhsuk-label nhsuk-checkboxes__label"
                htmlFor={`${idPrefix}-${/^[\w-]+$/.test(v) ? v : i}`}
              >
                {label}
              </label>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}

/**
 * The seen values as options, most recent names, then any value the rule has that Rebook has not seen (so it can be
 * unticked), marked as such.
 */
function seenOptions(seen: [string, string][], chosen: string[] | undefined): [string, string][] {
  const known = new Set(seen.map(([v]) => v));
  const extra = (chosen ?? []).filter((v) => !known.has(v)).map((v): [string, string] => [v, `${v} (not seen yet)`]);
  return [...seen, ...extra];
}

/** The picker for a condition Rebook has seen values of, or a note when it has seen none yet. */
function SeenPicker({
  legend,
  idPrefix,
  seen,
  value,
  onChange,
}: {
  legend: string;
  idPrefix: string;
  seen: [string, string][];
  value: string[] | undefined;
  onChange: (v: string[] | undefined) => void;
}) {
  const options = seenOptions(seen, value);
  if (options.length === 0) {
    return (
      <p className="nhsuk-body app-secondary">
        {legend}: Rebook has not seen any yet. Once requests arrive, you can choose from what they had.
      </p>
    );
  }
  return (
    <CheckboxGroup<string>
      legend={legend}
      hint="From the requests Rebook has seen. Leave all unticked to match any."
      idPrefix={idPrefix}
      options={options}
      value={value}
      onChange={onChange}
    />
  );
}

export function RuleEditor({
  rule,
  index,
  count,
  teams,
  choices,
  open,
  errors,
  onToggle,
  onChange,
  onMove,
  onRemove,
}: {
  rule: DraftRule;
  index: number;
  count: number;
  teams: Team[];
  /** What Rebook has seen to pick from; null while loading or when it could not be loaded. */
  choices: RuleChoices | null;
  open: boolean;
  errors: string[];
  onToggle: () => void;
  onChange: (r: DraftRule) => void;
  onMove: (delta: number) => void;
  onRemove: () => void;
}) {
  const id = `rule-${rule.key}`;
  const team = teams.find((t) => t.id === rule.teamId);
  const set = (patch: Partial<DraftRule>) => onChange({ ...rule, ...patch });
  const setCond = (patch: Partial<RuleConditions>) => set({ conditions: { ...rule.conditions, ...patch } });
  const title = rule.name.trim() || "New rule";
  return (
    <li className={`app-rule${rule.enabled ? "" : " app-rule--disabled"}`} id={id} data-testid="rule">
      <div className="app-rule__head">
        <h3 className="nhsuk-heading-s nhsuk-u-margin-bottom-2">
          <span className="app-secondary">{index + 1}. </span>
          {title} {rule.enabled ? <Tag colour="green">On</Tag> : <Tag colour="grey">Off</Tag>}
          {rule.id ? null : (
            <>
              {" "}
              <Tag colour="yellow">Not saved</Tag>
            </>
          )}
        </h3>
        <p className="nhsuk-body nhsuk-u-margin-bottom-2">
          {describeConditions(rule.conditions, choices)} → <strong>{team?.name ?? "choose a team"}</strong>
          {rule.priority ? `, priority ${priorityText[rule.priority].toLowerCase()}` : ""}
        </p>
      </div>
      {errors.length ? (
        <ul className="nhsuk-list nhsuk-error-message">
          {errors.map((e, i) => (
            <li key={i}>
              <span className="nhsuk-u-visually-hidden">Error:</span> {e}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="app-small-buttons">
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
          onClick={onToggle}
          aria-expanded={open}
          aria-controls={`${id}-form`}
        >
          {open ? "Close" : "Edit"}
          <span className="nhsuk-u-visually-hidden"> rule {title}</span>
        </button>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
          disabled={index === 0}
          onClick={() => onMove(-1)}
        >
          Move up<span className="nhsuk-u-visually-hidden">: {title}</span>
        </button>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
          disabled={index === count - 1}
          onClick={() => onMove(1)}
        >
          Move down<span className="nhsuk-u-visually-hidden">: {title}</span>
        </button>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
          onClick={() => set({ enabled: !rule.enabled })}
        >
          {rule.enabled ? "Switch off" : "Switch on"}
          <span className="nhsuk-u-visually-hidden">: {title}</span>
        </button>
        <button type="button" className="nhsuk-button nhsuk-button--warning nhsuk-button--small" onClick={onRemove}>
          Remove<span className="nhsuk-u-visually-hidden">: {title}</span>
        </button>
      </div>
      {open ? (
        <div id={`${id}-form`} className="app-rule__form">
          <div className="nhsuk-form-group">
            <label className="nhsuk-label" htmlFor={`${id}-name`}>
              Rule name
            </label>
            <input
              className="nhsuk-input nhsuk-input--width-30"
              id={`${id}-name`}
              value={rule.name}
              maxLength={200}
              onChange={(e) => set({ name: e.target.value })}
            />
          </div>
          <div className="nhsuk-grid-row">
            <div className="nhsuk-grid-column-one-third">
              <div className="nhsuk-form-group">
                <label className="nhsuk-label" htmlFor={`${id}-team`}>
                  Send to team
                </label>
                <select
                  className="nhsuk-select"
                  id={`${id}-team`}
                  value={rule.teamId}
                  onChange={(e) => set({ teamId: e.target.value, assignUserId: null })}
                >
                  <option value="">Choose a team</option>
                  {teams.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <div className="nhsuk-grid-column-one-third">
              <div className="nhsuk-form-group">
                <label className="nhsuk-label" htmlFor={`${id}-assign`}>
                  Assign to
                </label>
                <select
                  className="nhsuk-select"
                  id={`${id}-assign`}
                  value={rule.assignUserId ?? ""}
                  onChange={(e) => set({ assignUserId: e.target.value || null })}
                >
                  <option value="">Nobody (the team picks it up)</option>
                  {(team?.members ?? []).map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {m.displayName}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <div className="nhsuk-grid-column-one-third">
              <div className="nhsuk-form-group">
                <label className="nhsuk-label" htmlFor={`${id}-priority`}>
                  Priority
                </label>
                <select
                  className="nhsuk-select"
                  id={`${id}-priority`}
                  value={rule.priority ?? ""}
                  onChange={(e) => set({ priority: (e.target.value || null) as Priority | null })}
                >
                  <option value="">Normal (default)</option>
                  {(["low", "normal", "high", "urgent"] as const).map((p) => (
                    <option key={p} value={p}>
                      {priorityText[p]}
                    </option>
                  ))}
                </select>
              </div>
            </div>
          </div>
          <h4 className="nhsuk-heading-xs">The rule applies when every filled-in condition matches</h4>
          <CheckboxGroup<RequestType>
            legend="Request type"
            idPrefix={`${id}-types`}
            options={[
              ["change", "Change"],
              ["cancel", "Cancel"],
            ]}
            value={rule.conditions.types}
            onChange={(v) => setCond({ types: v })}
          />
          <SeenPicker
            legend="Specialty"
            idPrefix={`${id}-specialties`}
            seen={(choices?.specialties ?? []).map((s) => [s.code, s.display ?? s.code])}
            value={rule.conditions.specialtyCodes}
            onChange={(v) => setCond({ specialtyCodes: v })}
          />
          <SeenPicker
            legend="Location"
            idPrefix={`${id}-locations`}
            seen={(choices?.locations ?? []).map((l) => [l.value, l.value])}
            value={rule.conditions.locations}
            onChange={(v) => setCond({ locations: v })}
          />
          <SeenPicker
            legend="Appointment type"
            idPrefix={`${id}-appointment-types`}
            seen={(choices?.appointmentTypes ?? []).map((t) => [t.value, t.value])}
            value={rule.conditions.appointmentTypes}
            onChange={(v) => setCond({ appointmentTypes: v })}
          />
          {LIST_FIELDS.map((f) => (
            <div className="nhsuk-form-group" key={f.key}>
              <label className="nhsuk-label" htmlFor={`${id}-${f.key}`}>
                {f.label}
              </label>
              <div className="nhsuk-hint" id={`${id}-${f.key}-hint`}>
                {f.hint}
              </div>
              <input
                className="nhsuk-input"
                id={`${id}-${f.key}`}
                aria-describedby={`${id}-${f.key}-hint`}
                defaultValue={((rule.conditions[f.key] as string[] | undefined) ?? []).join(", ")}
                onBlur={(e) => {
                  const list = splitList(e.target.value);
                  setCond({ [f.key]: list.length ? list : undefined });
                }}
              />
            </div>
          ))}
          <CheckboxGroup<Exclude<MatchState, "pending">>
            legend="Appointment match"
            idPrefix={`${id}-match`}
            options={RULE_MATCH_STATES.map((m) => [m, matchText[m]])}
            value={rule.conditions.matchStates as Exclude<MatchState, "pending">[] | undefined}
            onChange={(v) => setCond({ matchStates: v })}
          />
        </div>
      ) : null}
    </li>
  );
}
