// PKB's OAuth 2.0 endpoints through openid-client: the clinician's Grant Access (authorization code), refresh, and the
// client-credentials grant for the Aggregated FHIR API. PKB publishes no discovery document, so the endpoints are
// configured explicitly.
import * as client from "openid-client";
import type { Config } from "../config.ts";
import pRetry from "p-retry";
import { UpstreamError } from "../errors.ts";
import { defaultRetryPolicy, type RetryPolicy } from "./http.ts";
import { pkbCallDuration, pkbCallErrors } from "../metrics/instruments.ts";
import type { TokenPair } from "../store/connections.ts";

/** PKB response codes and OAuth errors that mean the PKB session is over and a person must grant access again. */
export const SESSION_ENDED_CODES = new Set(["invalid_grant", "API_SESSION_EXPIRED", "API_SESSION_INVALID"]);

/** A token from the client-credentials grant (no refresh token). */
export interface SystemToken {
  accessToken: string;
  expiresAt: Date;
}

function toUpstream(err: unknown, service: UpstreamError["service"], what: string): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof client.ResponseBodyError) {
    const retryable = err.status === 429 || err.status >= 500;
    return new UpstreamError(service, `${what}: ${err.error}`, err.status, retryable, err.error);
  }
  if (err instanceof client.AuthorizationResponseError) {
    return new UpstreamError(service, `${what}: ${err.error}`, null, false, err.error);
  }
  if (err instanceof client.ClientError) {
    // A response that is not OAuth (e.g. an OperationOutcome, an HTML error page) or failed a protocol check.
    const cause = err.cause as { status?: number } | undefined;
    const status = typeof cause?.status === "number" ? cause.status : null;
    return new UpstreamError(service, `${what}: ${err.message}`, status, status !== null && status >= 500);
  }
  const name = (err as Error).name;
  return new UpstreamError(
    service,
    `${what}: ${name === "TimeoutError" || name === "AbortError" ? "timed out" : "network error"}`,
    null,
    true,
  );
}

/** Runs one token-endpoint call, recording its latency and any failure like every other PKB call. */
async function timed<T>(
  service: UpstreamError["service"],
  endpoint: string,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let status = "200";
  try {
    return await call();
  } catch (err) {
    const e = toUpstream(err, service, what);
    status = e.status !== null ? String(e.status) : e.message.endsWith("timed out") ? "timeout" : "network";
    pkbCallErrors.inc({ service, endpoint, status });
    throw e;
  } finally {
    pkbCallDuration.observe({ service, endpoint, status }, (performance.now() - started) / 1000);
  }
}

/** PKB's token endpoint as a metrics label. */
const TOKEN_ENDPOINT = "POST /apiToken.action";

function tokenPair(res: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, now: number): TokenPair {
  const expiresIn = res.expiresIn() ?? 600;
  return {
    accessToken: res.access_token,
    refreshToken: res.refresh_token ?? null,
    accessExpiresAt: new Date(now + expiresIn * 1000),
    scope: res.scope ?? null,
  };
}

/** The user-client (clinician) side of PKB's OAuth. */
export class PkbOAuth {
  private readonly config: client.Configuration;

  constructor(
    private readonly pkb: Config["pkb"],
    private readonly redirectUri: string,
  ) {
    this.config = new client.Configuration(
      {
        issuer: pkb.baseUrl,
        authorization_endpoint: `${pkb.baseUrl}/apiAuthorize.action`,
        token_endpoint: `${pkb.baseUrl}/apiToken.action`,
      },
      pkb.clientId,
      undefined,
      pkb.clientAuth === "basic"
        ? client.ClientSecretBasic(pkb.clientSecret)
        : client.ClientSecretPost(pkb.clientSecret),
    );
    this.config.timeout = 30;
    if (pkb.baseUrl.startsWith("http://")) client.allowInsecureRequests(this.config);
  }

  /** The URL to send the clinician's browser to. `state` is random and checked on return. */
  authorizeUrl(state: string): string {
    return client
      .buildAuthorizationUrl(this.config, {
        response_type: "code",
        scope: this.pkb.scope,
        state,
        redirect_uri: this.redirectUri,
      })
      .toString();
  }

  /** Swaps the code in the callback URL for a token pair, checking `state`. */
  async exchangeCode(callbackQuery: URLSearchParams, expectedState: string): Promise<TokenPair> {
    const url = new URL(this.redirectUri);
    for (const [k, v] of callbackQuery) url.searchParams.set(k, v);
    return timed("pkb_oauth", TOKEN_ENDPOINT, "code exchange", async () =>
      tokenPair(await client.authorizationCodeGrant(this.config, url, { expectedState }), Date.now()),
    );
  }

  /**
   * Uses a refresh token (once: PKB's refresh tokens are single-use). Never retried here: if PKB rotated the pair but
   * the answer was lost, trying again with the old token would end the session.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    return timed("pkb_oauth", TOKEN_ENDPOINT, "token refresh", async () =>
      tokenPair(await client.refreshTokenGrant(this.config, refreshToken), Date.now()),
    );
  }
}

/** The Aggregated FHIR API's client-credentials grant (PKB's Keycloak realm). */
export class FhirTokenClient {
  private readonly config: client.Configuration;

  constructor(
    pkb: Config["pkb"],
    private readonly retry: RetryPolicy = defaultRetryPolicy,
  ) {
    this.config = new client.Configuration(
      { issuer: pkb.fhirTokenUrl, token_endpoint: pkb.fhirTokenUrl },
      pkb.fhirClientId,
      undefined,
      // Keycloak accepts the secret as form fields (PKB's documented way) and as Basic.
      client.ClientSecretPost(pkb.fhirClientSecret),
    );
    this.config.timeout = 30;
    if (pkb.fhirTokenUrl.startsWith("http://")) client.allowInsecureRequests(this.config);
  }

  /** Requests a new system token; transient failures are retried (asking again is always safe here). */
  async fetchToken(): Promise<SystemToken> {
    return pRetry(
      () =>
        timed("pkb_fhir_token", "POST /protocol/openid-connect/token", "FHIR token", async () => {
          const res = await client.clientCredentialsGrant(this.config);
          return { accessToken: res.access_token, expiresAt: new Date(Date.now() + (res.expiresIn() ?? 300) * 1000) };
        }),
      {
        retries: this.retry.retries,
        minTimeout: this.retry.minDelayMs,
        maxTimeout: this.retry.maxDelayMs,
        randomize: true,
        shouldRetry: ({ error }) => error instanceof UpstreamError && error.retryable,
      },
    );
  }
}
