import { describe, expect, it } from "vitest";
import {
  canAssignOthers,
  canManageTeam,
  canReadReports,
  canViewRequest,
  canWorkRequest,
  visibleTeams,
  type SessionUser,
} from "../../src/auth/permissions.ts";

const user = (role: SessionUser["role"], teamIds: string[] = ["t1"], leadTeamIds: string[] = []): SessionUser => ({
  id: "u",
  email: "u@nhs.test",
  displayName: "U",
  role,
  teamIds,
  leadTeamIds,
});

describe("permissions", () => {
  it("lets clerks see and work only their teams' requests", () => {
    const clerk = user("clerk");
    expect(canViewRequest(clerk, "t1")).toBe(true);
    expect(canViewRequest(clerk, "t2")).toBe(false);
    expect(canViewRequest(clerk, null)).toBe(false);
    expect(canWorkRequest(clerk, "t1")).toBe(true);
    expect(canWorkRequest(clerk, "t2")).toBe(false);
    expect(canAssignOthers(clerk, "t1")).toBe(false);
    expect(canReadReports(clerk)).toBe(false);
    expect(visibleTeams(clerk)).toEqual(["t1"]);
  });

  it("lets viewers read but change nothing", () => {
    const viewer = user("viewer");
    expect(canViewRequest(viewer, "t1")).toBe(true);
    expect(canWorkRequest(viewer, "t1")).toBe(false);
    expect(canReadReports(viewer)).toBe(true);
  });

  it("lets team leads assign within their teams and manage the teams they lead", () => {
    const lead = user("team_lead", ["t1", "t2"], ["t1"]);
    expect(canAssignOthers(lead, "t2")).toBe(true);
    expect(canAssignOthers(lead, "t3")).toBe(false);
    expect(canManageTeam(lead, "t1")).toBe(true);
    expect(canManageTeam(lead, "t2")).toBe(false);
  });

  it("lets admins do everything, including unrouted requests", () => {
    const admin = user("admin", []);
    expect(canViewRequest(admin, null)).toBe(true);
    expect(canWorkRequest(admin, "t9")).toBe(true);
    expect(canManageTeam(admin, "t9")).toBe(true);
    expect(visibleTeams(admin)).toBeNull();
  });
});
