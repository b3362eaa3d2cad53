// The Aggregated FHIR API: seed shape, R4 validity of everything served, date semantics (incl. the BST trap),
// paging, status filter and errors.

import type { Appointment, Bundle } from "@medplum/fhirtypes";
import { beforeAll, describe, expect, it } from "vitest";
import { IDS, MANY_COUNT, PATIENTS } from "./fixtures.ts";
import {
  type TestSandbox,
  expectSameShape,
  expectValidFhir,
  fhirIssues,
  getSystemToken,
  getWith,
  startSandbox,
} from "./helpers.ts";
import { SEED_APPOINTMENT_BUNDLE } from "./seed-examples.ts";

const NHS = "https://fhir.nhs.uk/Id/nhs-number";
const PUBLIC = "http://fhir.patientsknowbest.com/id/public-id";
const search = (identifier: string, extra = "") =>
  `/aggregated/fhir/Appointment?actor:Patient.identifier=${encodeURIComponent(identifier)}${extra}`;

let sb: TestSandbox;
let token: string;
const get = (url: string) => getWith(sb.app, url, token);
const bundle = async (url: string) => {
  const res = await get(url);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^application\/fhir\+json/);
  return res.json<Bundle<Appointment>>();
};
const ids = (b: Bundle<Appointment>) => (b.entry ?? []).map((e) => e.resource?.id);

beforeAll(async () => {
  sb = await startSandbox();
  token = await getSystemToken(sb.app);
});

