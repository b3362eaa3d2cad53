// What the error queue's API says of each entry, over HTTP on both engines. A message PKB sent without an id is keyed
// by a digest of it inside the queue (messageKey, "sha256:…"); that key is no PKB id, so the list, the detail and the
// answers to a replay or a discard say it has none (null; the page says "No id"), and a message with an id is named by
// it.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setMessageAside } from "../../src/sync/error-queue.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

interface Entry {
  id: string;
  pkbMessageId: string | null;
  conversationId: string | null;
  status: string;
}

describe.each(engines)("the error queue's API on $name", { timeout: 60_000 }, (engine) => {
  let t: TestDb;
  let rebook: TestApp;
  let admin: AuthHeaders;

  beforeAll(async () => {
    t = await engine.open();
    rebook = await buildTestApp(t.db);
    admin = await rebook.signIn("admin");
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  /** A message set aside as the poll sets aside one it cannot read: with PKB's id, or none. */
  async function setAside(messageId: string | null, conversationId: string): Promise<string> {
    const message = { ...(messageId === null ? {} : { id: messageId }), conversationId, subject: "Hello" };
    const key = await setMessageAside(t.db, {
      connectionId: null,
      conversation: { id: conversationId },
      message,
      conversationId,
      messageId,
      reason: "unexpected message shape (id: Invalid input: expected string, received undefined)",
    });
    const [row] = await t.db.query<{ id: string }>("SELECT id FROM message_errors WHERE message_key = $1", [key]);
    return row!.id;
  }

  const call = async <T>(method: "GET" | "POST", url: string, payload?: object) => {
    const res = await rebook.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<T>();
  };

  it("says a message without a PKB id has none (null), never the queue's digest of it", async () => {
    const pkbId = `pkb-${randomUUID().slice(0, 8)}`;
    const [withId, withoutId] = [randomUUID(), randomUUID()];
    const named = await setAside(pkbId, withId);
    const unnamed = await setAside(null, withoutId);

    const { items } = await call<{ items: Entry[] }>("GET", "/api/sync/error-queue");
    expect(items.map((e) => [e.conversationId, e.pkbMessageId]).sort()).toEqual(
      [
        [withId, pkbId],
        [withoutId, null],
      ].sort(),
    );
    expect((await call<Entry>("GET", `/api/sync/error-queue/${named}`)).pkbMessageId).toBe(pkbId);
    expect((await call<Entry>("GET", `/api/sync/error-queue/${unnamed}`)).pkbMessageId).toBeNull();
    const discarded = await call<Entry>("POST", `/api/sync/error-queue/${unnamed}/discard`, { reason: "Unreadable" });
    expect(discarded).toMatchObject({ status: "discarded", pkbMessageId: null });
    expect(JSON.stringify(await call("GET", "/api/sync/error-queue"))).not.toContain("sha256");
  });
});
