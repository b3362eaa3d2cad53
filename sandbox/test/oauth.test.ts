// Authorization code grant through the sandbox consent page, and the token endpoint's client authentication.

import { describe, expect, it } from "vitest";
import {
  CLIENT,
  basic,
  consentRequestId,
  getCode,
  getUserTokens,
  getWith,
  pkbCode,
  postForm,
  startSandbox,
  submitConsent,
} from "./helpers.ts";

const exchange = (code: string, extra: Record<string, string> = {}) => ({
  grant_type: "authorization_code",
  code,
  redirect_uri: CLIENT.redirect,
  client_id: CLIENT.id,
  client_secret: CLIENT.secret,
  ...extra,
});

describe("authorize + consent page", () => {
  it("renders an accessible sign-in page listing demo users", async () => {
    const { app } = await startSandbox();
    const res = await app.inject(
      `/apiAuthorize.action?response_type=code&client_id=${CLIENT.id}&scope=CLINICIAN&state=s1&redirect_uri=${encodeURIComponent(CLIENT.redirect)}`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.body).toContain('<label for="username">');
    expect(res.body).toContain('<label for="password">');
    expect(res.body).toContain("jack.brown");
    expect(res.body).toContain("Grant access");
    expect(res.body).toContain("Deny");
  });

  it("happy path: grant → 302 with code and state → tokens (form client_secret)", async () => {
    const { app } = await startSandbox();
    const res = await submitConsent(app, { state: "csrf-123" });
    expect(res.statusCode).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(CLIENT.redirect);
    expect(location.searchParams.get("state")).toBe("csrf-123");
    const code = location.searchParams.get("code") ?? "";
    const token = await postForm(app, "/apiToken.action", exchange(code));
    expect(token.statusCode).toBe(200);
    expect(token.headers["cache-control"]).toBe("no-store");
    const body = token.json<Record<string, unknown>>();
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 600, scope: "CLINICIAN" });
    expect(typeof body.access_token).toBe("string");
    expect(typeof body.refresh_token).toBe("string");
    const self = await getWith(app, "/json/users/self", String(body.access_token));
    expect(self.json()).toMatchObject({ id: "14795070", patient: false });
  });

  it("accepts HTTP Basic client authentication", async () => {
    const { app } = await startSandbox();
    const code = await getCode(app);
    const res = await postForm(
      app,
      "/apiToken.action",
      { grant_type: "authorization_code", code, redirect_uri: CLIENT.redirect },
      { authorization: basic(CLIENT.id, CLIENT.secret) },
    );
    expect(res.statusCode).toBe(200);
  });

  it("omitted scope grants the user's default; TEAMCOORD may be asked for", async () => {
    const { app } = await startSandbox();
    const res = await submitConsent(app, { scope: "" });
    const code = new URL(String(res.headers.location)).searchParams.get("code") ?? "";
    const token = await postForm(app, "/apiToken.action", exchange(code));
    expect(token.json()).toMatchObject({ scope: "CLINICIAN" });
    expect((await getUserTokens(app, { scope: "TEAMCOORD" })).scope).toBe("TEAMCOORD");
  });

  it("a patient signs in with their email for scope PATIENT", async () => {
    const { app } = await startSandbox();
    const tokens = await getUserTokens(app, { scope: "PATIENT", username: "mchft_pa01@pkbtest.com" });
    expect(tokens.scope).toBe("PATIENT");
    const self = await getWith(app, "/json/users/self", tokens.access_token);
    expect(self.json()).toMatchObject({ id: "3054563", patient: true });
  });

  it("denial redirects with error=access_denied and the state", async () => {
    const { app } = await startSandbox();
    const res = await submitConsent(app, { decision: "deny", state: "st" });
    expect(res.statusCode).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(location.searchParams.get("state")).toBe("st");
    expect(location.searchParams.get("code")).toBeNull();
  });

  it("wrong password re-renders the page with 401 and no redirect", async () => {
    const { app } = await startSandbox();
    const res = await submitConsent(app, { password: "nope" });
    expect(res.statusCode).toBe(401);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('role="alert"');
  });

  it("a staff user cannot grant PATIENT scope (USER_TYPE_NOT_PERM)", async () => {
    const { app } = await startSandbox();
    const res = await submitConsent(app, { scope: "PATIENT" });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain("USER_TYPE_NOT_PERM");
  });

  it("bad client_id or unregistered redirect_uri → error page, never a redirect", async () => {
    const { app } = await startSandbox();
    const badClient = await app.inject(
      `/apiAuthorize.action?response_type=code&client_id=nope&redirect_uri=${encodeURIComponent(CLIENT.redirect)}`,
    );
    expect(badClient.statusCode).toBe(400);
    expect(badClient.headers.location).toBeUndefined();
    for (const uri of [
      "http://evil.example/cb",
      "http://localhost:3000/api/pkb/oauth/other",
      `${CLIENT.redirect}#frag`,
    ]) {
      const res = await app.inject(
        `/apiAuthorize.action?response_type=code&client_id=${CLIENT.id}&redirect_uri=${encodeURIComponent(uri)}`,
      );
      expect(res.statusCode, uri).toBe(400);
      expect(res.headers.location).toBeUndefined();
    }
  });

  it("redirect_uri is required when several are registered, optional with one", async () => {
    const { app } = await startSandbox();
    const res = await app.inject(`/apiAuthorize.action?response_type=code&client_id=${CLIENT.id}`);
    expect(res.statusCode).toBe(400);
    const single = await startSandbox({ redirectUris: [CLIENT.redirect] });
    const code = await getCode(single.app, { redirectUri: null });
    const token = await postForm(single.app, "/apiToken.action", {
      grant_type: "authorization_code",
      code,
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
    });
    expect(token.statusCode).toBe(200);
  });

  it("allows extra query parameters on a registered redirect_uri, which must then match exactly at the token endpoint", async () => {
    const { app } = await startSandbox();
    const withExtra = `${CLIENT.redirect}?tenant=a`;
    const res = await submitConsent(app, { redirectUri: withExtra });
    const location = new URL(String(res.headers.location));
    expect(location.searchParams.get("tenant")).toBe("a");
    const code = location.searchParams.get("code") ?? "";
    const wrong = await postForm(app, "/apiToken.action", exchange(code, { redirect_uri: CLIENT.redirect }));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("bad response_type or scope redirect with a standard error", async () => {
    const { app } = await startSandbox();
    const base = `/apiAuthorize.action?client_id=${CLIENT.id}&state=q&redirect_uri=${encodeURIComponent(CLIENT.redirect)}`;
    const rt = await app.inject(`${base}&response_type=token`);
    expect(new URL(String(rt.headers.location)).searchParams.get("error")).toBe("unsupported_response_type");
    const sc = await app.inject(`${base}&response_type=code&scope=ADMIN`);
    expect(new URL(String(sc.headers.location)).searchParams.get("error")).toBe("invalid_scope");
    expect(new URL(String(sc.headers.location)).searchParams.get("state")).toBe("q");
  });

  it("a stale consent form is refused", async () => {
    const { app, clock } = await startSandbox();
    const page = await app.inject(
      `/apiAuthorize.action?response_type=code&client_id=${CLIENT.id}&redirect_uri=${encodeURIComponent(CLIENT.redirect)}`,
    );
    clock.advance(11 * 60);
    const res = await postForm(app, "/apiAuthorize.action", {
      request: consentRequestId(page.body),
      username: "jack.brown",
      password: "sandbox",
      decision: "grant",
    });
    expect(res.statusCode).toBe(400);
  });
});

