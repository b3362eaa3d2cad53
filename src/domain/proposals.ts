// What the patient proposes in a note: the days, times and parts of the day they offer instead of their appointment
// ("Can you change it to 16th September 2025?", "a week later", "afternoons only"). chrono-node (en-GB: day before
// month) reads the dates and times, relative to when the message was sent, in UK time; the rules here decide which of
// them are proposals. Pure: the sent instant and the current appointment are arguments; no result depends on the
// host's zone.
import * as chrono from "chrono-node";
import { DateTime } from "luxon";
import { UK_ZONE } from "./uk-time.ts";

export type PartOfDay = "morning" | "afternoon" | "evening";

/** One thing the patient proposes. Dates are UK calendar dates (YYYY-MM-DD), times UK wall-clock (HH:MM). */
export interface Proposal {
  /** The patient's words. */
  text: string;
  /** The day proposed (or, with `week`, the Monday of the week proposed); null for a time or part of day alone. */
  date: string | null;
  /** True when the patient proposed a week ("next week"), not a day. */
  week: boolean;
  /** The time named ("2pm", "10:30"), or null. */
  time: string | null;
  partOfDay: PartOfDay | null;
}

const MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec";
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/** A day by its name, or today or tomorrow (as an alternation for a regular expression, to be used as whole words). */
const DAY_WORDS =
  "today|tomorrow|mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?";
/** A named day within a found text: "Thursday week", "a week tomorrow" name a day, "a month" none. */
const NAMES_A_DAY = new RegExp(`\\b(?:${DAY_WORDS})\\b`, "i");
/** How many weeks (or fortnights) a patient counts on by, in words or digits. */
const COUNTS: Record<string, number> = {
  a: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  "2": 2,
  "3": 3,
  "4": 4,
  "a couple of": 2,
};

