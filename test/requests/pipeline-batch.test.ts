// The pipeline writes its results in batches (issue 11: a few statements per batch instead of several per request).
// On both engines, a batch must write exactly what writing each result alone, in the order the messages came, writes:
// the same rows, history, follow-up work and filed messages, for every kind of result — linked (routed to a team that
// auto-assigns, round robin), review, no candidates, not identified, urgent by a rule, a repeat of an open request, a
// repeat inside the batch, asked again after a done one, and a request that is no longer in processing. And a batch
// that cannot be written is written again one result at a time, so the result at fault fails alone.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { MatchResult } from "../../src/domain/match.ts";
import {
  applyPipelineResult,
  applyPipelineResults,
  type MessageFacts,
  type PipelineResult,
} from "../../src/requests/commands/pipeline.ts";
import type { Db } from "../../src/store/db.ts";
import type { Patient } from "../../src/store/patients.ts";
import { createTeam, createUser, upsertMember } from "../../src/store/people.ts";
import { appendRule } from "../../src/store/routing-rules.ts";
import { ResultWriter } from "../../src/sync/process.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { eyeClinic, linkedTo } from "../helpers/match.ts";
import { processingRequest } from "../helpers/requests.ts";

const start = new Date("2031-03-04T10:30:00Z");
let clock = Date.parse("2031-01-10T09:00:00Z");

/** A new request in processing for message `messageId`, received a minute after the previous one. */
const newRequest = (db: Db, messageId: string, patientPkbId: string) =>
  processingRequest(db, { messageId, patientPkbId, receivedAt: new Date((clock += 60_000)), requestedStart: start });

const otherSpecialty = (specialtyCode = "130") =>
  specialtyCode === "130" ? {} : { specialtyCode, specialtyDisplay: "Cardiology" };
const candidate = (fhirId: string, specialtyCode?: string) => eyeClinic(fhirId, start, otherSpecialty(specialtyCode));
const linked = (fhirId: string, specialtyCode?: string): MatchResult =>
  linkedTo(fhirId, start, otherSpecialty(specialtyCode));
const review: MatchResult = {
  decision: "review",
  best: candidate("rv-1"),
  confidence: 0.5,
  candidates: [candidate("rv-1"), { ...candidate("rv-2"), start: new Date("2031-03-04T14:00:00Z") }],
  summary: ["test"],
};
const none: MatchResult = { decision: "no_candidates", best: null, confidence: 0, candidates: [], summary: ["test"] };
const message = (note = ""): MessageFacts => ({
  type: "change",
  pkbTeamName: null,
  patientNote: note,
  requestedSubject: "Eye clinic",
});

/** The same world in a store: teams, a round-robin team with two clerks, rules; ids differ from store to store. */
async function world(db: Db): Promise<void> {
  await createTeam(db, { name: "Appointments", isDefault: true });
  const eyes = await createTeam(db, { name: "Eyes", autoAssign: true });
  for (const [i, name] of ["Ann", "Bob"].entries()) {
    const made = await createUser(db, { email: `${name}@trust.example`, displayName: name, role: "clerk" });
    // The round robin goes in user id order: the same ids in every store.
    const u = { id: `00000000-0000-4000-8000-00000000000${i + 1}` };
    await db.query("UPDATE users SET id = $2 WHERE id = $1", [made.id, u.id]);
    // One open request each at most: the round robin must count the batch's earlier assignments.
    await upsertMember(db, { teamId: eyes.id, userId: u.id, isLead: false, capacity: 1, available: true });
  }
  await appendRule(db, {
    name: "Chest pain is urgent",
    enabled: true,
    conditions: { keywords: ["chest pain"] },
    teamId: (await db.query<{ id: string }>("SELECT id FROM teams WHERE is_default"))[0]!.id,
    assignUserId: null,
    priority: "urgent",
  });
  await appendRule(db, {
    name: "Eyes",
    enabled: true,
    conditions: { specialtyCodes: ["130"] },
    teamId: eyes.id,
    assignUserId: null,
    priority: null,
  });
}

const matched = (r: { id: string; receivedAt: Date }, nhs: string, match: MatchResult, note = ""): PipelineResult => ({
  kind: "matched",
  requestId: r.id,
  receivedAt: r.receivedAt,
  nhsNumber: nhs,
  pkbUserId: `pkb-${nhs}`,
  match,
  message: message(note),
  requestedStart: start,
});

/**
 * Builds the scenario in a store: requests already open or done before the batch, then the batch's requests; returns
 * the batch's results in the order their messages came.
 */
