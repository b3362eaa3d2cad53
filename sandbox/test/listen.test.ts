// End to end over a real socket (port 0) with fetch: the consent redirect, both token endpoints, the REST and FHIR
// APIs, and links built from the request's own origin.

import type { Appointment, Bundle } from "@medplum/fhirtypes";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSandbox } from "../src/server.ts";
import { IDS, PATIENTS, makeDataset } from "./fixtures.ts";
import { CLIENT, KC_TOKEN, consentRequestId } from "./helpers.ts";

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  ({ app } = await buildSandbox({ dataset: makeDataset() }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await app.close();
});

const form = (body: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: new URLSearchParams(body),
  headers,
  redirect: "manual",
});

describe("over HTTP", () => {
  it("runs the whole flow a client runs", async () => {
    const authorize = `${base}/apiAuthorize.action?response_type=code&client_id=${CLIENT.id}&scope=CLINICIAN&state=s&redirect_uri=${encodeURIComponent(CLIENT.redirect2)}`;
    const page = await fetch(authorize);
    expect(page.status).toBe(200);
    const consent = await fetch(
      `${base}/apiAuthorize.action`,
      form({
        request: consentRequestId(await page.text()),
        username: "jack.brown",
        password: "sandbox",
        decision: "grant",
      }),
    );
    expect(consent.status).toBe(302);
    const location = new URL(consent.headers.get("location") ?? "");
    expect(location.origin).toBe("http://127.0.0.1:3000");
    const code = location.searchParams.get("code") ?? "";
    const basicAuth = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString("base64")}`;
    const tokenRes = await fetch(
      `${base}/apiToken.action`,
      form({ grant_type: "authorization_code", code, redirect_uri: CLIENT.redirect2 }, { authorization: basicAuth }),
    );
    expect(tokenRes.status).toBe(200);
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const messages = await fetch(`${base}/json/messages/after/2018-01-17`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    const [conversation] = (await messages.json()) as Array<{ messages: Array<{ patientId: string }> }>;
    const patientId = conversation?.messages[0]?.patientId ?? "";
    const user = (await (
      await fetch(`${base}/json/v1/users/${patientId}`, { headers: { authorization: `Bearer ${access_token}` } })
    ).json()) as {
      nationalIds: Array<{ value: string }>;
    };
    expect(user.nationalIds[0]?.value).toBe(PATIENTS.pat01Nhs);

    const sys = await fetch(
      `${base}${KC_TOKEN}`,
      form({ grant_type: "client_credentials", client_id: CLIENT.fhirId, client_secret: CLIENT.fhirSecret }),
    );
    const { access_token: systemToken } = (await sys.json()) as { access_token: string };
    const q = new URLSearchParams({
      "actor:Patient.identifier": `https://fhir.nhs.uk/Id/nhs-number|${PATIENTS.pat01Nhs}`,
      status: "pending",
    });
    const search = await fetch(`${base}/aggregated/fhir/Appointment?${q.toString()}`, {
      headers: { authorization: `Bearer ${systemToken}` },
    });
    const bundle = (await search.json()) as Bundle<Appointment>;
    expect(bundle.entry?.map((e) => e.resource?.id)).toEqual([IDS.bstAppointment]);
    const self = bundle.link?.find((l) => l.relation === "self")?.url ?? "";
    expect(self.startsWith(`${base}/aggregated/fhir/Appointment?`)).toBe(true);
    const again = await fetch(self, { headers: { authorization: `Bearer ${systemToken}` } });
    expect(((await again.json()) as Bundle).total).toBe(1);
  });
});
