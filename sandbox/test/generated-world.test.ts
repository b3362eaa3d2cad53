// The server over the real generator's world: every payload keeps the seed's shape and every FHIR resource is
// valid R4. (The generator's own tests live in generator*.test.ts.)

import type { Appointment, Bundle } from "@medplum/fhirtypes";
import { describe, expect, it } from "vitest";
import { buildSandbox } from "../src/server.ts";
import { expectSameShape, expectValidFhir, getSystemToken, getUserTokens, getWith } from "./helpers.ts";
import { SEED_APPOINTMENT_BUNDLE, SEED_MESSAGES_AFTER, SEED_USER } from "./seed-examples.ts";

describe("generated world", () => {
  it("serves seed-shaped, R4-valid payloads", async () => {
    const { app, state } = await buildSandbox({ seed: 5, size: 20, anchor: new Date("2025-09-20T00:00:00Z") });
    const team = state.world.requestTeam()[0];
    expect(team).toBeDefined();
    const { access_token } = await getUserTokens(app, { username: team?.username ?? "" });
    const messages = await getWith(app, "/json/messages/after/2000-01-01", access_token);
    expect(messages.statusCode).toBe(200);
    const conversations = messages.json<unknown[]>();
    expect(conversations.length).toBeGreaterThan(0);
    expectSameShape(conversations, [(SEED_MESSAGES_AFTER as unknown[])[0]]);

    const system = await getSystemToken(app);
    const seedEntry = (SEED_APPOINTMENT_BUNDLE as Bundle<Appointment>).entry?.[0]?.resource;
    let checked = 0;
    for (const p of state.world.dataset.patients.slice(0, 12)) {
      const user = await getWith(app, `/json/v1/users/${p.pkbId}`, access_token);
      expectSameShape(user.json(), SEED_USER);
      const id = p.nhsNumber
        ? `https://fhir.nhs.uk/Id/nhs-number|${p.nhsNumber}`
        : `http://fhir.patientsknowbest.com/id/public-id|${p.publicId}`;
      const res = await getWith(
        app,
        `/aggregated/fhir/Appointment?actor:Patient.identifier=${encodeURIComponent(id)}&_count=100`,
        system,
      );
      expect(res.statusCode).toBe(200);
      const bundle = res.json<Bundle<Appointment>>();
      expectValidFhir(bundle);
      expect(bundle.total).toBe(state.world.appointmentsOf(p.pkbId).length);
      for (const e of bundle.entry ?? []) {
        const {
          end: _end,
          _end: _absent,
          serviceType: _s,
          comment: _c,
          ...rest
        } = e.resource as Appointment & { _end?: unknown };
        const { _end: _seedAbsent, ...seedRest } = seedEntry as Appointment & { _end?: unknown };
        expectSameShape(rest, seedRest);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
