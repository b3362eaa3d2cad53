// Why a PKB message was set aside is kept in the error queue, shown to admins and copied into audit rows kept for
// years, so it must never carry a piece of the message. PostgreSQL words some errors by quoting the value it refused
// (`invalid input syntax for type uuid: "…"`, `value "…" is out of range`, `Key (x)=(…) already exists`): the reason
// keeps the error's words, the names of constraints, relations and columns, and the SQLSTATE, with each quoted value
// replaced by "…". Real errors from real statements, on both engines.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getErrorQueueItem, recordReplayFailure, setAside } from "../../src/store/error-queue.ts";
import { withoutQuotedValues } from "../../src/store/pg-errors.ts";
import { reasonOf } from "../../src/sync/error-queue.ts";
import { engines, type TestDb } from "../helpers/db.ts";

/** A piece of a patient's message, with the double quotes PostgreSQL does not escape when it quotes a value. */
const PATIENT = 'Jane "JJ" Smith, NHS 9434765919, please cancel';
const PATIENT_DATA = /Jane|JJ|Smith|9434765919|cancel/;

describe.each(engines)("the reason a message was set aside, on $name", { timeout: 60_000 }, (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await engine.open();
    await t.db.query(`CREATE TABLE held (note text PRIMARY KEY, short varchar(5), n text NOT NULL DEFAULT 'x',
      c int CHECK (c > 0))`);
    await t.db.query("CREATE TYPE mood AS ENUM ('calm')");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** The error a statement fails with. */
  const failure = async (sql: string, params: unknown[] = []): Promise<Error & { detail?: string }> => {
    const outcome = await t.db.query(sql, params).then(
      () => null,
      (err: unknown) => err as Error & { detail?: string },
    );
    expect(outcome, sql).toBeInstanceOf(Error);
    return outcome!;
  };

  it("keeps the error's words and SQLSTATE, never the values PostgreSQL quotes", async () => {
    const cases: [sql: string, params: unknown[], reason: string][] = [
      ["SELECT $1::uuid", [PATIENT], 'invalid input syntax for type uuid: "…" (SQLSTATE 22P02)'],
      ["SELECT $1::int", ["9434765919"], 'value "…" is out of range for type integer (SQLSTATE 22003)'],
      [
        "SELECT $1::timestamptz",
        [PATIENT],
        'invalid input syntax for type timestamp with time zone: "…" (SQLSTATE 22007)',
      ],
      ["SELECT $1::date", ["2025-02-30"], 'date/time field value out of range: "…" (SQLSTATE 22008)'],
      ["SELECT $1::mood", [PATIENT], 'invalid input value for enum mood: "…" (SQLSTATE 22P02)'],
      // A value longer than a reason is kept: cut after its quotes are replaced, never inside them.
      ["SELECT $1::uuid", [`${"x".repeat(600)}${PATIENT}`], 'invalid input syntax for type uuid: "…" (SQLSTATE 22P02)'],
      // The bytes of an invalid byte sequence are the message's bytes too.
      [
        "SELECT convert_from($1::bytea, 'UTF8')",
        [Buffer.concat([Buffer.from("Jane"), Buffer.from([0xff, 0xfe])])],
        'invalid byte sequence for encoding "UTF8": … (SQLSTATE 22021)',
      ],
      // Names of what was violated stay: they say which rule the message broke.
      [
        "INSERT INTO held (note, short) VALUES ('a', $1)",
        [PATIENT],
        "value too long for type character varying(5) (SQLSTATE 22001)",
      ],
      [
        "INSERT INTO held (note, n) VALUES ('b', NULL)",
        [],
        'null value in column "n" of relation "held" violates not-null constraint (SQLSTATE 23502)',
      ],
      [
        "INSERT INTO held (note, c) VALUES ($1, -1)",
        [PATIENT],
        'new row for relation "held" violates check constraint "held_c_check" (SQLSTATE 23514)',
      ],
    ];
    for (const [sql, params, reason] of cases) expect(reasonOf(await failure(sql, params)), sql).toBe(reason);
  });

  it("keeps no value of a unique violation's or a failing row's detail", async () => {
    await t.db.query("INSERT INTO held (note) VALUES ($1)", [PATIENT]);
    const duplicate = await failure("INSERT INTO held (note) VALUES ($1)", [PATIENT]);
    expect(reasonOf(duplicate)).toBe('duplicate key value violates unique constraint "held_pkey" (SQLSTATE 23505)');
    expect(duplicate.detail).toMatch(PATIENT_DATA);
    expect(withoutQuotedValues(duplicate.detail!)).toBe("Key (note)=(…) already exists.");
    const row = await failure("INSERT INTO held (note, c) VALUES ($1, -1)", [`${PATIENT} again`]);
    expect(row.detail).toMatch(PATIENT_DATA);
    expect(withoutQuotedValues(row.detail!)).toBe("Failing row contains (…).");
  });

  it("stores no quoted value in the error queue, whoever words the reason", async () => {
    const err = await failure("SELECT $1::uuid", [PATIENT]);
    // A writer that words the reason itself (not through reasonOf): the store keeps it without the value all the same.
    const worded = `${err.message} (SQLSTATE 22P02)`;
    expect(worded).toMatch(PATIENT_DATA);
    await setAside(t.db, {
      messageKey: "4821",
      conversationId: null,
      connectionId: null,
      original: "{}",
      reason: worded,
    });
    const [entry] = await t.db.query<{ id: string }>("SELECT id FROM message_errors WHERE message_key = '4821'");
    expect((await getErrorQueueItem(t.db, entry!.id))!.reason).toBe(
      'invalid input syntax for type uuid: "…" (SQLSTATE 22P02)',
    );
    await recordReplayFailure(t.db, entry!.id, `value "${PATIENT}" is out of range for type integer`);
    expect((await getErrorQueueItem(t.db, entry!.id))!.reason).toBe('value "…" is out of range for type integer');
  });
});
