// Bulk and single assignment offer only people who can take the requests (issue 10: the bulk menu offered viewers and
// people of other teams, which the API then refused).
import { describe, expect, it } from "vitest";
import type { Team, TeamMember } from "../../web/src/api/types.ts";
import { assignableFor } from "../../web/src/worklist/assignable.ts";

const member = (userId: string, displayName: string, canWork = true): TeamMember => ({
  userId,
  displayName,
  email: `${userId}@trust.test`,
  isLead: false,
  capacity: null,
  available: true,
  canWork,
  openCount: 0,
});
const team = (id: string, members: TeamMember[]): Team => ({
  id,
  name: id,
  description: "",
  autoAssign: false,
  isDefault: false,
  openCount: 0,
  workingHours: null,
  members,
});

const teams = [
  team("eyes", [member("cara", "Cara Clerk"), member("vic", "Vic Viewer", false), member("lee", "Lee Lead")]),
  team("ears", [member("colin", "Colin Clerk"), member("lee", "Lee Lead")]),
];

describe("assignableFor", () => {
  it("offers the members of the request's team who can work requests, by name (never viewers)", () => {
    expect(assignableFor(teams, ["eyes"]).map((p) => p.displayName)).toEqual(["Cara Clerk", "Lee Lead"]);
  });

  it("offers only people in every selected request's team (never another team's)", () => {
    expect(assignableFor(teams, ["eyes", "ears", "eyes"]).map((p) => p.userId)).toEqual(["lee"]);
    expect(assignableFor(teams, ["ears"]).map((p) => p.userId)).toEqual(["colin", "lee"]);
  });

  it("offers nobody for an unrouted request, an unknown team or no selection", () => {
    expect(assignableFor(teams, [null])).toEqual([]);
    expect(assignableFor(teams, ["eyes", null])).toEqual([]);
    expect(assignableFor(teams, ["gone"])).toEqual([]);
    expect(assignableFor(teams, [])).toEqual([]);
  });
});