async function scenario(db: Db): Promise<PipelineResult[]> {
  await world(db);
  // Before the batch: F has an open request about F-1; G's request about G-1 is done.
  const f0 = await newRequest(db, "m00-f", "pkb-9000000006");
  await applyPipelineResult(db, matched(f0, "9000000006", linked("F-1", "320")));
  const g0 = await newRequest(db, "m00-g", "pkb-9000000007");
  await applyPipelineResult(db, matched(g0, "9000000007", linked("G-1", "320")));
  await db.query("UPDATE appointment_requests SET status = 'done', outcome = 'cancelled' WHERE id = $1", [g0.id]);

  const results: PipelineResult[] = [];
  const add = async (messageId: string, pkb: string, result: (r: { id: string; receivedAt: Date }) => PipelineResult) =>
    results.push(result(await newRequest(db, messageId, pkb)));
  await add("m01", "pkb-9000000001", (r) => matched(r, "9000000001", linked("A-1"))); // Eyes, round robin
  await add("m02", "pkb-9000000002", (r) => matched(r, "9000000002", linked("B-1"))); // Eyes, the other clerk
  await add("m02b", "pkb-9000000012", (r) => matched(r, "9000000012", linked("L-1"))); // Eyes: both clerks are full
  await add("m03", "pkb-9000000003", (r) => matched(r, "9000000003", review));
  await add("m04", "pkb-9000000004", (r) => matched(r, "9000000004", none));
  await add("m05", "pkb-x5", (r) => ({
    kind: "not_identified",
    requestId: r.id,
    receivedAt: r.receivedAt,
    reason: "PKB holds no NHS number for this patient",
    message: message(),
    patientPkbId: "pkb-x5",
    requestedStart: start,
  }));
  await add("m06", "pkb-9000000001", (r) => matched(r, "9000000001", linked("A-1"))); // repeat of m01, same batch
  await add("m07", "pkb-9000000006", (r) => matched(r, "9000000006", linked("F-1", "320"), "chest pain")); // repeat
  await add("m08", "pkb-9000000007", (r) => matched(r, "9000000007", linked("G-1", "320"))); // asked again
  await add("m09", "pkb-9000000009", (r) => matched(r, "9000000009", linked("H-1", "320"), "I have chest pain"));
  await add("m10", "pkb-9000000010", (r) => matched(r, "9000000010", linked("J-1"))); // Eyes: both clerks are full
  await add("m11", "pkb-9000000011", (r) => matched(r, "9000000011", linked("K-1"))); // moot: opened meanwhile
  await db.query(
    "UPDATE appointment_requests SET status = 'open', next_attempt_at = NULL WHERE pkb_message_id = 'm11'",
  );
  return results;
}