describe("Appointment search", () => {
  it("answers the seed's query in the seed's shape and values", async () => {
    const b = await bundle(search(`${NHS}|${PATIENTS.paulNhs}`, "&date=2025-10-25"));
    expectSameShape(b, SEED_APPOINTMENT_BUNDLE);
    expectValidFhir(b);
    const seed = SEED_APPOINTMENT_BUNDLE as Bundle<Appointment>;
    const seedAppt = seed.entry?.[0]?.resource;
    const served = b.entry?.[0]?.resource;
    expect(b.total).toBe(1);
    expect(b.meta?.versionId).toBe("0");
    expect(served?.id).toBe(seedAppt?.id);
    expect(served?.identifier).toEqual(seedAppt?.identifier);
    expect(served?.participant).toEqual(seedAppt?.participant);
    expect(served?.start).toBe(seedAppt?.start);
    expect(served?.specialty).toEqual(seedAppt?.specialty);
    expect(served?.appointmentType).toEqual(seedAppt?.appointmentType);
    expect((served as { _end?: unknown })._end).toEqual((seedAppt as { _end?: unknown })._end);
    expect(served?.extension?.[0]).toEqual(seedAppt?.extension?.[0]);
    expect(served?.extension?.[1]?.valueUrl).toBe(
      "http://sandbox.test/nhs-login/login?phrPath=%2Fdiary%2FviewAppointment.action%3FuniqueId%3D2f6de2c8-43d6-3d30-9920-1cecc40e972f%26style%3Dnhs-england",
    );
    expect(served?.meta?.security).toEqual(seedAppt?.meta?.security);
    expect(b.entry?.[0]?.fullUrl).toBe(`http://sandbox.test/aggregated/fhir/Appointment/${IDS.seedAppointment}`);
    expect(b.entry?.[0]?.search).toEqual({ mode: "match" });
    const first = b.link?.find((l) => l.relation === "first")?.url ?? "";
    expect(new URL(first).searchParams.get("page")).toBe("1");
    expect(new URL(first).searchParams.get("actor:Patient.identifier")).toBe(`${NHS}|${PATIENTS.paulNhs}`);
  });

  it("every search bundle, read and the CapabilityStatement pass the R4 validator", async () => {
    for (const nhs of [PATIENTS.pat01Nhs, PATIENTS.paulNhs, PATIENTS.manyNhs]) {
      const b = await bundle(search(`${NHS}|${nhs}`, "&_count=100"));
      expectValidFhir(b);
      for (const e of b.entry ?? []) {
        const read = await get(`/aggregated/fhir/Appointment/${e.resource?.id ?? ""}`);
        expect(read.statusCode).toBe(200);
        expect(read.headers.etag).toBe(`W/"${e.resource?.meta?.versionId ?? ""}"`);
        expect(read.json()).toEqual(e.resource);
      }
    }
    expectValidFhir(await bundle(search(`${NHS}|9999999999`)));
    const metadata = await sb.app.inject("/aggregated/fhir/metadata");
    expect(metadata.json()).toMatchObject({ resourceType: "CapabilityStatement", fhirVersion: "4.0.1" });
    expectValidFhir(metadata.json());
  });

  it("finds a patient by PKB public id, or by a bare value", async () => {
    expect(ids(await bundle(search(`${PUBLIC}|${PATIENTS.paulPublicId}`)))).toEqual([IDS.seedAppointment]);
    expect(ids(await bundle(search(PATIENTS.paulNhs)))).toEqual([IDS.seedAppointment]);
    expect((await bundle(search(`${NHS}|9999999999`))).total).toBe(0);
  });

  it("filters by status (comma = OR)", async () => {
    const pending = await bundle(search(`${NHS}|${PATIENTS.manyNhs}`, "&status=pending&_count=100"));
    expect(pending.total).toBe(Math.ceil(MANY_COUNT / 5));
    expect((pending.entry ?? []).every((e) => e.resource?.status === "pending")).toBe(true);
    const either = await bundle(search(`${NHS}|${PATIENTS.pat01Nhs}`, "&status=pending,cancelled"));
    expect(ids(either).sort()).toEqual([IDS.bstAppointment, IDS.cancelledAppointment].sort());
  });

  it("pages: following next links collects exactly `total` entries", async () => {
    let url: string | undefined = search(`${NHS}|${PATIENTS.manyNhs}`, "&_count=10");
    const seen: string[] = [];
    let total = -1;
    let pages = 0;
    while (url) {
      const b = await bundle(url);
      expectValidFhir(b);
      total = b.total ?? -1;
      seen.push(...ids(b).map(String));
      pages += 1;
      if (pages === 2) expect(b.link?.some((l) => l.relation === "previous")).toBe(true);
      const next = b.link?.find((l) => l.relation === "next")?.url;
      if (next) expect(new URL(next).searchParams.get("page")).toBe(String(pages + 1));
      url = next ? next.replace("http://sandbox.test", "") : undefined;
    }
    expect(total).toBe(MANY_COUNT);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(MANY_COUNT);
    const starts = seen.length;
    expect(starts).toBe(MANY_COUNT);
  });

  it("_count defaults to 20, is clamped to 100; _count=0 and _total=none; _sort=-date", async () => {
    const many = `${NHS}|${PATIENTS.manyNhs}`;
    expect((await bundle(search(many))).entry).toHaveLength(20);
    expect((await bundle(search(many, "&_count=500"))).entry).toHaveLength(MANY_COUNT);
    const zero = await bundle(search(many, "&_count=0"));
    expect(zero.total).toBe(MANY_COUNT);
    expect(zero.entry).toBeUndefined();
    expect((await bundle(search(many, "&_total=none"))).total).toBeUndefined();
    const desc = await bundle(search(many, "&_sort=-date&_count=3"));
    const starts = (desc.entry ?? []).map((e) => e.resource?.start ?? "");
    expect([...starts].sort().reverse()).toEqual(starts);
    const past = await bundle(search(many, "&page=9"));
    expect(past.entry).toBeUndefined();
    expectValidFhir(past);
  });
});

