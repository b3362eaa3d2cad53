import { Dialog } from "../components/Dialog.tsx";
import { SHORTCUTS } from "./shortcuts.ts";

/** The list of keyboard shortcuts ("?"). */
export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={onClose}>
      <p className="nhsuk-body">On the worklist, when you are not typing in a field:</p>
      <table className="nhsuk-table">
        <caption className="nhsuk-u-visually-hidden">Keyboard shortcuts</caption>
        <thead className="nhsuk-table__head">
          <tr className="nhsuk-table__row">
            <th scope="col" className="nhsuk-table__header">
              Key
            </th>
            <th scope="col" className="nhsuk-table__header">
              What it does
            </th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {SHORTCUTS.map(([keys, what]) => (
            <tr className="nhsuk-table__row" key={what}>
              <td className="nhsuk-table__cell">
                {keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 ? " or " : ""}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td className="nhsuk-table__cell">{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="nhsuk-body-s">Press Escape to close this list.</p>
    </Dialog>
  );
}
