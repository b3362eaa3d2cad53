// Single sign-on with any OpenID Connect provider (NHS CIS2, Azure AD…) through openid-client: discovery, the
// authorization code flow with PKCE, state and nonce (kept server-side in oidc_logins, bound to the browser by a
// short-lived HTTP-only cookie), and mapping the person to a Rebook user.
import { createHash, randomBytes } from "node:crypto";
import * as client from "openid-client";
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import type { Queryable } from "../store/db.ts";
import type { Role } from "../store/people.ts";
import { normaliseEmail } from "./accounts.ts";

/** The cookie that ties a sign-in in progress to the browser that started it. */
export const OIDC_BROWSER_COOKIE = "rebook_oidc";
/** Where the provider sends the browser back to, under PUBLIC_URL. */
export const OIDC_CALLBACK_PATH = "/api/auth/oidc/callback";
/** How long a started sign-in may take, in milliseconds. */
export const OIDC_LOGIN_TTL_MS = 10 * 60_000;

export type OidcSettings = NonNullable<Config["auth"]["oidc"]>;

/** Who the provider says signed in. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

/** A sign-in that did not work out; `code` is what the sign-in page explains. */
export class OidcRefusal extends Error {
  constructor(
    readonly code: "sso_failed" | "sso_unknown_user" | "sso_inactive",
    message: string,
  ) {
    super(message);
    this.name = "OidcRefusal";
  }
}

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/** openid-client's claims, with the fields Rebook reads. */
const text = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v.trim() : null);

/** The provider as Rebook's relying party. Discovery happens on first use and is retried after a failure. */
export class OidcClient {
  private configuration: Promise<client.Configuration> | null = null;

  constructor(
    readonly settings: OidcSettings,
    /** PUBLIC_URL + OIDC_CALLBACK_PATH, registered with the provider. */
    readonly redirectUri: string,
    private readonly timeoutSeconds = 30,
  ) {}

  private config(): Promise<client.Configuration> {
    this.configuration ??= (async () => {
      const s = this.settings;
      // Plain http only for a provider on this machine (config.ts refuses any other http issuer).
      const local = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(s.issuerUrl);
      const config = await client.discovery(
        new URL(s.issuerUrl),
        s.clientId,
        undefined,
        s.clientSecret ? client.ClientSecretPost(s.clientSecret) : client.None(),
        { timeout: this.timeoutSeconds, ...(local ? { execute: [client.allowInsecureRequests] } : {}) },
      );
      config.timeout = this.timeoutSeconds;
      return config;
    })().catch((err: unknown) => {
      this.configuration = null;
      throw err;
    });
    return this.configuration;
  }

  /**
   * Starts a sign-in: stores its PKCE verifier, state and nonce, and returns the provider's authorization URL and the
   * random value for the browser cookie.
   */
  async start(db: Queryable, returnTo: string): Promise<{ url: string; browserToken: string }> {
    let config: client.Configuration;
    try {
      config = await this.config();
    } catch {
      throw new OidcRefusal("sso_failed", "The single sign-on provider did not answer");
    }
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const browserToken = randomBytes(24).toString("base64url");
    await db.query("DELETE FROM oidc_logins WHERE expires_at < now()");
    await db.query(
      `INSERT INTO oidc_logins (state, browser_hash, nonce, code_verifier, return_to, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::double precision / 1000))`,
      [state, sha256(browserToken), nonce, verifier, returnTo, OIDC_LOGIN_TTL_MS],
    );
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    return { url: url.href, browserToken };
  }

