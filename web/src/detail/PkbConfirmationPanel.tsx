// On the request page: whether PKB shows the outcome recorded, what PKB showed at the last check in words a clerk can
// act on ("PKB still shows Mon 12 Oct 16:00"), when it was checked (or confirmed), and by when it should show.
import type { PkbConfirmation } from "../api/types.ts";
import { SummaryList } from "../components/ui.tsx";
import { ukDateTime } from "../format.ts";
import { ConfirmationTag } from "../worklist/confirmation.tsx";
import { lastCheckedText } from "./pkb-confirmation-words.ts";

type Checked = PkbConfirmation & { state: Exclude<PkbConfirmation["state"], "not_needed"> };

const EXPLAIN: Record<Checked["state"], string> = {
  awaiting: "Rebook is checking that the change reaches PKB through the trust's appointment feed. Nothing to do yet.",
  confirmed: "PKB shows the outcome: the patient sees the change.",
  not_confirmed:
    "PKB still does not show the outcome, so the patient may not know. Check the change was made in the PAS and that its feed to PKB is working. Rebook keeps checking.",
};

const isChecked = (c: PkbConfirmation | null | undefined): c is Checked => Boolean(c && c.state !== "not_needed");

/** The "In PKB" section (nothing when the outcome needs no confirmation). */
export function PkbConfirmationPanel({ confirmation }: { confirmation: PkbConfirmation | null | undefined }) {
  if (!isChecked(confirmation)) return null;
  const c = confirmation;
  return (
    <section
      aria-labelledby="pkb-confirmation-heading"
      className={`app-section app-pkb-confirmation app-pkb-confirmation--${c.state.replace("_", "-")}`}
      data-testid="pkb-confirmation"
    >
      <h2 className="nhsuk-heading-m" id="pkb-confirmation-heading">
        In PKB
      </h2>
      <p className="nhsuk-body">
        <ConfirmationTag confirmation={c} />
      </p>
      <p className="nhsuk-body">{EXPLAIN[c.state]}</p>
      <SummaryList
        rows={[
          [
            // When: the words themselves say what PKB shows ("PKB still shows Mon 12 Oct 16:00").
            c.state === "confirmed" ? "At confirmation" : "At the last check",
            c.shows ? <span data-testid="pkb-shows">{c.shows}</span> : null,
          ],
          ["Last checked", lastCheckedText(c)],
          ["Confirmed", c.confirmedAt ? ukDateTime(c.confirmedAt) : null],
          ["Should show by", c.state === "confirmed" ? null : ukDateTime(c.due)],
        ]}
      />
    </section>
  );
}
