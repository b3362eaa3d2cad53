// Local accounts over HTTP on a real store (both engines): sign-in, the session cookie's attributes, /me, sign-out,
// wrong and unknown credentials alike, switched-off users, throttling per account and address, idle and absolute
// expiry, CSRF, and changing one's password.
import { Writable } from "node:stream";
import type * as Argon2 from "@node-rs/argon2";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { App } from "../../src/http/server.ts";
import { redactPaths } from "../../src/log.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { sessionCookieFrom } from "../helpers/auth.ts";
import { engines, type TestDb } from "../helpers/db.ts";

const PASSWORD = "correct horse battery";

// The real argon2, with its verifications counted: whether a sign-in did the hashing work is asserted by count, not by
// a timing that a busy machine can upset.
const argon2 = vi.hoisted(() => ({ verified: [] as string[] }));
vi.mock("@node-rs/argon2", async (original) => {
  const real = await original<typeof Argon2>();
  return {
    ...real,
    verify: async (...args: Parameters<typeof real.verify>) => {
      argon2.verified.push(String(args[0]));
      return real.verify(...args);
    },
  };
});

interface SignedIn {
  user: { id: string; email: string; role: string; teamIds: string[] };
  csrfToken: string;
}

describe.each(engines)("local sign-in on $name", (engine) => {
  let t: TestDb;
  let rebook: TestApp;
  let app: App;
  const logLines: string[] = [];

  const login = (email: string, password: string, remoteAddress = "10.0.0.1") =>
    app.inject({ method: "POST", url: "/api/auth/login", payload: { email, password }, remoteAddress });
  /** Signs in and returns the cookie header and CSRF token of the new session. */
  const signIn = async (email: string, password = PASSWORD) => {
    const res = await login(email, password);
    expect(res.statusCode, res.body).toBe(200);
    const token = sessionCookieFrom(res.headers["set-cookie"]);
    const body = res.json<SignedIn>();
    return { cookie: `rebook_session=${token}`, csrf: body.csrfToken, body };
  };
  const me = (cookie: string) => app.inject({ method: "GET", url: "/api/auth/me", headers: { cookie } });

  beforeAll(async () => {
    t = await engine.open();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ level: "info", redact: { paths: redactPaths, censor: "[redacted]" } }, sink);
    rebook = await buildTestApp(t.db, {}, { logger });
    app = rebook.app;
  });
  afterAll(async () => {
    await app?.close();
    await t?.dispose();
  });

  it("signs in, sets a secure-by-default session cookie, answers /me with the CSRF token, and signs out", async () => {
    const team = await t.db.query<{ id: string }>("INSERT INTO teams (name) VALUES ('Eyes') RETURNING id");
    const user = await rebook.createStaff("clerk", {
      email: "Cara.Clerk@nhs.test",
      password: PASSWORD,
      teamIds: [team[0]!.id],
    });
    const res = await login("  cara.clerk@NHS.test ", PASSWORD);
    expect(res.statusCode).toBe(200);
    const body = res.json<SignedIn>();
    expect(body.user).toMatchObject({
      id: user.id,
      email: "Cara.Clerk@nhs.test",
      role: "clerk",
      teamIds: [team[0]!.id],
    });
    expect(body.user).not.toHaveProperty("passwordHash");
    expect(body.csrfToken.length).toBeGreaterThan(20);
    const setCookie = String(res.headers["set-cookie"]);
    expect(setCookie).toMatch(/^rebook_session=[A-Za-z0-9_-]{40,};/);
    expect(setCookie).toContain("Path=/");
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    expect(setCookie).toContain("Expires=");
    expect(setCookie).not.toContain("Secure"); // PUBLIC_URL is http://localhost here
    const token = sessionCookieFrom(res.headers["set-cookie"])!;
    // Only the token's hash is stored.
    const stored = await t.db.query<{ id: string; auth_method: string }>("SELECT id, auth_method FROM sessions");
    expect(stored.some((s) => s.id === token)).toBe(false);
    expect(stored).toEqual([expect.objectContaining({ auth_method: "password" })]);

    const who = await me(`rebook_session=${token}`);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toEqual(body);
    expect((await app.inject({ method: "GET", url: "/api/auth/me" })).statusCode).toBe(401);

    const noCsrf = await app.inject({
      method: "POST",
      url: "/api/auth/logout",
      headers: { cookie: `rebook_session=${token}` },
    });
    expect(noCsrf.statusCode).toBe(403);
    const out = await app.inject({
      method: "POST",
      url: "/api/auth/logout",
      headers: { cookie: `rebook_session=${token}`, "x-csrf-token": body.csrfToken },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers["set-cookie"])).toMatch(/rebook_session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await me(`rebook_session=${token}`)).statusCode).toBe(401);
    const audit = await t.db.query<{ action: string; actor_user_id: string }>(
      "SELECT action, actor_user_id FROM audit_log WHERE actor_user_id = $1 ORDER BY id",
      [user.id],
    );
    expect(audit.map((a) => a.action)).toEqual(["user.signed_in", "user.signed_out"]);
  });

  it("sets the Secure attribute when PUBLIC_URL is https", async () => {
    const secure = await buildTestApp(t.db, { PUBLIC_URL: "https://rebook.trust.nhs.uk" });
    try {
      const u = await secure.createStaff("viewer", { password: PASSWORD });
      const res = await secure.app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { email: u.email, password: PASSWORD },
      });
      expect(res.statusCode).toBe(200);
      expect(String(res.headers["set-cookie"])).toMatch(/; Secure/);
    } finally {
      await secure.app.close();
    }
  });

  it("answers a wrong password and an unknown email alike, after similar work, and logs no password", async () => {
    const u = await rebook.createStaff("clerk", { password: PASSWORD });
    const wrong = await login(u.email, "not the password", "10.0.1.1");
    const unknown = await login("nobody@nhs.test", "not the password", "10.0.1.1");
    const noPassword = await login((await rebook.createStaff("clerk")).email, "anything at all", "10.0.1.1");
    for (const res of [wrong, unknown, noPassword]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        error: { code: "invalid_credentials", message: "Enter a correct email address and password" },
      });
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
    // Each runs argon2 once, against a hash of the same cost: the unknown email is not answered straight away.
    await t.db.query("DELETE FROM login_throttle");
    const costs: string[] = [];
    for (const [email, password] of [
      [u.email, "wrong again"],
      ["nobody.else@nhs.test", "wrong again"],
      [(await rebook.createStaff("clerk")).email, "anything else"],
    ] as const) {
      argon2.verified.length = 0;
      expect((await login(email, password, "10.0.2.1")).statusCode).toBe(401);
      expect(argon2.verified).toHaveLength(1);
      costs.push(argon2.verified[0]!.split("$").slice(1, 4).join("$")); // algorithm, version and m/t/p
    }
    expect(costs[0]).toMatch(/^argon2id\$v=19\$m=\d+,t=\d+,p=\d+$/);
    expect(new Set(costs).size).toBe(1);
    const records = logLines.filter((l) => l.includes("password sign-in"));
    expect(records.length).toBeGreaterThan(3);
    expect(records.some((l) => l.includes('"outcome":"invalid_credentials"') && l.includes(u.id))).toBe(true);
    expect(logLines.join("\n")).not.toContain("not the password");
    expect(logLines.join("\n")).not.toContain(PASSWORD);
    expect(logLines.join("\n")).not.toContain(u.email); // a keyed hash of it instead (see sign-in-throttle.test.ts)
    const counters = await t.db.query<Record<string, unknown>>("SELECT * FROM login_throttle");
    expect(Object.keys(counters[0]!).sort()).toEqual([
      "account",
      "address",
      "blocked_until",
      "failures",
      "last_failure_at",
      "last_success_at",
      "scope",
    ]);
    expect(JSON.stringify(counters)).not.toContain("nobody");
  });

  it("refuses a switched-off user, telling only someone who knows the password", async () => {
    const u = await rebook.createStaff("clerk", { password: PASSWORD });
    const { cookie } = await signIn(u.email);
    await t.db.query("UPDATE users SET active = false WHERE id = $1", [u.id]);
    expect((await me(cookie)).statusCode).toBe(401); // the open session ends too
    const right = await login(u.email, PASSWORD, "10.0.3.1");
    expect(right.statusCode).toBe(403);
    expect(right.json()).toMatchObject({ error: { code: "account_disabled" } });
    const wrong = await login(u.email, "a wrong password", "10.0.3.1");
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: { code: "invalid_credentials" } });
  });

  it("slows an account after 5 failures from one address, without locking it out anywhere else", async () => {
    await t.db.query("DELETE FROM login_throttle");
    const victim = await rebook.createStaff("clerk", { password: PASSWORD });
    const other = await rebook.createStaff("clerk", { password: PASSWORD });
    for (let i = 0; i < 5; i++) expect((await login(victim.email, `guess ${i}`, "10.0.4.1")).statusCode).toBe(401);
    const blocked = await login(victim.email, PASSWORD, "10.0.4.1"); // even the right password waits, from there
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toEqual({
      error: { code: "too_many_attempts", message: "Too many failed sign-in attempts. Try again in 1 second." },
    });
    expect(blocked.headers["retry-after"]).toBe("1");
    // Refused attempts are not counted (they would extend the wait for ever).
    const [pair] = await t.db.query<{ failures: number }>(
      "SELECT failures FROM login_throttle WHERE scope = 'account_address' AND address = '10.0.4.1' AND failures > 0",
    );
    expect(pair?.failures).toBe(5);
    // From elsewhere the account is not locked (five wrong guesses are no denial of service).
    expect((await login(victim.email, PASSWORD, "10.0.4.2")).statusCode).toBe(200);
    // Someone else from the same address signs in.
    expect((await login(other.email, PASSWORD, "10.0.4.1")).statusCode).toBe(200);
    // An unknown email is slowed the same way (no hint that it does not exist).
    for (let i = 0; i < 5; i++) await login("ghost@nhs.test", `guess ${i}`, "10.0.4.3");
    expect((await login("ghost@nhs.test", "x", "10.0.4.3")).statusCode).toBe(429);
    // Once the wait is over, one more try is allowed; a success then starts the count again.
    await t.db.query("UPDATE login_throttle SET blocked_until = now() WHERE blocked_until > now()");
    expect((await login(victim.email, PASSWORD, "10.0.4.1")).statusCode).toBe(200);
    expect((await login(victim.email, "one wrong", "10.0.4.1")).statusCode).toBe(401);
    expect((await login(victim.email, PASSWORD, "10.0.4.1")).statusCode).toBe(200);
  });

  it("slows a spray of 30 failures from one address at new accounts, not those who signed in from it before", async () => {
    await t.db.query("DELETE FROM login_throttle");
    const u = await rebook.createStaff("viewer", { password: PASSWORD });
    expect((await login(u.email, PASSWORD, "10.0.5.1")).statusCode).toBe(200);
    // 29 failures at other accounts from the address (counted directly: 29 argon2 runs add nothing).
    await t.db.query(
      `INSERT INTO login_throttle (scope, address, failures, last_failure_at) VALUES ('address', '10.0.5.1', 29, now())
       ON CONFLICT (scope, account, address) DO UPDATE SET failures = 29, last_failure_at = now()`,
    );
    expect((await login("guess30@nhs.test", "x", "10.0.5.1")).statusCode).toBe(401); // the 30th
    const blocked = await login("guess31@nhs.test", "x", "10.0.5.1");
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    expect((await login(u.email, PASSWORD, "10.0.5.1")).statusCode).toBe(200); // they signed in from here before
    expect((await login("guess31@nhs.test", "x", "10.0.5.2")).statusCode).toBe(401); // another address is fine
  });

  it("behind a trusted proxy, throttles and audits the client's address from X-Forwarded-For, never a forged one", async () => {
    const proxied = await buildTestApp(t.db, { TRUST_PROXY: "10.9.0.0/16" });
    try {
      const u = await proxied.createStaff("viewer", { password: PASSWORD });
      const via = (remoteAddress: string, forwarded: string) =>
        proxied.app.inject({
          method: "POST",
          url: "/api/auth/login",
          payload: { email: u.email, password: PASSWORD },
          remoteAddress,
          headers: { "x-forwarded-for": forwarded },
        });
      expect((await via("10.9.0.5", "198.51.100.7")).statusCode).toBe(200); // through the load balancer
      expect((await via("203.0.113.9", "198.51.100.99")).statusCode).toBe(200); // straight in, header forged
      const ips = await t.db.query<{ address: string }>(
        "SELECT address FROM login_throttle WHERE scope = 'account_address' AND last_success_at IS NOT NULL",
      );
      expect(ips.map((r) => r.address)).toEqual(expect.arrayContaining(["198.51.100.7", "203.0.113.9"]));
      expect(ips.map((r) => r.address)).not.toContain("198.51.100.99");
      const audit = await t.db.query<{ ip: string }>(
        "SELECT ip FROM audit_log WHERE action = 'user.signed_in' AND actor_user_id = $1",
        [u.id],
      );
      expect(audit.map((r) => r.ip).sort()).toEqual(["198.51.100.7", "203.0.113.9"]);
    } finally {
      await proxied.app.close();
    }
  });

  it("ends a session after the idle time, and after the absolute time however active", async () => {
    const u = await rebook.createStaff("clerk", { password: PASSWORD });
    const idle = await signIn(u.email);
    const hash = async (): Promise<string[]> =>
      (await t.db.query<{ id: string }>("SELECT id FROM sessions WHERE user_id = $1 ORDER BY created_at", [u.id])).map(
        (r) => r.id,
      );
    const [idleId] = await hash();
    // 29 minutes without use: still signed in, and the use counts as activity.
    await t.db.query("UPDATE sessions SET last_seen_at = now() - interval '29 minutes' WHERE id = $1", [idleId]);
    expect((await me(idle.cookie)).statusCode).toBe(200);
    const [seen] = await t.db.query<{ ago: number }>(
      "SELECT extract(epoch FROM now() - last_seen_at)::int AS ago FROM sessions WHERE id = $1",
      [idleId],
    );
    expect(seen!.ago).toBeLessThan(60);
    // 31 minutes without use (SESSION_IDLE_MINUTES=30): over, and the row is gone.
    await t.db.query("UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE id = $1", [idleId]);
    expect((await me(idle.cookie)).statusCode).toBe(401);
    expect(await hash()).toEqual([]);

    const busy = await signIn(u.email);
    const [busyId] = await hash();
    const [row] = await t.db.query<{ hours: number }>(
      "SELECT round(extract(epoch FROM expires_at - created_at) / 3600)::int AS hours FROM sessions WHERE id = $1",
      [busyId],
    );
    expect(row!.hours).toBe(12); // SESSION_ABSOLUTE_HOURS
    await t.db.query(
      "UPDATE sessions SET created_at = now() - interval '12 hours', expires_at = now() - interval '1 second', last_seen_at = now() WHERE id = $1",
      [busyId],
    );
    expect((await me(busy.cookie)).statusCode).toBe(401);
  });

  it("refuses a state-changing request without the session's CSRF token (403 csrf_failed)", async () => {
    const u = await rebook.createStaff("admin", { password: PASSWORD });
    const { cookie, csrf } = await signIn(u.email);
    const post = (headers: Record<string, string>) =>
      app.inject({
        method: "POST",
        url: "/api/teams",
        headers: { cookie, ...headers },
        payload: { name: `T ${csrf.slice(0, 6)}` },
      });
    const attempts: Record<string, string>[] = [
      {},
      { "x-csrf-token": "wrong" },
      { "x-csrf-token": `${csrf.slice(0, -1)}${csrf.endsWith("x") ? "y" : "x"}` },
    ];
    for (const headers of attempts) {
      const res = await post(headers);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: { code: "csrf_failed", message: "This form has expired. Reload the page and try again." },
      });
    }
    // A form post cannot slip through either without the token in the form.
    const form = await app.inject({
      method: "POST",
      url: "/api/teams",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: "name=Formed",
    });
    expect([403, 415]).toContain(form.statusCode); // the API takes no form bodies at all; were it to, _csrf is needed
    // Another session's token is no good.
    const other = await signIn(u.email);
    expect((await post({ "x-csrf-token": other.csrf })).statusCode).toBe(403);
    expect((await post({ "x-csrf-token": csrf })).statusCode).toBe(201);
    // Reads need no token.
    expect((await app.inject({ method: "GET", url: "/api/teams", headers: { cookie } })).statusCode).toBe(200);
    // Sign-in takes JSON only (a cross-site HTML form cannot sign a browser in).
    const formLogin = await app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `email=${encodeURIComponent(u.email)}&password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(formLogin.statusCode).toBe(415);
  });

  it("changes one's own password, ending the other sessions but not this one", async () => {
    await t.db.query("DELETE FROM login_throttle");
    const u = await rebook.createStaff("team_lead", { password: PASSWORD });
    const here = await signIn(u.email);
    const elsewhere = await signIn(u.email);
    const change = (body: object) =>
      app.inject({
        method: "POST",
        url: "/api/auth/password",
        headers: { cookie: here.cookie, "x-csrf-token": here.csrf },
        payload: body,
      });
    const wrong = await change({ current: "not my password", new: "a brand new passphrase" });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: { code: "wrong_password" } });
    const short = await change({ current: PASSWORD, new: "short" });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ error: { code: "weak_password" } });
    expect((await change({ current: PASSWORD, new: "a brand new passphrase" })).statusCode).toBe(204);
    expect((await me(here.cookie)).statusCode).toBe(200);
    expect((await me(elsewhere.cookie)).statusCode).toBe(401);
    expect((await login(u.email, PASSWORD, "10.0.6.1")).statusCode).toBe(401);
    expect((await login(u.email, "a brand new passphrase", "10.0.6.1")).statusCode).toBe(200);
    const stored = await t.db.query<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = $1", [u.id]);
    expect(stored[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$/);
    expect((await app.inject({ method: "POST", url: "/api/auth/password", payload: {} })).statusCode).toBe(401);
  });

  it("lists the sign-in options", async () => {
    const res = await app.inject({ method: "GET", url: "/api/auth/providers" });
    expect(res.json()).toEqual({ local: true, oidc: null });
    expect((await app.inject({ method: "GET", url: "/api/auth/oidc/start" })).statusCode).toBe(404);
  });
});
