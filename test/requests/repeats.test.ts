// One work item per appointment (docs/settling.md), in the store on both engines: a request for an appointment that
// already has an open request attaches to it; and on PostgreSQL, two repeats handled at the same moment by two
// instances (two pools) never open two work items — the patient's lock makes the second one see the first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MatchResult } from "../../src/domain/match.ts";
import {
  applyMatchResult,
  applyPipelineResult,
  applyPipelineResults,
  type MessageFacts,
  type PipelineResult,
} from "../../src/requests/commands/pipeline.ts";
import { settlingReport } from "../../src/reports/settling.ts";
import { openPostgres, type Db } from "../../src/store/db.ts";
import { appendRule } from "../../src/store/routing-rules.ts";
import { createTeamExclusive } from "../../src/store/teams.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { eyeClinic, linkedTo as linkedToAt } from "../helpers/match.ts";
import { processingRequest } from "../helpers/requests.ts";
import { describeEvent } from "../../web/src/detail/history-words.ts";

const start = new Date("2031-03-04T10:30:00Z");

/** A new request in processing, from a new message in its own conversation. */
const newRequest = async (db: Db, type: "change" | "cancel", patientPkbId: string): Promise<string> =>
  (await processingRequest(db, { patientPkbId, type, requestedStart: start })).id;

const candidate = (fhirId: string) => eyeClinic(fhirId, start, { status: "pending" });
const linkedTo = (fhirId: string) => linkedToAt(fhirId, start, { status: "pending" });
/** Two appointments of the patient at the same start with the same subject: a person must choose (review). */
const ambiguous = (a: string, b: string): MatchResult => ({
  decision: "review",
  best: candidate(a),
  confidence: 0.5,
  candidates: [candidate(a), candidate(b)],
  summary: ["test"],
});
const message = (type: "change" | "cancel"): MessageFacts => ({
  type,
  pkbTeamName: null,
  patientNote: "",
  requestedSubject: "Eye clinic",
});
/** The patient identified and the appointment linked, as the pipeline finds them. */
const linkedResult = (requestId: string, nhs: string, fhirId: string, type: "change" | "cancel") => ({
  requestId,
  nhsNumber: nhs,
  pkbUserId: `pkb-${nhs}`,
  match: linkedTo(fhirId),
  message: message(type),
  requestedStart: start,
});
const match = (db: Db, requestId: string, nhs: string, fhirId: string, type: "change" | "cancel") =>
  applyMatchResult(db, linkedResult(requestId, nhs, fhirId, type));
/** The same result, written as the pipeline writes its results: in a batch (here a batch of one). */
const matchInBatch = (db: Db, requestId: string, nhs: string, fhirId: string, type: "change" | "cancel") =>
  applyPipelineResults(db, [{ kind: "matched", ...linkedResult(requestId, nhs, fhirId, type) }]);
const requestsOf = (db: Db, nhs: string) =>
  db.query<{ id: string; status: string; asked_count: number; type: string }>(
    "SELECT id, status, asked_count, type FROM appointment_requests WHERE nhs_number = $1 OR patient_pkb_id = $2",
    [nhs, `pkb-${nhs}`],
  );

