// The known fixture every report figure is checked against: eleven requests received around both 2025 UK clock
// changes (30 March, 26 October), at local midnights and in the repeated autumn hour, with their histories.
//
//   id   received (UTC)      local (Europe/London)     type    team   specialty  status       match           outcome
//   r10  2025-02-20 10:00    20 Feb 10:00 GMT          change  Bravo  ORTH       open         auto_linked     —
//   r9   2025-03-10 10:00    10 Mar 10:00 GMT          change  Alpha  OPH        open (done   auto_linked     rejected
//                                                                                 12:00, reopened 31 Mar 10:00 UTC)
//   r1   2025-03-30 00:30    30 Mar 00:30 GMT          change  Alpha  OPH        done         auto_linked     rebooked
//   r2   2025-03-30 22:30    30 Mar 23:30 BST          cancel  Alpha  OPH        done         manual          cancelled
//   r12  2025-03-30 23:00    31 Mar 00:00 BST          cancel  Alpha  ORTH       processing   pending         —
//   r3   2025-03-30 23:30    31 Mar 00:30 BST          change  Bravo  ORTH       open         auto_linked     —
//   r8   2025-06-15 11:00    15 Jun 12:00 BST          change  Alpha  OPH        error        pending         —
//   r4   2025-10-25 23:30    26 Oct 00:30 BST          change  Bravo  —          open         no_candidates   —
//   r5   2025-10-26 00:30    26 Oct 01:30 BST (first)  cancel  Alpha  —          in_progress  not_applicable  —
//   r6   2025-10-26 01:30    26 Oct 01:30 GMT (again)  —       —      —          open         review          —
//   r7   2025-10-26 23:30    26 Oct 23:30 GMT          cancel  Alpha  OPH        in_progress  manual          needs_patient_contact
import type { Db } from "../../src/store/db.ts";
import { createTeam, createUser } from "../../src/store/people.ts";
import { seedRequest, type FixtureEvent, type FixtureRequest } from "./fixtures.ts";

export const OPH = { code: "OPH", name: "Ophthalmology" };
/** A specialty name a spreadsheet would run as a formula (with a comma and quotes, so it must be quoted too). */
export const ORTH = { code: "ORTH", name: '=HYPERLINK("http://x.example","Orthopaedics")' };

export interface Scenario {
  alpha: string;
  bravo: string;
  clerkId: string;
  ids: Record<"r1" | "r2" | "r3" | "r4" | "r5" | "r6" | "r7" | "r8" | "r9" | "r10" | "r12", string>;
}

const sys = (at: string, from: string, to: string): FixtureEvent => ({
  at,
  type: "status_changed",
  actor: null,
  data: { from, to },
});

