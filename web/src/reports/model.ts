// The reports page's view as it lives in the URL (local date range, bucket, team, specialty, type, how volume is
// split), its checks, and the pure shaping of report answers into chart series and table rows.
import type { RequestType } from "../api/types.ts";
import { addDays, LONG_MONTHS, MONTHS, type DateParts } from "../format.ts";
import type { BucketFields, BucketUnit, OutcomeCounts, VolumeReport } from "./types.ts";

export type Split = "specialty" | "type" | "team";

export interface ReportView {
  /** Local dates (Europe/London), YYYY-MM-DD, both inclusive. */
  from: string;
  to: string;
  bucket: BucketUnit;
  /** A team id, "none" (no team) or "" (every team). */
  team: string;
  /** A specialty code, "none" (no linked appointment) or "" (every specialty). */
  specialty: string;
  type: "" | RequestType;
  split: Split;
}

export const BUCKETS: [BucketUnit, string][] = [
  ["day", "Day"],
  ["week", "Week"],
  ["month", "Month"],
];

export const SPLITS: [Split, string][] = [
  ["specialty", "Specialty"],
  ["type", "Change or cancel"],
  ["team", "Team"],
];

/** The API's limit: a range shorter than two years. */
export const MAX_YEARS = 2;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  if (!ISO_DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The same day `years` later (29 February → 28 February). */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y + years, m - 1, d));
  if (t.getUTCMonth() !== m - 1) t.setUTCDate(0);
  return t.toISOString().slice(0, 10);
}

/** Ready-made ranges ending today, each with the bucket that suits it. */
export function presets(today: string): { label: string; from: string; to: string; bucket: BucketUnit }[] {
  const [y, m] = today.split("-").map(Number) as [number, number];
  const yearAgo = new Date(Date.UTC(y, m - 12, 1)).toISOString().slice(0, 10);
  return [
    { label: "Last 4 weeks", from: addDays(today, -27), to: today, bucket: "day" },
    { label: "Last 3 months", from: addDays(today, -90), to: today, bucket: "week" },
    { label: "Last 12 months", from: yearAgo, to: today, bucket: "month" },
  ];
}

const oneOf = <T extends string>(v: string | null, allowed: readonly T[], fallback: T): T =>
  v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;

/** Reads the view from the URL: missing dates default to the last 3 months; the dates are checked by `problems`. */
export function readReportView(p: URLSearchParams, today: string): ReportView {
  return {
    from: p.get("from") ?? addDays(today, -90),
    to: p.get("to") ?? today,
    bucket: oneOf(
      p.get("bucket"),
      BUCKETS.map(([v]) => v),
      "week",
    ),
    team: p.get("team") ?? "",
    specialty: p.get("specialty") ?? "",
    type: oneOf(p.get("type"), ["", "change", "cancel"] as const, ""),
    split: oneOf(
      p.get("split"),
      SPLITS.map(([v]) => v),
      "specialty",
    ),
  };
}

/** The URL query of a view (every filter written, so a link always means the same range). */
export function writeReportView(v: ReportView): URLSearchParams {
  const p = new URLSearchParams({ from: v.from, to: v.to, bucket: v.bucket });
  if (v.team) p.set("team", v.team);
  if (v.specialty) p.set("specialty", v.specialty);
  if (v.type) p.set("type", v.type);
  if (v.split !== "specialty") p.set("split", v.split);
  return p;
}

/** The report API's query for a view (the filter, and the bucket unless `bucketed` is false). */
export function apiQuery(v: ReportView, bucketed = true): string {
  const p = new URLSearchParams({ from: v.from, to: v.to });
  if (bucketed) p.set("bucket", v.bucket);
  if (v.team) p.set("team_id", v.team);
  if (v.specialty) p.set("specialty_code", v.specialty);
  if (v.type) p.set("type", v.type);
  return p.toString();
}

/** What is wrong with a range, by field, in the design system's words; empty when it can be reported. */
export function rangeProblems(from: string, to: string): { from?: string; to?: string } {
  const out: { from?: string; to?: string } = {};
  if (!from) out.from = "Enter the first date of the report";
  else if (!isIsoDate(from)) out.from = "The first date must be a real date";
  if (!to) out.to = "Enter the last date of the report";
  else if (!isIsoDate(to)) out.to = "The last date must be a real date";
  if (out.from || out.to) return out;
  if (from > to) out.to = "The last date must be the same as or after the first date";
  else if (to >= addYears(from, MAX_YEARS)) out.to = `The range must be shorter than ${MAX_YEARS} years`;
  return out;
}

