// Single sign-on end to end against a real OpenID Connect provider (oidc-provider, started here on a random port with
// Rebook registered as a client), driven over HTTP like a browser: Rebook's start → the provider's sign-in and consent
// pages → Rebook's callback. Pre-provisioned users get in (by verified email, then by subject); unknown, unverified
// and switched-off ones are refused; auto-provisioning works only when configured.
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Account } from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { sessionCookieFrom } from "../helpers/auth.ts";
import { engines, type TestDb } from "../helpers/db.ts";

const PUBLIC_URL = "http://localhost:3000";
const CALLBACK = `${PUBLIC_URL}/api/auth/oidc/callback`;

/** The provider's people: account id → claims. */
const people: Record<string, Record<string, unknown>> = {
  "cis2-clerk": { email: "Clara.Clerk@trust.nhs.uk", email_verified: true, name: "Clara Clerk" },
  "cis2-stranger": { email: "stranger@elsewhere.nhs.uk", email_verified: true, name: "A Stranger" },
  "cis2-unverified": { email: "victim@trust.nhs.uk", email_verified: false, name: "Not Verified" },
  "cis2-off": { email: "off@trust.nhs.uk", email_verified: true, name: "Switched Off" },
  "cis2-new": { email: "new.starter@trust.nhs.uk", email_verified: true, given_name: "New", family_name: "Starter" },
};

/** A provider on a random port with one confidential client: Rebook. */
async function startProvider(): Promise<{ issuer: string; stop(): Promise<void> }> {
  let handler: http.RequestListener = (_req, res) => res.end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "rebook",
        client_secret: "rebook-oidc-secret",
        redirect_uris: [CALLBACK],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "given_name", "family_name"] },
    findAccount: (_ctx: unknown, sub: string): Account | undefined =>
      people[sub] ? { accountId: sub, claims: () => ({ sub, ...people[sub] }) } : undefined,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["oidc-test-cookie-key"] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  handler = provider.callback();
  return { issuer, stop: () => new Promise((r) => server.close(() => r())) };
}

/** A browser's cookies for the provider (by name; enough for its few cookies). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value) this.cookies.set(name, value);
      else this.cookies.delete(name);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** The form on a provider page: its action and fields. */
function form(html: string, base: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form in: ${html.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    fields[m[1]!] = m[2]!;
  }
  return { action: new URL(action.replace(/&amp;/g, "&"), base).href, fields };
}

/**
 * Signs in at the provider as `account` from Rebook's authorize redirect, following redirects and answering the
 * login and consent pages; returns Rebook's callback URL (path and query) the provider sends the browser back to.
 */
async function signInAtProvider(authorizeUrl: string, account: string): Promise<string> {
  const jar = new CookieJar();
  let url = authorizeUrl;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(PUBLIC_URL)) return url.slice(PUBLIC_URL.length);
    const res = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.take(res);
    init = {};
    const location = res.headers.get("location");
    if (location) {
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`provider answered ${res.status}: ${html.slice(0, 500)}`);
    const f = form(html, url);
    const body = new URLSearchParams(f.fields);
    if (f.fields.prompt === "login") {
      body.set("login", account);
      body.set("password", "anything");
    }
    url = f.action;
    init = {
      method: "POST",
      body: body.toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    };
  }
  throw new Error("too many steps at the provider");
}