/** en-GB chrono plus a day of the month on its own ("the 20th", "Thursday 22nd"), which chrono leaves unread. */
function buildParser(): chrono.Chrono {
  const parser = chrono.en.GB.clone();
  parser.parsers.push({
    pattern: () =>
      new RegExp(
        `\\b(?:(mon|tue|wed|thu|fri|sat|sun)[a-z]*\\.?,?\\s+)?(?:the\\s+)?(\\d{1,2})(?:st|nd|rd|th)\\b(?!\\s*(?:of\\s+)?(?:${MONTHS}))`,
        "i",
      ),
    extract: (context, match) => {
      const day = Number(match[2]);
      if (day < 1 || day > 31) return null;
      const ref = DateTime.fromJSDate(context.reference.instant, { zone: UK_ZONE });
      const weekday = match[1] ? WEEKDAYS.indexOf(match[1].toLowerCase()) + 1 : null;
      // The next time that day of the month comes (today included), agreeing with the weekday when one is named.
      for (let m = 0; m < 12; m++) {
        const month = ref.startOf("month").plus({ months: m });
        if (day > month.daysInMonth!) continue;
        const d = month.set({ day });
        if (d < ref.startOf("day")) continue;
        if (weekday !== null && d.weekday !== weekday) continue;
        const known: Record<string, number> = { day, month: d.month, year: d.year };
        if (weekday !== null) known.weekday = weekday % 7;
        return known;
      }
      return null;
    },
  });
  // "Sept 23", "October 2nd": the month first. en-GB reads "Sept 23" as September 2023; a patient means the 23rd.
  parser.parsers.unshift({
    pattern: () =>
      new RegExp(`\\b(${MONTHS})[a-z]*\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?!\\s*,?\\s*\\d)(?![:.]\\d)`, "i"),
    extract: (context, match) => {
      const day = Number(match[2]);
      const month = MONTHS.split("|").indexOf(match[1]!.toLowerCase()) + 1;
      const ref = DateTime.fromJSDate(context.reference.instant, { zone: UK_ZONE });
      for (const year of [ref.year, ref.year + 1]) {
        const d = DateTime.fromObject({ year, month, day }, { zone: UK_ZONE });
        if (d.isValid && d >= ref.startOf("day")) return { day, month, year };
      }
      return null;
    },
  });
  // British English counts on from a day: "a week tomorrow", "a week on Friday", "Thursday week" (the Thursday after the
  // coming one), "a fortnight on Monday", "three weeks on Friday"; and "(in) a fortnight", two weeks. en-GB chrono reads
  // "a week" and "tomorrow" apart (two wrong days) and has no fortnight; the longer match here wins over both. Day
  // names are whole words ("wedding week" is no Wednesday; "Tuesdays", a habit, no day).
  const day = DAY_WORDS;
  // The longest count first ("a couple of" before "a"), its spaces any run of white space.
  const counts = Object.keys(COUNTS)
    .sort((a, b) => b.length - a.length)
    .map((c) => c.replace(/ /g, "\\s+"))
    .join("|");
  const span = `(${counts})\\s+(week|fortnight)s?`;
  parser.parsers.unshift({
    pattern: () =>
      new RegExp(
        `\\b(?:${span}\\s+(?:on\\s+)?(${day})|(${day})\\s+(week|fortnight)|(?:in\\s+)?${span}(?:['’]s|s['’])?(?:\\s+time)?(?:\\s+(?:later|after(?:wards)?))?)\\b`,
        "i",
      ),
    extract: (context, match) => {
      const [, count1, unit1, from1, from2, unit2, count3, unit3] = match;
      const count = count1 ?? (from2 ? "a" : count3)!;
      const unit = (unit1 ?? unit2 ?? unit3)!.toLowerCase();
      const from = (from1 ?? from2)?.toLowerCase();
      // "a week" alone is chrono's own reading; a fortnight alone, or any span counted on from a day, is this one's.
      if (!from && unit === "week") return null;
      // "a fortnight ago" is gone; "once a fortnight", "every fortnight" are how often, not when.
      const at = match.index ?? 0;
      if (/^\s+ago\b/i.test(context.text.slice(at + match[0].length))) return null;
      if (/\b(?:once|every|each|per)\s+$/i.test(context.text.slice(0, at))) return null;
      const weeks = COUNTS[count.toLowerCase().replace(/\s+/g, " ")]! * (unit === "fortnight" ? 2 : 1);
      const today = DateTime.fromJSDate(context.reference.instant, { zone: UK_ZONE }).startOf("day");
      let d = today;
      if (from === "tomorrow") d = today.plus({ days: 1 });
      else if (from && from !== "today") {
        // The coming one of that weekday (never today's): "a week on Friday" is the Friday after it.
        const weekday = WEEKDAYS.indexOf(from.slice(0, 3)) + 1;
        d = today.plus({ days: ((weekday - today.weekday + 6) % 7) + 1 });
      }
      d = d.plus({ weeks });
      return { day: d.day, month: d.month, year: d.year };
    },
  });
  return parser;
}

const parser = buildParser();

