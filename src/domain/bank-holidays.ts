// UK bank holidays from the maintained `date-holidays` package (GB, with its nations as regions), not a hand-written
// list: England and Wales share one list; Scotland and Northern Ireland have their own (St Andrew's Day, 2 January;
// St Patrick's Day, the Twelfth), substitute days included. Local dates, 'YYYY-MM-DD'.
import Holidays from "date-holidays";
import type { LocalDate } from "./buckets.ts";

/** The UK holiday lists Rebook offers (BANK_HOLIDAYS): England and Wales, Scotland, Northern Ireland. */
export const HOLIDAY_REGIONS = ["england-and-wales", "scotland", "northern-ireland"] as const;
export type HolidayRegion = (typeof HOLIDAY_REGIONS)[number];

/** The region's name for people. */
export const HOLIDAY_REGION_NAMES: Record<HolidayRegion, string> = {
  "england-and-wales": "England and Wales",
  scotland: "Scotland",
  "northern-ireland": "Northern Ireland",
};

// date-holidays' GB state codes (England and Wales have the same bank holidays; ENG stands for both).
const STATE: Record<HolidayRegion, string> = { "england-and-wales": "ENG", scotland: "SCT", "northern-ireland": "NIR" };

/** A bank holiday: its local date and name ("Early May bank holiday", "Boxing Day (substitute day)"). */
export interface BankHoliday {
  date: LocalDate;
  name: string;
}

/** The region's bank holidays from `fromYear` to `toYear` (inclusive), by date; public holidays only. */
export function ukBankHolidays(region: HolidayRegion, fromYear: number, toYear: number): BankHoliday[] {
  const hd = new Holidays("GB", STATE[region]);
  const out = new Map<LocalDate, string>();
  for (let year = fromYear; year <= toYear; year++) {
    for (const h of hd.getHolidays(year)) {
      if (h.type !== "public" && h.type !== "bank") continue;
      const date = h.date.slice(0, 10);
      if (!out.has(date)) out.set(date, h.name);
    }
  }
  return [...out].map(([date, name]) => ({ date, name })).sort((a, b) => a.date.localeCompare(b.date));
}
