// CSV for spreadsheets: RFC 4180 (comma, CRLF, fields with a comma, quote, line break or edge spaces in double quotes,
// quotes doubled), UTF-8 with a byte-order mark so Excel reads it as UTF-8, and no formula injection: a text cell
// starting with = + - @ (or a tab or carriage return) gets a leading apostrophe, so a spreadsheet shows it as text.
// Numbers are written as numbers (a negative number is not a formula).

/** The UTF-8 byte-order mark, the first character of every CSV Rebook writes. */
export const CSV_BOM = "\uFEFF";

/** A cell: text, a number, a yes/no, an instant (ISO 8601 UTC), an object (JSON) or empty. */
export type Cell = string | number | boolean | Date | null | undefined | Record<string, unknown>;

/** One field, quoted when it must be and defused when a spreadsheet would read it as a formula. */
export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof Date) return v.toISOString();
  const raw = typeof v === "object" ? JSON.stringify(v) : v;
  const text = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record with its CRLF. */
export const csvLine = (cells: readonly Cell[]): string => `${cells.map(csvCell).join(",")}\r\n`;

/** A table: its header and its rows, each as long as the header. */
export interface CsvTable {
  header: string[];
  rows: Iterable<Cell[]>;
}

/** A whole CSV document: BOM, header, rows. */
export function csvDocument(t: CsvTable): string {
  let out = CSV_BOM + csvLine(t.header);
  for (const r of t.rows) out += csvLine(r);
  return out;
}
