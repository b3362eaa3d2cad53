// PKB's Aggregated FHIR API (system token): appointment search by NHS number around a date, following paging links.
import { UpstreamError } from "../errors.ts";
import { callJson, httpGet, type RetryPolicy } from "./http.ts";
import { fhirAppointmentSchema, fhirBundleSchema, type FhirAppointment } from "./schemas.ts";
import type { SystemTokens } from "./tokens.ts";

export const NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number";
export const EXTERNAL_ID_SYSTEM = "http://fhir.patientsknowbest.com/id/external-identifier";

/** Most pages followed for one search: a patient with thousands of appointments in a 3-day window is a fault. */
const MAX_PAGES = 20;

export class PkbFhir {
  constructor(
    private readonly baseUrl: string,
    private readonly tokens: SystemTokens,
    private readonly opts: { timeoutMs: number; retry?: RetryPolicy },
  ) {}

  private async getBundle(url: string): Promise<{ appointments: FhirAppointment[]; next: string | null }> {
    const call = (token: string) =>
      callJson(
        (signal) => httpGet(url, { Accept: "application/fhir+json", Authorization: `Bearer ${token}` }, signal),
        fhirBundleSchema,
        {
          service: "pkb_fhir",
          timeoutMs: this.opts.timeoutMs,
          retry: this.opts.retry,
          what: "FHIR Appointment search",
          endpoint: "GET /Appointment",
        },
      );
    const token = await this.tokens.accessToken();
    let bundle;
    try {
      bundle = await call(token);
    } catch (err) {
      if (!(err instanceof UpstreamError) || err.status !== 401) throw err;
      bundle = await call(await this.tokens.accessToken(token));
    }
    const appointments: FhirAppointment[] = [];
    for (const e of bundle.entry ?? []) {
      if (e.resource?.resourceType !== "Appointment") continue;
      const parsed = fhirAppointmentSchema.safeParse(e.resource);
      if (!parsed.success) {
        throw new UpstreamError(
          "pkb_fhir",
          `FHIR Appointment search: malformed Appointment (${parsed.error.issues[0]?.message ?? ""})`,
          200,
          false,
        );
      }
      appointments.push(parsed.data);
    }
    const nextLink = bundle.link?.find((l) => l.relation === "next")?.url ?? null;
    return { appointments, next: nextLink ? new URL(nextLink, `${this.baseUrl}/`).toString() : null };
  }

  /**
   * The patient's appointments starting between two UTC calendar dates inclusive (YYYY-MM-DD). Callers widen the
   * window around the UK date they want: a UK evening in BST or a UK midnight can fall on a neighbouring UTC date.
   */
  async appointmentsForPatient(nhsNumber: string, fromUtcDate: string, toUtcDate: string): Promise<FhirAppointment[]> {
    const params = new URLSearchParams();
    params.set("actor:Patient.identifier", `${NHS_NUMBER_SYSTEM}|${nhsNumber}`);
    params.append("date", `ge${fromUtcDate}`);
    params.append("date", `le${toUtcDate}`);
    params.set("_count", "50");
    let url: string | null = `${this.baseUrl}/Appointment?${params.toString()}`;
    const all: FhirAppointment[] = [];
    const seen = new Set<string>();
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const { appointments, next } = await this.getBundle(url);
      for (const a of appointments) {
        if (seen.has(a.id)) continue;
        seen.add(a.id);
        all.push(a);
      }
      url = next;
    }
    return all;
  }

  /** One appointment by FHIR id (to confirm a change reached PKB). */
  async appointment(id: string): Promise<FhirAppointment> {
    const token = await this.tokens.accessToken();
    return callJson(
      (signal) =>
        httpGet(
          `${this.baseUrl}/Appointment/${encodeURIComponent(id)}`,
          { Accept: "application/fhir+json", Authorization: `Bearer ${token}` },
          signal,
        ),
      fhirAppointmentSchema,
      {
        service: "pkb_fhir",
        timeoutMs: this.opts.timeoutMs,
        retry: this.opts.retry,
        what: "FHIR Appointment read",
        endpoint: "GET /Appointment/{id}",
      },
    );
  }
}
