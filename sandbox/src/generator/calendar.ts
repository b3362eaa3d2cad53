// The generator's calendar: Europe/London local dates around the anchor, and wall-clock → UTC conversion that is
// exact across the BST changes. Luxon runs twice per date (offsets at 00:00 and 12:00), not per appointment.

import { DateTime } from "luxon";
import { UK_ZONE, type WallClock } from "./subject.ts";

/** Milliseconds in one day. */
export const DAY_MS = 86_400_000;

/** One Europe/London calendar date. `index` is days from the anchor's local date (negative = before). */
export interface LocalDate {
  index: number;
  year: number;
  month: number;
  day: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** True on a clock-change day (UK: last Sunday of March or October, at 01:00 GMT): 01:00-01:59 is missing or repeated. */
  clockChange: boolean;
  /** UTC offset in minutes at 00:00 and at 12:00 local time (they differ only on clock-change days). */
  offsetMidnight: number;
  offsetNoon: number;
}

/** Local dates from `before` days before to `after` days after the anchor's Europe/London date. */
export class LondonCalendar {
  readonly dates: readonly LocalDate[];
  private readonly first: number;

  /** `anchorMs` is a UTC epoch-milliseconds instant; `before`/`after` are whole days. */
  constructor(anchorMs: number, before: number, after: number) {
    const anchorLocal = DateTime.fromMillis(anchorMs, { zone: UK_ZONE }).startOf("day");
    const dates: LocalDate[] = [];
    for (let i = -before; i <= after; i++) {
      const d = anchorLocal.plus({ days: i });
      const noon = DateTime.fromObject({ year: d.year, month: d.month, day: d.day, hour: 12 }, { zone: UK_ZONE });
      dates.push({
        index: i,
        year: d.year,
        month: d.month,
        day: d.day,
        weekday: d.weekday,
        clockChange: d.offset !== noon.offset,
        offsetMidnight: d.offset,
        offsetNoon: noon.offset,
      });
    }
    this.dates = dates;
    this.first = -before;
  }

  /** The local date `index` days from the anchor's date; throws outside the calendar. */
  date(index: number): LocalDate {
    const d = this.dates[index - this.first];
    if (d === undefined) throw new Error(`LondonCalendar: day ${index} outside the calendar`);
    return d;
  }

  /**
   * UTC epoch ms of the Europe/London wall-clock `minuteOfDay` (0-1439) on date `index`. Throws for 01:00-01:59 on a
   * clock-change day (missing in spring, repeated in autumn), which the generator never asks for.
   */
  toUtcMs(index: number, minuteOfDay: number): number {
    const d = this.date(index);
    const hour = Math.floor(minuteOfDay / 60);
    if (d.clockChange && hour === 1) {
      throw new Error(`LondonCalendar: ${d.year}-${d.month}-${d.day} 01:${minuteOfDay % 60} is missing or repeated`);
    }
    const offset = hour < 1 ? d.offsetMidnight : d.offsetNoon;
    return Date.UTC(d.year, d.month - 1, d.day, hour, minuteOfDay % 60) - offset * 60_000;
  }

  /** The wall-clock of date `index` at `minuteOfDay`, for subject formatting. */
  wallClock(index: number, minuteOfDay: number): WallClock {
    const d = this.date(index);
    return {
      year: d.year,
      month: d.month,
      day: d.day,
      weekday: d.weekday,
      hour: Math.floor(minuteOfDay / 60),
      minute: minuteOfDay % 60,
    };
  }
}