describe("single sign-on with OpenID Connect", () => {
  let idp: { issuer: string; stop(): Promise<void> };
  let t: TestDb;
  let rebook: TestApp;
  let env: Record<string, string>;

  /** The whole browser round trip for `account`; returns Rebook's final redirect and the session cookie, if any. */
  const signIn = async (app: TestApp["app"], account: string, returnTo?: string) => {
    const started = await app.inject({
      method: "GET",
      url: `/api/auth/oidc/start${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ""}`,
    });
    expect(started.statusCode, started.body).toBe(302);
    const browser = /rebook_oidc=([^;]+)/.exec(String(started.headers["set-cookie"]))?.[1];
    expect(browser).toBeTruthy();
    const callback = await signInAtProvider(String(started.headers.location), account);
    const done = await app.inject({ method: "GET", url: callback, headers: { cookie: `rebook_oidc=${browser}` } });
    expect(done.statusCode, done.body).toBe(302);
    return {
      location: String(done.headers.location),
      session: sessionCookieFrom(done.headers["set-cookie"]),
      callback,
      browser: browser!,
    };
  };
  const me = (app: TestApp["app"], token: string | null) =>
    app.inject({ method: "GET", url: "/api/auth/me", headers: { cookie: `rebook_session=${token}` } });

  beforeAll(async () => {
    idp = await startProvider();
    t = await engines[0].open();
    env = {
      PUBLIC_URL,
      OIDC_ISSUER_URL: idp.issuer,
      OIDC_CLIENT_ID: "rebook",
      OIDC_CLIENT_SECRET: "rebook-oidc-secret",
      OIDC_DISPLAY_NAME: "NHS Care Identity",
    };
    rebook = await buildTestApp(t.db, env);
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
    await idp?.stop();
  });

  it("offers single sign-on on the sign-in page", async () => {
    const res = await rebook.app.inject({ method: "GET", url: "/api/auth/providers" });
    expect(res.json()).toEqual({ local: true, oidc: { displayName: "NHS Care Identity" } });
  });

  it("signs in a pre-provisioned user by verified email, then by the provider's subject", async () => {
    const clerk = await rebook.createStaff("clerk", { email: "clara.clerk@trust.nhs.uk", displayName: "Clara" });
    const first = await signIn(rebook.app, "cis2-clerk", "/requests/123?tab=history");
    expect(first.location).toBe("/requests/123?tab=history");
    expect(first.session).toBeTruthy();
    const who = await me(rebook.app, first.session);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ user: { id: clerk.id, role: "clerk" } });
    const [row] = await t.db.query<{ oidc_issuer: string; oidc_subject: string }>(
      "SELECT oidc_issuer, oidc_subject FROM users WHERE id = $1",
      [clerk.id],
    );
    expect(row).toEqual({ oidc_issuer: idp.issuer, oidc_subject: "cis2-clerk" });
    const [session] = await t.db.query<{ auth_method: string }>("SELECT auth_method FROM sessions WHERE user_id = $1", [
      clerk.id,
    ]);
    expect(session?.auth_method).toBe("oidc");

    // The provider's email changes; the subject still finds the user. An unsafe returnTo goes to "/".
    people["cis2-clerk"]!.email = "clara.renamed@trust.nhs.uk";
    const again = await signIn(rebook.app, "cis2-clerk", "https://evil.example/");
    expect(again.location).toBe("/");
    expect((await me(rebook.app, again.session)).json()).toMatchObject({ user: { id: clerk.id } });

    // The callback cannot be replayed, nor completed in a browser that did not start it.
    const replay = await rebook.app.inject({
      method: "GET",
      url: again.callback,
      headers: { cookie: `rebook_oidc=${again.browser}` },
    });
    expect(replay.headers.location).toBe("/sign-in?error=sso_failed");
    expect(sessionCookieFrom(replay.headers["set-cookie"])).toBeNull();
    const started = await rebook.app.inject({ method: "GET", url: "/api/auth/oidc/start" });
    const callback = await signInAtProvider(String(started.headers.location), "cis2-clerk");
    const otherBrowser = await rebook.app.inject({
      method: "GET",
      url: callback,
      headers: { cookie: "rebook_oidc=someone-elses" },
    });
    expect(otherBrowser.headers.location).toBe("/sign-in?error=sso_failed");
    expect(sessionCookieFrom(otherBrowser.headers["set-cookie"])).toBeNull();
  });

  it("refuses unknown people, unverified emails and switched-off users, creating nobody", async () => {
    const before = await t.db.query("SELECT id FROM users");
    const stranger = await signIn(rebook.app, "cis2-stranger");
    expect(stranger.location).toBe("/sign-in?error=sso_unknown_user");
    expect(stranger.session).toBeNull();

    const victim = await rebook.createStaff("admin", { email: "victim@trust.nhs.uk" });
    const unverified = await signIn(rebook.app, "cis2-unverified");
    expect(unverified.location).toBe("/sign-in?error=sso_unknown_user");
    const [v] = await t.db.query<{ oidc_subject: string | null }>("SELECT oidc_subject FROM users WHERE id = $1", [
      victim.id,
    ]);
    expect(v?.oidc_subject).toBeNull();

    const off = await rebook.createStaff("clerk", { email: "off@trust.nhs.uk" });
    await t.db.query("UPDATE users SET active = false WHERE id = $1", [off.id]);
    const refused = await signIn(rebook.app, "cis2-off");
    expect(refused.location).toBe("/sign-in?error=sso_inactive");
    expect(refused.session).toBeNull();
    expect(await t.db.query("SELECT id FROM users")).toHaveLength(before.length + 2);
  });

  it("auto-provisions a new person with the configured role, only when configured", async () => {
    expect((await signIn(rebook.app, "cis2-new")).location).toBe("/sign-in?error=sso_unknown_user");
    const provisioning = await buildTestApp(t.db, { ...env, OIDC_AUTO_PROVISION_ROLE: "viewer" });
    try {
      const res = await signIn(provisioning.app, "cis2-new");
      expect(res.location).toBe("/");
      const who = await me(provisioning.app, res.session);
      expect(who.json()).toMatchObject({
        user: { email: "new.starter@trust.nhs.uk", displayName: "New Starter", role: "viewer", teamIds: [] },
      });
      // The same person next time is the same user.
      const again = await signIn(provisioning.app, "cis2-new");
      expect((await me(provisioning.app, again.session)).json()).toMatchObject({
        user: { id: who.json<{ user: { id: string } }>().user.id },
      });
      expect(await t.db.query("SELECT 1 FROM users WHERE email = 'new.starter@trust.nhs.uk'")).toHaveLength(1);
    } finally {
      await provisioning.app.close();
    }
  });

  it("says so when the provider cannot be reached, and is off when not configured", async () => {
    const down = await buildTestApp(t.db, { ...env, OIDC_ISSUER_URL: "http://127.0.0.1:9" });
    try {
      const res = await down.app.inject({ method: "GET", url: "/api/auth/oidc/start" });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe("/sign-in?error=sso_failed");
    } finally {
      await down.app.close();
    }
    expect(() => loadConfig({ OIDC_ISSUER_URL: "http://login.example.nhs.uk", OIDC_CLIENT_ID: "x" })).toThrow(
      /OIDC_ISSUER_URL: must be https/,
    );
    expect(() => loadConfig({ OIDC_ISSUER_URL: "https://login.example.nhs.uk" })).toThrow(/OIDC_CLIENT_ID/);
  });
});