/** Stores the scenario; returns team, user and request ids. */
export async function seedScenario(db: Db): Promise<Scenario> {
  const alpha = (await createTeam(db, { name: "Alpha" })).id;
  const bravo = (await createTeam(db, { name: "Bravo" })).id;
  const u = (await createUser(db, { email: "clerk@trust.example", displayName: "Clerk", role: "clerk" })).id;
  const by = (at: string, type: FixtureEvent["type"], data: Record<string, unknown> = {}): FixtureEvent => ({
    at,
    type,
    actor: u,
    data,
  });
  const requests: Record<keyof Scenario["ids"], FixtureRequest> = {
    r10: {
      receivedAt: "2025-02-20T10:00:00Z",
      type: "change",
      teamId: bravo,
      specialty: ORTH,
      appointmentStart: "2025-03-20T09:00:00Z",
      status: "open",
      matchState: "auto_linked",
      events: [sys("2025-02-20T10:01:00Z", "processing", "open")],
    },
    r9: {
      receivedAt: "2025-03-10T10:00:00Z",
      type: "change",
      teamId: alpha,
      specialty: OPH,
      appointmentStart: "2025-04-01T09:00:00Z",
      status: "open",
      matchState: "auto_linked",
      outcome: "rejected",
      events: [
        sys("2025-03-10T10:01:00Z", "processing", "open"),
        by("2025-03-10T12:00:00Z", "outcome_recorded", { outcome: "rejected" }),
        by("2025-03-10T12:00:00Z", "status_changed", { from: "open", to: "done" }),
        by("2025-03-31T10:00:00Z", "status_changed", { from: "done", to: "open", reason: "patient called" }),
      ],
    },
    r1: {
      receivedAt: "2025-03-30T00:30:00Z",
      type: "change",
      teamId: alpha,
      specialty: OPH,
      appointmentStart: "2025-04-10T09:00:00Z",
      status: "done",
      matchState: "auto_linked",
      outcome: "rebooked",
      events: [
        sys("2025-03-30T00:31:00Z", "processing", "open"),
        by("2025-03-30T01:00:00Z", "assigned", { userId: u }),
        by("2025-03-30T02:00:00Z", "status_changed", { from: "open", to: "in_progress" }),
        by("2025-03-30T04:30:00Z", "outcome_recorded", { outcome: "rebooked" }),
        by("2025-03-30T04:30:00Z", "status_changed", { from: "in_progress", to: "done" }),
      ],
    },
    r2: {
      receivedAt: "2025-03-30T22:30:00Z",
      type: "cancel",
      teamId: alpha,
      specialty: OPH,
      appointmentStart: "2025-04-20T09:00:00Z",
      status: "done",
      matchState: "manual",
      outcome: "cancelled",
      events: [
        sys("2025-03-30T22:31:00Z", "processing", "open"),
        by("2025-03-31T01:00:00Z", "note_added", { noteId: 1 }),
        by("2025-04-03T22:30:00Z", "status_changed", { from: "open", to: "done" }),
      ],
    },
    r12: {
      receivedAt: "2025-03-30T23:00:00Z",
      type: "cancel",
      teamId: alpha,
      specialty: ORTH,
      status: "processing",
      matchState: "pending",
    },
    r3: {
      receivedAt: "2025-03-30T23:30:00Z",
      type: "change",
      teamId: bravo,
      specialty: ORTH,
      // The appointment is so soon that its deadline (start − 48 h) was before the request arrived.
      appointmentStart: "2025-04-01T12:00:00Z",
      status: "open",
      matchState: "auto_linked",
      events: [
        sys("2025-03-30T23:31:00Z", "processing", "open"),
        by("2025-03-31T00:30:00Z", "assigned", { userId: u }),
      ],
    },
    r8: {
      receivedAt: "2025-06-15T11:00:00Z",
      type: "change",
      teamId: alpha,
      specialty: OPH,
      status: "error",
      matchState: "pending",
      events: [sys("2025-06-15T11:05:00Z", "processing", "error")],
    },
    r4: {
      receivedAt: "2025-10-25T23:30:00Z",
      type: "change",
      teamId: bravo,
      specialty: null,
      status: "open",
      matchState: "no_candidates",
      events: [sys("2025-10-25T23:31:00Z", "processing", "open")],
    },
    r5: {
      receivedAt: "2025-10-26T00:30:00Z",
      type: "cancel",
      teamId: alpha,
      specialty: null,
      status: "in_progress",
      matchState: "not_applicable",
      events: [
        sys("2025-10-26T00:31:00Z", "processing", "open"),
        by("2025-10-26T02:00:00Z", "status_changed", { from: "open", to: "in_progress" }),
      ],
    },
    r6: {
      receivedAt: "2025-10-26T01:30:00Z",
      type: null,
      teamId: null,
      specialty: null,
      status: "open",
      matchState: "review",
      events: [sys("2025-10-26T01:31:00Z", "processing", "open")],
    },
    r7: {
      receivedAt: "2025-10-26T23:30:00Z",
      type: "cancel",
      teamId: alpha,
      specialty: OPH,
      appointmentStart: "2025-12-01T10:00:00Z",
      status: "in_progress",
      matchState: "manual",
      outcome: "needs_patient_contact",
      events: [
        sys("2025-10-26T23:31:00Z", "processing", "open"),
        by("2025-10-27T00:30:00Z", "outcome_recorded", { outcome: "needs_patient_contact" }),
        by("2025-10-27T00:30:00Z", "status_changed", { from: "open", to: "in_progress" }),
      ],
    },
  };
  const ids = {} as Scenario["ids"];
  for (const [name, r] of Object.entries(requests)) ids[name as keyof Scenario["ids"]] = await seedRequest(db, r);
  return { alpha, bravo, clerkId: u, ids };
}
