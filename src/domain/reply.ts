// Answering the patient: reply templates per outcome with {placeholders}, filled from the request (UK date and time in
// words), and when a reply may be offered (a rebooking or cancellation only once PKB shows it). Pure: the request's
// facts are passed in; nothing here sends anything (see src/requests/reply-channel.ts).
import { DateTime } from "luxon";
import { UK_ZONE } from "./uk-time.ts";

/** The placeholders a template may use, with what each becomes. */
export const REPLY_PLACEHOLDERS = {
  firstName: "The patient's first name",
  oldDateTime: 'The appointment as it was, in words: "Tuesday 2 December 2025 at 2:30pm"',
  newDateTime: "The new appointment (rebooked), in words",
  location: "Where the appointment is",
  team: "The team's name",
} as const;
export type ReplyPlaceholder = keyof typeof REPLY_PLACEHOLDERS;

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Problems with a template's text: unknown placeholders, empty text, over 4,000 characters. Empty when usable. */
export function templateProblems(body: string): string[] {
  const problems: string[] = [];
  if (body.trim().length === 0) problems.push("Write the reply's text");
  if (body.length > 4000) problems.push(`The reply is ${body.length} characters: at most 4,000`);
  const unknown = [...body.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((n) => !(n in REPLY_PLACEHOLDERS));
  for (const name of new Set(unknown)) {
    problems.push(
      `{${name}} is not a placeholder: use ${Object.keys(REPLY_PLACEHOLDERS)
        .map((k) => `{${k}}`)
        .join(", ")}`,
    );
  }
  return problems;
}

/** An instant as UK words: "Tuesday 2 December 2025 at 2:30pm" (Europe/London, GMT or BST). */
export function ukDateTimeInWords(instant: Date, zone = UK_ZONE): string {
  const dt = DateTime.fromJSDate(instant, { zone }).setLocale("en-GB");
  const time = dt.minute === 0 ? dt.toFormat("h") : dt.toFormat("h:mm");
  const ampm = dt.hour < 12 ? "am" : "pm";
  const clock = dt.hour === 12 && dt.minute === 0 ? "midday" : `${time}${ampm}`;
  return `${dt.toFormat("cccc d LLLL yyyy")} at ${clock}`;
}

/** What a reply is filled with (null: not known for this request). */
export interface ReplyFacts {
  firstName: string | null;
  oldStart: Date | null;
  newStart: Date | null;
  location: string | null;
  team: string | null;
}

/**
 * The template filled in. A placeholder whose value is not known stays visible as "[location]" and is listed in
 * `missing`, so staff fill it in before sending rather than the patient reading a blank.
 */
export function fillReply(
  body: string,
  facts: ReplyFacts,
  zone = UK_ZONE,
): { text: string; missing: ReplyPlaceholder[] } {
  const values: Record<ReplyPlaceholder, string | null> = {
    firstName: facts.firstName?.trim() || null,
    oldDateTime: facts.oldStart ? ukDateTimeInWords(facts.oldStart, zone) : null,
    newDateTime: facts.newStart ? ukDateTimeInWords(facts.newStart, zone) : null,
    location: facts.location?.trim() || null,
    team: facts.team?.trim() || null,
  };
  const missing = new Set<ReplyPlaceholder>();
  const text = body.replace(PLACEHOLDER, (whole, name: string) => {
    if (!(name in values)) return whole;
    const v = values[name as ReplyPlaceholder];
    if (v === null) {
      missing.add(name as ReplyPlaceholder);
      return `[${name}]`;
    }
    return v;
  });
  return { text, missing: [...missing] };
}

/** Whether a reply is offered now, and if not, why (words for staff). */
export type ReplyAvailability = { offered: true } | { offered: false; reason: string };

/**
 * A reply is offered once the request has an outcome; for a rebooking or cancellation only once PKB confirmation says
 * PKB shows it (or none is needed: no linked appointment), so the patient is never told of a change PKB does not show.
 */
export function replyAvailability(
  outcome: string | null,
  pkbState: "not_needed" | "awaiting" | "confirmed" | "not_confirmed",
): ReplyAvailability {
  if (!outcome)
    return { offered: false, reason: "Record the outcome first: the reply tells the patient what was done." };
  if (outcome !== "rebooked" && outcome !== "cancelled") return { offered: true };
  const change = outcome === "rebooked" ? "new appointment" : "cancellation";
  if (pkbState === "awaiting") {
    return {
      offered: false,
      reason: `Not offered yet: PKB does not show the ${change} yet. Rebook checks PKB and offers the reply once it does, so the patient is not told of a change they cannot see.`,
    };
  }
  if (pkbState === "not_confirmed") {
    return {
      offered: false,
      reason: `Not offered: PKB still does not show the ${change}. Check the appointment in PKB and put it right before answering the patient.`,
    };
  }
  return { offered: true };
}
