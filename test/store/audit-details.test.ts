// recordAudit writes only the details its action names, on both engines. The type stops a key the action does not name
// only in an object literal: a spread ({ ...about }), or an action that is a variable, passes anything the spread
// holds, e.g. a whole PKB message (patient text) that a shadowed variable put there. recordAudit refuses such details at
// run time (a programming error: nothing is written), from the same per-action schemas the type is made from.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditAction } from "../../src/audit-actions.ts";
import { recordAudit } from "../../src/store/audit.ts";
import { engines, type TestDb } from "../helpers/db.ts";

const PATIENT_TEXT = "Please cancel. Jane Smith, NHS number 9434765919";

describe.each(engines)("audit details on $name", { timeout: 60_000 }, (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await engine.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const who = { actorUserId: null, actorLabel: "Ada Admin" };
  /** The details written since `after` (an audit_log id). */
  const writtenSince = async (after: number) =>
    (
      await t.db.query<{ details: Record<string, unknown> }>(
        "SELECT details FROM audit_log WHERE id > $1 ORDER BY id",
        [after],
      )
    ).map((r) => r.details);
  const newest = async () =>
    (await t.db.query<{ id: number | null }>("SELECT max(id) AS id FROM audit_log"))[0]!.id ?? 0;
  /** What recordAudit threw (it must throw). */
  const refusal = async (written: Promise<void>): Promise<Error> => {
    const outcome = await written.then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(outcome, "recordAudit refused the details").toBeInstanceOf(Error);
    return outcome!;
  };

  it("refuses a key the action does not name, however it got there, and writes nothing", async () => {
    const before = await newest();
    const entryId = randomUUID();
    // The shadowing slip: a PKB message where the entry's facts were meant.
    const about = { id: "4821", conversationId: "c-1", content: PATIENT_TEXT };
    const slip = await refusal(
      recordAudit(t.db, { ...who, action: "error_queue.viewed", details: { entryId, pkbMessageId: "4821", ...about } }),
    );
    expect(slip.message).toMatch(/error_queue\.viewed/);
    expect(slip.message).toMatch(/content/);
    // Refused without echoing the values (patient data): the keys' names are enough to find the writer.
    expect(slip.message).not.toMatch(/Jane|9434765919/);
    // Nested: AuditHow's override names only the holder.
    const override = { holderId: randomUUID(), note: PATIENT_TEXT };
    const nested = await refusal(
      recordAudit(t.db, { ...who, action: "request.note_added", details: { noteId: 1, override } }),
    );
    expect(nested.message).toMatch(/request\.note_added.*override\.note/);
    // An action held in a variable: the type takes any action's details, the run-time check this action's only.
    const action = "request.viewed" as AuditAction;
    const other = await refusal(recordAudit(t.db, { ...who, action, details: { requestIds: [randomUUID()] } }));
    expect(other.message).toMatch(/request\.viewed.*requestIds/);
    expect(await writtenSince(before)).toEqual([]);
  });

  it("writes the keys the action names, the optional ones with or without", async () => {
    const before = await newest();
    const entryId = randomUUID();
    await recordAudit(t.db, { ...who, action: "error_queue.viewed", details: { entryId, pkbMessageId: null } });
    await recordAudit(t.db, { ...who, action: "requests.listed", details: { shown: 0, requestIds: [] } });
    await recordAudit(t.db, {
      ...who,
      action: "request.note_added",
      details: { noteId: 1, override: { holderId: entryId }, bulk: true },
    });
    await recordAudit(t.db, { ...who, action: "user.signed_out" });
    expect(await writtenSince(before)).toEqual([
      { entryId, pkbMessageId: null },
      { shown: 0, requestIds: [] },
      { noteId: 1, override: { holderId: entryId }, bulk: true },
      {},
    ]);
  });
});
