// Routing: ordered rules send each request to a team (and optionally a person, with a priority); the first enabled rule
// whose every condition holds wins, else the default team. Within a team, optional round-robin auto-assignment.
import { z } from "zod";
import { MATCH_STATES, PRIORITIES, REQUEST_TYPES } from "../requests/vocabulary.ts";

const list = z.array(z.string().trim().min(1)).min(1).optional();

/** A rule's conditions. Every condition given must hold (AND); any value within one condition may match (OR). */
export const ruleConditionsSchema = z
  .object({
    types: z.array(z.enum(REQUEST_TYPES)).min(1).optional(),
    /** Specialty codes (e.g. SPEC_03): PKB's display text can change, so rules key on the code. */
    specialtyCodes: list,
    /** Case-insensitive substrings of the appointment's location. */
    locations: list,
    /** Case-insensitive substrings of the appointment type (the subject from the HL7 feed). */
    appointmentTypes: list,
    /** PKB team names the message was sent to (exact, case-insensitive). */
    pkbTeams: list,
    /** Whole words or phrases in the patient's note (case-insensitive). */
    keywords: list,
    matchStates: z
      .array(z.enum(MATCH_STATES).exclude(["pending"]))
      .min(1)
      .optional(),
  })
  .strict();
export type RuleConditions = z.infer<typeof ruleConditionsSchema>;

export const prioritySchema = z.enum(PRIORITIES);
export type Priority = z.infer<typeof prioritySchema>;

/** A routing rule as stored and as exchanged in JSON import/export. */
export interface RoutingRule {
  id: string;
  name: string;
  enabled: boolean;
  conditions: RuleConditions;
  teamId: string;
  assignUserId: string | null;
  priority: Priority | null;
}

/** What routing looks at. */
export interface RoutingFacts {
  type: "change" | "cancel" | null;
  specialtyCode: string | null;
  location: string | null;
  appointmentType: string | null;
  pkbTeamNames: string[];
  note: string;
  matchState: string;
}

/** Where a request goes and why. ruleId null = the default team. */
export interface RoutingDecision {
  teamId: string | null;
  assignUserId: string | null;
  priority: Priority;
  ruleId: string | null;
  reason: string;
}

const lower = (s: string): string => s.toLocaleLowerCase("en-GB");
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The conditions of `rule` that `facts` fail, as readable text; empty when the rule applies. */
export function failedConditions(c: RuleConditions, f: RoutingFacts): string[] {
  const failed: string[] = [];
  if (c.types && (!f.type || !c.types.includes(f.type))) failed.push("type");
  if (c.specialtyCodes && (!f.specialtyCode || !c.specialtyCodes.some((s) => lower(s) === lower(f.specialtyCode!)))) {
    failed.push("specialty");
  }
  if (c.locations && (!f.location || !c.locations.some((l) => lower(f.location!).includes(lower(l)))))
    failed.push("location");
  if (
    c.appointmentTypes &&
    (!f.appointmentType || !c.appointmentTypes.some((t) => lower(f.appointmentType!).includes(lower(t))))
  ) {
    failed.push("appointment type");
  }
  if (c.pkbTeams && !c.pkbTeams.some((t) => f.pkbTeamNames.some((n) => lower(n) === lower(t)))) failed.push("PKB team");
  if (c.keywords && !c.keywords.some((k) => new RegExp(`(^|\\W)${escapeRegExp(k)}($|\\W)`, "iu").test(f.note))) {
    failed.push("keywords");
  }
  if (c.matchStates && !c.matchStates.includes(f.matchState as never)) failed.push("match state");
  return failed;
}

/** Routes a request through `rules` in order; falls back to `defaultTeamId` (null when no default team is set). */
export function route(rules: RoutingRule[], facts: RoutingFacts, defaultTeamId: string | null): RoutingDecision {
  for (const rule of rules) {
    if (!rule.enabled) continue;
    if (failedConditions(rule.conditions, facts).length === 0) {
      return {
        teamId: rule.teamId,
        assignUserId: rule.assignUserId,
        priority: rule.priority ?? "normal",
        ruleId: rule.id,
        reason: `Rule "${rule.name}"`,
      };
    }
  }
  return {
    teamId: defaultTeamId,
    assignUserId: null,
    priority: "normal",
    ruleId: null,
    reason: defaultTeamId ? "No rule applied: default team" : "No rule applied and no default team",
  };
}

/** A team member as auto-assignment sees them. */
export interface AssignableMember {
  userId: string;
  available: boolean;
  /** Most open requests at once; null = no cap. */
  capacity: number | null;
  openCount: number;
}

/**
 * Round robin: the next member after `lastAssignedUserId` (in user id order) who is available and under their cap;
 * null when nobody can take it.
 */
export function pickAssignee(members: AssignableMember[], lastAssignedUserId: string | null): string | null {
  const ordered = [...members].sort((a, b) => a.userId.localeCompare(b.userId));
  if (ordered.length === 0) return null;
  const lastIndex = lastAssignedUserId ? ordered.findIndex((m) => m.userId === lastAssignedUserId) : -1;
  for (let step = 1; step <= ordered.length; step++) {
    const m = ordered[(lastIndex + step + ordered.length) % ordered.length]!;
    if (m.available && (m.capacity === null || m.openCount < m.capacity)) return m.userId;
  }
  return null;
}