describe("date parameter", () => {
  const pat01 = (extra: string) => bundle(search(`${NHS}|${PATIENTS.pat01Nhs}`, extra)).then(ids);

  it("date-only values are UTC days: a 00:00 BST appointment falls on the previous UTC day", async () => {
    expect(await pat01("&date=2025-09-14")).toEqual([]);
    expect(await pat01("&date=2025-09-13")).toEqual([IDS.bstAppointment]);
    expect(await pat01("&date=eq2025-09-13")).toEqual([IDS.bstAppointment]);
  });

  it("datetimes with an offset select the London day exactly", async () => {
    const londonDay = `&date=${encodeURIComponent("ge2025-09-14T00:00+01:00")}&date=${encodeURIComponent("lt2025-09-15T00:00+01:00")}`;
    expect(await pat01(londonDay)).toEqual([IDS.bstAppointment]);
    expect(await pat01(`&date=${encodeURIComponent("2025-09-14T00:00:00+01:00")}`)).toEqual([IDS.bstAppointment]);
  });

  it("prefixes gt, ge, lt, le, ne, sa, eb follow FHIR range semantics", async () => {
    // pat01: bst 2025-09-13T23:00Z, cancelled 2025-10-01T09:00Z, future 2025-11-03T10:15Z
    expect(await pat01("&date=gt2025-10-01")).toEqual([IDS.futureAppointment]);
    expect(await pat01("&date=ge2025-10-01")).toEqual([IDS.cancelledAppointment, IDS.futureAppointment]);
    expect(await pat01("&date=lt2025-10-01")).toEqual([IDS.bstAppointment]);
    expect(await pat01("&date=le2025-10-01")).toEqual([IDS.bstAppointment, IDS.cancelledAppointment]);
    expect(await pat01("&date=ne2025-10-01")).toEqual([IDS.bstAppointment, IDS.futureAppointment]);
    expect(await pat01("&date=sa2025-10")).toEqual([IDS.futureAppointment]);
    expect(await pat01("&date=eb2025-10")).toEqual([IDS.bstAppointment]);
    expect(await pat01("&date=2025")).toHaveLength(3);
  });

  it("an unencoded + in an offset is a 400 with a hint", async () => {
    const res = await get(search(`${NHS}|${PATIENTS.pat01Nhs}`, "&date=2025-09-14T00:00:00+01:00"));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain("%2B");
    expectValidFhir(res.json());
  });
});

describe("errors", () => {
  it("the seed's own example passes the same validator (ex:createdAt included)", () => {
    expectValidFhir(SEED_APPOINTMENT_BUNDLE);
  });

  it("the validator used here does reject invalid resources", () => {
    expect(
      fhirIssues({ resourceType: "Appointment", status: "booked", participant: [{ status: "accepted" }] }),
    ).not.toEqual([]);
  });

  it("missing or unusable patient identifier, bad parameters → 400 OperationOutcome", async () => {
    for (const url of [
      "/aggregated/fhir/Appointment?date=2025-10-25",
      search("http://example.org/mrn|123"),
      search(`${NHS}|${PATIENTS.paulNhs}`, "&date=tomorrow"),
      search(`${NHS}|${PATIENTS.paulNhs}`, "&date=ap2025-10-25"),
      search(`${NHS}|${PATIENTS.paulNhs}`, "&_count=-1"),
      search(`${NHS}|${PATIENTS.paulNhs}`, "&page=0"),
      search(`${NHS}|${PATIENTS.paulNhs}`, "&_sort=priority"),
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toMatchObject({ resourceType: "OperationOutcome" });
      expectValidFhir(res.json());
    }
  });

  it("unknown id → 404, unknown type → 404, writes → 405, all OperationOutcomes", async () => {
    const missing = await get("/aggregated/fhir/Appointment/nope");
    expect(missing.statusCode).toBe(404);
    expectValidFhir(missing.json());
    const type = await get("/aggregated/fhir/Patient?identifier=x");
    expect(type.statusCode).toBe(404);
    expectValidFhir(type.json());
    const write = await sb.app.inject({
      method: "PUT",
      url: `/aggregated/fhir/Appointment/${IDS.seedAppointment}`,
      headers: { authorization: `Bearer ${token}` },
      payload: {},
    });
    expect(write.statusCode).toBe(405);
    expectValidFhir(write.json());
    const unauth = await sb.app.inject("/aggregated/fhir/Appointment/nope");
    expectValidFhir(unauth.json());
  });
});
