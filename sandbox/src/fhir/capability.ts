// GET /aggregated/fhir/metadata: the CapabilityStatement of the emulated Aggregated FHIR API (read-only, JSON,
// Appointment read + search-type with the parameters the emulator honours).

import type { CapabilityStatement } from "@medplum/fhirtypes";
import { KEYCLOAK_TOKEN_PATH } from "../context.ts";
import { fhirInstant } from "../util.ts";
import { PATIENT_PARAM } from "./search.ts";

/** The CapabilityStatement; `fhirBase` and `publicUrl` are absolute, without trailing slashes. */
export function capabilityStatement(fhirBase: string, publicUrl: string, now: number): CapabilityStatement {
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: fhirInstant(now),
    publisher: "Rebook PKB sandbox emulator",
    kind: "instance",
    software: { name: "PKB sandbox emulator (Aggregated FHIR API)", version: "1" },
    implementation: { description: "Emulated PKB Aggregated FHIR API (sandbox)", url: fhirBase },
    fhirVersion: "4.0.1",
    format: ["json", "application/fhir+json"],
    rest: [
      {
        mode: "server",
        security: {
          cors: false,
          service: [
            {
              coding: [{ system: "http://terminology.hl7.org/CodeSystem/restful-security-service", code: "OAuth" }],
            },
          ],
          description: `OAuth 2.0 client credentials; token endpoint ${publicUrl}${KEYCLOAK_TOKEN_PATH}`,
        },
        resource: [
          {
            type: "Appointment",
            interaction: [{ code: "read" }, { code: "search-type" }],
            searchParam: [
              {
                name: PATIENT_PARAM,
                type: "token",
                documentation:
                  "Required: https://fhir.nhs.uk/Id/nhs-number|… or http://fhir.patientsknowbest.com/id/public-id|…",
              },
              { name: "date", type: "date", documentation: "Appointment.start; date-only values are UTC days" },
              { name: "status", type: "token" },
              { name: "_id", type: "token" },
              { name: "_count", type: "number", documentation: "Default 20, at most 100" },
              { name: "page", type: "number", documentation: "1-based page number" },
              { name: "_total", type: "token" },
              { name: "_sort", type: "string", documentation: "date, _lastUpdated or _id (prefix - for descending)" },
            ],
          },
        ],
      },
    ],
  };
}