/** The date the fields make (YYYY-MM-DD), or what is wrong with them, naming the field ("first" or "last" date). */
export function dateFromParts(p: DateParts, which: "first" | "last"): { date: string } | { problem: string } {
  const filled = [p.day, p.month, p.year].filter((x) => x.trim() !== "").length;
  if (filled === 0) return { problem: `Enter the ${which} date of the report` };
  if (filled < 3) return { problem: `The ${which} date must include a day, month and year` };
  const digits = /^\d{1,2}$/;
  if (!digits.test(p.day.trim()) || !digits.test(p.month.trim()) || !/^\d{4}$/.test(p.year.trim()))
    return { problem: `The ${which} date must be a real date, for example 27 8 2026` };
  const date = `${p.year.trim()}-${p.month.trim().padStart(2, "0")}-${p.day.trim().padStart(2, "0")}`;
  return isIsoDate(date) ? { date } : { problem: `The ${which} date must be a real date, for example 27 8 2026` };
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

const ymd = (date: string): { y: number; m: number; d: number; wd: number } => {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return { y, m, d, wd: new Date(Date.UTC(y, m - 1, d)).getUTCDay() };
};

/** "14 September 2025". */
export function longDate(date: string): string {
  const { y, m, d } = ymd(date);
  return `${d} ${LONG_MONTHS[m - 1]} ${y}`;
}

/** A short label for a chart's axis: "Mon 1 Sep", "w/c 1 Sep", "Sep 2025"; the year when the range spans years. */
export function axisLabel(b: BucketFields, unit: BucketUnit, withYear: boolean): string {
  const { y, m, d, wd } = ymd(b.key);
  const year = withYear ? ` ${y}` : "";
  if (unit === "month") return `${MONTHS[m - 1]} ${y}`;
  if (unit === "week") return `w/c ${d} ${MONTHS[m - 1]}${year}`;
  return `${DAYS[wd]} ${d} ${MONTHS[m - 1]}${year}`;
}

/** "1 to 7 Sep 2025", "28 Aug to 3 Sep 2025", "29 Dec 2025 to 4 Jan 2026"; one day alone: "Sun 30 Aug 2026". */
function spanText(from: string, to: string): string {
  const f = ymd(from);
  const t = ymd(to);
  if (from === to) return `${DAYS[f.wd]} ${f.d} ${MONTHS[f.m - 1]} ${f.y}`; // one day: "Sun 30 Aug 2026"
  const start = f.y !== t.y ? `${f.d} ${MONTHS[f.m - 1]} ${f.y}` : f.m !== t.m ? `${f.d} ${MONTHS[f.m - 1]}` : `${f.d}`;
  return `${start} to ${t.d} ${MONTHS[t.m - 1]} ${t.y}`;
}

/** The bucket in full, for a table's row header: "Mon 1 Sep 2025", "1 to 7 Sep 2025", "September 2025". */
export function rowLabel(b: BucketFields, unit: BucketUnit): string {
  const f = ymd(b.from);
  if (unit === "day") return `${DAYS[f.wd]} ${f.d} ${MONTHS[f.m - 1]} ${f.y}`;
  if (unit === "week") {
    const whole = b.from === b.key && b.to === addDays(b.key, 6);
    return `${spanText(b.from, b.to)}${whole ? "" : " (part week)"}`;
  }
  const whole = b.from === b.key && ymd(addDays(b.to, 1)).d === 1;
  return whole ? `${LONG_MONTHS[f.m - 1]} ${f.y}` : `${spanText(b.from, b.to)} (part month)`;
}

/** True when the buckets span more than one calendar year (axis labels then carry the year). */
export function spansYears(buckets: BucketFields[]): boolean {
  return buckets.length > 0 && buckets[0]!.from.slice(0, 4) !== buckets.at(-1)!.to.slice(0, 4);
}

/** A number and its unit, joined by a no-break space so that a line never ends between them ("15" then "h" alone). */
const unit = (n: number, u: string): string => `${n}\u00a0${u}`;

/** Minutes for people: "45 min", "3 h 20 min", "2 days 4 h"; "None yet" for null. Each number keeps to its unit. */
export function durationText(minutes: number | null): string {
  if (minutes === null) return "None yet";
  const m = Math.round(minutes);
  if (m < 60) return unit(m, "min");
  if (m < 24 * 60) {
    const h = Math.floor(m / 60);
    const rest = m % 60;
    return rest ? `${unit(h, "h")} ${unit(rest, "min")}` : unit(h, "h");
  }
  const days = Math.floor(m / (24 * 60));
  const h = Math.round((m - days * 24 * 60) / 60);
  if (h === 24) return unit(days + 1, "days");
  return `${unit(days, days === 1 ? "day" : "days")}${h ? ` ${unit(h, "h")}` : ""}`;
}

/** The unit a chart of durations reads best in, from its largest value (minutes). */
export function durationScale(maxMinutes: number): { title: string; divisor: number } {
  if (maxMinutes >= 3 * 24 * 60) return { title: "Days", divisor: 24 * 60 };
  if (maxMinutes >= 3 * 60) return { title: "Hours", divisor: 60 };
  return { title: "Minutes", divisor: 1 };
}

/** Minutes in a chart's unit with one decimal place (null stays a gap). */
export const inUnit = (minutes: number | null, divisor: number): number | null =>
  minutes === null ? null : Math.round((minutes / divisor) * 10) / 10;

/** "87%" (whole per cent; "0%" and "100%" only when exact), "Not yet" for null. */
export function percentText(share: number | null): string {
  if (share === null) return "Not yet";
  const p = Math.round(share * 100);
  if (p === 100 && share < 1) return "99%";
  if (p === 0 && share > 0) return "1%";
  return `${p}%`;
}

export const numberText = (n: number): string => n.toLocaleString("en-GB");

export const OUTCOME_LABELS: [keyof OutcomeCounts, string][] = [
  ["rebooked", "Rebooked"],
  ["cancelled", "Cancelled"],
  ["rejected", "Rejected"],
  ["needs_patient_contact", "Needs patient contact"],
  ["already_done_in_pkb", "Already done in PKB"],
  ["none", "No outcome yet"],
];

/** One line or bar set of a chart and a column of its table. */
export interface Series {
  label: string;
  values: number[];
}

/** How many specialties or teams get their own series before the rest are grouped as "Other". */
export const MAX_SERIES = 8;

const TYPE_LABELS: Record<RequestType | "unknown", string> = {
  change: "Change",
  cancel: "Cancel",
  unknown: "Not understood",
};

/**
 * Volume per bucket split by specialty, team or type: the largest groups by total first, then "Other …" for the
 * rest, then requests with no specialty / team / type. Every request is in exactly one series.
 */
export function volumeSeries(report: VolumeReport, split: Split): Series[] {
  const index = new Map(report.buckets.map((b, i) => [b.key, i]));
  const groups = new Map<string, { label: string; values: number[]; total: number; last: boolean }>();
  const none = {
    specialty: "No appointment linked",
    team: "No team",
    type: TYPE_LABELS.unknown,
  }[split];
  for (const c of report.cells) {
    const i = index.get(c.bucket);
    if (i === undefined) continue;
    let key: string;
    let label: string;
    if (split === "specialty") {
      key = c.specialtyCode ?? "";
      label = c.specialtyCode === null ? none : (c.specialtyName ?? c.specialtyCode);
    } else if (split === "team") {
      key = c.teamId ?? "";
      label = c.teamId === null ? none : (c.teamName ?? "Unnamed team");
    } else {
      key = c.type ?? "";
      label = c.type === null ? none : TYPE_LABELS[c.type];
    }
    let g = groups.get(key);
    if (!g) {
      g = { label, values: report.buckets.map(() => 0), total: 0, last: key === "" };
      groups.set(key, g);
    }
    g.values[i]! += c.requests;
    g.total += c.requests;
  }
  const named = [...groups.values()].filter((g) => !g.last);
  // Types keep their natural order; specialties and teams go largest first (ties by name).
  if (split === "type") named.sort((a, b) => (a.label === "Change" ? -1 : b.label === "Change" ? 1 : 0));
  else named.sort((a, b) => b.total - a.total || a.label.localeCompare(b.label, "en-GB"));
  const out: Series[] = named.slice(0, split === "type" ? named.length : MAX_SERIES);
  const rest = named.slice(out.length);
  if (rest.length) {
    out.push({
      label: `Other ${split === "team" ? "teams" : "specialties"} (${rest.length})`,
      values: report.buckets.map((_, i) => rest.reduce((s, g) => s + g.values[i]!, 0)),
    });
  }
  const last = groups.get("");
  if (last) out.push({ label: last.label, values: last.values });
  return out.map(({ label, values }) => ({ label, values }));
}

/** Column totals of series (one per bucket). */
export const bucketTotals = (series: Series[], buckets: number): number[] =>
  Array.from({ length: buckets }, (_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));

/**
 * Colours for series on white: the NHS palette's darker colours (each at least 3:1 against white, WCAG 1.4.11), in
 * an order that keeps neighbours apart; segments are also separated by white borders, and every figure is in the
 * table beneath the chart.
 */
export const PALETTE = [
  "#005eb8", // NHS blue
  "#007f3b", // NHS green
  "#d5281b", // NHS red
  "#330072", // NHS purple
  "#8a4b08", // brown
  "#00796b", // teal
  "#ae2573", // NHS pink
  "#003087", // NHS dark blue
  "#7c2855", // NHS dark pink
] as const;

/** Greys for the "Other …" series and for the "No …" one (never next to each other in the same shade). */
export const OTHER_GREY = "#768692";
export const NONE_GREY = "#425563";

/** The colour of the n-th series; "Other …" and "No …" series are grey. */
export function seriesColour(label: string, n: number): string {
  if (label.startsWith("Other ")) return OTHER_GREY;
  if (/^(No |Not understood)/.test(label)) return NONE_GREY;
  return PALETTE[n % PALETTE.length]!;
}
