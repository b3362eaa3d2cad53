// PKB sessions and tokens: authorization codes, access/refresh token pairs bound to a session (single-use refresh
// tokens; reuse invalidates the session), and the Aggregated FHIR API's client-credentials tokens. All times come
// from the injected clock (epoch ms), so tests can move time without waiting.

import { randomUUID } from "node:crypto";
import { randomToken } from "./util.ts";

/** OAuth scopes PKB's user clients know. */
export type PkbScope = "PATIENT" | "CLINICIAN" | "TEAMCOORD";

/** PKB response codes for dead user tokens (CodeSystem http://fhir.patientsknowbest.com/codesystem/response-code). */
export type TokenFailureCode =
  "ACC_TOKEN_EXPIRED" | "API_SESSION_EXPIRED" | "API_SESSION_INVALID" | "BAD_AUTHENTICATION";

/** A signed-in PKB session behind a token pair. `state` is set by control actions; natural expiry is by time. */
export interface Session {
  id: string;
  clientId: string;
  userPkbId: string;
  username: string;
  scope: PkbScope;
  createdAt: number;
  expiresAt: number;
  state: "active" | "expired" | "invalid";
  reason: string | null;
}

/** The token endpoint's success body for user clients. */
export interface UserTokenBody {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token?: string;
  scope: PkbScope;
}

/** The Keycloak realm's client-credentials success body. */
export interface SystemTokenBody {
  access_token: string;
  expires_in: number;
  refresh_expires_in: 0;
  token_type: "bearer";
  "not-before-policy": 0;
  scope: "none";
  jti: string;
}

/** A grant outcome: a token body, or an OAuth error (always invalid_grant here: client auth is checked earlier). */
export type GrantResult =
  { ok: true; body: UserTokenBody } | { ok: false; error: "invalid_grant"; description: string };

/** Result of checking a bearer token on the user (/json) API. */
export type UserTokenCheck =
  { ok: true; session: Session } | { ok: false; code: TokenFailureCode; description: string };

/** What a session filter selects in control actions. */
export type SessionFilter = { sessionId: string } | { username: string } | { all: true };

interface CodeRecord {
  clientId: string;
  userPkbId: string;
  username: string;
  scope: PkbScope;
  /** The redirect_uri exactly as sent to authorize, or null when it was omitted. */
  redirectUriSent: string | null;
  /** The registered URI used when it was omitted. */
  redirectUriUsed: string;
  issuedAt: number;
  expiresAt: number;
  sessionId: string | null;
  used: boolean;
}

interface TokenRecord {
  sessionId: string;
  expiresAt: number;
}

/** Lifetimes in seconds. */
export interface SessionStoreOptions {
  clock: () => number;
  accessTokenTtl: number;
  sessionTtl: number;
  systemTokenTtl: number;
  /** Authorization code lifetime; default 120 s. */
  codeTtl?: number;
}

const KEEP_DEAD_MS = 86_400_000;

/** All OAuth state of the emulator. */
export class SessionStore {
  private codes = new Map<string, CodeRecord>();
  private sessions = new Map<string, Session>();
  private access = new Map<string, TokenRecord>();
  private refresh = new Map<string, { sessionId: string; used: boolean }>();
  private system = new Map<string, { clientId: string; expiresAt: number }>();
  private reused = { refreshTokens: 0, authorizationCodes: 0 };

  /** Creates an empty store. */
  constructor(private readonly opts: SessionStoreOptions) {}

  private now(): number {
    return this.opts.clock();
  }

  /** Issues a single-use authorization code after the user granted access. */
  issueCode(p: Omit<CodeRecord, "issuedAt" | "expiresAt" | "sessionId" | "used">): string {
    const code = randomToken();
    const now = this.now();
    this.codes.set(code, {
      ...p,
      issuedAt: now,
      expiresAt: now + (this.opts.codeTtl ?? 120) * 1000,
      sessionId: null,
      used: false,
    });
    return code;
  }

