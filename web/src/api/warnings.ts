// What the API warns about a change. Every action on a request answers `warnings` (src/requests/command.ts; today a
// rebooking or a wait for the patient at a time the autumn night repeats: "01:30 on Sun 25 Oct 2026 happens twice in the UK
// (the clocks go back that night); recorded as the first, Sun 25 Oct 2026, 01:30 (BST)"). Read here from each kind of
// answer, to be shown with the confirmation the person reads (components/ChangeNotice.tsx) and said with it.
import type { BulkResult } from "./workflow.ts";

/**
 * A change confirmed to the person who made it: the sentence, what the API warned about it, and, when the page now
 * shows another request ("Save and next"), the patient of the request it is about.
 */
export interface ChangeNotice {
  text: string;
  warnings: string[];
  about?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The warnings of an action's answer: a request's (WorkflowResult), or a note's (its `request`); none for anything else. */
export function warningsOf(answer: unknown): string[] {
  const r = isRecord(answer) && isRecord(answer.request) ? answer.request : answer;
  if (!isRecord(r) || !Array.isArray(r.warnings)) return [];
  return r.warnings.filter((w): w is string => typeof w === "string" && w.trim() !== "");
}

/** A bulk action's warnings, each after the request it is about (`label`: its patient), in the order of the results. */
export function bulkWarnings(results: BulkResult["results"], label: (id: string) => string): string[] {
  return results.flatMap((r) => (r.ok ? warningsOf(r.result).map((w) => `${label(r.id)}: ${w}`) : []));
}

/** The lead-in of a notice about another request than the page shows (components/ChangeNotice.tsx shows the same). */
export const aboutText = (about: string): string => `Previous request (${about}):`;

/** What a screen reader says for a notice: whose request (when the page shows another), the sentence, each warning. */
export function spokenNotice(n: ChangeNotice): string {
  return [n.about ? aboutText(n.about) : "", n.text, ...n.warnings.map((w) => `Important: ${w}`)]
    .filter(Boolean)
    .join(" ");
}

/**
 * A notice brought to this page in the navigation's state (`notice`, by "Save and next"); null when there is none.
 * The state outlives the page (history entries keep it), so anything else found there is ignored.
 */
export function carriedNotice(state: unknown): ChangeNotice | null {
  const n = isRecord(state) ? state.notice : undefined;
  if (!isRecord(n) || typeof n.text !== "string" || !n.text) return null;
  return {
    text: n.text,
    warnings: warningsOf(n),
    ...(typeof n.about === "string" && n.about ? { about: n.about } : {}),
  };
}
