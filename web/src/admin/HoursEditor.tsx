// A team's working hours on the Teams page: a summary for everyone, and for admins a form with each weekday (works
// that day, opens, closes) or "around the clock". Deadlines count the team's working time (and skip bank holidays).
import { useState, type FormEvent } from "react";
import { ApiError, put } from "../api/client.ts";
import type { DayHours, Team } from "../api/types.ts";
import { ErrorSummary } from "../components/ui.tsx";

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "Mon–Fri 09:00–17:00, Sat 09:00–12:00"; "Around the clock" without hours. */
export function hoursSummary(hours: DayHours[] | null): string {
  if (!hours || hours.length === 0) return "Around the clock (no working hours set)";
  const sorted = [...hours].sort((a, b) => a.weekday - b.weekday);
  const groups: { from: number; to: number; opens: string; closes: string }[] = [];
  for (const h of sorted) {
    const g = groups.at(-1);
    if (g && g.to === h.weekday - 1 && g.opens === h.opens && g.closes === h.closes) g.to = h.weekday;
    else groups.push({ from: h.weekday, to: h.weekday, opens: h.opens, closes: h.closes });
  }
  const short = (w: number) => DAYS[w - 1]!.slice(0, 3);
  return groups
    .map((g) => `${g.from === g.to ? short(g.from) : `${short(g.from)}–${short(g.to)}`} ${g.opens}–${g.closes}`)
    .join(", ");
}

interface Row {
  works: boolean;
  opens: string;
  closes: string;
}

