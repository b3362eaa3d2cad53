// The PKB sandbox emulator, started in-process on a free port for integration tests, and the clinician's Grant Access
// driven through its real consent page over HTTP. (Tests may use the emulator; src/ never does.)
import type { SandboxState } from "../../sandbox/src/context.ts";
import { buildSandbox, type BuildSandboxOptions } from "../../sandbox/src/server.ts";
import type { App } from "../../src/http/server.ts";

export interface Emulator {
  url: string;
  /** Rebook's environment for this emulator. */
  env: Record<string, string>;
  control<T = unknown>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T>;
  /** The emulator's live world, for a test to choose its data by what it holds (read it; change it by control). */
  world: SandboxState["world"];
  stop(): Promise<void>;
}

/** Starts the emulator (fixed anchor by default, so data is the same on every run). */
export async function startEmulator(opts: BuildSandboxOptions = {}): Promise<Emulator> {
  const { app, state } = await buildSandbox({ seed: 7, size: 60, anchor: new Date("2025-10-01T00:00:00Z"), ...opts });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    url,
    env: {
      PKB_BASE_URL: url,
      PKB_FHIR_BASE_URL: `${url}/aggregated/fhir`,
      PKB_FHIR_TOKEN_URL: `${url}/iam/auth/realms/pkb/protocol/openid-connect/token`,
    },
    async control<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}/_sandbox/${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    world: state.world,
    stop: () => app.close(),
  };
}

/**
 * Follows Rebook's authorize link through the emulator's sign-in and consent page; returns the callback response.
 * `headers` are the signed-in admin's (the authorize and callback steps need the admin who started the grant).
 */
export async function grantThroughConsentPage(
  app: App,
  authorizePath: string,
  opts: { headers: Record<string, string>; username?: string; decision?: "grant" | "deny" },
): Promise<{ status: number; body: string }> {
  const start = await app.inject({ method: "GET", url: authorizePath, headers: opts.headers });
  if (start.statusCode !== 302) throw new Error(`authorize: ${start.statusCode} ${start.body}`);
  const authorizeUrl = String(start.headers.location);
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1];
  if (!request) throw new Error(`no consent form in: ${html.slice(0, 300)}`);
  const action = new URL("/apiAuthorize.action", authorizeUrl);
  const consent = await fetch(action, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      request,
      username: opts.username ?? "jack.brown",
      password: "sandbox",
      decision: opts.decision ?? "grant",
    }),
  });
  const location = consent.headers.get("location");
  if (consent.status !== 302 || !location) throw new Error(`consent: ${consent.status} ${await consent.text()}`);
  const back = new URL(location);
  const res = await app.inject({ method: "GET", url: `${back.pathname}${back.search}`, headers: opts.headers });
  return { status: res.statusCode, body: res.body };
}
