// Errors as named values: a stable snake_case code, an HTTP status, and whether the message is safe to show. Code
// never matches on message text.

/** An error Rebook raises on purpose. `expose` says the message may be shown to the caller. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly expose = status < 500,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }
}

/** 404 for a missing thing. */
export const notFound = (what: string): AppError => new AppError("not_found", `${what} was not found`, 404);

/** A failed call to PKB (or the sandbox): which API, the HTTP status if any, and whether trying again may help. */
export class UpstreamError extends Error {
  constructor(
    readonly service: "pkb_oauth" | "pkb_rest" | "pkb_fhir" | "pkb_fhir_token",
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
    /** PKB's response code (e.g. API_SESSION_EXPIRED) or OAuth error (invalid_grant), when it sent one. */
    readonly upstreamCode: string | null = null,
    /** Seconds to wait, from Retry-After. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}