  /** authorization_code grant. A reused code also invalidates the session it created (RFC 6749 §4.1.2). */
  exchangeCode(code: string, clientId: string, redirectUri: string | undefined): GrantResult {
    const rec = this.codes.get(code);
    if (!rec || rec.clientId !== clientId) return fail("unknown authorization code");
    if (rec.used) {
      this.reused.authorizationCodes += 1;
      if (rec.sessionId) this.kill(rec.sessionId, "invalid", "authorization code reused");
      return fail("authorization code already used; the tokens issued for it are revoked");
    }
    if (this.now() >= rec.expiresAt) return fail("authorization code expired");
    const matches =
      rec.redirectUriSent === null
        ? redirectUri === undefined || redirectUri === rec.redirectUriUsed
        : redirectUri === rec.redirectUriSent;
    if (!matches) return fail("redirect_uri does not match the one sent to the authorization endpoint");
    rec.used = true;
    const session: Session = {
      id: randomUUID(),
      clientId,
      userPkbId: rec.userPkbId,
      username: rec.username,
      scope: rec.scope,
      createdAt: rec.issuedAt,
      expiresAt: rec.issuedAt + this.opts.sessionTtl * 1000,
      state: "active",
      reason: null,
    };
    this.sessions.set(session.id, session);
    rec.sessionId = session.id;
    return { ok: true, body: this.issuePair(session) };
  }

  /** refresh_token grant: single use; a second use invalidates the whole session (API_SESSION_INVALID). */
  refreshGrant(refreshToken: string, clientId: string): GrantResult {
    const rec = this.refresh.get(refreshToken);
    const session = rec ? this.sessions.get(rec.sessionId) : undefined;
    if (!rec || !session || session.clientId !== clientId) return fail("unknown refresh token");
    if (rec.used) this.reused.refreshTokens += 1; // counted whether or not the session is still alive
    const dead = this.deadReason(session);
    if (dead) return fail(`${dead.code}: ${dead.description}`);
    if (rec.used) {
      this.kill(session.id, "invalid", "refresh token used more than once");
      return fail("API_SESSION_INVALID: refresh token used more than once; the session is invalidated");
    }
    rec.used = true;
    return { ok: true, body: this.issuePair(session) };
  }

  private issuePair(session: Session): UserTokenBody {
    this.prune();
    const now = this.now();
    const accessToken = randomToken();
    const expiresAt = now + this.opts.accessTokenTtl * 1000;
    this.access.set(accessToken, { sessionId: session.id, expiresAt });
    const body: UserTokenBody = {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: this.opts.accessTokenTtl,
      scope: session.scope,
    };
    if (session.expiresAt > expiresAt) {
      const refreshToken = randomToken();
      this.refresh.set(refreshToken, { sessionId: session.id, used: false });
      body.refresh_token = refreshToken;
    }
    return body;
  }

  private deadReason(session: Session): { code: TokenFailureCode; description: string } | null {
    if (session.state === "invalid") return { code: "API_SESSION_INVALID", description: session.reason ?? "invalid" };
    if (session.state === "expired") return { code: "API_SESSION_EXPIRED", description: session.reason ?? "expired" };
    if (this.now() >= session.expiresAt) return { code: "API_SESSION_EXPIRED", description: "the PKB session ended" };
    return null;
  }

  /** Checks a user access token. Ended sessions keep their last access token alive until it expires. */
  checkUserToken(token: string): UserTokenCheck {
    const rec = this.access.get(token);
    const session = rec ? this.sessions.get(rec.sessionId) : undefined;
    if (!rec || !session) {
      const description = this.system.has(token)
        ? "a system (client credentials) token is not valid for this API"
        : "unknown access token";
      return { ok: false, code: "BAD_AUTHENTICATION", description };
    }
    if (session.state !== "active") {
      const dead = this.deadReason(session);
      if (dead) return { ok: false, ...dead };
    }
    if (this.now() >= rec.expiresAt) {
      if (this.now() >= session.expiresAt)
        return { ok: false, code: "API_SESSION_EXPIRED", description: "the PKB session ended" };
      return { ok: false, code: "ACC_TOKEN_EXPIRED", description: "access token expired; refresh it" };
    }
    return { ok: true, session };
  }

