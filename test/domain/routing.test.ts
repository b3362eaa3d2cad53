import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  pickAssignee,
  route,
  ruleConditionsSchema,
  type RoutingFacts,
  type RoutingRule,
} from "../../src/domain/routing.ts";

const facts: RoutingFacts = {
  type: "cancel",
  specialtyCode: "SPEC_03",
  location: "Eye Clinic, Victoria Infirmary",
  appointmentType: "New Patient - Ophthalmology",
  pkbTeamNames: ["Appointment Management Team"],
  note: "I can't make it, I'm having surgery that week.",
  matchState: "auto_linked",
};

const rule = (id: string, conditions: RoutingRule["conditions"], extra: Partial<RoutingRule> = {}): RoutingRule => ({
  id,
  name: id,
  enabled: true,
  conditions,
  teamId: `team-${id}`,
  assignUserId: null,
  priority: null,
  ...extra,
});

describe("route", () => {
  it("takes the first enabled rule whose every condition holds", () => {
    const rules = [
      rule("disabled", {}, { enabled: false }),
      rule("change-only", { types: ["change"] }),
      rule("eyes", { specialtyCodes: ["spec_03"], locations: ["eye clinic"], types: ["cancel"] }, { priority: "high" }),
      rule("catch-all", {}),
    ];
    expect(route(rules, facts, "default")).toEqual({
      teamId: "team-eyes",
      assignUserId: null,
      priority: "high",
      ruleId: "eyes",
      reason: 'Rule "eyes"',
    });
  });

  it("matches keywords as whole words and falls back to the default team", () => {
    expect(route([rule("k", { keywords: ["surgery"] })], facts, "d").ruleId).toBe("k");
    expect(route([rule("k", { keywords: ["surge"] })], facts, "d")).toMatchObject({ teamId: "d", ruleId: null });
    expect(route([rule("k", { keywords: ["can't make it"] })], facts, "d").ruleId).toBe("k");
    expect(route([], facts, null).reason).toBe("No rule applied and no default team");
  });

  it("checks PKB team, appointment type and match state", () => {
    expect(route([rule("t", { pkbTeams: ["appointment management team"] })], facts, null).ruleId).toBe("t");
    expect(route([rule("a", { appointmentTypes: ["ophthalmology"] })], facts, null).ruleId).toBe("a");
    expect(route([rule("m", { matchStates: ["review"] })], facts, null).ruleId).toBeNull();
  });

  it("rejects unknown or empty conditions in rule JSON", () => {
    expect(ruleConditionsSchema.safeParse({ specialty: ["x"] }).success).toBe(false);
    expect(ruleConditionsSchema.safeParse({ keywords: [] }).success).toBe(false);
    expect(ruleConditionsSchema.safeParse({ types: ["change"], keywords: ["holiday"] }).success).toBe(true);
  });
});

describe("pickAssignee", () => {
  const m = (
    userId: string,
    extra: Partial<{ available: boolean; capacity: number | null; openCount: number }> = {},
  ) => ({
    userId,
    available: true,
    capacity: null,
    openCount: 0,
    ...extra,
  });

  it("goes round the team in order, skipping the unavailable and the full", () => {
    const team = [m("c"), m("a"), m("b", { available: false }), m("d", { capacity: 2, openCount: 2 })];
    expect(pickAssignee(team, null)).toBe("a");
    expect(pickAssignee(team, "a")).toBe("c");
    expect(pickAssignee(team, "c")).toBe("a");
    expect(pickAssignee(team, "gone")).toBe("a");
    expect(pickAssignee([m("x", { available: false })], null)).toBeNull();
    expect(pickAssignee([], null)).toBeNull();
  });

  it("spreads work evenly among available members (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 60 }), (size, n) => {
        const team = Array.from({ length: size }, (_, i) => m(`u${i}`));
        const counts = new Map<string, number>();
        let last: string | null = null;
        for (let i = 0; i < n; i++) {
          last = pickAssignee(team, last);
          counts.set(last!, (counts.get(last!) ?? 0) + 1);
        }
        const values = [...counts.values()];
        expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
      }),
    );
  });
});