describe("token endpoint", () => {
  it("a code is single-use: reuse → invalid_grant and the tokens it gave are revoked", async () => {
    const { app } = await startSandbox();
    const code = await getCode(app);
    const first = await postForm(app, "/apiToken.action", exchange(code));
    expect(first.statusCode).toBe(200);
    const second = await postForm(app, "/apiToken.action", exchange(code));
    expect(second.statusCode).toBe(400);
    expect(second.json()).toMatchObject({ error: "invalid_grant" });
    const api = await getWith(app, "/json/users/self", first.json<{ access_token: string }>().access_token);
    expect(api.statusCode).toBe(401);
    expect(pkbCode(api.json())).toBe("API_SESSION_INVALID");
    const state = (await app.inject("/_sandbox/state")).json<{ reuses: unknown }>();
    expect(state.reuses).toEqual({ refreshTokens: 0, authorizationCodes: 1 });
  });

  it("codes are short-lived", async () => {
    const { app, clock } = await startSandbox();
    const code = await getCode(app);
    clock.advance(121);
    const res = await postForm(app, "/apiToken.action", exchange(code));
    expect(res.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("wrong or missing client credentials → 401 invalid_client; both methods at once → 400", async () => {
    const { app } = await startSandbox();
    const code = await getCode(app);
    const wrong = await postForm(app, "/apiToken.action", exchange(code, { client_secret: "nope" }));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: "invalid_client" });
    const missing = await postForm(app, "/apiToken.action", {
      grant_type: "authorization_code",
      code,
      redirect_uri: CLIENT.redirect,
      client_id: CLIENT.id,
    });
    expect(missing.statusCode).toBe(401);
    const both = await postForm(app, "/apiToken.action", exchange(code), {
      authorization: basic(CLIENT.id, CLIENT.secret),
    });
    expect(both.statusCode).toBe(400);
    expect(both.json()).toMatchObject({ error: "invalid_request" });
    const fhirClient = await postForm(
      app,
      "/apiToken.action",
      exchange(code, { client_id: CLIENT.fhirId, client_secret: CLIENT.fhirSecret }),
    );
    expect(fhirClient.statusCode).toBe(401);
  });

  it("rejects non-form bodies, missing and unknown grant types", async () => {
    const { app } = await startSandbox();
    const json = await app.inject({
      method: "POST",
      url: "/apiToken.action",
      payload: { grant_type: "refresh_token" },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({ error: "invalid_request" });
    const auth = { authorization: basic(CLIENT.id, CLIENT.secret) };
    expect((await postForm(app, "/apiToken.action", {}, auth)).json()).toMatchObject({ error: "invalid_request" });
    expect((await postForm(app, "/apiToken.action", { grant_type: "password" }, auth)).json()).toMatchObject({
      error: "unsupported_grant_type",
    });
  });
});
