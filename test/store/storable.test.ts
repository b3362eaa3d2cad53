// Text PostgreSQL cannot store, made storable without losing the original; and PKB answers with an odd message read
// around it: pure functions, then the round trip through both engines.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConversation } from "../../src/pkb/rest.ts";
import { isStorableText, storableJson, storableText } from "../../src/store/storable.ts";
import { prepareMessage, UnfileableMessageError } from "../../src/sync/ingest-message.ts";
import { engines, type TestDb } from "../helpers/db.ts";

describe("storable text", () => {
  it("replaces U+0000 and lone surrogates with U+FFFD and leaves everything else alone", () => {
    expect(storableText("a\u0000b")).toBe("a\ufffdb");
    expect(storableText("x\ud800y\udc00z")).toBe("x\ufffdy\ufffdz");
    expect(storableText("emoji 😀 and é")).toBe("emoji 😀 and é");
    expect(isStorableText("\ud83d\ude00")).toBe(true);
    expect(isStorableText("\ude00\ud83d")).toBe(false); // a pair in the wrong order is two lone surrogates
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const out = storableText(s);
        expect(isStorableText(out)).toBe(true);
        expect(out.length).toBe(s.length);
        if (isStorableText(s)) expect(out).toBe(s);
      }),
    );
  });

  it("makes every string of a JSON value storable, keys included, and says whether it changed anything", () => {
    const value = { "k\u0000": ["ok", { deep: "\ud800" }], n: 1, none: null };
    const r = storableJson(value);
    expect(r.changed).toBe(true);
    expect(r.value).toEqual({ "k\ufffd": ["ok", { deep: "\ufffd" }], n: 1, none: null });
    const clean = { a: "fine", b: [1, "two"] };
    expect(storableJson(clean)).toEqual({ value: clean, changed: false });
    // The exact original survives as JSON text (escapes are plain ASCII).
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    // A key "__proto__" (JSON.parse makes it an own key) stays a key of the copy, not its prototype.
    const proto = storableJson(JSON.parse('{"__proto__":{"a":"x"},"b":"\\u0000"}') as object);
    expect(proto.changed).toBe(true);
    expect(Object.keys(proto.value)).toEqual(["__proto__", "b"]);
    expect(JSON.stringify(proto.value)).toBe('{"__proto__":{"a":"x"},"b":"\ufffd"}');
  });
});

describe("preparing a PKB message", () => {
  const conversation = { id: "c1", messages: [], participants: [{ id: "7", teamName: "Team\u0000" }] };
  const message = {
    id: "1",
    conversationId: "c1",
    subject: "Hi",
    content: "a\u0000b",
    timestamp: Date.parse("2025-10-01T09:00:00Z"),
  };

  it("keeps the exact original only when it changed something", () => {
    const p = prepareMessage(message, conversation);
    expect(p.message.content).toBe("a\ufffdb");
    expect(p.conversation.participants?.[0]?.teamName).toBe("Team\ufffd");
    expect(JSON.parse(p.rawOriginal!)).toMatchObject({ content: "a\u0000b" });
    expect(prepareMessage({ ...message, content: "plain" }, { id: "c1", messages: [] }).rawOriginal).toBeNull();
  });

  it("never alters an identifier: a message whose id cannot be stored, or with no real instant, cannot be filed", () => {
    expect(() => prepareMessage({ ...message, id: "1\u0000" }, conversation)).toThrow(UnfileableMessageError);
    expect(() => prepareMessage({ ...message, patientId: "\ud800" }, conversation)).toThrow(UnfileableMessageError);
    expect(() => prepareMessage({ ...message, timestamp: 1e20 }, conversation)).toThrow(UnfileableMessageError);
  });
});

describe("reading PKB's conversations", () => {
  it("hands back a message of the wrong shape and reads the conversation's other messages", () => {
    const good = { id: "1", conversationId: "c1", subject: "s", content: "c", timestamp: 1 };
    const read = readConversation({ id: "c1", messages: [good, { id: 2, subject: "no timestamp" }], participants: [] });
    expect(read.conversation?.messages.map((m) => m.id)).toEqual(["1"]);
    expect(read.malformed).toEqual([
      expect.objectContaining({
        conversationId: "c1",
        messageId: "2",
        reason: expect.stringMatching(/unexpected message shape/),
      }),
    ]);
    const unreadable = readConversation({ messages: "nope" });
    expect(unreadable.conversation).toBeNull();
    expect(unreadable.malformed).toHaveLength(1);
  });
});

describe.each(engines)("storable text in the store on $name", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await engine.open({ migrated: false });
  });
  afterAll(() => t.dispose());

  it("stores what storableJson returns, in text and jsonb, and refuses the original", async () => {
    const nasty = { s: "a\u0000b\ud800c" };
    await expect(t.db.query("SELECT $1::jsonb AS j", [JSON.stringify(nasty)])).rejects.toThrow();
    const [row] = await t.db.query<{ j: unknown; s: string }>("SELECT $1::jsonb AS j, $2::text AS s", [
      JSON.stringify(storableJson(nasty).value),
      storableText(nasty.s),
    ]);
    expect(row).toEqual({ j: { s: "a\ufffdb\ufffdc" }, s: "a\ufffdb\ufffdc" });
    const [kept] = await t.db.query<{ t: string }>("SELECT $1::text AS t", [JSON.stringify(nasty)]);
    expect(JSON.parse(kept!.t)).toEqual(nasty);
  });
});
