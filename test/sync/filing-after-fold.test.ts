// Filing a message in the conversation of a request that an earlier ask folded into (docs/settling.md): the open
// request now counts from the patient's earlier message, but its own conversation's messages are still filed by when
// its own request message came, as before the fold — one sent before that message is unrelated, one after it a
// follow-up on the request — whether filed one at a time (ingestMessage) or in a batch (ingestMessages), on both engines.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PkbConversation, PkbMessage } from "../../src/pkb/schemas.ts";
import { applyMatchResult } from "../../src/requests/commands/pipeline.ts";
import { createTeamExclusive } from "../../src/store/teams.ts";
import { ingestMessage, ingestMessages, prepareMessage } from "../../src/sync/ingest-message.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { linkedTo } from "../helpers/match.ts";

const t0 = Date.parse("2031-05-01T09:00:00Z");
const at = (minutes: number) => t0 + minutes * 60_000;
const start = new Date("2031-05-15T09:30:00Z"); // Thursday 15 May 2031, 10:30 BST
const change = "Request to change appointment: Thursday 15 May 2031 10:30am - Eye clinic";

describe.each(engines)(
  "a message filed after a repeat folded into its request, on $name",
  { timeout: 60_000 },
  (engine) => {
    let t: TestDb;
    beforeAll(async () => {
      t = await engine.open();
      await createTeamExclusive(t.db, { name: "Appointments", description: "", isDefault: true });
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it.each([
      { how: "one at a time", batch: false, nhs: "9434765919" },
      { how: "in a batch", batch: true, nhs: "9434765870" },
    ])("$how: before the request's own message unrelated, after it a follow-up", async ({ how, batch, nhs }) => {
      const p = `${how === "in a batch" ? "set" : "one"}-`;
      const message = (conversation: string, id: string, subject: string, minutes: number): PkbMessage => ({
        id: `${p}${id}`,
        conversationId: `${p}${conversation}`,
        subject,
        content: "",
        timestamp: at(minutes),
        senderId: `${p}patient`,
        patientId: `${p}patient`,
        recipientIds: [],
      });
      const prepared = (m: PkbMessage) => {
        const conversation: PkbConversation = { id: m.conversationId, messages: [m], participants: [] };
        return prepareMessage(m, conversation);
      };
      const file = (ms: PkbMessage[]) =>
        t.db.transaction(async (tx) => {
          if (batch) return ingestMessages(tx, ms.map(prepared), null);
          const kinds = [];
          for (const m of ms) kinds.push(await ingestMessage(tx, prepared(m), null));
          return kinds;
        });
      // The patient asks in conversation X at minute 0, and again about the same appointment in Y at minute 60.
      expect(await file([message("X", "first", change, 0), message("Y", "second", change, 60)])).toEqual([
        "request",
        "request",
      ]);
      const requestOf = async (id: string) =>
        (
          await t.db.query<{ id: string }>("SELECT id FROM appointment_requests WHERE pkb_message_id = $1", [
            `${p}${id}`,
          ])
        )[0]!.id;
      const first = await requestOf("first");
      const second = await requestOf("second");
      // The later ask is matched first and opens; the earlier one folds into it, which now counts from minute 0.
      const result = (requestId: string) => ({
        requestId,
        nhsNumber: nhs,
        pkbUserId: `${p}patient`,
        match: linkedTo(`${p}appointment`, start),
        message: { type: "change" as const, pkbTeamName: null, patientNote: "", requestedSubject: "Eye clinic" },
        requestedStart: start,
      });
      await applyMatchResult(t.db, result(second));
      await applyMatchResult(t.db, result(first));
      const rows = await t.db.query<{ id: string; received_at: Date }>(
        "SELECT id, received_at FROM appointment_requests WHERE id = ANY($1::uuid[])",
        [[first, second]],
      );
      expect(rows).toEqual([{ id: second, received_at: new Date(at(0)) }]);

      // Messages of Y arrive late: one sent before its request message, one after it.
      expect(
        await file([message("Y", "before", "RE: my appointment", 30), message("Y", "after", "RE: any news?", 90)]),
      ).toEqual(["unrelated", "follow_up"]);
      const filed = await t.db.query<{ id: string; kind: string; request_id: string | null }>(
        "SELECT pkb_message_id AS id, kind, request_id FROM pkb_messages WHERE pkb_message_id = ANY($1::text[]) ORDER BY sent_at",
        [[`${p}before`, `${p}after`]],
      );
      expect(filed).toEqual([
        { id: `${p}before`, kind: "unrelated", request_id: null },
        { id: `${p}after`, kind: "follow_up", request_id: second },
      ]);
    });
  },
);
