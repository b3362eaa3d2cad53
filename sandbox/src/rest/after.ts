// The {date} of GET /json/messages/after/{date}: a calendar date (midnight UTC), an ISO 8601 timestamp, or epoch
// milliseconds. PKB documents only "a date" / "a specific timestamp"; see sandbox/README.md.

import { DateTime } from "luxon";

/** Epoch milliseconds of the point after which messages are returned, or null when `text` is none of the forms. */
export function parseAfterPoint(text: string): number | null {
  const value = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const d = DateTime.fromISO(value, { zone: "utc" });
    return d.isValid ? d.toMillis() : null;
  }
  if (/^\d{1,15}$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const d = DateTime.fromISO(value, { zone: "utc", setZone: true });
  return d.isValid ? d.toMillis() : null;
}
