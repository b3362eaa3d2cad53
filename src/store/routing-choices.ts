// What routing rules can pick from: the specialties, locations and appointment types Rebook has seen on requests'
// appointments, by name; and which of a draft's conditions match nothing Rebook has seen (the simulator says so).
import type { RoutingRule } from "../domain/routing.ts";
import type { Queryable } from "./db.ts";
import { listSpecialties, type SpecialtySeen } from "./request-queries.ts";

/** A location or appointment type seen, with how many requests' appointments had it. */
export interface ValueSeen {
  value: string;
  requests: number;
}

export interface RuleChoices {
  specialties: SpecialtySeen[];
  locations: ValueSeen[];
  appointmentTypes: ValueSeen[];
}

/** Every value `column` has had, most used first (ties by name). */
async function valuesSeen(db: Queryable, column: "appointment_location" | "appointment_type"): Promise<ValueSeen[]> {
  const rows = await db.query<ValueSeen>(
    `SELECT ${column} AS value, count(*)::int AS requests FROM appointment_requests
      WHERE ${column} IS NOT NULL AND ${column} <> '' GROUP BY ${column}`,
  );
  return rows.sort((a, b) => a.value.localeCompare(b.value, "en-GB"));
}

/** The choices a rule editor offers. */
export async function listRuleChoices(db: Queryable): Promise<RuleChoices> {
  return {
    specialties: await listSpecialties(db),
    locations: await valuesSeen(db, "appointment_location"),
    appointmentTypes: await valuesSeen(db, "appointment_type"),
  };
}

/** A condition value no request Rebook has seen has; `message` says so in words. */
export interface UnseenCondition {
  rule: { position: number; name: string };
  condition: "specialtyCodes" | "locations" | "appointmentTypes";
  value: string;
  message: string;
}

/**
 * The enabled rules' specialty, location and appointment-type values that match no request Rebook has seen, compared
 * as routing compares them (specialty code without case; location and type as substrings without case).
 */
export function unseenConditions(rules: RoutingRule[], seen: RuleChoices): UnseenCondition[] {
  const lower = (s: string): string => s.toLowerCase();
  const codes = new Set(seen.specialties.map((s) => lower(s.code)));
  const locations = seen.locations.map((l) => lower(l.value));
  const types = seen.appointmentTypes.map((t) => lower(t.value));
  const out: UnseenCondition[] = [];
  rules.forEach((r, i) => {
    if (!r.enabled) return;
    const rule = { position: i + 1, name: r.name };
    for (const code of r.conditions.specialtyCodes ?? []) {
      if (!codes.has(lower(code))) {
        out.push({
          rule,
          condition: "specialtyCodes",
          value: code,
          message: `No request Rebook has seen has specialty '${code}'`,
        });
      }
    }
    for (const l of r.conditions.locations ?? []) {
      if (!locations.some((x) => x.includes(lower(l)))) {
        out.push({
          rule,
          condition: "locations",
          value: l,
          message: `No request Rebook has seen has a location containing '${l}'`,
        });
      }
    }
    for (const t of r.conditions.appointmentTypes ?? []) {
      if (!types.some((x) => x.includes(lower(t)))) {
        out.push({
          rule,
          condition: "appointmentTypes",
          value: t,
          message: `No request Rebook has seen has an appointment type containing '${t}'`,
        });
      }
    }
  });
  return out;
}
