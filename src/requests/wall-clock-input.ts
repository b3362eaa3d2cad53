// A UK date and time as a person gives them ("YYYY-MM-DD", "HH:mm") read as an instant, with the refusals and the
// warning the outcome's new start and the wait for the patient share. `zone` is passed in (Europe/London by default).
import { formatUkDate, formatUkDateTime, UK_ZONE, wallClockToInstant } from "../domain/uk-time.ts";
import { AppError } from "../errors.ts";

/** A UK wall-clock date ("YYYY-MM-DD") and time ("HH:mm", 24-hour), as a person gives them. */
export interface WallClockInput {
  date: string;
  time: string;
}

/**
 * The instant of a UK date and time: 400 `invalid_date` for text that is not one or a date that does not exist, 400
 * `nonexistent_time` for a time skipped when the clocks go forward ("01:30 on Sun 28 Mar 2027 does not exist in the
 * UK: …"); a time in the repeated autumn hour is taken as the first (BST) one, and `repeated` says so.
 */
export function instantOfWallClock(input: WallClockInput, zone = UK_ZONE): { instant: Date; repeated: boolean } {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.date);
  const t = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(input.time);
  if (!d || !t) throw new AppError("invalid_date", "Give the date as YYYY-MM-DD and the time as HH:mm (24-hour)", 400);
  const w = { year: Number(d[1]), month: Number(d[2]), day: Number(d[3]), hour: Number(t[1]), minute: Number(t[2]) };
  let converted: ReturnType<typeof wallClockToInstant>;
  try {
    converted = wallClockToInstant(w, zone);
  } catch {
    throw new AppError("invalid_date", `${input.date} is not a date`, 400);
  }
  if (converted.issue === "gap") {
    throw new AppError(
      "nonexistent_time",
      `${input.time} on ${formatUkDate(w)} does not exist in the UK: the clocks go forward that night. Choose another time.`,
      400,
    );
  }
  return { instant: converted.instant, repeated: converted.issue === "repeated" };
}

/**
 * What a person is told when their time happens twice (the night the clocks go back) and `instant`, the first, was
 * taken, the day in words as the refusals name it: "01:30 on Sun 25 Oct 2026 happens twice in the UK (the clocks go
 * back that night); recorded as the first, Sun 25 Oct 2026, 01:30 (BST)".
 */
export function repeatedHourWarning(input: WallClockInput, instant: Date, zone = UK_ZONE): string {
  const [year, month, day] = input.date.split("-").map(Number) as [number, number, number];
  return `${input.time} on ${formatUkDate({ year, month, day })} happens twice in the UK (the clocks go back that night); recorded as the first, ${formatUkDateTime(instant, zone)}`;
}
