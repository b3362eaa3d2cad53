// Editing the ordered routing rules from the admin API: views with team and user names, update, delete, reorder, and
// the JSON exchange document (teams by name, users by email) with an import check that reports every problem at once.
import { z } from "zod";
import { AppError } from "../errors.ts";
import { prioritySchema, ruleConditionsSchema, type Priority, type RuleConditions } from "../domain/routing.ts";
import type { Queryable } from "./db.ts";
import type { RuleInput } from "./routing-rules.ts";

/** A rule as the admin sees it: in its place, with the names of its team and person. */
export interface RuleView {
  id: string;
  position: number;
  name: string;
  enabled: boolean;
  conditions: RuleConditions;
  teamId: string;
  teamName: string;
  assignUserId: string | null;
  assignUserName: string | null;
  priority: Priority | null;
}

interface ViewRow {
  id: string;
  position: number;
  name: string;
  enabled: boolean;
  conditions: unknown;
  team_id: string;
  team_name: string;
  assign_user_id: string | null;
  assign_user_name: string | null;
  assign_user_email: string | null;
  priority: Priority | null;
}

const VIEW_SQL = `SELECT r.id, r.position, r.name, r.enabled, r.conditions, r.team_id, t.name AS team_name,
    r.assign_user_id, u.display_name AS assign_user_name, u.email AS assign_user_email, r.priority
  FROM routing_rules r JOIN teams t ON t.id = r.team_id LEFT JOIN users u ON u.id = r.assign_user_id`;

const toView = (r: ViewRow): RuleView => ({
  id: r.id,
  position: r.position,
  name: r.name,
  enabled: r.enabled,
  conditions: ruleConditionsSchema.parse(r.conditions),
  teamId: r.team_id,
  teamName: r.team_name,
  assignUserId: r.assign_user_id,
  assignUserName: r.assign_user_name,
  priority: r.priority,
});

/** Every rule in evaluation order. */
export async function listRuleViews(db: Queryable): Promise<RuleView[]> {
  return (await db.query<ViewRow>(`${VIEW_SQL} ORDER BY r.position`)).map(toView);
}

/** One rule, or null. */
export async function getRuleView(db: Queryable, id: string): Promise<RuleView | null> {
  const [row] = await db.query<ViewRow>(`${VIEW_SQL} WHERE r.id = $1`, [id]);
  return row ? toView(row) : null;
}

/** What is wrong with a rule's team and person: each missing one, as readable text (empty when both exist). */
export async function ruleReferenceProblems(
  db: Queryable,
  r: { teamId: string; assignUserId: string | null },
): Promise<string[]> {
  const problems: string[] = [];
  if ((await db.query("SELECT 1 FROM teams WHERE id = $1", [r.teamId])).length === 0) {
    problems.push(`No team has the id ${r.teamId}`);
  }
  if (r.assignUserId && (await db.query("SELECT 1 FROM users WHERE id = $1", [r.assignUserId])).length === 0) {
    problems.push(`No user has the id ${r.assignUserId}`);
  }
  return problems;
}

/** Replaces one rule's settings, keeping its place; false when there is no such rule. */
export async function updateRule(db: Queryable, id: string, r: RuleInput): Promise<boolean> {
  const rows = await db.query(
    `UPDATE routing_rules SET name = $2, enabled = $3, conditions = $4, team_id = $5, assign_user_id = $6,
       priority = $7, updated_at = now() WHERE id = $1 RETURNING id`,
    [id, r.name, r.enabled, JSON.stringify(r.conditions), r.teamId, r.assignUserId, r.priority],
  );
  return rows.length === 1;
}

/** Deletes one rule (requests it routed keep their team; their rule link is cleared); false when there is none. */
export async function deleteRule(db: Queryable, id: string): Promise<boolean> {
  return (await db.query("DELETE FROM routing_rules WHERE id = $1 RETURNING id", [id])).length === 1;
}

/**
 * Puts the rules in the order of `ids`, which must name every rule exactly once (else a 400 `not_a_permutation`).
 * Positions stay unique throughout: they are negated first, then renumbered 1..n. Call inside a transaction.
 */
export async function reorderRules(tx: Queryable, ids: string[]): Promise<void> {
  const wanted = ids.map((id) => id.toLowerCase());
  const current = new Set(
    (await tx.query<{ id: string }>("SELECT id FROM routing_rules ORDER BY position FOR UPDATE")).map((r) => r.id),
  );
  const distinct = new Set(wanted);
  if (distinct.size !== wanted.length || wanted.length !== current.size || wanted.some((id) => !current.has(id))) {
    throw new AppError(
      "not_a_permutation",
      `The new order must list each of the ${current.size} rules exactly once (got ${wanted.length} ids, ${distinct.size} distinct)`,
      400,
    );
  }
  await tx.query("UPDATE routing_rules SET position = -position - 1");
  await tx.query(
    `UPDATE routing_rules r SET position = v.ord, updated_at = now()
     FROM unnest($1::uuid[]) WITH ORDINALITY AS v(id, ord) WHERE r.id = v.id`,
    [wanted],
  );
}

