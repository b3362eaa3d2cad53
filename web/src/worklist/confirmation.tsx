// Whether PKB shows a request's outcome, as a tag (text first, colour second) and as filter choices for the worklist.
import type { PkbConfirmation } from "../api/types.ts";
import { Tag, type TagColour } from "../components/ui.tsx";

type State = PkbConfirmation["state"];

/** The words for each state (not_needed has none: nothing to check). */
export const confirmationText: Record<State, string> = {
  not_needed: "No PKB check needed",
  awaiting: "Awaiting PKB",
  confirmed: "Confirmed in PKB",
  not_confirmed: "Not confirmed in PKB",
};

const colour: Record<State, TagColour> = {
  not_needed: "grey",
  awaiting: "white",
  confirmed: "green",
  not_confirmed: "red",
};

/** The tag for a request's PKB confirmation; nothing when none is needed. */
export function ConfirmationTag({ confirmation }: { confirmation: PkbConfirmation | null | undefined }) {
  if (!confirmation || confirmation.state === "not_needed") return null;
  return (
    <Tag colour={colour[confirmation.state]} className="app-tag--nowrap">
      {confirmationText[confirmation.state]}
    </Tag>
  );
}
