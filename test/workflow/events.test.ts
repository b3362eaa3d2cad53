// Live updates over a real HTTP connection (app.listen on port 0, fetch streaming): an event arrives after a claim for
// a member of the team (naming who made it) and never for another team's clerk; presence is broadcast; heartbeats
// flow; the stream follows team changes and ends at sign-out. Presence entries expire after 60 s without a heartbeat.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endSession } from "../../src/auth/sessions.ts";
import { EventBus, type BusEvent } from "../../src/events/bus.ts";
import { PresenceStore } from "../../src/events/presence.ts";
import { publishRequestUpdated } from "../../src/events/publish.ts";
import { upsertMember } from "../../src/store/people.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { person, seedRequest, team, type Person } from "./helpers.ts";

interface Frame {
  event: string | null;
  data: string | null;
  comment: string | null;
}

/** An open event stream: every frame received so far, and whether the server ended it. */
interface Stream {
  status: number;
  frames: Frame[];
  events: () => BusEvent[];
  ended: () => boolean;
  close: () => void;
}

async function openStream(base: string, who: Person | null): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/events`, {
    headers: who ? { cookie: who.headers.cookie } : {},
    signal: abort.signal,
  });
  const frames: Frame[] = [];
  let ended = false;
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const frame: Frame = { event: null, data: null, comment: null };
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) frame.comment = line.slice(1).trim();
              else if (line.startsWith("event: ")) frame.event = line.slice(7);
              else if (line.startsWith("data: ")) frame.data = line.slice(6);
            }
            frames.push(frame);
          }
        }
      } catch {
        // aborted by the test
      }
      ended = true;
    })();
  } else {
    ended = true;
  }
  return {
    status: res.status,
    frames,
    events: () => frames.filter((f) => f.event === null && f.data).map((f) => JSON.parse(f.data!) as BusEvent),
    ended: () => ended,
    close: () => abort.abort(),
  };
}

describe("live updates over SSE", () => {
  let t: TestDb;
  let rebook: TestApp;
  let base: string;
  let teamA: { id: string };
  let teamB: { id: string };
  let clerkA: Person, clerkA2: Person, clerkB: Person;
  const streams: Stream[] = [];
  const stream = async (who: Person | null): Promise<Stream> => {
    const s = await openStream(base, who);
    streams.push(s);
    if (s.status === 200) await expect.poll(() => s.frames.some((f) => f.event === "ready")).toBe(true);
    return s;
  };
  const post = (who: Person, url: string, payload: Record<string, unknown> = {}) =>
    rebook.app.inject({ method: "POST", url, payload, headers: who.headers });

  beforeAll(async () => {
    t = await engines[0].open();
    rebook = await buildTestApp(t.db, { EVENTS_HEARTBEAT_SECONDS: "0.3" });
    await rebook.app.listen({ host: "127.0.0.1", port: 0 });
    const address = rebook.app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    teamA = await team(t.db, "Live A");
    teamB = await team(t.db, "Live B");
    clerkA = await person(t.db, rebook.config, { role: "clerk", teams: [{ teamId: teamA.id }] });
    clerkA2 = await person(t.db, rebook.config, { role: "clerk", teams: [{ teamId: teamA.id }], name: "Pat Present" });
    clerkB = await person(t.db, rebook.config, { role: "clerk", teams: [{ teamId: teamB.id }] });
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await rebook?.app.close();
    await t?.dispose();
  });

  it("refuses a stream without a session", async () => {
    expect((await openStream(base, null)).status).toBe(401);
  });

  it("sends a claim to the team's members and nothing to another team's clerk", async () => {
    const a = await stream(clerkA);
    const b = await stream(clerkB);
    const inA = await seedRequest(t.db, { teamId: teamA.id });
    const inB = await seedRequest(t.db, { teamId: teamB.id });
    expect((await post(clerkA, `/api/requests/${inA}/claim`)).statusCode).toBe(200);
    await expect
      .poll(() => a.events().find((e) => e.requestId === inA))
      .toEqual({
        type: "request.updated",
        requestId: inA,
        teamId: teamA.id,
        status: "in_progress", // claiming means working on it
        assignedUserId: clerkA.user.id,
        // Who made it: their own screens do not read it out as someone else's change.
        actorUserId: clerkA.user.id,
        at: expect.any(String),
      });
    // B's own team's change arrives after A's would have (events go out in order): B never saw A's.
    expect((await post(clerkB, `/api/requests/${inB}/claim`)).statusCode).toBe(200);
    await expect.poll(() => b.events().some((e) => e.requestId === inB)).toBe(true);
    expect(b.events().map((e) => e.requestId)).toEqual([inB]);
    expect(a.events().some((e) => e.requestId === inB)).toBe(false);
    // The pipeline's publisher reaches the stream too.
    await publishRequestUpdated(t.db, inA);
    await expect.poll(() => a.events().filter((e) => e.requestId === inA).length).toBe(2);
    expect(a.events().filter((e) => e.requestId === inA)[1]).toMatchObject({ actorUserId: null }); // the system
    // Heartbeats are comments.
    await expect.poll(() => a.frames.some((f) => f.comment?.startsWith("heartbeat"))).toBe(true);
  });

  it("names the browser tab a person's change was made from (its x-rebook-tab), so that tab knows the event as its own", async () => {
    const a = await stream(clerkA);
    const id = await seedRequest(t.db, { teamId: teamA.id });
    const errored = await seedRequest(t.db, { teamId: teamA.id, status: "error" });
    const elsewhere = await seedRequest(t.db, { teamId: teamA.id });
    const tab = "3f9c2a7e5b1d4c8a9e0f1a2b3c4d5e6f";
    const fromTab = (url: string, tabId: string, payload: Record<string, unknown> = {}) =>
      rebook.app.inject({ method: "POST", url, payload, headers: { ...clerkA.headers, "x-rebook-tab": tabId } });
    // Each kind of route that writes a request: the workflow's, patient contact's and the retry.
    expect((await fromTab(`/api/requests/${id}/claim`, tab)).statusCode).toBe(200);
    const outcome = await fromTab(`/api/requests/${id}/outcome`, tab, { outcome: "rejected", reason: "Not ours" });
    expect(outcome.statusCode, outcome.body).toBe(200);
    expect((await fromTab(`/api/requests/${id}/patient-answered`, tab)).statusCode).toBe(200);
    expect((await fromTab(`/api/requests/${errored}/retry`, tab)).statusCode).toBe(200);
    // Without the header (another client), or with something that is not a tab's id: no tab named.
    expect((await post(clerkA, `/api/requests/${elsewhere}/claim`)).statusCode).toBe(200);
    expect((await fromTab(`/api/requests/${elsewhere}/unassign`, "not a tab id!")).statusCode).toBe(200);
    const mine = () =>
      a
        .events()
        .filter((e) => e.type === "request.updated" && e.actorUserId === clerkA.user.id)
        .filter((e) => [id, errored, elsewhere].includes(e.requestId));
    await expect.poll(() => mine().length).toBe(6);
    expect(mine().map((e) => [e.requestId, "tabId" in e ? e.tabId : "none"])).toEqual([
      [id, tab],
      [id, tab],
      [id, tab],
      [errored, tab],
      [elsewhere, "none"],
      [elsewhere, "none"],
    ]);
  });

  it("names the tab only on the streams of the person who made the change: a colleague never learns it", async () => {
    const own = await stream(clerkA);
    const colleague = await stream(clerkA2);
    const id = await seedRequest(t.db, { teamId: teamA.id });
    const tab = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    const claimed = await rebook.app.inject({
      method: "POST",
      url: `/api/requests/${id}/claim`,
      headers: { ...clerkA.headers, "x-rebook-tab": tab },
    });
    expect(claimed.statusCode).toBe(200);
    const about = (s: Stream) => s.events().filter((e) => e.type === "request.updated" && e.requestId === id);
    await expect.poll(() => about(own).length).toBe(1);
    await expect.poll(() => about(colleague).length).toBe(1);
    expect(about(own)[0]).toMatchObject({ actorUserId: clerkA.user.id, tabId: tab });
    // The colleague hears of the change and who made it, but not the tab: they cannot send writes as that tab.
    expect(about(colleague)[0]).toMatchObject({ actorUserId: clerkA.user.id });
    expect("tabId" in about(colleague)[0]!, JSON.stringify(about(colleague)[0])).toBe(false);
  });

  it("sends a transfer to the team it left as well as the team it joined", async () => {
    const a = await stream(clerkA);
    const b = await stream(clerkB);
    const id = await seedRequest(t.db, { teamId: teamA.id });
    const moved = await post(clerkA, `/api/requests/${id}/transfer`, { teamId: teamB.id, reason: "Misrouted" });
    expect(moved.statusCode).toBe(200);
    for (const s of [a, b]) {
      await expect
        .poll(() => s.events().find((e) => e.requestId === id))
        .toMatchObject({ type: "request.updated", teamId: teamB.id, previousTeamId: teamA.id });
    }
  });

  it("broadcasts presence to those who may see the request", async () => {
    const a = await stream(clerkA);
    const b = await stream(clerkB);
    const id = await seedRequest(t.db, { teamId: teamA.id });
    expect((await post(clerkA2, `/api/requests/${id}/presence`, { state: "editing" })).statusCode).toBe(200);
    await expect
      .poll(() => a.events().find((e) => e.type === "presence" && e.requestId === id))
      .toMatchObject({
        type: "presence",
        teamId: teamA.id,
        presence: { userId: clerkA2.user.id, displayName: "Pat Present", state: "editing" },
      });
    const left = await rebook.app.inject({
      method: "DELETE",
      url: `/api/requests/${id}/presence`,
      headers: clerkA2.headers,
    });
    expect(left.statusCode).toBe(204);
    await expect
      .poll(() =>
        a
          .events()
          .filter((e) => e.type === "presence" && e.requestId === id)
          .map((e) => e.type === "presence" && e.presence.state),
      )
      .toEqual(["editing", "left"]);
    expect(b.events().some((e) => e.requestId === id)).toBe(false);
  });

  it("follows the user's team changes at the next heartbeat", async () => {
    const newcomer = await person(t.db, rebook.config, { role: "clerk", teams: [{ teamId: teamB.id }] });
    const s = await stream(newcomer);
    await upsertMember(t.db, {
      teamId: teamA.id,
      userId: newcomer.user.id,
      isLead: false,
      capacity: null,
      available: true,
    });
    const beats = s.frames.filter((f) => f.comment).length;
    await expect.poll(() => s.frames.filter((f) => f.comment).length).toBeGreaterThan(beats);
    const id = await seedRequest(t.db, { teamId: teamA.id });
    await post(clerkA, `/api/requests/${id}/claim`);
    await expect.poll(() => s.events().some((e) => e.requestId === id)).toBe(true);
  });

  it("ends the stream soon after sign-out", async () => {
    const leaving = await person(t.db, rebook.config, { role: "clerk", teams: [{ teamId: teamA.id }] });
    const s = await stream(leaving);
    await endSession(t.db, leaving.token);
    await expect.poll(() => s.ended(), { timeout: 5_000 }).toBe(true);
    expect(s.frames.at(-1)).toMatchObject({ event: "session_ended" });
    expect((await openStream(base, leaving)).status).toBe(401);
  });

  it("closes open streams when the server stops", async () => {
    const other = await buildTestApp(t.db, { EVENTS_HEARTBEAT_SECONDS: "30" });
    await other.app.listen({ host: "127.0.0.1", port: 0 });
    const address = other.app.server.address();
    const s = await openStream(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, clerkA);
    await expect.poll(() => s.frames.some((f) => f.event === "ready")).toBe(true);
    const started = Date.now();
    await other.app.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect.poll(() => s.ended()).toBe(true);
  });
});

describe("presence store", () => {
  it("expires an entry 60 s after its last heartbeat and announces that they left", () => {
    const bus = new EventBus();
    let now = Date.parse("2025-10-26T00:30:00Z");
    const store = new PresenceStore(bus, () => now);
    const heard: BusEvent[] = [];
    bus.subscribe((e) => heard.push(e));
    const request = {
      requestId: "5d1c1c52-6c1e-4a8c-9d0e-1b2c3d4e5f60",
      teamId: null,
      status: "open" as const,
      assignedUserId: null,
    };
    const user = { id: "0f6a7c2e-1d2b-4c3d-8e9f-a0b1c2d3e4f5", displayName: "Ann" };
    void bus.publish(store.change(request, user, "viewing", new Date(now)));
    expect(store.list(request.requestId)).toMatchObject([{ userId: user.id, state: "viewing" }]);
    expect(store.list(request.requestId, user.id)).toEqual([]);
    now += 59_000;
    void bus.publish(store.change(request, user, "viewing", new Date(now))); // heartbeat: since unchanged
    expect(store.list(request.requestId)[0]?.since.toISOString()).toBe("2025-10-26T00:30:00.000Z");
    now += 60_000;
    expect(store.list(request.requestId)).toHaveLength(1); // exactly 60 s: still there
    now += 1;
    expect(store.list(request.requestId)).toEqual([]);
    expect(heard.at(-1)).toMatchObject({ type: "presence", presence: { userId: user.id, state: "left" } });
  });
});
