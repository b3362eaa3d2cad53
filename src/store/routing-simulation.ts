// The routing rule simulator: replays past requests (their stored routing facts) through a draft rule set with the real
// route() and compares with where they went. Reads only, in a READ ONLY transaction: nothing is ever saved.
import { z } from "zod";
import { prioritySchema, route, ruleConditionsSchema, type RoutingFacts, type RoutingRule } from "../domain/routing.ts";
import type { Db } from "./db.ts";
import { exportedRuleSchema, type ImportProblem } from "./routing-rules-admin.ts";
import { defaultTeamId } from "./routing-rules.ts";

/** A draft rule given by ids (as the rules API takes them). */
const draftByIdSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    enabled: z.boolean().default(true),
    conditions: ruleConditionsSchema.default({}),
    teamId: z.uuid(),
    assignUserId: z.uuid().nullable().default(null),
    priority: prioritySchema.nullable().default(null),
  })
  .strict();

const pathText = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), "");

/**
 * Reads draft rules, each either in the export document's shape (team by name, assignUser by email) or by ids (teamId,
 * assignUserId), and checks every one against the schema (conditions with ruleConditionsSchema) and the store. Returns
 * the rules ready for route() (ids "draft-1", "draft-2", … in order) or every problem found.
 */
export async function resolveDraftRules(
  db: Db,
  drafts: unknown[],
): Promise<{ ok: true; rules: RoutingRule[] } | { ok: false; problems: ImportProblem[] }> {
  const problems: ImportProblem[] = [];
  const text = (d: unknown, key: string): string | null => {
    const v = (d as Record<string, unknown> | null)?.[key];
    return typeof v === "string" && v.trim() ? v.trim() : null;
  };
  // By name when it names a team or a person by name/email; by ids otherwise.
  const byName = drafts.map((d) => text(d, "team") !== null || text(d, "assignUser") !== null);
  const teamRefs = drafts.map((d, i) => (byName[i] ? text(d, "team")?.toLowerCase() : text(d, "teamId")) ?? null);
  const userRefs = drafts.map(
    (d, i) => (byName[i] ? text(d, "assignUser")?.toLowerCase() : text(d, "assignUserId")) ?? null,
  );
  const isUuid = (s: string): boolean => z.uuid().safeParse(s).success;
  const teams = await db.query<{ id: string; name: string }>(
    "SELECT id::text, lower(name) AS name FROM teams WHERE lower(name) = ANY($1::text[]) OR id::text = ANY($1::text[])",
    [teamRefs.filter((r) => r !== null)],
  );
  const users = await db.query<{ id: string; email: string }>(
    "SELECT id::text, lower(email) AS email FROM users WHERE lower(email) = ANY($1::text[]) OR id::text = ANY($1::text[])",
    [userRefs.filter((r) => r !== null)],
  );
  const rules: RoutingRule[] = [];
  drafts.forEach((d, i) => {
    const parsed = byName[i] ? exportedRuleSchema.safeParse(d) : draftByIdSchema.safeParse(d);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ path: pathText(["rules", i, ...issue.path]), message: issue.message });
      }
    }
    // References are checked even when the shape is wrong, so every problem is reported at once.
    const teamRef = teamRefs[i];
    const teamId = teamRef
      ? teams.find((t) => (byName[i] ? t.name === teamRef : t.id === teamRef.toLowerCase()))?.id
      : undefined;
    if (teamRef && !teamId && (byName[i] || isUuid(teamRef))) {
      problems.push(
        byName[i]
          ? { path: `rules[${i}].team`, message: `No team is named "${text(d, "team")}"` }
          : { path: `rules[${i}].teamId`, message: `No team has the id ${teamRef}` },
      );
    }
    const userRef = userRefs[i];
    const userId = userRef
      ? users.find((u) => (byName[i] ? u.email === userRef : u.id === userRef.toLowerCase()))?.id
      : undefined;
    if (userRef && !userId && (byName[i] || isUuid(userRef))) {
      problems.push(
        byName[i]
          ? { path: `rules[${i}].assignUser`, message: `No user has the email "${text(d, "assignUser")}"` }
          : { path: `rules[${i}].assignUserId`, message: `No user has the id ${userRef}` },
      );
    }
    if (parsed.success && teamId && (!userRef || userId)) {
      rules.push({
        id: `draft-${i + 1}`,
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

/** Where the replayed requests went and would go, per team (null team: no team). */
export interface SimulationResult {
  total: number;
  changed: number;
  byTeam: { teamId: string | null; teamName: string; current: number; simulated: number }[];
  samples: {
    requestId: string;
    receivedAt: Date;
    currentTeam: { id: string; name: string } | null;
    simulatedTeam: { id: string; name: string } | null;
    /** The draft rule that applied (1-based position), or null for the default team. */
    rule: { position: number; name: string } | null;
  }[];
}

interface FactsRow {
  id: string;
  received_at: Date;
  type: "change" | "cancel" | null;
  specialty_code: string | null;
  location: string | null;
  appointment_type: string | null;
  pkb_team_name: string | null;
  patient_note: string;
  match_state: string;
  team_id: string | null;
}

/** Most samples of changed requests returned. */
export const SIMULATION_SAMPLES = 50;

/**
 * Replays up to `limit` routed requests received in [from, to) (newest first) through `rules` and the current default
 * team. The facts are those the pipeline routed on: for a linked appointment its type, else the subject's text; none for
 * a patient who was not identified. Requests still in the pipeline or in error were never routed and are left out.
 */
export async function simulateRouting(
  db: Db,
  p: { rules: RoutingRule[]; from?: Date | null; to?: Date | null; limit: number },
): Promise<SimulationResult> {
  return db.transaction(async (tx) => {
    await tx.query("SET TRANSACTION READ ONLY");
    const rows = await tx.query<FactsRow>(
      `SELECT r.id, r.received_at, r.type, r.appointment_specialty_code AS specialty_code,
         r.appointment_location AS location,
         CASE WHEN r.match_state = 'not_applicable' THEN NULL
              ELSE COALESCE(r.appointment_type, r.requested_subject) END AS appointment_type,
         r.pkb_team_name, r.patient_note, r.match_state, r.team_id
       FROM appointment_requests r
       WHERE r.status NOT IN ('processing', 'error')
         AND ($1::timestamptz IS NULL OR r.received_at >= $1) AND ($2::timestamptz IS NULL OR r.received_at < $2)
       ORDER BY r.received_at DESC, r.id LIMIT $3`,
      [p.from ?? null, p.to ?? null, p.limit],
    );
    const fallback = await defaultTeamId(tx);
    const names = new Map(
      (await tx.query<{ id: string; name: string }>("SELECT id, name FROM teams")).map((t) => [t.id, t.name]),
    );
    const team = (id: string | null) => (id ? { id, name: names.get(id) ?? "(deleted team)" } : null);
    const counts = new Map<string | null, { current: number; simulated: number }>();
    const bump = (id: string | null, key: "current" | "simulated"): void => {
      const c = counts.get(id) ?? { current: 0, simulated: 0 };
      c[key]++;
      counts.set(id, c);
    };
    const positions = new Map(p.rules.map((r, i) => [r.id, i + 1]));
    const result: SimulationResult = { total: rows.length, changed: 0, byTeam: [], samples: [] };
    for (const r of rows) {
      const facts: RoutingFacts = {
        type: r.type,
        specialtyCode: r.specialty_code,
        location: r.location,
        appointmentType: r.appointment_type,
        pkbTeamNames: r.pkb_team_name ? [r.pkb_team_name] : [],
        note: r.patient_note,
        matchState: r.match_state,
      };
      const decision = route(p.rules, facts, fallback);
      bump(r.team_id, "current");
      bump(decision.teamId, "simulated");
      if (decision.teamId === r.team_id) continue;
      result.changed++;
      if (result.samples.length < SIMULATION_SAMPLES) {
        const rule = decision.ruleId ? p.rules.find((x) => x.id === decision.ruleId) : undefined;
        result.samples.push({
          requestId: r.id,
          receivedAt: r.received_at,
          currentTeam: team(r.team_id),
          simulatedTeam: team(decision.teamId),
          rule: rule ? { position: positions.get(rule.id)!, name: rule.name } : null,
        });
      }
    }
    result.byTeam = [...counts.entries()]
      .map(([id, c]) => ({ teamId: id, teamName: team(id)?.name ?? "(no team)", ...c }))
      .sort((a, b) => (a.teamId === null ? 1 : b.teamId === null ? -1 : a.teamName.localeCompare(b.teamName)));
    return result;
  });
}
