import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, oauthRedirectUri, sandboxChildEnv, settings } from "../src/config.ts";

const run = promisify(execFile);

describe("loadConfig", () => {
  it("runs on the embedded defaults with no environment at all", () => {
    const c = loadConfig({});
    expect(c.env).toBe("development");
    expect(c.port).toBe(3000);
    expect(c.database.kind).toBe("pglite");
    expect(c.pkb.useSandbox).toBe(true);
    expect(c.pkb.baseUrl).toBe("http://127.0.0.1:4010");
    expect(c.pkb.fhirBaseUrl).toBe("http://127.0.0.1:4010/aggregated/fhir");
    expect(c.tokenEncryptionKey).toBeNull();
    expect(oauthRedirectUri(c)).toBe("http://localhost:3000/api/pkb/oauth/callback");
  });

  it("uses a real PostgreSQL and a real PKB when told to", () => {
    const c = loadConfig({
      DATABASE_URL: "postgres://rebook@db.example:5432/rebook",
      PKB_BASE_URL: "https://sandbox.patientsknowbest.com/",
      PKB_FHIR_BASE_URL: "https://aggregated-fhir.sandbox.patientsknowbest.com/fhir",
      PKB_FHIR_TOKEN_URL: "https://iam.sandbox.patientsknowbest.com/auth/realms/pkb/protocol/openid-connect/token",
      PUBLIC_URL: "https://rebook.trust.nhs.uk/",
      PKB_CLIENT_AUTH: "post",
    });
    expect(c.database).toEqual({ kind: "postgres", url: "postgres://rebook@db.example:5432/rebook" });
    expect(c.pkb.useSandbox).toBe(false);
    expect(c.pkb.baseUrl).toBe("https://sandbox.patientsknowbest.com");
    expect(c.pkb.clientAuth).toBe("post");
    expect(oauthRedirectUri(c)).toBe("https://rebook.trust.nhs.uk/api/pkb/oauth/callback");
  });

  it("reports every problem at once", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "eighty", LOG_LEVEL: "loud", DATABASE_URL: "mysql://x", TOKEN_ENCRYPTION_KEY: "short" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(":")[0])).toEqual(["PORT", "LOG_LEVEL", "DATABASE_URL", "TOKEN_ENCRYPTION_KEY"]);
  });

  it("requires an encryption key and a real PKB in production", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/TOKEN_ENCRYPTION_KEY: required[\s\S]*PKB_BASE_URL/);
    const key = Buffer.alloc(32, 7).toString("base64");
    expect(() => loadConfig({ NODE_ENV: "production", TOKEN_ENCRYPTION_KEY: key })).toThrow(/PKB_BASE_URL/);
  });

  it("starts the emulator without Rebook's heap settings, keeping the operator's other Node options", () => {
    const c = loadConfig({});
    const child = sandboxChildEnv(c, {
      PATH: "/usr/bin",
      NODE_OPTIONS:
        "--max-old-space-size=192 --max-semi-space-size=32 --enable-source-maps --max-old-space-size=512 --max_semi_space_size=8",
    });
    expect(child.NODE_OPTIONS).toBe("--enable-source-maps");
    expect(child.PATH).toBe("/usr/bin");
    expect(sandboxChildEnv(c, { NODE_OPTIONS: "--max-old-space-size=192" }).NODE_OPTIONS).toBeUndefined();
  });

  it("trusts no proxy by default, or the proxies named by address, range or hop count", () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "false" }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "1" }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: " 10.0.0.0/8, 192.168.1.4 ,::1, fd00::/8" }).trustProxy).toBe(
      "10.0.0.0/8,192.168.1.4,::1,fd00::/8",
    );
    for (const bad of ["true", "10.0.0.0/33", "proxy.trust.nhs.uk", "10.0.0.1/8/2", "*"]) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(
        /TRUST_PROXY: must be "false", a number of proxy hops/,
      );
    }
  });

  it("refuses half a PKB configuration", () => {
    expect(() => loadConfig({ PKB_BASE_URL: "https://sandbox.patientsknowbest.com" })).toThrow(
      /set all three to use a real PKB/,
    );
  });

  it("documents every setting in docs/configuration.md", async () => {
    const { readFile } = await import("node:fs/promises");
    const readme = await readFile(new URL("../docs/configuration.md", import.meta.url), "utf8");
    for (const name of Object.keys(settings)) expect(readme, name).toContain(`\`${name}\``);
  });

  it("keeps the sign-in throttle's memory longer than its longest delay", () => {
    expect(loadConfig({}).auth.throttle).toMatchObject({ maxDelayMs: 15 * 60_000, windowMs: 60 * 60_000 });
    expect(() => loadConfig({ LOGIN_MAX_DELAY_MINUTES: "60", LOGIN_THROTTLE_WINDOW_MINUTES: "30" })).toThrow(
      /LOGIN_THROTTLE_WINDOW_MINUTES: must be longer than LOGIN_MAX_DELAY_MINUTES/,
    );
  });

  it("makes `npm start` exit non-zero with one clear message listing every problem", async () => {
    const err = await run(process.execPath, ["--import", "tsx", "src/cli.ts", "start"], {
      cwd: new URL("..", import.meta.url).pathname,
      env: { PATH: process.env.PATH, PORT: "-1", NODE_ENV: "production" }, // eslint-disable-line no-restricted-properties
    }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(78);
    expect(err?.stderr).toContain("Rebook cannot start. Invalid configuration:");
    expect(err?.stderr).toContain("  - PORT:");
    expect(err?.stderr.split("\n").filter((l) => l.startsWith("  - ")).length).toBeGreaterThanOrEqual(1);
  });
});