  /**
   * Completes a sign-in from the provider's redirect (`search` is the callback's query string): the state must be one
   * this browser started and not yet used; the code is exchanged with PKCE and the ID token checked (issuer, audience,
   * signature, nonce). Returns who signed in and where to go next.
   */
  async finish(
    db: Queryable,
    p: { search: string; browserToken: string | undefined },
  ): Promise<{ identity: OidcIdentity; returnTo: string }> {
    const query = new URLSearchParams(p.search);
    const state = query.get("state");
    if (!state || !p.browserToken) throw new OidcRefusal("sso_failed", "The sign-in was not started here");
    const [login] = await db.query<{ browser_hash: string; nonce: string; code_verifier: string; return_to: string }>(
      "DELETE FROM oidc_logins WHERE state = $1 AND expires_at > now() RETURNING *",
      [state],
    );
    if (!login || login.browser_hash !== sha256(p.browserToken)) {
      throw new OidcRefusal("sso_failed", "The sign-in expired or was started in another browser");
    }
    if (query.get("error")) throw new OidcRefusal("sso_failed", `The provider answered ${query.get("error")}`);
    let claims: client.IDToken;
    let accessToken: string;
    let config: client.Configuration;
    try {
      config = await this.config();
      const callback = new URL(this.redirectUri);
      callback.search = query.toString();
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: login.code_verifier,
        expectedState: state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      const c = tokens.claims();
      if (!c) throw new Error("no ID token");
      claims = c;
      accessToken = tokens.access_token;
    } catch (err) {
      throw new OidcRefusal("sso_failed", `The sign-in could not be completed (${(err as Error).message})`);
    }
    let info: Record<string, unknown> = claims;
    // Some providers put email and name only in UserInfo.
    if (!text(claims.email) || !text(claims.name)) {
      try {
        info = { ...(await client.fetchUserInfo(config, accessToken, claims.sub)), ...claims };
      } catch {
        // The ID token's claims are enough to go on.
      }
    }
    const name = text(info.name) ?? ([text(info.given_name), text(info.family_name)].filter(Boolean).join(" ") || null);
    return {
      identity: {
        issuer: claims.iss,
        subject: claims.sub,
        email: text(info.email),
        emailVerified: info.email_verified === true,
        name,
      },
      returnTo: login.return_to,
    };
  }
}

/**
 * The Rebook user for an identity: by (issuer, subject); else the active user with that email when the provider says
 * the email is verified (the identity is then remembered on the user); else a new user with `autoProvisionRole` when
 * configured. Anything else is refused.
 */
export async function resolveOidcUser(
  db: Queryable,
  id: OidcIdentity,
  autoProvisionRole: Role | null,
): Promise<{ userId: string; provisioned: boolean }> {
  const [bySubject] = await db.query<{ id: string; active: boolean }>(
    "SELECT id, active FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2",
    [id.issuer, id.subject],
  );
  if (bySubject) {
    if (!bySubject.active) throw new OidcRefusal("sso_inactive", "The user is switched off");
    return { userId: bySubject.id, provisioned: false };
  }
  const [byEmail] = id.email
    ? await db.query<{ id: string; active: boolean; oidc_subject: string | null }>(
        "SELECT id, active, oidc_subject FROM users WHERE lower(email) = $1",
        [normaliseEmail(id.email)],
      )
    : [];
  if (byEmail) {
    // A user already tied to another identity, or an email the provider has not verified, is not taken over.
    if (!id.emailVerified || byEmail.oidc_subject !== null) {
      throw new OidcRefusal("sso_unknown_user", "No Rebook user is linked to this identity");
    }
    if (!byEmail.active) throw new OidcRefusal("sso_inactive", "The user is switched off");
    await db.query("UPDATE users SET oidc_issuer = $2, oidc_subject = $3, updated_at = now() WHERE id = $1", [
      byEmail.id,
      id.issuer,
      id.subject,
    ]);
    return { userId: byEmail.id, provisioned: false };
  }
  if (!autoProvisionRole || !id.email) {
    throw new OidcRefusal("sso_unknown_user", "No Rebook user is linked to this identity");
  }
  const [created] = await db.query<{ id: string }>(
    `INSERT INTO users (email, display_name, role, oidc_issuer, oidc_subject) VALUES ($1, $2, $3, $4, $5)
     RETURNING id`,
    [id.email, id.name ?? id.email, autoProvisionRole, id.issuer, id.subject],
  );
  return { userId: created!.id, provisioned: true };
}

/** An AppError for routes that need single sign-on when it is not configured. */
export const oidcNotConfigured = (): AppError =>
  new AppError("sso_not_configured", "Single sign-on is not set up on this Rebook server", 404);
