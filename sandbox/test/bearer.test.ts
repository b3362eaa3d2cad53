// Client credentials at the Keycloak-style endpoint, and bearer enforcement on every API route, including tokens
// meant for the other API.

import { describe, expect, it } from "vitest";
import {
  CLIENT,
  KC_TOKEN,
  basic,
  getSystemToken,
  getUserTokens,
  getWith,
  pkbCode,
  postForm,
  startSandbox,
} from "./helpers.ts";
import { IDS, PATIENTS } from "./fixtures.ts";

const JSON_ROUTES = ["/json/messages/after/2018-01-17", `/json/v1/users/${IDS.pat01}`, "/json/users/self"];
const FHIR_ROUTES = [
  `/aggregated/fhir/Appointment?actor:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C${PATIENTS.paulNhs}`,
  `/aggregated/fhir/Appointment/${IDS.seedAppointment}`,
];

describe("client credentials (Aggregated FHIR token endpoint)", () => {
  it("issues a bearer token with form credentials or Basic, Keycloak-style, without a refresh token", async () => {
    const { app } = await startSandbox();
    for (const res of [
      await postForm(app, KC_TOKEN, {
        grant_type: "client_credentials",
        client_id: CLIENT.fhirId,
        client_secret: CLIENT.fhirSecret,
      }),
      await postForm(
        app,
        KC_TOKEN,
        { grant_type: "client_credentials" },
        { authorization: basic(CLIENT.fhirId, CLIENT.fhirSecret) },
      ),
    ]) {
      expect(res.statusCode).toBe(200);
      const body = res.json<Record<string, unknown>>();
      expect(body).toMatchObject({
        token_type: "bearer",
        expires_in: 3599,
        scope: "none",
        refresh_expires_in: 0,
        "not-before-policy": 0,
      });
      expect(typeof body.access_token).toBe("string");
      expect(typeof body.jti).toBe("string");
      expect(body.refresh_token).toBeUndefined();
    }
  });

  it("wrong secret, the user client, or no credentials → 401 invalid_client", async () => {
    const { app } = await startSandbox();
    const forms: Array<Record<string, string>> = [
      { grant_type: "client_credentials", client_id: CLIENT.fhirId, client_secret: "x" },
      { grant_type: "client_credentials", client_id: CLIENT.id, client_secret: CLIENT.secret },
      { grant_type: "client_credentials" },
    ];
    for (const form of forms) {
      const res = await postForm(app, KC_TOKEN, form);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: "invalid_client" });
    }
  });

  it("other grant types → unsupported_grant_type", async () => {
    const { app } = await startSandbox();
    const res = await postForm(app, KC_TOKEN, {
      grant_type: "password",
      client_id: CLIENT.fhirId,
      client_secret: CLIENT.fhirSecret,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: "unsupported_grant_type" });
  });

  it("system tokens expire", async () => {
    const { app, clock } = await startSandbox({ systemTokenTtl: 60 });
    const token = await getSystemToken(app);
    const url = FHIR_ROUTES[1] ?? "";
    expect((await getWith(app, url, token)).statusCode).toBe(200);
    clock.advance(60);
    const res = await getWith(app, url, token);
    expect(res.statusCode).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/invalid_token/);
  });
});

describe("bearer enforcement", () => {
  it("/json: missing, unknown and system tokens → 401 PKB OperationOutcome", async () => {
    const { app } = await startSandbox();
    const system = await getSystemToken(app);
    for (const url of JSON_ROUTES) {
      const none = await app.inject(url);
      expect(none.statusCode, url).toBe(401);
      expect(none.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(pkbCode(none.json())).toBe("BAD_AUTHENTICATION");
      for (const token of ["garbage", system]) {
        const res = await getWith(app, url, token);
        expect(res.statusCode, url).toBe(401);
        expect(res.headers["www-authenticate"]).toMatch(/error="invalid_token"/);
        expect(res.json()).toMatchObject({ resourceType: "OperationOutcome" });
        expect(pkbCode(res.json())).toBe("BAD_AUTHENTICATION");
      }
    }
  });

  it("FHIR: missing, unknown and user tokens → 401 FHIR OperationOutcome; metadata is public", async () => {
    const { app } = await startSandbox();
    const user = await getUserTokens(app);
    for (const url of FHIR_ROUTES) {
      const none = await app.inject(url);
      expect(none.statusCode, url).toBe(401);
      expect(none.headers["content-type"]).toMatch(/application\/fhir\+json/);
      for (const token of ["garbage", user.access_token]) {
        const res = await getWith(app, url, token);
        expect(res.statusCode, url).toBe(401);
        expect(res.headers["www-authenticate"]).toMatch(/error="invalid_token"/);
        expect(res.json()).toMatchObject({ resourceType: "OperationOutcome", issue: [{ code: "login" }] });
      }
    }
    expect((await app.inject("/aggregated/fhir/metadata")).statusCode).toBe(200);
  });

  it("live tokens work on their own API", async () => {
    const { app } = await startSandbox();
    const user = await getUserTokens(app);
    const system = await getSystemToken(app);
    for (const url of JSON_ROUTES) expect((await getWith(app, url, user.access_token)).statusCode, url).toBe(200);
    for (const url of FHIR_ROUTES) expect((await getWith(app, url, system)).statusCode, url).toBe(200);
  });
});