/** Everything the writes leave, with ids replaced by names (message ids, team, user and rule names). */
async function snapshot(db: Db): Promise<unknown> {
  const labels = new Map<string, string>();
  for (const r of await db.query<{ id: string; label: string }>(
    `SELECT id::text, 'request ' || pkb_message_id AS label FROM appointment_requests
     UNION ALL SELECT id::text, 'team ' || name FROM teams
     UNION ALL SELECT id::text, 'user ' || display_name FROM users
     UNION ALL SELECT id::text, 'rule ' || name FROM routing_rules`,
  ))
    labels.set(r.id, r.label);
  const named = (v: unknown) =>
    JSON.parse(
      JSON.stringify(v).replace(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
        (id) => labels.get(id) ?? "?",
      ),
    ) as unknown;
  const requests = await db.query(
    `SELECT pkb_message_id, status, team_id, assigned_user_id, priority, routing_rule_id, type, patient_state,
       nhs_number, match_state, match_confidence::float8 AS match_confidence, match_evidence, candidates,
       appointment_fhir_id, appointment_external_id, appointment_specialty_code, appointment_type,
       appointment_start, appointment_status, error_reason, attempts, next_attempt_at IS NULL AS not_due, asked_count,
       previous_request_id
     FROM appointment_requests ORDER BY pkb_message_id`,
  );
  const events = await db.query(
    `SELECT r.pkb_message_id, e.type, e.actor_user_id, e.data - 'receivedAt' AS data
     FROM request_events e JOIN appointment_requests r ON r.id = e.request_id ORDER BY r.pkb_message_id, e.id`,
  );
  const work = await db.query(
    `SELECT r.pkb_message_id, w.kind, w.due_at IS NOT NULL AS due, w.attempts
     FROM request_work w JOIN appointment_requests r ON r.id = w.request_id ORDER BY 1, 2`,
  );
  const messages = await db.query(
    `SELECT m.pkb_message_id, r.pkb_message_id AS filed_on FROM pkb_messages m
     LEFT JOIN appointment_requests r ON r.id = m.request_id ORDER BY 1`,
  );
  const teams = await db.query("SELECT name, last_assigned_user_id FROM teams ORDER BY name");
  return named({ requests, events, work, messages, teams });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe.each(engines)("the pipeline's batch writes on $name", { timeout: 120_000 }, (engine) => {
  const open = async (): Promise<TestDb> => {
    const t = await engine.open();
    cleanups.push(() => t.dispose());
    return t;
  };

  it("write exactly what writing each result alone, in the order received, writes", async () => {
    const alone = await open();
    const together = await open();
    clock = Date.parse("2031-01-10T09:00:00Z");
    const one = await scenario(alone.db);
    for (const r of one) await applyPipelineResult(alone.db, r);
    clock = Date.parse("2031-01-10T09:00:00Z");
    const all = await scenario(together.db);
    // In the order the work finished, not the order received: the batch puts a patient's requests in order itself.
    await applyPipelineResults(together.db, [...all].reverse());

    const expected = await snapshot(alone.db);
    const got = await snapshot(together.db);
    expect(got).toEqual(expected);
    // The scenario covers what it says: a repeat inside the batch and one of an open request attached, the round
    // robin alternated, asked again linked, the rule raised priorities, and the moot request was left alone.
    const { requests } = expected as { requests: Record<string, unknown>[] };
    const byMessage = new Map(requests.map((r) => [r.pkb_message_id, r]));
    expect(byMessage.has("m06")).toBe(false);
    expect(byMessage.has("m07")).toBe(false);
    expect(byMessage.get("m01")).toMatchObject({ team_id: "team Eyes", asked_count: 2 });
    expect(byMessage.get("m00-f")).toMatchObject({ priority: "urgent", asked_count: 2 });
    expect([byMessage.get("m01")!.assigned_user_id, byMessage.get("m02")!.assigned_user_id].sort()).toEqual([
      "user Ann",
      "user Bob",
    ]);
    expect(byMessage.get("m02b")).toMatchObject({ team_id: "team Eyes", assigned_user_id: null });
    expect(byMessage.get("m10")).toMatchObject({ team_id: "team Eyes", assigned_user_id: null }); // both at capacity
    expect(byMessage.get("m08")).toMatchObject({ previous_request_id: "request m00-g", status: "open" });
    expect(byMessage.get("m09")).toMatchObject({ priority: "urgent" });
    expect(byMessage.get("m05")).toMatchObject({ patient_state: "not_identified", match_state: "not_applicable" });
    expect(byMessage.get("m11")).toMatchObject({ status: "open", match_state: "pending" });
  });

  it("a request twice in one batch (claimed again after its lease ran out) is written once", async () => {
    const t = await open();
    await world(t.db);
    const a = await newRequest(t.db, `twice-${randomUUID()}`, "pkb-9000000201");
    const result = matched(a, "9000000201", linked("T-1"));
    await applyPipelineResults(t.db, [result, { ...result }]);
    const events = await t.db.query<{ type: string }>(
      "SELECT type FROM request_events WHERE request_id = $1 ORDER BY id",
      [a.id],
    );
    expect(events.filter((e) => e.type === "routed")).toHaveLength(1);
    const [row] = await t.db.query<{ status: string; attempts: number }>(
      "SELECT status, attempts FROM appointment_requests WHERE id = $1",
      [a.id],
    );
    expect(row).toEqual({ status: "open", attempts: 1 });
  });

  it("a batch that cannot be written is written again one result at a time: the result at fault fails alone", async () => {
    const t = await open();
    await world(t.db);
    const a = await newRequest(t.db, `ok-${randomUUID()}`, "pkb-9000000101");
    const b = await newRequest(t.db, `bad-${randomUUID()}`, "pkb-9000000102");
    const c = await newRequest(t.db, `ok-${randomUUID()}`, "pkb-9000000103");
    const patient = (nhs: string): Patient => ({
      pkbUserId: `pkb-${nhs}`,
      nhsNumber: nhs,
      title: null,
      firstName: "Test",
      lastName: "Patient",
      dob: null,
      gender: null,
      email: null,
      phone: null,
      raw: {},
      fetchedAt: new Date(),
    });
    const failures: { code?: string; constraint?: string; results: number }[] = [];
    const writer = new ResultWriter(t.db, (f) => failures.push(f));
    const outcomes = await Promise.allSettled([
      writer.write(matched(a, "9000000101", linked("P-1")), patient("9000000101")),
      // PKB gave this patient an NHS number the store refuses (not ten digits): its write cannot succeed.
      writer.write(matched(b, "9000000102", linked("P-2")), patient("90000001")),
      writer.write(matched(c, "9000000103", linked("P-3")), patient("9000000103")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const rows = await t.db.query<{ id: string; status: string }>(
      "SELECT id, status FROM appointment_requests WHERE id = ANY($1::uuid[]) ORDER BY received_at",
      [[a.id, b.id, c.id]],
    );
    expect(rows.map((r) => r.status)).toEqual(["open", "processing", "open"]);
    const [patients] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM patients");
    expect(patients!.n).toBe(2);
    // The failed batch was reported (for the log: the error, never the patient's data).
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: "23514" });
    expect(Object.keys(failures[0]!).sort()).toEqual(["code", "constraint", "results"]); // no message: no values
  });
});