  /** True when `token` is a user access token (alive or not): for "wrong API" messages. */
  isUserToken(token: string): boolean {
    return this.access.has(token);
  }

  /** Issues a client-credentials token for the Aggregated FHIR API. */
  issueSystemToken(clientId: string): SystemTokenBody {
    this.prune();
    const token = randomToken();
    this.system.set(token, { clientId, expiresAt: this.now() + this.opts.systemTokenTtl * 1000 });
    return {
      access_token: token,
      expires_in: this.opts.systemTokenTtl,
      refresh_expires_in: 0,
      token_type: "bearer",
      "not-before-policy": 0,
      scope: "none",
      jti: randomUUID(),
    };
  }

  /** Checks a system token: "ok", "expired", or "unknown". */
  checkSystemToken(token: string): "ok" | "expired" | "unknown" {
    const rec = this.system.get(token);
    if (!rec) return "unknown";
    return this.now() >= rec.expiresAt ? "expired" : "ok";
  }

  /** Ends sessions as if PKB expired them: later refreshes fail (invalid_grant), API calls get API_SESSION_EXPIRED. */
  expire(filter: SessionFilter): number {
    return this.select(filter).filter((s) => this.kill(s.id, "expired", "expired by the control API")).length;
  }

  /** Invalidates sessions: later refreshes fail (invalid_grant), API calls get API_SESSION_INVALID. */
  revoke(filter: SessionFilter): number {
    return this.select(filter).filter((s) => this.kill(s.id, "invalid", "revoked by the control API")).length;
  }

  private select(filter: SessionFilter): Session[] {
    const all = [...this.sessions.values()];
    if ("all" in filter) return all;
    if ("sessionId" in filter) return all.filter((s) => s.id === filter.sessionId);
    const name = filter.username.toLowerCase();
    return all.filter((s) => s.username.toLowerCase() === name);
  }

  private kill(sessionId: string, state: "expired" | "invalid", reason: string): boolean {
    const s = this.sessions.get(sessionId);
    if (!s || s.state !== "active") return false;
    s.state = state;
    s.reason = reason;
    return true;
  }

  /** How many times a client presented a refresh token or an authorization code it had already used. */
  reuses(): { refreshTokens: number; authorizationCodes: number } {
    return { ...this.reused };
  }

  /** Sessions without their tokens, with their effective status. */
  list(): Array<Session & { status: "active" | "ended" | "expired" | "invalid" }> {
    const now = this.now();
    return [...this.sessions.values()].map((s) => ({
      ...s,
      status: s.state === "active" && now >= s.expiresAt ? "ended" : s.state,
    }));
  }

  /** Rebinds sessions to the users of a new world after a reset; sessions whose user is gone are invalidated. */
  rebind(resolve: (username: string) => string | undefined): void {
    for (const s of this.sessions.values()) {
      const pkbId = resolve(s.username);
      if (pkbId) s.userPkbId = pkbId;
      else this.kill(s.id, "invalid", "the user no longer exists after a reset");
    }
  }

  /** Drops codes and tokens that died more than a day ago, so memory stays bounded. */
  private prune(): void {
    if (this.access.size + this.system.size + this.codes.size < 20_000) return;
    const cutoff = this.now() - KEEP_DEAD_MS;
    for (const [k, v] of this.access) if (v.expiresAt < cutoff) this.access.delete(k);
    for (const [k, v] of this.system) if (v.expiresAt < cutoff) this.system.delete(k);
    for (const [k, v] of this.codes) if (v.expiresAt < cutoff) this.codes.delete(k);
  }
}

function fail(description: string): GrantResult {
  return { ok: false, error: "invalid_grant", description };
}
