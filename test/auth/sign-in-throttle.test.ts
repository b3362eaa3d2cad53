// Sign-in throttling that slows an attacker without handing them a denial of service, on the real PostgreSQL with
// several instances (each its own pool) answering at once: every attempt is counted and checked in one statement, so
// concurrency cannot beat the limit; the limits are per account and address, with delays that double beyond them;
// people who have signed in from an address before are not slowed by guessing from elsewhere or by a spray from their
// own proxy's address; an admin can lift the delay (audited); and what was typed as the email is never logged.
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { redactPaths } from "../../src/log.ts";
import { openPostgres, type Db } from "../../src/store/db.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

const PASSWORD = "correct horse battery";

describe("sign-in throttling on postgres", () => {
  let t: TestDb;
  const pools: Db[] = [];
  const instances: TestApp[] = [];
  let rebook: TestApp;
  const logLines: string[] = [];

  const login = (email: string, password: string, remoteAddress = "10.0.0.1", app = rebook) =>
    app.app.inject({ method: "POST", url: "/api/auth/login", payload: { email, password }, remoteAddress });

  beforeAll(async () => {
    t = await engines[1].open();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ level: "info", redact: { paths: redactPaths, censor: "[redacted]" } }, sink);
    // A first delay long enough that a slow machine cannot outlast it during the concurrent burst.
    const env = { LOGIN_FIRST_DELAY_SECONDS: "30" };
    rebook = await buildTestApp(t.db, env, { logger });
    instances.push(rebook);
    // Two more instances of Rebook on the same database, each with its own pool of connections.
    for (let i = 0; i < 2; i++) {
      const pool = await openPostgres(t.url!, { max: 5 });
      pools.push(pool);
      instances.push(await buildTestApp(pool, env));
    }
  });
  afterAll(async () => {
    for (const i of instances) await i.app.close();
    for (const p of pools) await p.close();
    await t?.dispose();
  });
  beforeEach(async () => {
    await t.db.query("DELETE FROM audit_log");
  });

  it("checks at most 5 of 60 simultaneous wrong passwords for one account, across three instances", async () => {
    const victim = await rebook.createStaff("clerk", { password: PASSWORD });
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => login(victim.email, `guess ${i}`, "10.1.0.1", instances[i % 3])),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(55);
    for (const a of answers.filter((x) => x.statusCode === 429)) {
      expect(Number(a.headers["retry-after"])).toBeGreaterThan(25);
      expect(a.json()).toMatchObject({ error: { code: "too_many_attempts" } });
    }
  });

  it("doubles the delay with each failure beyond the limit, and refused attempts do not count", async () => {
    const u = await rebook.createStaff("clerk", { password: PASSWORD });
    for (let i = 0; i < 5; i++) expect((await login(u.email, `guess ${i}`, "10.2.0.1")).statusCode).toBe(401);
    const waits: number[] = [];
    for (let round = 0; round < 4; round++) {
      const refused = await login(u.email, PASSWORD, "10.2.0.1"); // even the right password waits
      expect(refused.statusCode).toBe(429);
      waits.push(Number(refused.headers["retry-after"]));
      expect((await login(u.email, "again", "10.2.0.1")).statusCode).toBe(429); // not counted
      // The wait is over (as if that long had passed): one more try, which fails and doubles the wait.
      await t.db.query("UPDATE login_throttle SET blocked_until = now() WHERE blocked_until > now()");
      expect((await login(u.email, `late guess ${round}`, "10.2.0.1")).statusCode).toBe(401);
    }
    expect(waits).toEqual([30, 60, 120, 240]);
    // Another address is not slowed by this one's failures (five free there too).
    expect((await login(u.email, PASSWORD, "10.2.0.2")).statusCode).toBe(200);
  });

  it("does not slow the real user, from where they signed in before, when someone guesses from everywhere else", async () => {
    const u = await rebook.createStaff("clerk", { password: PASSWORD });
    expect((await login(u.email, PASSWORD, "10.3.0.1")).statusCode).toBe(200); // their usual address
    // 20 addresses, each within its own limit, together past the account's limit across addresses (20).
    for (let i = 0; i < 20; i++) expect((await login(u.email, `guess ${i}`, `10.3.1.${i}`)).statusCode).toBe(401);
    expect((await login(u.email, "next guess", "10.3.2.1")).statusCode).toBe(429); // a new address is slowed
    expect((await login(u.email, PASSWORD, "10.3.0.1")).statusCode).toBe(200); // the user is not
  });

  it("does not lock out everyone behind one proxy address when someone there sprays guesses at many accounts", async () => {
    const known = await rebook.createStaff("clerk", { password: PASSWORD });
    expect((await login(known.email, PASSWORD, "10.4.0.1")).statusCode).toBe(200);
    for (let i = 0; i < 30; i++) expect((await login(`nobody${i}@nhs.test`, "x", "10.4.0.1")).statusCode).toBe(401);
    expect((await login("nobody.else@nhs.test", "x", "10.4.0.1")).statusCode).toBe(429); // the spray is slowed
    expect((await login(known.email, PASSWORD, "10.4.0.1")).statusCode).toBe(200); // their colleague is not
    // A user new to that address is slowed with it, but never for longer than the longest delay.
    const fresh = await rebook.createStaff("clerk", { password: PASSWORD });
    const slowed = await login(fresh.email, PASSWORD, "10.4.0.1");
    expect(slowed.statusCode).toBe(429);
    expect(Number(slowed.headers["retry-after"])).toBeLessThanOrEqual(15 * 60);
  });

  it("lets an admin lift an account's delay, with an audit entry; nobody else may", async () => {
    const u = await rebook.createStaff("clerk", { password: PASSWORD });
    for (let i = 0; i < 5; i++) await login(u.email, `guess ${i}`, "10.5.0.1");
    expect((await login(u.email, PASSWORD, "10.5.0.1")).statusCode).toBe(429);
    const admin = await rebook.signIn("admin");
    const lead = await rebook.signIn("team_lead");
    const delays = await rebook.app.inject({ method: "GET", url: "/api/users/sign-in-delays", headers: admin });
    expect(delays.statusCode).toBe(200);
    expect(delays.json()).toContainEqual(expect.objectContaining({ userId: u.id, failures: 5 }));
    const unlock = (headers: Record<string, string>) =>
      rebook.app.inject({ method: "POST", url: `/api/users/${u.id}/sign-in/unlock`, headers });
    expect((await unlock(lead)).statusCode).toBe(403);
    const done = await unlock(admin);
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({ unlocked: true });
    expect((await login(u.email, PASSWORD, "10.5.0.1")).statusCode).toBe(200);
    const audit = await t.db.query<{ action: string; details: { userId: string } }>(
      "SELECT action, details FROM audit_log WHERE action = 'user.sign_in_unlocked'",
    );
    expect(audit).toEqual([{ action: "user.sign_in_unlocked", details: expect.objectContaining({ userId: u.id }) }]);
  });

  it("never logs what was typed as the email: a keyed hash that is the same for the same email", async () => {
    logLines.length = 0;
    const typed = "Tr0ub4dor&3-typed-in-the-wrong-field";
    await login(typed, "x", "10.6.0.1");
    await login(` ${typed.toUpperCase()} `, "y", "10.6.0.1");
    const u = await rebook.createStaff("clerk", { password: PASSWORD });
    await login(u.email, "wrong", "10.6.0.2");
    await login(u.email, PASSWORD, "10.6.0.2");
    const all = logLines.join("\n");
    expect(all).not.toContain(typed);
    expect(all.toLowerCase()).not.toContain(typed.toLowerCase());
    expect(all).not.toContain(u.email);
    const records = logLines
      .filter((l) => l.includes("password sign-in"))
      .map((l) => JSON.parse(l) as { account: string; outcome: string; userId?: string });
    expect(records).toHaveLength(4);
    expect(records[0]!.account).toMatch(/^[0-9a-f]{16}$/);
    expect(records[1]!.account).toBe(records[0]!.account); // the same account, however it was typed
    expect(records[2]!.account).not.toBe(records[0]!.account);
    expect(records[2]).toMatchObject({ outcome: "invalid_credentials", userId: u.id });
    expect(records[3]).toMatchObject({ outcome: "ok", userId: u.id });
    // Nor is it kept in the store: the throttle holds the keyed hash.
    const stored = await t.db.query<Record<string, unknown>>("SELECT * FROM login_throttle");
    expect(JSON.stringify(stored).toLowerCase()).not.toContain(typed.toLowerCase());
  });
});
