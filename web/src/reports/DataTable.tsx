// A chart's figures as a table: a caption, a header row, one row per bucket (or specialty) with a row header, and an
// optional totals row. Long tables scroll inside a focusable, labelled region so the page stays short.
import type { ReactNode } from "react";

export interface TableRow {
  label: ReactNode;
  cells: ReactNode[];
}

/** A row: its header cell, then its figures. */
function Row({ row, rowClass, headerClass }: { row: TableRow; rowClass?: string; headerClass?: string }) {
  return (
    <tr className={`nhsuk-table__row${rowClass ? ` ${rowClass}` : ""}`}>
      <th className={`nhsuk-table__header${headerClass ? ` ${headerClass}` : ""}`} scope="row">
        {row.label}
      </th>
      {row.cells.map((c, j) => (
        <td className="nhsuk-table__cell app-numeric" key={j}>
          {c}
        </td>
      ))}
    </tr>
  );
}

export function DataTable({
  caption,
  rowHeader,
  columns,
  rows,
  total,
  testId,
}: {
  caption: string;
  rowHeader: string;
  columns: string[];
  rows: TableRow[];
  total?: TableRow;
  testId?: string;
}) {
  return (
    <div className="app-table-scroll app-report-table" role="region" aria-label={caption} tabIndex={0}>
      <table className="nhsuk-table" data-testid={testId}>
        <caption className="nhsuk-table__caption nhsuk-table__caption--s">{caption}</caption>
        <thead className="nhsuk-table__head">
          <tr className="nhsuk-table__row">
            <th className="nhsuk-table__header" scope="col">
              {rowHeader}
            </th>
            {columns.map((c) => (
              <th className="nhsuk-table__header app-numeric" scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {rows.map((r, i) => (
            <Row key={i} row={r} headerClass="app-row-header" />
          ))}
        </tbody>
        {total ? (
          <tfoot>
            <Row row={total} rowClass="app-total-row" />
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}