describe.each(engines)("one work item per appointment on $name", { timeout: 60_000 }, (engine) => {
  let t: TestDb;
  let n = 0;
  const nhs = () => String(9_000_000_000 + ++n * 97 + (engine.name === "postgres" ? 1 : 0)).slice(0, 10);
  beforeAll(async () => {
    t = await engine.open();
    await createTeamExclusive(t.db, { name: "Appointments", description: "", isDefault: true });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("a repeat attaches to the open request: its message moves there, the row goes, a cancel after a change updates the type", async () => {
    const p = nhs();
    const first = await newRequest(t.db, "change", `pkb-${p}`);
    await match(t.db, first, p, "appt-1", "change");
    const second = await newRequest(t.db, "cancel", `pkb-${p}`);
    await match(t.db, second, p, "appt-1", "cancel");
    const rows = await requestsOf(t.db, p);
    expect(rows).toEqual([{ id: first, status: "open", asked_count: 2, type: "cancel" }]);
    const moved = await t.db.query<{ request_id: string }>(
      "SELECT request_id FROM pkb_messages WHERE request_id = $1",
      [first],
    );
    expect(moved).toHaveLength(2);
    const types = await t.db.query<{ type: string }>(
      "SELECT type FROM request_events WHERE request_id = $1 AND type IN ('repeat_received', 'type_changed') ORDER BY id",
      [first],
    );
    expect(types.map((e) => e.type)).toEqual(["repeat_received", "type_changed"]);
  });

  it("a twin appointment (same patient and start, another appointment) is its own work item", async () => {
    const p = nhs();
    const first = await newRequest(t.db, "change", `pkb-${p}`);
    await match(t.db, first, p, "appt-a", "change");
    const other = await newRequest(t.db, "change", `pkb-${p}`);
    // Same requested start, but linked to a different appointment (a twin): not a repeat.
    await match(t.db, other, p, "appt-b", "change");
    expect((await requestsOf(t.db, p)).map((r) => r.status)).toEqual(["open", "open"]);
  });

  // The chaos run's message 134002291 (hazard H1a): the patient has two appointments at the same start with the same
  // subject, asks to change one and cancel the other. Neither request can be linked, and folding the cancel into the
  // change would lose a request and make the change a cancel of an appointment nobody chose.
  it("two requests naming a start shared by two of the patient's appointments stay two work items", async () => {
    const p = nhs();
    const review = (requestId: string, type: "change" | "cancel") =>
      applyMatchResult(t.db, {
        requestId,
        nhsNumber: p,
        pkbUserId: `pkb-${p}`,
        match: ambiguous("twin-a", "twin-b"),
        message: message(type),
        requestedStart: start,
      });
    const first = await newRequest(t.db, "change", `pkb-${p}`);
    await review(first, "change");
    const second = await newRequest(t.db, "cancel", `pkb-${p}`);
    await review(second, "cancel");
    const rows = await requestsOf(t.db, p);
    expect(rows.map((r) => [r.status, r.type, r.asked_count]).sort()).toEqual([
      ["open", "cancel", 1],
      ["open", "change", 1],
    ]);
    // Nor does a later request linked to one of the twins join the ambiguous open one by its start.
    const third = await newRequest(t.db, "cancel", `pkb-${p}`);
    await match(t.db, third, p, "twin-b", "cancel");
    expect(await requestsOf(t.db, p)).toHaveLength(3);
  });

  it("a request naming another subject at the same start is not a repeat", async () => {
    const p = nhs();
    const first = await newRequest(t.db, "change", `pkb-${p}`);
    await applyMatchResult(t.db, {
      requestId: first,
      nhsNumber: p,
      pkbUserId: `pkb-${p}`,
      match: { decision: "no_candidates", best: null, confidence: 0, candidates: [], summary: ["test"] },
      message: message("change"),
      requestedStart: start,
    });
    const second = await newRequest(t.db, "cancel", `pkb-${p}`);
    await t.db.query("UPDATE appointment_requests SET requested_subject = 'Fracture clinic' WHERE id = $1", [second]);
    await applyMatchResult(t.db, {
      requestId: second,
      nhsNumber: p,
      pkbUserId: `pkb-${p}`,
      match: { decision: "no_candidates", best: null, confidence: 0, candidates: [], summary: ["test"] },
      message: { ...message("cancel"), requestedSubject: "Fracture clinic" },
      requestedStart: start,
    });
    expect(await requestsOf(t.db, p)).toHaveLength(2);
  });

  // The safeguards browser test's chest-pain request arrived as a repeat of an open request and its urgency was lost.
  it("a repeat whose note a rule makes urgent raises the open request's priority, and says so in its history", async () => {
    const p = nhs();
    const [team] = await t.db.query<{ id: string }>("SELECT id FROM teams WHERE is_default");
    await appendRule(t.db, {
      name: "Chest pain is urgent",
      enabled: true,
      conditions: { keywords: ["chest pain"] },
      teamId: team!.id,
      assignUserId: null,
      priority: "urgent",
    });
    const first = await newRequest(t.db, "change", `pkb-${p}`);
    await match(t.db, first, p, "appt-urgent", "change");
    const second = await newRequest(t.db, "change", `pkb-${p}`);
    await applyMatchResult(t.db, {
      requestId: second,
      nhsNumber: p,
      pkbUserId: `pkb-${p}`,
      match: linkedTo("appt-urgent"),
      message: { ...message("change"), patientNote: "I have chest pain, can it be sooner?" },
      requestedStart: start,
    });
    const [open] = await t.db.query<{ id: string; priority: string; asked_count: number }>(
      "SELECT id, priority, asked_count FROM appointment_requests WHERE nhs_number = $1",
      [p],
    );
    expect(open).toEqual({ id: first, priority: "urgent", asked_count: 2 });
    const [event] = await t.db.query<{ data: { priorityRaised?: unknown } }>(
      "SELECT data FROM request_events WHERE request_id = $1 AND type = 'repeat_received'",
      [first],
    );
    expect(event!.data.priorityRaised).toEqual({ from: "normal", to: "urgent", reason: 'Rule "Chest pain is urgent"' });
    await t.db.query("DELETE FROM routing_rules");
  });

  // Whichever of two requests is matched first opens (docs/settling.md). When the later ask is matched first (the
  // earlier one was retried after a PKB fault, or another instance or a later pass took it), the work item must still
  // count from the patient's first ask: its received time, deadline and report day are those the other order gives.
  // Written one result at a time, and as the pipeline writes them, in batches (each ask in a batch of its own).
  it.each([
    { how: "one result at a time", week: 0, write: match },
    { how: "in batches", week: -1, write: matchInBatch },
  ])(
    "the earlier ask matched second moves the open request's received time, deadline and report day back to it ($how)",
    async ({ week, write }) => {
      // A Monday and Wednesday without bank holidays, 10:00 and 16:00 in London (GMT), early enough before the
      // appointment (4 March) that the deadline counts from the request, not from the appointment.
      const days = (n: number) => n * 86_400_000;
      const earlier = new Date(Date.parse("2031-02-24T10:00:00Z") + days(7 * week));
      const later = new Date(earlier.getTime() + days(2) + 6 * 3_600_000);
      const inOrder = async (first: Date, second: Date) => {
        const p = nhs();
        const ask = async (at: Date) =>
          (await processingRequest(t.db, { patientPkbId: `pkb-${p}`, receivedAt: at, requestedStart: start })).id;
        const a = await ask(first);
        const b = await ask(second);
        // `second` is matched first.
        await write(t.db, b, p, `appt-${p}`, "change");
        await write(t.db, a, p, `appt-${p}`, "change");
        const rows = await t.db.query<{ id: string; received_at: Date; deadline_at: Date; asked_count: number }>(
          "SELECT id, received_at, deadline_at, asked_count FROM appointment_requests WHERE nhs_number = $1",
          [p],
        );
        expect(rows).toHaveLength(1);
        return { ...rows[0]!, opened: b };
      };
      const matchedFirstLater = await inOrder(earlier, later);
      const matchedFirstEarlier = await inOrder(later, earlier);
      // The later ask's request stayed the work item; the earlier one folded into it.
      expect(matchedFirstLater.id).toBe(matchedFirstLater.opened);
      expect(matchedFirstLater.asked_count).toBe(2);
      expect(matchedFirstLater.received_at.toISOString()).toBe(earlier.toISOString());
      expect(matchedFirstEarlier.received_at.toISOString()).toBe(earlier.toISOString());
      // The deadline counts from the first ask, as in the other order: earlier than it would be from Wednesday.
      expect(matchedFirstLater.deadline_at.toISOString()).toBe(matchedFirstEarlier.deadline_at.toISOString());
      const [fromLater] = await t.db.query<{ at: Date }>(
        `SELECT request_deadline(team_id, $2, appointment_start, sla_paused_ms, snoozed_at, snoozed_until) AS at
         FROM appointment_requests WHERE id = $1`,
        [matchedFirstLater.id, later],
      );
      expect(matchedFirstLater.deadline_at.getTime()).toBeLessThan(fromLater!.at.getTime());
      // The reports count both work items on the Monday, none on the Wednesday.
      const day = (d: Date) => d.toISOString().slice(0, 10);
      const counted = await t.db.query<{ day: string; received: number }>(
        `SELECT day::text AS day, sum(received)::int AS received FROM report_counts
         WHERE day IN ($1::date, $2::date) GROUP BY day HAVING sum(received) <> 0 ORDER BY day`,
        [day(earlier), day(later)],
      );
      expect(counted).toEqual([{ day: day(earlier), received: 2 }]);
      // The history says so.
      const [event] = await t.db.query<{ data: { receivedAt?: string; receivedMovedFrom?: string } }>(
        "SELECT data FROM request_events WHERE request_id = $1 AND type = 'repeat_received'",
        [matchedFirstLater.id],
      );
      expect(event!.data).toMatchObject({ receivedAt: earlier.toISOString(), receivedMovedFrom: later.toISOString() });
    },
  );

  // A patient asks before the appointment (Monday) and again after it started (Thursday); the Thursday ask is matched
  // first, so its request opens marked "appointment passed" before it was received. When the Monday ask folds into it,
  // the request counts from Monday, before the appointment started: the settling report counts it as passed before
  // action, not before receipt, and the history a clerk reads must not go on saying the appointment had already
  // started when the request was received. Its earlier row stays as written (history is append-only); a new row says
  // what changed. Both orders end the same. Written one result at a time and in batches (each ask in its own).
  it.each([
    { how: "one result at a time", week: 0, write: (db: Db, r: PipelineResult) => applyPipelineResult(db, r) },
    { how: "in batches", week: -1, write: (db: Db, r: PipelineResult) => applyPipelineResults(db, [r]) },
  ])(
    "an earlier ask folded in after a 'passed before it was received' mark: the history, the request and the report agree ($how)",
    async ({ week, write }) => {
      const days = (n: number) => n * 86_400_000;
      const at = (iso: string) => new Date(Date.parse(iso) + days(7 * week));
      // UK summer time (BST): Mon 2 Jun 2025 10:00, the appointment Wed 4 Jun 10:30, Thu 5 Jun 09:00.
      const monday = at("2025-06-02T09:00:00Z");
      const appointment = at("2025-06-04T09:30:00Z");
      const thursday = at("2025-06-05T08:00:00Z");
      const inOrder = async (first: Date, second: Date) => {
        const p = nhs();
        const ask = async (receivedAt: Date) =>
          (await processingRequest(t.db, { patientPkbId: `pkb-${p}`, receivedAt, requestedStart: appointment })).id;
        const result = (requestId: string, receivedAt: Date): PipelineResult => ({
          kind: "matched",
          ...linkedResult(requestId, p, `appt-${p}`, "change"),
          match: linkedToAt(`appt-${p}`, appointment, { status: "booked" }),
          requestedStart: appointment,
          receivedAt,
        });
        const a = await ask(first);
        const b = await ask(second);
        // `second` is matched first.
        await write(t.db, result(b, second));
        await write(t.db, result(a, first));
        const [row] = await t.db.query<{
          id: string;
          received_at: Date;
          appointment_start: Date;
          appointment_passed_at: Date | null;
        }>(
          "SELECT id, received_at, appointment_start, appointment_passed_at FROM appointment_requests WHERE nhs_number = $1",
          [p],
        );
        const history = await t.db.query<{ id: number; type: string; data: Record<string, unknown> }>(
          "SELECT id, type, data FROM request_events WHERE request_id = $1 ORDER BY at, id",
          [row!.id],
        );
        const words = history.map((e) =>
          describeEvent({ id: e.id, at: "", type: e.type as never, data: e.data, actor: null }, new Map()),
        );
        return { row: row!, history, words };
      };
      for (const [first, second] of [
        [thursday, monday],
        [monday, thursday],
      ] as const) {
        const order = first === monday ? "the later ask matched first" : "in the order they came";
        const { row, history, words } = await inOrder(first, second);
        // The request counts from Monday and is marked passed: before anyone acted, since it was received before the
        // appointment started.
        expect(row.received_at.toISOString(), order).toBe(monday.toISOString());
        expect(row.appointment_passed_at, order).not.toBeNull();
        expect(row.appointment_start.getTime(), order).toBeGreaterThan(row.received_at.getTime());
        // What the history says last of the mark is what the request says now.
        const marks = history.filter((e) => e.type === "appointment_passed");
        expect(marks.at(-1)?.data.before, `${order}: ${words.join(" / ")}`).toBe("action");
        const lastMark = words[history.lastIndexOf(marks.at(-1)!)]!;
        expect(lastMark, order).not.toMatch(/already started when the request was received/);
        expect(lastMark, order).toMatch(/passed before anyone recorded an outcome/);
        if (first === monday) {
          // The mark made with the Thursday ask stays as written; the correction follows the row that moved the time.
          expect(marks.map((e) => [e.data.before, e.data.correctedFrom ?? null])).toEqual([
            ["received", null],
            ["action", "received"],
          ]);
          expect(history.map((e) => e.type).slice(-2)).toEqual(["repeat_received", "appointment_passed"]);
          const [received, starts] = week === 0 ? ["Mon 2 Jun", "Wed 4 Jun"] : ["Mon 26 May", "Wed 28 May"];
          expect(lastMark).toBe(
            `Appointment passed, reason corrected: The request now counts from an earlier message (received ${received} ` +
              `2025 10:00), before the appointment (${starts} 2025 10:30) started: it passed before anyone recorded an ` +
              "outcome, not before the request was received",
          );
        } else {
          expect(marks.map((e) => e.data.before)).toEqual(["action"]);
        }
      }
      // The settling report counts both as passed before action, neither as passed before it was received.
      const day = (d: Date) => d.toISOString().slice(0, 10);
      const report = await settlingReport(t.db, { from: day(monday), to: day(thursday), zone: "Europe/London" });
      expect(report.overall).toMatchObject({ requests: 2, passedBeforeAction: 2, passedBeforeReceived: 0, repeats: 2 });
    },
  );

  it.runIf(engine.name === "postgres")(
    "two repeats handled at once by two instances open exactly one work item",
    async () => {
      const second = await openPostgres(t.url!);
      try {
        for (let round = 0; round < 5; round++) {
          const p = nhs();
          const a = await newRequest(t.db, "change", `pkb-${p}`);
          const b = await newRequest(t.db, "change", `pkb-${p}`);
          await Promise.all([
            match(t.db, a, p, `appt-r${round}`, "change"),
            match(second, b, p, `appt-r${round}`, "change"),
          ]);
          const rows = await requestsOf(t.db, p);
          expect(rows, `round ${round}`).toHaveLength(1);
          expect(rows[0]).toMatchObject({ status: "open", asked_count: 2 });
        }
      } finally {
        await second.close();
      }
    },
  );
});
