// The NHS date input (day, month, year) plus a 24-hour time field, for a UK wall-clock date and time.
import { FieldError } from "./ui.tsx";

export interface DateTimeValue {
  day: string;
  month: string;
  year: string;
  time: string;
}

export const emptyDateTime: DateTimeValue = { day: "", month: "", year: "", time: "" };

/**
 * What is wrong with a day, month and year as typed, naming the field ("new appointment date", "date to wait
 * until"); undefined when it is a real date.
 */
export function checkDate(v: DateValue, name: string): string | undefined {
  const [d, m, y] = [Number(v.day), Number(v.month), Number(v.year)];
  if (!v.day || !v.month || !v.year) return `Enter the ${name}, including a day, month and year`;
  const real = `The ${name} must be a real date, for example 27 3 2026`;
  if (!Number.isInteger(d) || !Number.isInteger(m) || !Number.isInteger(y) || v.year.length !== 4) return real;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return real;
  return undefined;
}

/** What is wrong with a 24-hour time as typed ("14:30", "9.05"); undefined when it is one. Blank is the caller's. */
export function checkTime(time: string): string | undefined {
  return /^([01]?\d|2[0-3])[:.]([0-5]\d)$/.test(time.trim())
    ? undefined
    : "Enter the time in 24-hour format, for example 14:30";
}

/** Problems with a date and time as typed, or null when it is a real date and a valid 24-hour time. */
export function checkDateTime(v: DateTimeValue): { date?: string; time?: string } | null {
  const problems: { date?: string; time?: string } = {};
  const date = checkDate(v, "new appointment date");
  if (date) problems.date = date;
  const time = v.time.trim() ? checkTime(v.time) : "Enter the new appointment time";
  if (time) problems.time = time;
  return problems.date || problems.time ? problems : null;
}

/** "2026-03-27" and "14:30" from a valid value. */
export function toIsoParts(v: DateTimeValue): { date: string; time: string } {
  const pad = (s: string) => s.padStart(2, "0");
  const [h, mi] = v.time.trim().split(/[:.]/);
  return { date: `${v.year}-${pad(v.month)}-${pad(v.day)}`, time: `${pad(h!)}:${mi}` };
}

/** Whether a UK wall-clock date ("YYYY-MM-DD") and time ("HH:mm") is before `now` on the UK clock. */
export function isPastUk(v: { date: string; time: string }, now = new Date()): boolean {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/London",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return `${v.date}T${v.time}` < `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** Day, month and year as typed. */
export interface DateValue {
  day: string;
  month: string;
  year: string;
}

/** The NHS date input: a fieldset of day, month and year fields with a hint and an error message. */
export function DateInput({
  idPrefix,
  legend,
  hint,
  value,
  onChange,
  error,
}: {
  idPrefix: string;
  legend: string;
  hint: string;
  value: DateValue;
  onChange: (v: DateValue) => void;
  error: string | undefined;
}) {
  const part = (key: keyof DateValue, label: string, width: 2 | 4) => (
    <div className="nhsuk-date-input__item">
      <div className="nhsuk-form-group">
        <label className="nhsuk-label nhsuk-date-input__label" htmlFor={`${idPrefix}-${key}`}>
          {label}
        </label>
        <input
          className={`nhsuk-input nhsuk-date-input__input nhsuk-input--width-${width}${error ? " nhsuk-input--error" : ""}`}
          id={`${idPrefix}-${key}`}
          inputMode="numeric"
          value={value[key]}
          onChange={(e) => onChange({ ...value, [key]: e.target.value.trim() })}
        />
      </div>
    </div>
  );
  return (
    <div className={`nhsuk-form-group${error ? " nhsuk-form-group--error" : ""}`}>
      <fieldset
        className="nhsuk-fieldset"
        role="group"
        aria-describedby={`${idPrefix}-hint${error ? ` ${idPrefix}-date-error` : ""}`}
      >
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
        <div className="nhsuk-hint" id={`${idPrefix}-hint`}>
          {hint}
        </div>
        <FieldError id={`${idPrefix}-date-error`}>{error}</FieldError>
        <div className="nhsuk-date-input" id={`${idPrefix}-date`}>
          {part("day", "Day", 2)}
          {part("month", "Month", 2)}
          {part("year", "Year", 4)}
        </div>
      </fieldset>
    </div>
  );
}

export function DateTimeInput({
  idPrefix,
  legend,
  value,
  onChange,
  errors,
}: {
  idPrefix: string;
  legend: string;
  value: DateTimeValue;
  onChange: (v: DateTimeValue) => void;
  errors: { date?: string; time?: string } | null;
}) {
  return (
    <>
      <DateInput
        idPrefix={idPrefix}
        legend={legend}
        hint="UK date, for example 27 3 2026"
        value={value}
        onChange={(d) => onChange({ ...value, ...d })}
        error={errors?.date}
      />
      <div className={`nhsuk-form-group${errors?.time ? " nhsuk-form-group--error" : ""}`}>
        <label className="nhsuk-label nhsuk-label--s" htmlFor={`${idPrefix}-time`}>
          New appointment time
        </label>
        <div className="nhsuk-hint" id={`${idPrefix}-time-hint`}>
          24-hour clock, UK time, for example 14:30
        </div>
        <FieldError id={`${idPrefix}-time-error`}>{errors?.time}</FieldError>
        <input
          className={`nhsuk-input nhsuk-input--width-5${errors?.time ? " nhsuk-input--error" : ""}`}
          id={`${idPrefix}-time`}
          inputMode="numeric"
          autoComplete="off"
          value={value.time}
          aria-describedby={`${idPrefix}-time-hint${errors?.time ? ` ${idPrefix}-time-error` : ""}`}
          onChange={(e) => onChange({ ...value, time: e.target.value })}
        />
      </div>
    </>
  );
}
