// PKB's OAuth 2.0 endpoints through openid-client: the clinician's Grant Access (authorization code), refresh, and the
// client-credentials grant for the Aggregated FHIR API. PKB publishes no discovery document, so the endpoints are
// configured explicitly.
import * as client from "openid-client";
import type { Config } from "../config.ts";
import pRetry from "p-retry";
import { UpstreamError } from "../errors.ts";
import { defaultRetryPolicy, type RetryPolicy } from "./http.ts";
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
    try {
      const res = await client.authorizationCodeGrant(this.config, url, { expectedState });
      return tokenPair(res, Date.now());
    } catch (err) {
      throw toUpstream(err, "pkb_oauth", "code exchange");
    }
  }

  /**
   * Uses a refresh token (once: PKB's refresh tokens are single-use). Never retried here: if PKB rotated the pair but
   * the answer was lost, trying again with the old token would end the session.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    try {
      return tokenPair(await client.refreshTokenGrant(this.config, refreshToken), Date.now());
    } catch (err) {
      throw toUpstream(err, "pkb_oauth", "token refresh");
    }
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
      async () => {
        try {
          const res = await client.clientCredentialsGrant(this.config);
          return { accessToken: res.access_token, expiresAt: new Date(Date.now() + (res.expiresIn() ?? 300) * 1000) };
        } catch (err) {
          throw toUpstream(err, "pkb_fhir_token", "FHIR token");
        }
      },
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
