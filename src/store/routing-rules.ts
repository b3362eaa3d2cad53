// Routing rules in the store, in order. Import replaces the whole ordered set in one transaction.
import { ruleConditionsSchema, type Priority, type RoutingRule, type RuleConditions } from "../domain/routing.ts";
import type { Queryable } from "./db.ts";

interface Row {
  id: string;
  position: number;
  name: string;
  enabled: boolean;
  conditions: unknown;
  team_id: string;
  assign_user_id: string | null;
  priority: Priority | null;
}

const toRule = (r: Row): RoutingRule => ({
  id: r.id,
  name: r.name,
  enabled: r.enabled,
  conditions: ruleConditionsSchema.parse(r.conditions),
  teamId: r.team_id,
  assignUserId: r.assign_user_id,
  priority: r.priority,
});

/** Every rule in evaluation order. */
export async function listRules(db: Queryable): Promise<RoutingRule[]> {
  return (await db.query<Row>("SELECT * FROM routing_rules ORDER BY position")).map(toRule);
}

/** A rule without its id, as created or imported. */
export interface RuleInput {
  name: string;
  enabled: boolean;
  conditions: RuleConditions;
  teamId: string;
  assignUserId: string | null;
  priority: Priority | null;
}

/** Replaces all rules with `rules`, in that order. Call inside a transaction. */
export async function replaceRules(tx: Queryable, rules: RuleInput[]): Promise<RoutingRule[]> {
  await tx.query("DELETE FROM routing_rules");
  for (const [i, r] of rules.entries()) {
    await tx.query(
      `INSERT INTO routing_rules (position, name, enabled, conditions, team_id, assign_user_id, priority)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [i + 1, r.name, r.enabled, JSON.stringify(r.conditions), r.teamId, r.assignUserId, r.priority],
    );
  }
  return listRules(tx);
}

/** Appends a rule at the end. */
export async function appendRule(tx: Queryable, r: RuleInput): Promise<RoutingRule> {
  const [row] = await tx.query<Row>(
    `INSERT INTO routing_rules (position, name, enabled, conditions, team_id, assign_user_id, priority)
     VALUES ((SELECT COALESCE(MAX(position), 0) + 1 FROM routing_rules), $1, $2, $3, $4, $5, $6) RETURNING *`,
    [r.name, r.enabled, JSON.stringify(r.conditions), r.teamId, r.assignUserId, r.priority],
  );
  return toRule(row!);
}

/**
 * The rules in order, the default team and the teams that auto-assign, in one statement (what routing reads).
 */
export async function rulesAndDefaultTeam(
  db: Queryable,
): Promise<{ rules: RoutingRule[]; defaultTeamId: string | null; autoAssignTeamIds: Set<string> }> {
  const [row] = await db.query<{ rules: Row[] | null; default_team: string | null; auto_assign: string[] | null }>(
    `SELECT (SELECT json_agg(r ORDER BY r.position) FROM routing_rules r) AS rules,
       (SELECT id FROM teams WHERE is_default) AS default_team,
       (SELECT array_agg(id) FROM teams WHERE auto_assign) AS auto_assign`,
  );
  return {
    rules: (row?.rules ?? []).map(toRule),
    defaultTeamId: row?.default_team ?? null,
    autoAssignTeamIds: new Set(row?.auto_assign ?? []),
  };
}

/** The default team's id, or null. */
export async function defaultTeamId(db: Queryable): Promise<string | null> {
  const [row] = await db.query<{ id: string }>("SELECT id FROM teams WHERE is_default");
  return row?.id ?? null;
}
