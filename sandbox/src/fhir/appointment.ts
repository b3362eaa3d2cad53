// SandboxAppointment → FHIR R4 Appointment exactly in the shape of the seed's example (PKB meta extensions and
// security labels, notification-control and portal-link extensions, three identifiers, +00:00 instants, `_end`
// with a data-absent-reason when there is no end).

import type { Appointment, Element } from "@medplum/fhirtypes";
import type { SandboxAppointment, SandboxDataset, SandboxPatient } from "../model.ts";
import { fhirInstant, isoUtc, stableDigits, stableUuid } from "../util.ts";

const PKB_SD = "http://fhir.patientsknowbest.com/structuredefinition";
const PKB_ID = "http://fhir.patientsknowbest.com/id";
const PKB_CS = "http://fhir.patientsknowbest.com/codesystem";
const DATA_ABSENT_UNKNOWN: Element = {
  extension: [{ url: "http://hl7.org/fhir/StructureDefinition/data-absent-reason", valueCode: "unknown" }],
};

/** The FHIR Appointment as served, including the `_end` primitive extension that @medplum/fhirtypes omits. */
export type ServedAppointment = Appointment & { _end?: Element };

/** Links the serialiser needs: the PKB web base (portal link) and nothing else. */
export interface AppointmentLinks {
  /** PKB web base URL, no trailing slash. */
  pkbWebUrl: string;
}

/** "Mr Paul Peel": title, first and last name, blanks dropped. */
export function patientDisplay(p: SandboxPatient | undefined): string {
  if (!p) return "Unknown patient";
  return [p.title, p.firstName, p.lastName].filter((s) => s.trim() !== "").join(" ");
}

/** The FHIR Appointment for `a`. */
export function appointmentResource(
  a: SandboxAppointment,
  patient: SandboxPatient | undefined,
  organisation: SandboxDataset["organisation"],
  links: AppointmentLinks,
): ServedAppointment {
  const phrPath = `/diary/viewAppointment.action?uniqueId=${a.id}&style=nhs-england`;
  const resource: ServedAppointment = {
    resourceType: "Appointment",
    id: a.id,
    meta: {
      extension: [
        { url: `${PKB_SD}/uploaded-data-id`, valueString: stableDigits(`upload:${a.id}`, 8) },
        { url: `${PKB_SD}/recorded-date`, valueDateTime: fhirInstant(a.recordedDate) },
        {
          url: `${PKB_SD}/partner-identifier`,
          valueReference: {
            identifier: {
              system: `urn:uuid:${stableUuid(`partner:${organisation.id}`)}`,
              value: stableUuid(`partner-id:${a.id}`),
            },
          },
        },
        { url: `${PKB_SD}/version-persisted`, valueDateTime: fhirInstant(a.lastUpdated) },
        {
          url: `${PKB_SD}/access-route`,
          valueCoding: { system: `${PKB_CS}/access-route`, code: "HL7_API", display: "Integration (HL7)" },
        },
        { url: "ex:createdAt", valueInstant: isoUtc(a.recordedDate) },
      ],
      versionId: String(a.versionId),
      lastUpdated: isoUtc(a.lastUpdated),
      security: [
        { system: `${PKB_CS}/source-organization`, code: a.sourceOrgCode, display: a.sourceOrgDisplay },
        { system: `${PKB_CS}/connecting-org`, code: organisation.id, display: organisation.name },
        { system: `${PKB_CS}/privacy-label`, code: "GENERAL_HEALTH" },
      ],
    },
    extension: [
      {
        url: `${PKB_SD}/notification-control`,
        extension: [
          { url: `${PKB_SD}/notification-suppressed`, valueBoolean: true },
          { url: `${PKB_SD}/notification-controlled-by`, valueString: "OUR_CODE" },
          { url: `${PKB_SD}/notification-target-list`, valueString: "[]" },
        ],
      },
      {
        url: "https://fhir.nhs.uk/StructureDefinition/Extension-Portal-Link",
        valueUrl: `${links.pkbWebUrl}/nhs-login/login?phrPath=${encodeURIComponent(phrPath)}`,
      },
    ],
    identifier: [
      { system: `${PKB_ID}/menudata-legacy-identifier`, value: a.legacyId },
      { system: `${PKB_ID}/common-identifier`, value: a.commonId },
      { system: `${PKB_ID}/external-identifier`, value: a.externalId },
    ],
    status: a.status,
    specialty: [{ coding: [{ code: a.specialtyCode, display: a.specialtyDisplay }] }],
    appointmentType: { coding: [{ display: a.appointmentType }] },
    ...(a.serviceType !== null ? { serviceType: [{ coding: [{ display: a.serviceType }] }] } : {}),
    ...(a.comment !== null ? { comment: a.comment } : {}),
    start: fhirInstant(a.start),
    ...(a.end !== null ? { end: fhirInstant(a.end) } : { _end: DATA_ABSENT_UNKNOWN }),
    participant: [
      {
        actor: { reference: `Patient/${patient?.fhirPatientId ?? a.patientPkbId}`, display: patientDisplay(patient) },
        status: "accepted",
      },
      { actor: { type: "Location", display: a.locationDisplay }, status: "accepted" },
    ],
  };
  return resource;
}