// ---- The exchange document ----

/** One rule in the exchange document: its team by name and its person by email. */
export const exportedRuleSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    enabled: z.boolean().default(true),
    conditions: ruleConditionsSchema.default({}),
    team: z.string().trim().min(1).describe("The team's name"),
    assignUser: z.string().trim().min(1).nullable().default(null).describe("The person's email, or null"),
    priority: prioritySchema.nullable().default(null),
  })
  .strict();

/** The routing rules as a JSON document, for backup and for moving them between installations. */
export const rulesDocumentSchema = z.object({
  version: z.literal(1),
  exportedAt: z.string().optional(),
  rules: z.array(exportedRuleSchema),
});
export type RulesDocument = z.infer<typeof rulesDocumentSchema>;

/** The current rules as an exchange document. */
export async function exportRules(db: Queryable, now = new Date()): Promise<RulesDocument> {
  const rows = await db.query<ViewRow>(`${VIEW_SQL} ORDER BY r.position`);
  return {
    version: 1,
    exportedAt: now.toISOString(),
    rules: rows.map((r) => ({
      name: r.name,
      enabled: r.enabled,
      conditions: ruleConditionsSchema.parse(r.conditions),
      team: r.team_name,
      assignUser: r.assign_user_email,
      priority: r.priority,
    })),
  };
}

/** One thing wrong with an import: where (e.g. `rules[2].team`) and what. */
export interface ImportProblem {
  path: string;
  message: string;
}

const pathText = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), "");

/**
 * Checks a whole exchange document against the schema and the store (teams by name, users by email, both
 * case-insensitive) and returns either the rules to store or every problem found.
 */
export async function resolveImport(
  db: Queryable,
  doc: unknown,
): Promise<{ ok: true; rules: RuleInput[] } | { ok: false; problems: ImportProblem[] }> {
  const shape = z.object({ version: z.unknown(), rules: z.array(z.unknown()) }).safeParse(doc);
  if (!shape.success) {
    return { ok: false, problems: [{ path: "", message: "Expected a document {version: 1, rules: [...]}" }] };
  }
  const problems: ImportProblem[] = [];
  if (shape.data.version !== 1) problems.push({ path: "version", message: "Only version 1 documents can be imported" });
  const raw = shape.data.rules;
  const textAt = (r: unknown, key: string): string | null => {
    const v = (r as Record<string, unknown> | null)?.[key];
    return typeof v === "string" && v.trim() ? v.trim() : null;
  };
  const teamNames = raw.map((r) => textAt(r, "team")?.toLowerCase()).filter((s): s is string => !!s);
  const emails = raw.map((r) => textAt(r, "assignUser")?.toLowerCase()).filter((s): s is string => !!s);
  const teams = new Map(
    (
      await db.query<{ id: string; key: string }>(
        "SELECT id, lower(name) AS key FROM teams WHERE lower(name) = ANY($1::text[])",
        [teamNames],
      )
    ).map((t) => [t.key, t.id]),
  );
  const users = new Map(
    (
      await db.query<{ id: string; key: string }>(
        "SELECT id, lower(email) AS key FROM users WHERE lower(email) = ANY($1::text[])",
        [emails],
      )
    ).map((u) => [u.key, u.id]),
  );
  const rules: RuleInput[] = [];
  raw.forEach((r, i) => {
    const parsed = exportedRuleSchema.safeParse(r);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ path: pathText(["rules", i, ...issue.path]), message: issue.message });
      }
    }
    const team = textAt(r, "team");
    const teamId = team ? teams.get(team.toLowerCase()) : undefined;
    if (team && !teamId) problems.push({ path: `rules[${i}].team`, message: `No team is named "${team}"` });
    const email = textAt(r, "assignUser");
    const userId = email ? users.get(email.toLowerCase()) : undefined;
    if (email && !userId)
      problems.push({ path: `rules[${i}].assignUser`, message: `No user has the email "${email}"` });
    if (parsed.success && teamId && (!email || userId)) {
      rules.push({
        name: parsed.data.name,
        enabled: parsed.data.enabled,
        conditions: parsed.data.conditions,
        teamId,
        assignUserId: userId ?? null,
        priority: parsed.data.priority,
      });
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules };
}
