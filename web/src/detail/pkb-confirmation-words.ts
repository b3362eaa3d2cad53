// The "In PKB" panel's "Last checked" row in words (docs/pkb-confirmation.md).
import type { PkbConfirmation } from "../api/types.ts";
import { ukDateTime } from "../format.ts";

/**
 * When Rebook last read the outcome back from PKB, or null to leave the row out: once confirmed, checks stop and the
 * check that confirmed it was the last, so its time is the "Confirmed" row's. Without a successful read yet, says
 * whether none was due yet (awaiting) or PKB could not be read (not confirmed at the limit).
 */
export function lastCheckedText(c: Pick<PkbConfirmation, "state" | "checkedAt">): string | null {
  if (c.state === "confirmed" || c.state === "not_needed") return null;
  if (c.checkedAt) return ukDateTime(c.checkedAt);
  return c.state === "awaiting" ? "Not yet" : "Not yet: PKB could not be read";
}
