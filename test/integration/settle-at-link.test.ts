// What the pipeline settles as it links a request (docs/settling.md, "What PKB already shows"), against the emulator over
// HTTP on both engines, at the default recheck interval: PKB's answer to the match is the first look, so a request whose
// appointment is ahead and as asked has its first re-read at the recheck (not straight away), one whose appointment has
// passed is marked with the link, and only a close or a flag is left to a read of the appointment straight away.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRequestWork } from "../../src/jobs/request-work.ts";
import { createLogger } from "../../src/log.ts";
import { PKB_SETTLE } from "../../src/requests/processors/settle.ts";
import { createTeamExclusive } from "../../src/store/teams.ts";
import type { TestApp } from "../helpers/app.ts";
import { connectedRebook } from "../helpers/connected.ts";
import { engines, type TestDb } from "../helpers/db.ts";

const HOUR_MS = 3_600_000;

interface Linked {
  id: string;
  appointment_fhir_id: string;
  status: string;
  outcome: string | null;
  pkb_flag: string | null;
  appointment_start: Date | null;
  appointment_passed_at: Date | null;
  linked_at: Date;
  settled: { pkbStatus: string; start: string | null; passed: boolean } | null;
  due_at: Date | null;
  checked: Date;
  /** Another event asked for a read straight away since (the patient asked again, the type changed). */
  asked_again: boolean;
}

describe.each(engines)(
  "the pipeline settles what PKB's answer to the match shows, on $name",
  { timeout: 90_000 },
  (engine) => {
    let t: TestDb;
    let rebook: TestApp;
    let linked: Linked[];
    /** The FHIR ids of the appointments the settle processor read by id during the pass. */
    const readById: string[] = [];
    const cleanups: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      const c = await connectedRebook(cleanups, {
        engine,
        emulator: { size: 60, settleScenarios: 3 },
        // The settle processor's reads by id, from the pass Grant Access starts (it polls, works the requests and
        // then the follow-up work due, as the server's processing loop does).
        beforeGrant: async (app, store) => {
          await createTeamExclusive(store.db, { name: "Appointments", description: "", isDefault: true });
          const fhir = app.sync.fhir;
          const read = fhir.appointment.bind(fhir);
          fhir.appointment = (id) => {
            readById.push(id);
            return read(id);
          };
        },
      });
      ({ t, rebook } = c);
      linked = await t.db.query<Linked>(
        `SELECT r.id, r.appointment_fhir_id, r.status, r.outcome, r.pkb_flag, r.appointment_start,
           r.appointment_passed_at, e.at AS linked_at, e.data->'settledAtLink' AS settled, w.due_at, now() AS checked,
           EXISTS (SELECT 1 FROM request_events x WHERE x.request_id = r.id
                   AND x.type IN ('repeat_received', 'type_changed', 'rematched', 'reopened')) AS asked_again
       FROM appointment_requests r
       JOIN request_events e ON e.request_id = r.id AND e.type = 'appointment_linked'
       LEFT JOIN request_work w ON w.request_id = r.id AND w.kind = $1
       ORDER BY r.received_at`,
        [PKB_SETTLE],
      );
    }, 240_000);
    afterAll(async () => {
      for (const clean of cleanups.reverse()) await clean();
    });

    it("a request linked to an appointment ahead, as asked, is first read again at the recheck, not straight away", () => {
      const ahead = linked.filter((r) => r.settled && !r.settled.passed);
      expect(ahead.length).toBeGreaterThanOrEqual(10);
      for (const r of ahead) {
        expect(r.status).toBe("open");
        expect(r.appointment_passed_at).toBeNull();
        // PKB_RECHECK_MINUTES (60), or as the appointment starts when that is sooner.
        const start = r.appointment_start!.getTime();
        const expected = Math.min(
          r.linked_at.getTime() + HOUR_MS,
          start >= r.linked_at.getTime() ? start + 1_000 : Infinity,
        );
        expect(Math.abs(r.due_at!.getTime() - expected), `request ${r.id}`).toBeLessThan(60_000);
        expect(r.due_at!.getTime()).toBeGreaterThan(r.checked.getTime());
      }
      // PKB's answer to the match was the first look: none was read by id in the pass (but those the patient asked
      // about again, which a repeat's check reads straight away).
      const once = ahead.filter((r) => !r.asked_again);
      expect(once.length).toBeGreaterThanOrEqual(10);
      expect(readById.filter((id) => once.some((r) => r.appointment_fhir_id === id))).toEqual([]);
    });

    it("a request whose appointment has passed is marked as the pipeline links it, with its history row", async () => {
      const passed = linked.filter((r) => r.settled?.passed);
      expect(passed.length).toBeGreaterThanOrEqual(1);
      for (const r of passed) {
        expect(r.appointment_passed_at).not.toBeNull();
        expect(r.due_at!.getTime()).toBeGreaterThan(r.checked.getTime());
        const history = await t.db.query<{ type: string }>(
          "SELECT type FROM request_events WHERE request_id = $1 ORDER BY at, id",
          [r.id],
        );
        const types = history.map((h) => h.type);
        // Written in the same transaction as the link, after the request opened.
        expect(types.indexOf("appointment_passed")).toBeGreaterThan(types.indexOf("status_changed"));
        expect(types.filter((x) => x === "appointment_passed")).toHaveLength(1);
      }
      const once = passed.filter((r) => !r.asked_again);
      expect(readById.filter((id) => once.some((r) => r.appointment_fhir_id === id))).toEqual([]);
    });

    it("a close or a flag is left to a read of the appointment straight away, which the pass's follow-up work did", async () => {
      const checkedNow = linked.filter((r) => !r.settled);
      // The emulator's settle scenarios: a cancel request whose appointment the PAS already cancelled, and a change
      // request whose appointment it moved.
      expect(checkedNow.some((r) => r.outcome === "already_done_in_pkb")).toBe(true);
      for (const r of checkedNow) expect(readById, `request ${r.id}`).toContain(r.appointment_fhir_id);
      for (const r of checkedNow)
        expect(r.outcome === "already_done_in_pkb" || r.pkb_flag !== null, `request ${r.id}`).toBe(true);
      // Nothing is due now: no other request was read again from PKB.
      const summary = await runRequestWork({
        db: t.db,
        sync: rebook.sync,
        logger: createLogger("silent"),
        now: () => new Date(),
      });
      const settle = summary[PKB_SETTLE]!;
      expect(settle.done + settle.later + settle.retry + settle.gave_up).toBe(0);
    });
  },
);
