// Everything that happened to the request, newest last, in words.
import type { HistoryEvent } from "../api/types.ts";
import { ukDateTime } from "../format.ts";
import { describeEvent } from "./history-words.ts";

export function History({ events, names }: { events: HistoryEvent[]; names: ReadonlyMap<string, string> }) {
  const sorted = [...events].sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id);
  return (
    <section aria-labelledby="history-heading" className="app-section">
      <h2 className="nhsuk-heading-m" id="history-heading">
        History
      </h2>
      <table className="nhsuk-table app-history" data-testid="history">
        <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">
          History of this request, oldest first
        </caption>
        <thead className="nhsuk-table__head">
          <tr className="nhsuk-table__row">
            <th className="nhsuk-table__header" scope="col">
              When
            </th>
            <th className="nhsuk-table__header" scope="col">
              What happened
            </th>
            <th className="nhsuk-table__header" scope="col">
              Who
            </th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {sorted.map((e) => (
            <tr className="nhsuk-table__row" key={e.id}>
              <td className="nhsuk-table__cell app-nowrap">{ukDateTime(e.at)}</td>
              <td className="nhsuk-table__cell">{describeEvent(e, names)}</td>
              <td className="nhsuk-table__cell">{e.actor?.displayName ?? "Rebook"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
