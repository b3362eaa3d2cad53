// The routing-rule draft: what the editor changes, what the simulator replays, and how saving turns it into API calls.
import { del, post, put } from "../api/client.ts";
import type { Priority, Rule, RuleConditions } from "../api/types.ts";

/** A rule in the draft; `id` null until saved. `key` is stable for React and focus. */
export interface DraftRule {
  key: string;
  id: string | null;
  name: string;
  enabled: boolean;
  conditions: RuleConditions;
  teamId: string;
  assignUserId: string | null;
  priority: Priority | null;
}

let seq = 0;
export const newKey = (): string => `draft-${++seq}`;

export const toDraft = (r: Rule): DraftRule => ({
  key: r.id,
  id: r.id,
  name: r.name,
  enabled: r.enabled,
  conditions: r.conditions,
  teamId: r.teamId,
  assignUserId: r.assignUserId,
  priority: r.priority,
});

/** The conditions without empty lists (the API refuses empty lists). */
export function cleanConditions(c: RuleConditions): RuleConditions {
  const out: RuleConditions = {};
  for (const [k, v] of Object.entries(c)) {
    if (Array.isArray(v) && v.length === 0) continue;
    if (v === undefined) continue;
    out[k] = v;
  }
  return out;
}

const body = (d: DraftRule) => ({
  name: d.name.trim(),
  enabled: d.enabled,
  conditions: cleanConditions(d.conditions),
  teamId: d.teamId,
  assignUserId: d.assignUserId,
  priority: d.priority,
});

/** The draft as the simulator takes it (rules by ids). */
export const simulationRules = (draft: DraftRule[]) => draft.map(body);

const same = (d: DraftRule, r: Rule): boolean => JSON.stringify(body(d)) === JSON.stringify(body(toDraft(r)));

/** Saves the draft: changed rules updated, new ones added, removed ones deleted, then the order set. */
export async function saveDraft(draft: DraftRule[], saved: Rule[]): Promise<void> {
  const byId = new Map(saved.map((r) => [r.id, r]));
  const keep = new Set(draft.map((d) => d.id).filter(Boolean));
  for (const r of saved) if (!keep.has(r.id)) await del(`/api/routing-rules/${r.id}`);
  const ids: string[] = [];
  for (const d of draft) {
    if (d.id) {
      const before = byId.get(d.id);
      if (!before || !same(d, before)) await put(`/api/routing-rules/${d.id}`, body(d));
      ids.push(d.id);
    } else {
      const created = await post<Rule>("/api/routing-rules", body(d));
      ids.push(created.id);
    }
  }
  // Every rule exactly once, in the draft's order (new rules were added at the end).
  if (ids.length) await post("/api/routing-rules/reorder", { ids });
}

/** Whether the draft differs from what is saved. */
export function isDirty(draft: DraftRule[], saved: Rule[]): boolean {
  if (draft.length !== saved.length) return true;
  const ordered = [...saved].sort((a, b) => a.position - b.position);
  return draft.some((d, i) => d.id !== ordered[i]!.id || !same(d, ordered[i]!));
}
