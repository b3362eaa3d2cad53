// The custom REST API: /json/messages/after/{date} and users, compared with the seed's examples.

import { describe, expect, it } from "vitest";
import { IDS, SEED_MESSAGE_TIMESTAMP } from "./fixtures.ts";
import { expectSameShape, getUserTokens, getWith, pkbCode, startSandbox } from "./helpers.ts";
import { SEED_MESSAGES_AFTER, SEED_USER } from "./seed-examples.ts";

type Conversation = {
  id: string;
  messages: Array<{ id: string; timestamp: number }>;
  messageCount: number;
  latestMessageId: number;
};

describe("GET /json/messages/after/{date}", () => {
  it("serves the seed's conversation exactly", async () => {
    const { app } = await startSandbox();
    const { access_token } = await getUserTokens(app);
    const res = await getWith(app, "/json/messages/after/2018-01-17", access_token);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(res.json()).toEqual(SEED_MESSAGES_AFTER);
    expectSameShape(res.json(), SEED_MESSAGES_AFTER);
  });

  it("only shows the signed-in user's conversations", async () => {
    const { app } = await startSandbox();
    const jack = await getUserTokens(app);
    const sarah = await getUserTokens(app, { username: "sarah.mitchell" });
    const paul = await getUserTokens(app, { username: "patient3054600@pkbtest.com", scope: "PATIENT" });
    const ids = async (token: string) =>
      (await getWith(app, "/json/messages/after/2018-01-17", token)).json<Conversation[]>().map((c) => c.id);
    expect(await ids(jack.access_token)).toEqual([IDS.seedConversation]);
    expect(await ids(sarah.access_token)).toEqual([IDS.otherConversation]);
    expect(await ids(paul.access_token)).toEqual([IDS.otherConversation]);
  });

  it("is exclusive of the point and accepts a date, an ISO timestamp or epoch ms", async () => {
    const { app } = await startSandbox();
    const { access_token } = await getUserTokens(app);
    const count = async (point: string) =>
      (await getWith(app, `/json/messages/after/${encodeURIComponent(point)}`, access_token)).json<Conversation[]>()
        .length;
    expect(await count("2025-09-02")).toBe(1);
    expect(await count("2025-09-03")).toBe(0);
    expect(await count(String(SEED_MESSAGE_TIMESTAMP - 1))).toBe(1);
    expect(await count(String(SEED_MESSAGE_TIMESTAMP))).toBe(0);
    expect(await count("2025-09-02T12:12:01.458Z")).toBe(1);
    expect(await count("2025-09-02T13:12:01.459+01:00")).toBe(0);
  });

  it("returns only the messages after the point, with the whole conversation's count and latest id", async () => {
    const { app, clock } = await startSandbox();
    const { access_token } = await getUserTokens(app);
    const follow = await app.inject({
      method: "POST",
      url: "/_sandbox/messages",
      payload: {
        patientPkbId: IDS.pat01,
        subject: "Re: my appointment",
        content: "Any news?",
        conversationId: IDS.seedConversation,
      },
    });
    expect(follow.statusCode).toBe(201);
    const newId = follow.json<{ message: { id: string } }>().message.id;
    const after = new Date(clock.now - 1000).toISOString();
    const [conv] = (await getWith(app, `/json/messages/after/${after}`, access_token)).json<Conversation[]>();
    expect(conv?.messages.map((m) => m.id)).toEqual([newId]);
    expect(conv?.messageCount).toBe(2);
    expect(conv?.latestMessageId).toBe(Number(newId));
  });

  it("rejects a malformed point with 400", async () => {
    const { app } = await startSandbox();
    const { access_token } = await getUserTokens(app);
    for (const bad of ["yesterday", "2025-13-40", "2025-09-02T25:00"]) {
      const res = await getWith(app, `/json/messages/after/${bad}`, access_token);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json()).toMatchObject({ resourceType: "OperationOutcome" });
    }
  });
});

describe("users", () => {
  it("GET /json/v1/users/{id} serves the seed's user (contact ids aside)", async () => {
    const { app } = await startSandbox();
    const { access_token } = await getUserTokens(app);
    const res = await getWith(app, `/json/v1/users/${IDS.pat01}`, access_token);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ contacts: Array<{ id: string }> }>();
    expectSameShape(body, SEED_USER);
    const seed = structuredClone(SEED_USER) as { contacts: Array<{ id: string }> };
    for (const [i, c] of seed.contacts.entries()) c.id = body.contacts[i]?.id ?? "";
    expect(body).toEqual(seed);
    expect(Object.keys(body)).toEqual(Object.keys(SEED_USER as object));
  });

  it("a patient without an NHS number has nationalIds []; staff are patient:false", async () => {
    const { app } = await startSandbox();
    const { access_token } = await getUserTokens(app);
    const noNhs = (await getWith(app, `/json/v1/users/${IDS.noNhs}`, access_token)).json();
    expect(noNhs).toMatchObject({ nationalIds: [], patient: true });
    const self = (await getWith(app, "/json/users/self", access_token)).json<Record<string, unknown>>();
    expect(self).toMatchObject({
      id: IDS.jack,
      patient: false,
      nationalIds: [],
      teamName: "Appointment Management Team",
    });
    expect(Object.keys(self)).toEqual(Object.keys(SEED_USER as object));
  });

  it("unknown user → 404 OperationOutcome; a patient may not read others (NO_CONSENT)", async () => {
    const { app } = await startSandbox();
    const { access_token } = await getUserTokens(app);
    const missing = await getWith(app, "/json/v1/users/999", access_token);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ resourceType: "OperationOutcome", issue: [{ code: "not-found" }] });
    const patient = await getUserTokens(app, { username: "mchft_pa01@pkbtest.com", scope: "PATIENT" });
    const other = await getWith(app, `/json/v1/users/${IDS.paul}`, patient.access_token);
    expect(other.statusCode).toBe(403);
    expect(pkbCode(other.json())).toBe("NO_CONSENT");
  });
});
