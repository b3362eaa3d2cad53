// OperationOutcome bodies: plain FHIR ones for the Aggregated FHIR API and PKB-coded ones (response-code CodeSystem)
// for the /json REST API, as PKB sends "where it can".

import type { OperationOutcome, OperationOutcomeIssue } from "@medplum/fhirtypes";

/** PKB's response-code CodeSystem. */
export const PKB_RESPONSE_CODE_SYSTEM = "http://fhir.patientsknowbest.com/codesystem/response-code";

/** PKB response codes the emulator sends (only codes PKB documents; other errors carry no PKB coding). */
export type PkbResponseCode =
  | "ACC_TOKEN_EXPIRED"
  | "API_SESSION_EXPIRED"
  | "API_SESSION_INVALID"
  | "BAD_AUTHENTICATION"
  | "NO_CONSENT"
  | "USER_TYPE_NOT_PERM";

const DISPLAY: Record<PkbResponseCode, string> = {
  ACC_TOKEN_EXPIRED: "Access token expired",
  API_SESSION_EXPIRED: "API session expired",
  API_SESSION_INVALID: "API session invalid",
  BAD_AUTHENTICATION: "Bad authentication",
  NO_CONSENT: "No consent",
  USER_TYPE_NOT_PERM: "User type not permitted",
};

/** FHIR IssueType codes used here. */
export type IssueCode =
  | "login"
  | "forbidden"
  | "invalid"
  | "required"
  | "not-found"
  | "deleted"
  | "not-supported"
  | "throttled"
  | "transient"
  | "exception";

/** A FHIR OperationOutcome with one error issue. */
export function fhirOutcome(code: IssueCode, text: string, severity: "error" | "fatal" = "error"): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, details: { text } };
  return { resourceType: "OperationOutcome", issue: [issue] };
}

/** A PKB-style OperationOutcome: the FHIR issue code plus PKB's response code as a details coding. */
export function pkbOutcome(issueCode: IssueCode, pkbCode: PkbResponseCode, text: string): OperationOutcome {
  return {
    resourceType: "OperationOutcome",
    issue: [
      {
        severity: "error",
        code: issueCode,
        details: { coding: [{ system: PKB_RESPONSE_CODE_SYSTEM, code: pkbCode, display: DISPLAY[pkbCode] }], text },
      },
    ],
  };
}

/** Content type of FHIR responses. */
export const FHIR_JSON = "application/fhir+json; charset=utf-8";
