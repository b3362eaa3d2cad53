// Filing a poll's batch set-based (ingestMessages) decides exactly what filing its messages one at a time
// (ingestMessage) decides, on both engines: the same kinds, the same requests, the same follow-ups filed on the same
// requests, the same history — for a request and its replies in one batch, two requests in one conversation, a reply
// stored before its request (adopted when the request arrives), a message sent twice in a batch and one already
// stored. Each path files its own copy of the messages (ids prefixed), and the results are compared without prefixes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PkbConversation, PkbMessage } from "../../src/pkb/schemas.ts";
import type { Db } from "../../src/store/db.ts";
import { ingestMessage, ingestMessages, prepareMessage } from "../../src/sync/ingest-message.ts";
import { engines, type TestDb } from "../helpers/db.ts";

const t0 = Date.parse("2031-05-01T09:00:00Z");
const at = (minutes: number) => t0 + minutes * 60_000;
const change = "Request to change appointment: Thursday 15 May 2031 10:30am - Eye clinic";
const cancel = "Request to cancel appointment: Thursday 15 May 2031 10:30am - Eye clinic";

type Spec = [conversation: string, id: string, subject: string, minutes: number, fromPatient?: boolean];

/** The batches of the scenario, as conversations of messages (ids and conversations get the path's prefix). */
const batches: Spec[][] = [
  [
    ["A", "1", change, 0, true],
    ["A", "2", `RE: ${change}`, 5, true],
    ["A", "3", cancel, 10, true],
    ["A", "4", "RE: thanks", 12, false],
    ["B", "5", "Hello", 1, true],
    ["C", "6", "RE: my appointment", 30, true], // before its conversation's request is seen
    ["D", "7", "RE: late reply", 40, true],
    ["E", "13", "RE: hello", 70, true],
    ["F", "16", change, 80, true], // two requests at the same instant: a later reply goes on the greater message id
    ["F", "17", cancel, 80, true],
    ["F", "18", "RE: either", 81, true],
  ],
  [
    ["C", "8", change, 20, true], // earlier than message 6: adopts it
    ["A", "2", `RE: ${change}`, 5, true], // already stored
    ["A", "9", "RE: any news?", 60, true],
    ["B", "10", "Hello again", 2, true],
    ["B", "10", "Hello again", 2, true], // sent twice in one batch
    ["D", "11", cancel, 50, true], // after message 7: does not adopt it
    ["D", "12", "RE: and another", 55, false],
    ["E", "14", change, 62, true], // two requests before a reply stored earlier: the first adopts it
    ["E", "15", cancel, 65, true],
    ["F", "19", cancel, 80, true], // at the same instant as two stored requests
    ["F", "20", "RE: and again", 82, true],
  ],
];

function conversationsOf(prefix: string, specs: Spec[]): PkbConversation[] {
  const byConversation = new Map<string, PkbMessage[]>();
  for (const [c, id, subject, minutes, fromPatient] of specs) {
    const conversationId = `${prefix}${c}`;
    byConversation.set(conversationId, [
      ...(byConversation.get(conversationId) ?? []),
      {
        id: `${prefix}${id}`,
        conversationId,
        subject,
        content: "",
        timestamp: at(minutes),
        senderId: fromPatient ? `${prefix}patient` : `${prefix}clinician`,
        patientId: `${prefix}patient`,
        recipientIds: [],
      },
    ]);
  }
  return [...byConversation].map(([id, messages]) => ({ id, messages, participants: [] }));
}

/** What was filed, without the prefix: per message its kind and its request's message; per request its history. */
async function filed(db: Db, prefix: string) {
  const strip = (s: string | null) => (s === null ? null : s.slice(prefix.length));
  const messages = await db.query<{ id: string; kind: string | null; request_message: string | null }>(
    `SELECT m.pkb_message_id AS id, m.kind, r.pkb_message_id AS request_message
     FROM pkb_messages m LEFT JOIN appointment_requests r ON r.id = m.request_id
     WHERE m.pkb_message_id LIKE $1 || '%' ORDER BY m.pkb_message_id`,
    [prefix],
  );
  const events = await db.query<{ request_message: string; type: string; message: string | null }>(
    `SELECT r.pkb_message_id AS request_message, e.type, e.data->>'pkbMessageId' AS message
     FROM request_events e JOIN appointment_requests r ON r.id = e.request_id
     WHERE r.pkb_message_id LIKE $1 || '%' ORDER BY r.pkb_message_id, e.type, e.data->>'pkbMessageId'`,
    [prefix],
  );
  return {
    messages: messages.map((m) => [strip(m.id), m.kind, strip(m.request_message)]),
    events: events.map((e) => [strip(e.request_message), e.type, strip(e.message)]),
  };
}

describe.each(engines)("filing a batch set-based on $name", { timeout: 60_000 }, (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await engine.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("decides what filing the messages one at a time decides", async () => {
    const kinds: { one: unknown[]; set: unknown[] } = { one: [], set: [] };
    for (const batch of batches) {
      const prepared = (prefix: string) =>
        conversationsOf(prefix, batch).flatMap((c) => c.messages.map((m) => prepareMessage(m, c)));
      const one = await t.db.transaction(async (tx) => {
        const out = [];
        for (const p of prepared("one-")) out.push(await ingestMessage(tx, p, null));
        return out;
      });
      const set = await t.db.transaction((tx) => ingestMessages(tx, prepared("set-"), null));
      kinds.one.push(one);
      kinds.set.push(set);
    }
    expect(kinds.set).toEqual(kinds.one);
    const one = await filed(t.db, "one-");
    const set = await filed(t.db, "set-");
    expect(set).toEqual(one);
    // What the scenario means, so both paths cannot agree on something wrong.
    expect(one.messages).toEqual([
      ["1", "request", "1"],
      ["10", "unrelated", null],
      ["11", "request", "11"],
      ["12", "follow_up", "11"],
      ["13", "follow_up", "14"],
      ["14", "request", "14"],
      ["15", "request", "15"],
      ["16", "request", "16"],
      ["17", "request", "17"],
      ["18", "follow_up", "17"],
      ["19", "request", "19"],
      ["2", "follow_up", "1"],
      ["20", "follow_up", "19"],
      ["3", "request", "3"],
      ["4", "follow_up", "3"],
      ["5", "unrelated", null],
      ["6", "follow_up", "8"],
      ["7", "unrelated", null],
      ["8", "request", "8"],
      ["9", "follow_up", "3"],
    ]);
    expect(kinds.one[1]).toEqual([
      "request",
      null,
      "follow_up",
      "unrelated",
      null,
      "request",
      "follow_up",
      "request",
      "request",
      "request",
      "follow_up",
    ]);
  });
});
