// Refresh rotation, single-use refresh tokens, session end (by time and by the control API) and the API's answers
// to dead tokens.

import { describe, expect, it } from "vitest";
import { type UserTokens, getUserTokens, getWith, pkbCode, refresh, startSandbox } from "./helpers.ts";

describe("refresh tokens", () => {
  it("rotate: each refresh gives a new pair; the old access token lives until it expires", async () => {
    const { app } = await startSandbox();
    const t1 = await getUserTokens(app);
    const r = await refresh(app, t1.refresh_token ?? "");
    expect(r.statusCode).toBe(200);
    const t2 = r.json<UserTokens>();
    expect(t2.access_token).not.toBe(t1.access_token);
    expect(t2.refresh_token).toBeDefined();
    expect(t2.refresh_token).not.toBe(t1.refresh_token);
    expect((await getWith(app, "/json/users/self", t2.access_token)).statusCode).toBe(200);
    expect((await getWith(app, "/json/users/self", t1.access_token)).statusCode).toBe(200);
  });

  it("reuse of a refresh token invalidates the session: both tokens dead afterwards", async () => {
    const { app } = await startSandbox();
    const t1 = await getUserTokens(app);
    const t2 = (await refresh(app, t1.refresh_token ?? "")).json<UserTokens>();
    const reuse = await refresh(app, t1.refresh_token ?? "");
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json()).toMatchObject({ error: "invalid_grant" });
    expect(reuse.json<{ error_description: string }>().error_description).toMatch(/API_SESSION_INVALID/);
    const api = await getWith(app, "/json/users/self", t2.access_token);
    expect(api.statusCode).toBe(401);
    expect(api.headers["www-authenticate"]).toMatch(/error="invalid_token"/);
    expect(pkbCode(api.json())).toBe("API_SESSION_INVALID");
    const next = await refresh(app, t2.refresh_token ?? "");
    expect(next.statusCode).toBe(400);
    expect(next.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("counts every reuse of a refresh token, on a live or an already invalidated session, in GET /_sandbox/state", async () => {
    const { app } = await startSandbox();
    const reuses = async () =>
      (await app.inject("/_sandbox/state")).json<{ reuses: { refreshTokens: number; authorizationCodes: number } }>()
        .reuses;
    expect(await reuses()).toEqual({ refreshTokens: 0, authorizationCodes: 0 });
    const t1 = await getUserTokens(app);
    const t2 = (await refresh(app, t1.refresh_token ?? "")).json<UserTokens>();
    expect((await refresh(app, t2.refresh_token ?? "")).statusCode).toBe(200); // one use each: no reuse
    expect(await reuses()).toEqual({ refreshTokens: 0, authorizationCodes: 0 });
    await refresh(app, t1.refresh_token ?? "");
    expect(await reuses()).toEqual({ refreshTokens: 1, authorizationCodes: 0 });
    await refresh(app, t1.refresh_token ?? ""); // the session is dead already; still a reuse
    expect((await reuses()).refreshTokens).toBe(2);
  });

  it("an expired access token answers ACC_TOKEN_EXPIRED; refreshing fixes it", async () => {
    const { app, clock } = await startSandbox();
    const t1 = await getUserTokens(app);
    clock.advance(600);
    const api = await getWith(app, "/json/users/self", t1.access_token);
    expect(api.statusCode).toBe(401);
    expect(pkbCode(api.json())).toBe("ACC_TOKEN_EXPIRED");
    const t2 = (await refresh(app, t1.refresh_token ?? "")).json<UserTokens>();
    expect((await getWith(app, "/json/users/self", t2.access_token)).statusCode).toBe(200);
  });

  it("refresh_token is omitted when the access token would outlive the session; the session then ends", async () => {
    const { app, clock } = await startSandbox({ sessionTtl: 1500, accessTokenTtl: 600 });
    const t1 = await getUserTokens(app);
    expect(t1.refresh_token).toBeDefined();
    clock.advance(500);
    const t2 = (await refresh(app, t1.refresh_token ?? "")).json<UserTokens>();
    expect(t2.refresh_token).toBeDefined(); // 500 + 600 < 1500
    clock.advance(500);
    const t3 = (await refresh(app, t2.refresh_token ?? "")).json<UserTokens>();
    expect(t3.refresh_token).toBeUndefined(); // 1000 + 600 > 1500
    expect(t3.expires_in).toBe(600);
    clock.advance(599);
    expect((await getWith(app, "/json/users/self", t3.access_token)).statusCode).toBe(200);
    clock.advance(1);
    const dead = await getWith(app, "/json/users/self", t3.access_token);
    expect(pkbCode(dead.json())).toBe("API_SESSION_EXPIRED");
  });

  it("session expiry by time → invalid_grant (API_SESSION_EXPIRED)", async () => {
    const { app, clock } = await startSandbox({ sessionTtl: 3600 });
    const t1 = await getUserTokens(app);
    clock.advance(3600);
    const r = await refresh(app, t1.refresh_token ?? "");
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: "invalid_grant" });
    expect(r.json<{ error_description: string }>().error_description).toMatch(/API_SESSION_EXPIRED/);
  });

  it("an unknown refresh token → invalid_grant", async () => {
    const { app } = await startSandbox();
    const r = await refresh(app, "not-a-token");
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: "invalid_grant" });
  });
});

describe("control API session actions", () => {
  const post = (app: Awaited<ReturnType<typeof startSandbox>>["app"], url: string, payload: object) =>
    app.inject({ method: "POST", url, payload });

  it("expire by username: refresh → invalid_grant, API → API_SESSION_EXPIRED", async () => {
    const { app } = await startSandbox();
    const t = await getUserTokens(app);
    const other = await getUserTokens(app, { username: "sarah.mitchell" });
    expect((await post(app, "/_sandbox/sessions/expire", { username: "jack.brown" })).json()).toEqual({ affected: 1 });
    const api = await getWith(app, "/json/users/self", t.access_token);
    expect(api.statusCode).toBe(401);
    expect(pkbCode(api.json())).toBe("API_SESSION_EXPIRED");
    expect((await refresh(app, t.refresh_token ?? "")).json()).toMatchObject({ error: "invalid_grant" });
    expect((await getWith(app, "/json/users/self", other.access_token)).statusCode).toBe(200);
  });

  it("revoke by session id or all: API → API_SESSION_INVALID", async () => {
    const { app } = await startSandbox();
    const t = await getUserTokens(app);
    const sessions = (await app.inject("/_sandbox/sessions")).json<Array<Record<string, unknown>>>();
    expect(sessions).toHaveLength(1);
    expect(JSON.stringify(sessions)).not.toContain(t.access_token);
    expect(JSON.stringify(sessions)).not.toContain(t.refresh_token);
    const id = String(sessions[0]?.id);
    expect((await post(app, "/_sandbox/sessions/revoke", { sessionId: id })).json()).toEqual({ affected: 1 });
    expect(pkbCode((await getWith(app, "/json/users/self", t.access_token)).json())).toBe("API_SESSION_INVALID");
    const t2 = await getUserTokens(app);
    expect((await post(app, "/_sandbox/sessions/revoke", { all: true })).json()).toEqual({ affected: 1 });
    expect((await refresh(app, t2.refresh_token ?? "")).json()).toMatchObject({ error: "invalid_grant" });
    expect((await post(app, "/_sandbox/sessions/revoke", {})).statusCode).toBe(400);
  });
});
