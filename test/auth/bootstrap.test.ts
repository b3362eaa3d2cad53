// The first accounts at start-up: demo accounts only against the sandbox emulator outside production and only while
// there are no users; the configured initial admin only while there are no users; and start() wires it in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapAccounts, DEMO_ACCOUNTS, DEMO_PASSWORD } from "../../src/auth/bootstrap.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { start } from "../../src/main.ts";
import { buildTestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { startEmulator } from "../helpers/emulator.ts";

const logger = createLogger("silent");
const realPkb = {
  PKB_BASE_URL: "https://sandbox.patientsknowbest.com",
  PKB_FHIR_BASE_URL: "https://aggregated-fhir.sandbox.patientsknowbest.com/fhir",
  PKB_FHIR_TOKEN_URL: "https://iam.sandbox.patientsknowbest.com/auth/realms/pkb/protocol/openid-connect/token",
};

describe.each(engines)("start-up accounts on $name", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await engine.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });
  const users = () => t.db.query<{ email: string; role: string }>("SELECT email, role FROM users ORDER BY email");

  it("creates no demo accounts with a real PKB, in production, or in any mode without the sandbox", async () => {
    const key = Buffer.alloc(32, 1).toString("base64");
    for (const env of [
      { ...realPkb },
      { ...realPkb, NODE_ENV: "test" },
      { ...realPkb, NODE_ENV: "production", TOKEN_ENCRYPTION_KEY: key },
    ]) {
      expect(await bootstrapAccounts(t.db, loadConfig(env), logger)).toBe("none");
    }
    expect(await users()).toEqual([]);
  });

  it("creates the demo accounts and teams against the sandbox in development, once, and they can sign in", async () => {
    const config = loadConfig({});
    expect(config.pkb.useSandbox).toBe(true);
    expect(await bootstrapAccounts(t.db, config, logger)).toBe("demo_accounts");
    expect(await bootstrapAccounts(t.db, config, logger)).toBe("none");
    expect((await users()).map((u) => [u.email, u.role])).toEqual(
      [...DEMO_ACCOUNTS].map((a) => [a.email, a.role]).sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    const teams = await t.db.query<{ name: string; is_default: boolean; members: string[] }>(
      `SELECT t.name, t.is_default, array_agg(u.email ORDER BY u.email) AS members
       FROM teams t JOIN team_members m ON m.team_id = t.id JOIN users u ON u.id = m.user_id GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(teams).toEqual([
      {
        name: "Appointments",
        is_default: true,
        members: ["clerk@rebook.test", "lead@rebook.test", "viewer@rebook.test"],
      },
      { name: "Cancellations", is_default: false, members: ["cancellations.clerk@rebook.test"] },
    ]);
    const rules = await t.db.query<{ conditions: unknown }>("SELECT conditions FROM routing_rules");
    expect(rules).toEqual([{ conditions: { types: ["cancel"] } }]);

    const rebook = await buildTestApp(t.db);
    try {
      for (const a of DEMO_ACCOUNTS) {
        const res = await rebook.app.inject({
          method: "POST",
          url: "/api/auth/login",
          payload: { email: a.email, password: DEMO_PASSWORD },
        });
        expect(res.statusCode, a.email).toBe(200);
        expect(res.json()).toMatchObject({ user: { role: a.role } });
      }
    } finally {
      await rebook.app.close();
    }
  });

  it("creates the initial admin only while there are no users", async () => {
    const env = { INITIAL_ADMIN_EMAIL: "first@trust.nhs.uk", INITIAL_ADMIN_PASSWORD: "the first passphrase" };
    expect(await bootstrapAccounts(t.db, loadConfig(env), logger)).toBe("none"); // the demo users exist
    await t.db.query("DELETE FROM users");
    expect(await bootstrapAccounts(t.db, loadConfig(env), logger)).toBe("initial_admin"); // and no demo accounts
    expect(await users()).toEqual([{ email: "first@trust.nhs.uk", role: "admin" }]);
    await t.db.query("UPDATE users SET display_name = 'Kept'");
    expect(await bootstrapAccounts(t.db, loadConfig(env), logger)).toBe("none");
    expect(await t.db.query("SELECT display_name FROM users")).toEqual([{ display_name: "Kept" }]);
  });
});

describe("start-up settings", () => {
  it("needs both INITIAL_ADMIN_EMAIL and INITIAL_ADMIN_PASSWORD, and a long enough password", () => {
    expect(() => loadConfig({ INITIAL_ADMIN_EMAIL: "a@trust.nhs.uk" })).toThrow(/set both, or neither/);
    expect(() => loadConfig({ INITIAL_ADMIN_EMAIL: "a@trust.nhs.uk", INITIAL_ADMIN_PASSWORD: "short" })).toThrow(
      /INITIAL_ADMIN_PASSWORD: must be at least 12 characters/,
    );
  });

  it("start() creates the initial admin against a real PKB (no demo accounts), who signs in over HTTP", async () => {
    const emu = await startEmulator();
    const t = await engines[1].open();
    const config = loadConfig({
      ...emu.env,
      DATABASE_URL: t.url!,
      PORT: "0",
      LOG_LEVEL: "silent",
      SYNC_INTERVAL_SECONDS: "0",
      INITIAL_ADMIN_EMAIL: "first@trust.nhs.uk",
      INITIAL_ADMIN_PASSWORD: "the first passphrase",
    });
    const running = await start(config, logger);
    try {
      const res = await fetch(`${running.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "first@trust.nhs.uk", password: "the first passphrase" }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("set-cookie")).toContain("rebook_session=");
      const emails = await t.db.query<{ email: string }>("SELECT email FROM users");
      expect(emails).toEqual([{ email: "first@trust.nhs.uk" }]);
    } finally {
      await running.stop();
      await t.dispose();
      await emu.stop();
    }
  });
});
