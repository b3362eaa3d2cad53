// /json/messages/after stays fast with 100,000+ messages: binary search on the timeline, one pass over the tail. The
// work is counted (messages read from the timeline), not timed, so a busy machine cannot fail it.

import { describe, expect, it } from "vitest";
import type { SandboxConversation, SandboxMessage } from "../src/model.ts";
import { IDS, makeDataset } from "./fixtures.ts";
import { getUserTokens, getWith, startSandbox } from "./helpers.ts";

const MESSAGES = 120_000;
const CONVERSATIONS = 4_000;
const START = Date.parse("2025-10-01T00:00:00Z"); // after the fixture's own messages

function bigDataset() {
  const d = makeDataset();
  const conversations: SandboxConversation[] = Array.from({ length: CONVERSATIONS }, (_, i) => ({
    id: `conv-${i}`,
    messageIds: [],
    participantIds: i % 2 === 0 ? [IDS.pat01, IDS.jack] : [IDS.paul, IDS.sarah],
  }));
  const messages: SandboxMessage[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const c = conversations[i % CONVERSATIONS];
    if (!c) continue;
    const m: SandboxMessage = {
      id: String(200_000_000 + i),
      conversationId: c.id,
      subject: `Message ${i}`,
      content: "Hello",
      timestamp: START + i * 60_000,
      senderId: c.participantIds[0] ?? "",
      onBehalfOfId: null,
      htmlContent: false,
      recipientIds: [c.participantIds[1] ?? ""],
      patientId: c.participantIds[0] ?? "",
      messageStatus: "READ",
    };
    c.messageIds.push(m.id);
    messages.push(m);
  }
  d.conversations.push(...conversations);
  d.messages.push(...messages);
  return d;
}

describe("messages at scale", () => {
  it(`answers a recent window over ${MESSAGES} messages by a binary search, and a full window in one linear pass`, async () => {
    const { app, state } = await startSandbox({ dataset: bigDataset() });
    const { access_token } = await getUserTokens(app);
    // Counts the messages the emulator reads from its timeline (the world's private sorted array).
    const world = state.world as unknown as { timeline: SandboxMessage[] };
    let reads = 0;
    world.timeline = new Proxy(world.timeline, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const total = world.timeline.length;
    const lastHour = new Date(START + (MESSAGES - 60) * 60_000 - 1).toISOString(); // the window is exclusive
    const recent = await getWith(app, `/json/messages/after/${lastHour}`, access_token);
    const convs = recent.json<Array<{ messages: unknown[]; messageCount: number }>>();
    expect(convs.reduce((n, c) => n + c.messages.length, 0)).toBe(30); // Jack sees every other conversation
    expect(convs[0]?.messageCount).toBe(MESSAGES / CONVERSATIONS);
    // The search's probes (about log2 of the total) plus the 60 messages of the window.
    expect(reads).toBeGreaterThanOrEqual(60); // the count sees the window's messages read
    expect(reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(total)) + 60);
    reads = 0;
    const all = await getWith(app, "/json/messages/after/2000-01-01", access_token);
    const everything = all.json<Array<{ messages: unknown[] }>>();
    expect(everything.reduce((n, c) => n + c.messages.length, 0)).toBe(MESSAGES / 2 + 1);
    expect(reads).toBeGreaterThanOrEqual(total);
    expect(reads).toBeLessThanOrEqual(total + 2 * Math.ceil(Math.log2(total)));
  });
});
