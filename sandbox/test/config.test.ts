// The emulator's environment parsing: defaults, durations, and every problem reported at once.

import { describe, expect, it } from "vitest";
import { loadConfig, parseDuration } from "../src/config.ts";

describe("loadConfig", () => {
  it("has working defaults", () => {
    const r = loadConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      host: "127.0.0.1",
      port: 4010,
      seed: 1,
      size: 200,
      anchor: undefined,
      clientId: "rebook-sandbox",
      clientSecret: "sandbox-secret",
      redirectUris: ["http://localhost:3000/api/pkb/oauth/callback", "http://127.0.0.1:3000/api/pkb/oauth/callback"],
      fhirClientId: "rebook-fhir",
      fhirClientSecret: "sandbox-fhir-secret",
      accessTokenTtl: 600,
      sessionTtl: 8 * 3600,
      systemTokenTtl: 3599,
      publicUrl: "http://127.0.0.1:4010",
      controlToken: undefined,
    });
  });

  it("reads every variable", () => {
    const r = loadConfig({
      SANDBOX_HOST: "0.0.0.0",
      SANDBOX_PORT: "5000",
      SANDBOX_SEED: "42",
      SANDBOX_SIZE: "1000",
      SANDBOX_ANCHOR: "2025-09-20",
      SANDBOX_REDIRECT_URIS: "http://a.test/cb, http://b.test/cb",
      SANDBOX_ACCESS_TOKEN_TTL: "10m",
      SANDBOX_SESSION_TTL: "8 h",
      SANDBOX_SYSTEM_TOKEN_TTL: "600",
      SANDBOX_PUBLIC_URL: "https://pkb.example/",
      SANDBOX_CONTROL_TOKEN: "secret",
    });
    expect(r.ok && r.config).toMatchObject({
      host: "0.0.0.0",
      port: 5000,
      seed: 42,
      size: 1000,
      anchor: new Date("2025-09-20T00:00:00Z"),
      redirectUris: ["http://a.test/cb", "http://b.test/cb"],
      accessTokenTtl: 600,
      sessionTtl: 28800,
      systemTokenTtl: 600,
      publicUrl: "https://pkb.example",
      controlToken: "secret",
    });
    const wildcard = loadConfig({ SANDBOX_HOST: "0.0.0.0" });
    expect(wildcard.ok && wildcard.config.publicUrl).toBe("http://127.0.0.1:4010");
  });

  it("reports every problem at once", () => {
    const r = loadConfig({
      SANDBOX_PORT: "http",
      SANDBOX_SIZE: "0",
      SANDBOX_ANCHOR: "soon",
      SANDBOX_REDIRECT_URIS: "not a url",
      SANDBOX_SESSION_TTL: "forever",
      SANDBOX_PUBLIC_URL: "ftp://x",
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const joined = r.errors.join("\n");
    for (const name of [
      "SANDBOX_PORT",
      "SANDBOX_SIZE",
      "SANDBOX_ANCHOR",
      "SANDBOX_REDIRECT_URIS",
      "SANDBOX_SESSION_TTL",
      "SANDBOX_PUBLIC_URL",
    ]) {
      expect(joined).toContain(name);
    }
  });
});

describe("parseDuration", () => {
  it("reads seconds and units", () => {
    expect(parseDuration("600")).toBe(600);
    expect(parseDuration("90s")).toBe(90);
    expect(parseDuration("10m")).toBe(600);
    expect(parseDuration("8 h")).toBe(28800);
    expect(parseDuration("1d")).toBe(86400);
    expect(parseDuration("0")).toBeNull();
    expect(parseDuration("-5")).toBeNull();
    expect(parseDuration("soon")).toBeNull();
  });
});