/** The hours summary and, for admins, the editor. `onSaved` reloads the teams with a message. */
export function HoursEditor({
  team,
  editable,
  onSaved,
}: {
  team: Team;
  editable: boolean;
  onSaved: (message: string) => Promise<void>;
}) {
  const initial = (): Row[] =>
    DAYS.map((_, i) => {
      const h = team.workingHours?.find((x) => x.weekday === i + 1);
      return h ? { works: true, opens: h.opens, closes: h.closes } : { works: false, opens: "09:00", closes: "17:00" };
    });
  const [open, setOpen] = useState(false);
  const [aroundTheClock, setAroundTheClock] = useState(team.workingHours === null);
  const [rows, setRows] = useState<Row[]>(initial);
  const [problems, setProblems] = useState<{ text: string; href?: string }[]>([]);
  const [saving, setSaving] = useState(false);
  const base = `hours-${team.id}`;

  const set = (i: number, change: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...change } : r)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: { text: string; href?: string }[] = [];
    if (!aroundTheClock) {
      rows.forEach((r, i) => {
        if (!r.works) return;
        if (!HHMM.test(r.opens) || !HHMM.test(r.closes)) {
          found.push({
            text: `${DAYS[i]}: give the times as HH:mm, 24-hour (for example 08:30)`,
            href: `#${base}-${i}-opens`,
          });
        } else if (r.opens >= r.closes) {
          found.push({ text: `${DAYS[i]}: the team must open before it closes`, href: `#${base}-${i}-closes` });
        }
      });
      if (!rows.some((r) => r.works)) {
        found.push({ text: "Choose at least one working day, or choose around the clock", href: `#${base}-0-works` });
      }
    }
    setProblems(found);
    if (found.length > 0) return;
    const hours = aroundTheClock
      ? null
      : rows.flatMap((r, i) => (r.works ? [{ weekday: i + 1, opens: r.opens, closes: r.closes }] : []));
    setSaving(true);
    try {
      const saved = await put<Team & { recomputed: number }>(`/api/teams/${team.id}/hours`, { hours });
      setOpen(false);
      await onSaved(
        `Working hours of ${team.name} saved: ${hoursSummary(saved.workingHours)}. ${saved.recomputed} deadline${saved.recomputed === 1 ? "" : "s"} recalculated.`,
      );
    } catch (err) {
      setProblems([{ text: err instanceof ApiError ? err.message : "The working hours could not be saved." }]);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="app-hours" data-testid="team-hours">
      <p className="nhsuk-body">
        Working hours: <strong>{hoursSummary(team.workingHours)}</strong>.{" "}
        {team.workingHours
          ? "Deadlines count these hours only, and skip bank holidays."
          : "Deadlines count elapsed time, weekends and bank holidays included."}
      </p>
      {editable && !open ? (
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
          onClick={() => {
            setRows(initial());
            setAroundTheClock(team.workingHours === null);
            setProblems([]);
            setOpen(true);
          }}
        >
          Change working hours<span className="nhsuk-u-visually-hidden"> of {team.name}</span>
        </button>
      ) : null}
      {editable && open ? (
        <form className="app-panel" noValidate onSubmit={(e) => void submit(e)} aria-labelledby={`${base}-title`}>
          <h3 className="nhsuk-heading-s" id={`${base}-title`}>
            Working hours of {team.name}
          </h3>
          <ErrorSummary problems={problems} />
          <div className="nhsuk-checkboxes nhsuk-u-margin-bottom-4">
            <div className="nhsuk-checkboxes__item">
              <input
                className="nhsuk-checkboxes__input"
                id={`${base}-atc`}
                type="checkbox"
                checked={aroundTheClock}
                onChange={(e) => setAroundTheClock(e.target.checked)}
              />
              <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`${base}-atc`}>
                Around the clock (no working hours: deadlines count elapsed time)
              </label>
            </div>
          </div>
          {!aroundTheClock ? (
            <fieldset className="nhsuk-fieldset">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
                Days and hours worked (UK time, 24-hour)
              </legend>
              <table className="nhsuk-table app-hours__table">
                <thead className="nhsuk-table__head">
                  <tr className="nhsuk-table__row">
                    <th className="nhsuk-table__header" scope="col">
                      Day
                    </th>
                    <th className="nhsuk-table__header" scope="col">
                      Opens
                    </th>
                    <th className="nhsuk-table__header" scope="col">
                      Closes
                    </th>
                  </tr>
                </thead>
                <tbody className="nhsuk-table__body">
                  {rows.map((r, i) => (
                    <tr className="nhsuk-table__row" key={DAYS[i]}>
                      <td className="nhsuk-table__cell">
                        <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
                          <div className="nhsuk-checkboxes__item">
                            <input
                              className="nhsuk-checkboxes__input"
                              id={`${base}-${i}-works`}
                              type="checkbox"
                              checked={r.works}
                              onChange={(e) => set(i, { works: e.target.checked })}
                            />
                            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`${base}-${i}-works`}>
                              {DAYS[i]}
                            </label>
                          </div>
                        </div>
                      </td>
                      <td className="nhsuk-table__cell">
                        <label className="nhsuk-label nhsuk-u-visually-hidden" htmlFor={`${base}-${i}-opens`}>
                          {DAYS[i]} opens
                        </label>
                        <input
                          className="nhsuk-input nhsuk-input--width-5"
                          id={`${base}-${i}-opens`}
                          inputMode="numeric"
                          disabled={!r.works}
                          value={r.opens}
                          onChange={(e) => set(i, { opens: e.target.value.trim() })}
                        />
                      </td>
                      <td className="nhsuk-table__cell">
                        <label className="nhsuk-label nhsuk-u-visually-hidden" htmlFor={`${base}-${i}-closes`}>
                          {DAYS[i]} closes
                        </label>
                        <input
                          className="nhsuk-input nhsuk-input--width-5"
                          id={`${base}-${i}-closes`}
                          inputMode="numeric"
                          disabled={!r.works}
                          value={r.closes}
                          onChange={(e) => set(i, { closes: e.target.value.trim() })}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </fieldset>
          ) : null}
          <div className="app-small-buttons">
            <button className="nhsuk-button nhsuk-u-margin-bottom-0" type="submit" disabled={saving}>
              Save working hours
            </button>
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
              onClick={() => setOpen(false)}
            >
              Close without saving
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
