// The request vocabulary is defined once (src/requests/vocabulary.ts); the database's CHECK constraints must hold the
// very same lists. Read from the catalog of each engine, so a migration that forgets a value (or the vocabulary that
// forgets a migration) fails here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EVENT_TYPES,
  MATCH_STATES,
  MESSAGE_KINDS,
  OUTCOMES,
  PARSE_STATUSES,
  PATIENT_STATES,
  PKB_CONFIRMATION_STATES,
  PRIORITIES,
  REQUEST_STATUSES,
  REQUEST_TYPES,
} from "../../src/requests/vocabulary.ts";
import type { Db } from "../../src/store/db.ts";
import { engines, type TestDb } from "../helpers/db.ts";

/** The quoted values of the CHECK constraint on one column (a single-column constraint), sorted. */
async function checkValues(db: Db, table: string, column: string): Promise<string[]> {
  const rows = await db.query<{ def: string }>(
    `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
     WHERE c.contype = 'c' AND c.conrelid = $1::regclass AND a.attname = $2 AND cardinality(c.conkey) = 1`,
    [table, column],
  );
  expect(rows, `one CHECK constraint on ${table}.${column}`).toHaveLength(1);
  return [...rows[0]!.def.matchAll(/'([^']*)'/g)].map((m) => m[1]!).sort();
}

const sorted = (list: readonly string[]): string[] => [...list].sort();

describe.each(engines)("the SQL CHECK constraints hold the vocabulary on $name", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await engine.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it.each([
    ["appointment_requests", "status", REQUEST_STATUSES],
    ["appointment_requests", "match_state", MATCH_STATES],
    ["appointment_requests", "outcome", OUTCOMES],
    ["appointment_requests", "type", REQUEST_TYPES],
    ["appointment_requests", "parse_status", PARSE_STATUSES],
    ["appointment_requests", "patient_state", PATIENT_STATES],
    ["appointment_requests", "priority", PRIORITIES],
    ["routing_rules", "priority", PRIORITIES],
    ["request_events", "type", EVENT_TYPES],
    ["pkb_messages", "kind", MESSAGE_KINDS],
    // Stored states only: "not_needed" is the absence of a row.
    ["pkb_confirmations", "state", PKB_CONFIRMATION_STATES.filter((s) => s !== "not_needed")],
  ] as const)("%s.%s", async (table, column, list) => {
    expect(await checkValues(t.db, table, column)).toEqual(sorted(list));
  });

  it("refuses an event type the vocabulary does not have", async () => {
    await t.db.query(
      `INSERT INTO pkb_messages (pkb_message_id, conversation_id, subject, content, sent_at, raw)
       VALUES ('vocab-1', 'c-1', 'Hello', '', now(), '{}')`,
    );
    const [r] = await t.db.query<{ id: string }>(
      `INSERT INTO appointment_requests (pkb_message_id, conversation_id, received_at, parse_status)
       VALUES ('vocab-1', 'c-1', now(), 'unparseable') RETURNING id`,
    );
    await t.db.query("INSERT INTO request_events (request_id, type) VALUES ($1, 'received')", [r!.id]);
    await expect(
      t.db.query("INSERT INTO request_events (request_id, type) VALUES ($1, 'made_up')", [r!.id]),
    ).rejects.toThrow(/request_events_type_check/);
  });
});
