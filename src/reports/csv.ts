// The reports' CSV conventions on top of the shared writer (src/http/csv.ts): instants as a UTC and a local column,
// and file names that carry the report and its range.
import { localIso } from "../domain/buckets.ts";
import type { Cell } from "../http/csv.ts";

export { CSV_BOM, csvCell, csvDocument, csvLine, type Cell, type CsvTable } from "../http/csv.ts";

/** The instant in UTC and on the local clock of `zone`, as two cells (empty when there is none). */
export function instantCells(d: Date | null, zone: string): [Cell, Cell] {
  return d ? [d, localIso(d, zone)] : [null, null];
}

/** The two header names of an instant column: `<name>_utc`, `<name>_local`. */
export const instantHeader = (name: string): [string, string] => [`${name}_utc`, `${name}_local`];

/** "rebook-volume-2025-03-01-to-2025-03-31.csv": the report and its local date range. */
export function csvFilename(report: string, from: string, to: string): string {
  return `rebook-${report}-${from}-to-${to}.csv`;
}