/** Words before a date in the same clause that say the patient cannot come then. */
const NEGATION =
  /\b(?:can'?t|cannot|can not|not|unable|won'?t|busy|away|no|except|until|till|says|on holiday|on jury service|in hospital|abroad|I(?:'m| am)? work(?:ing)?)\b/i;
/** Words after a date in the same clause that say the patient cannot come then ("a morning is very difficult"). */
const NEGATION_AFTER =
  /^[^.;:!?,\n]*?\b(?:difficult|impossible|no good|not possible|(?:does|do|will)n'?t work|I(?:'m| am) working)\b/i;
/** Where a clause starts: punctuation or a turn ("but", "or", "instead"). */
const CLAUSE_START = /[.;:!?,\n]|\b(?:but|or|however|instead|so)\b/gi;

/** The text of the clause before `index`. */
function clauseBefore(note: string, index: number): string {
  const before = note.slice(0, index);
  let start = 0;
  for (const m of before.matchAll(CLAUSE_START)) start = m.index + m[0].length;
  return before.slice(start);
}

/** The sentence that holds `index` (its start), to tie a part of the day to a date nearby. */
function sentenceOf(note: string, index: number): number {
  let start = 0;
  for (const m of note.slice(0, index).matchAll(/[.!?\n]/g)) start = m.index + 1;
  return start;
}

const partOfDayIn = (text: string): PartOfDay | null => {
  const m = /\b(morning|afternoon|evening|tonight|lunchtime)s?\b/i.exec(text);
  if (!m) return null;
  const word = m[1]!.toLowerCase();
  return word === "tonight" ? "evening" : word === "lunchtime" ? "afternoon" : (word as PartOfDay);
};

const partOfDayAt = (t: DateTime): PartOfDay => (t.hour < 12 ? "morning" : t.hour < 17 ? "afternoon" : "evening");

const ukOffset = (at: Date): number => DateTime.fromJSDate(at, { zone: UK_ZONE }).offset;

const isoDate = (c: chrono.ParsedComponents): string =>
  DateTime.fromObject({ year: c.get("year")!, month: c.get("month")!, day: c.get("day")! }).toISODate()!;

interface Found extends Proposal {
  index: number;
  end: number;
  sentence: number;
}

/**
 * The proposals in `note`, in the order the patient wrote them. `sentAt` is when the message was sent (relative words
 * count from it, in UK time); `appointmentStart`, the appointment the request is about, when known: "a week later"
 * counts from it, and a mention of its own day is not a proposal. Days before the message was sent, and days or times
 * the patient says they cannot do ("not Friday", "I can't do mornings") are left out.
 */
export function proposalsIn(note: string, sentAt: Date, appointmentStart: Date | null = null): Proposal[] {
  if (!note.trim()) return [];
  const sentDay = DateTime.fromJSDate(sentAt, { zone: UK_ZONE }).toISODate()!;
  const appointment = appointmentStart ? DateTime.fromJSDate(appointmentStart, { zone: UK_ZONE }) : null;
  const found: Found[] = [];
  const results = parser.parse(note, { instant: sentAt, timezone: ukOffset(sentAt) }, { forwardDate: true });
  for (const r of results) {
    const text = r.text.trim();
    if (NEGATION.test(clauseBefore(note, r.index)) || NEGATION_AFTER.test(note.slice(r.index + r.text.length)))
      continue;
    // "for two weeks", "for a couple of weeks" (chrono may take the "for" into its text): how long, not when. A day counted on names a day, after "for" too
    // ("book me in for Thursday week", "for a week tomorrow").
    const lead = note.slice(0, r.index);
    if (
      (/\bfor(?:\s+a)?\s*$/i.test(lead) || /^for\s/i.test(text)) &&
      /\b(?:days?|weeks?|fortnights?|months?|years?)\b/i.test(text) &&
      !NAMES_A_DAY.test(text)
    )
      continue;
    // "in the day" is not "in a day"; "today" alone is when the patient writes, not a day they offer.
    if (/^in the \w+$/i.test(text) || (/^today$/i.test(text) && !r.start.isCertain("hour"))) continue;
    // "I'm now being seen elsewhere": "now" is when the patient writes, never a time they offer. "would prefer a day
    // when one is available": "a day" named by what follows is no day. A length alone still counts ("put it back a
    // week", "a week tomorrow").
    if (/^(?:right |just )?now$/i.test(text)) continue;
    // "a few days' notice", "a fortnight's notice": how much warning the patient needs, not when (’ too, as phones type).
    if (
      /\b(?:days?|weeks?|fortnights?)(?:['’]s|s['’])?$/i.test(text) &&
      /^(?:['’]s|s['’]|['’])?\s+notice\b/i.test(note.slice(r.index + r.text.length))
    )
      continue;
    if (
      /^(?:a|an|one)\s+(?:day|week|month)$/i.test(text) &&
      /^\s+(?:when|that|where|which|with|of|to)\b/i.test(note.slice(r.index + r.text.length))
    )
      continue;
    let start = r.start;
    // "a week later", "two weeks after": later than the appointment, when the request names one.
    // "move it by a week", "the following Tuesday": from the appointment, when the request names one.
    const fromAppointment =
      /\b(?:later|after|afterwards|following)\b/i.test(text) || /\b(?:by|following)\s*$/i.test(lead);
    if (appointment && fromAppointment) {
      const again = parser.parse(/^a\b/i.test(text) ? `in ${text}` : text, {
        instant: appointmentStart!,
        timezone: appointment.offset,
      })[0];
      if (again) start = again.start;
    }
    const weekOnly = /\b(?:next|this|that)\s+week\b/i.test(text) && !start.isCertain("weekday");
    const hasDay = start.isCertain("day") || start.isCertain("weekday") || weekOnly;
    let date = hasDay ? isoDate(start) : null;
    if (date && weekOnly) date = DateTime.fromISO(date).startOf("week").toISODate()!;
    // "Monday" written on a Monday means the next one; "the following Tuesday" is in the week after the appointment's.
    if (date === sentDay && start.isCertain("weekday") && !start.isCertain("day")) {
      date = DateTime.fromISO(date).plus({ weeks: 1 }).toISODate()!;
    }
    if (date && appointment && /\bfollowing\b/i.test(`${lead.slice(-12)} ${text}`) && start.isCertain("weekday")) {
      const d = DateTime.fromISO(date, { zone: UK_ZONE });
      if (d.startOf("week").equals(appointment.startOf("week"))) date = d.plus({ weeks: 1 }).toISODate()!;
    }
    const time = start.isCertain("hour")
      ? `${String(start.get("hour")).padStart(2, "0")}:${String(start.get("minute") ?? 0).padStart(2, "0")}`
      : null;
    // "Wed 17 Sept am": a part of the day written just after the date.
    const after = /^\s*(am|pm|a\.m\.|p\.m\.)(?![a-z])/i.exec(note.slice(r.index + r.text.length));
    const partOfDay = time ? null : after ? (/^\s*a/i.test(after[0]) ? "morning" : "afternoon") : partOfDayIn(text);
    if (date && !weekOnly && date < sentDay) continue; // a day already gone: not something to book
    if (!date && !time && !partOfDay) continue;
    found.push({
      text,
      date,
      week: weekOnly,
      time,
      partOfDay,
      index: r.index,
      end: r.index + r.text.length + (after ? after[0].length : 0),
      sentence: sentenceOf(note, r.index),
    });
  }
  // Parts of the day chrono leaves ("afternoons only", "any evening").
  for (const m of note.matchAll(/\b(?:mornings?|afternoons?|evenings?|lunchtimes?)\b/gi)) {
    if (found.some((f) => m.index >= f.index && m.index < f.end)) continue;
    if (results.some((r) => m.index >= r.index && m.index < r.index + r.text.length)) continue; // read, and left out
    if (NEGATION.test(clauseBefore(note, m.index)) || NEGATION_AFTER.test(note.slice(m.index + m[0].length))) continue;
    found.push({
      text: m[0],
      date: null,
      week: false,
      time: null,
      partOfDay: partOfDayIn(m[0]),
      index: m.index,
      end: m.index + m[0].length,
      sentence: sentenceOf(note, m.index),
    });
  }
  found.sort((a, b) => a.index - b.index);
  // A time or part of the day on its own ("after 3pm", "in the morning") belongs to the first day of its sentence that
  // has neither; otherwise it stands alone.
  for (const t of found.filter((f) => !f.date)) {
    const day = found.find((f) => f.sentence === t.sentence && f.date && !f.week && !f.time && !f.partOfDay);
    if (!day) continue;
    day.time = t.time;
    day.partOfDay = t.time ? null : t.partOfDay;
    found.splice(found.indexOf(t), 1);
  }
  // The appointment the patient has is no proposal, unless they ask for another time of that day.
  const theirs = (f: Found): boolean =>
    Boolean(appointment && f.date && !f.week && f.date === appointment.toISODate()) &&
    (f.time ? f.time === appointment!.toFormat("HH:mm") : !f.partOfDay || f.partOfDay === partOfDayAt(appointment!));
  const seen = new Set<string>();
  return found
    .filter((f) => !theirs(f))
    .filter((f) => {
      const key = `${f.date}|${f.week}|${f.time}|${f.partOfDay}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(({ text, date, week, time, partOfDay }) => ({ text, date, week, time, partOfDay }));
}

/** The first proposal with a day (what the rebook form starts from), or null. */
export const firstProposedDay = (proposals: readonly Proposal[]): Proposal | null =>
  proposals.find((p) => p.date !== null && !p.week) ?? null;
