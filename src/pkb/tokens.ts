// Keeps PKB tokens alive without ever racing a single-use refresh token:
// - within a process, one refresh per connection at a time (single-flight promise);
// - across processes, the connection row is locked (SELECT … FOR UPDATE) and the tokens re-read after the lock, so a
//   refresh another instance just made is used rather than repeated;
// - the new pair is committed before the new access token is handed out.
// When PKB says the session is over, the connection is marked as needing re-authorisation and the caller told.
import { UpstreamError } from "../errors.ts";
import { systemTokenFetches, tokenRefreshes } from "../metrics/instruments.ts";
import { getConnection, markNeedsReauth, readTokens, saveTokens } from "../store/connections.ts";
import type { TokenCipher } from "../store/crypto.ts";
import type { Db, Queryable } from "../store/db.ts";
import { openIncident } from "../store/incidents.ts";
import { SESSION_ENDED_CODES, type FhirTokenClient, type PkbOAuth, type SystemToken } from "./oauth.ts";

/** The PKB session behind a connection is over: a person must grant access again. Sync of it pauses. */
export class SessionEndedError extends Error {
  constructor(
    readonly connectionId: string,
    readonly reason: string,
  ) {
    super(`PKB session ended (${reason}): re-authorisation needed`);
    this.name = "SessionEndedError";
  }
}

/**
 * Called by the one call that found a connection's session over and opened the incident (other calls, here or in
 * other instances, meeting the same ended session do not call it): e.g. to deliver the alert.
 */
export type SessionEndedListener = (connectionId: string, reason: string) => Promise<void> | void;

/** Access tokens for PKB user connections. */
export class UserTokens {
  private readonly inflight = new Map<string, Promise<string>>();
  /**
   * Access tokens read or obtained lately, decrypted, per connection: the pipeline makes two PKB calls per request, and
   * reading and decrypting the connection's row for each was a statement per call. Kept only briefly (`CACHE_MS`) and
   * never past its refresh point; a token PKB refuses is dropped at once (the caller passes it as `rejected`), so
   * another instance's refresh or a new grant is picked up from the store as before. Refresh tokens are never cached:
   * a refresh always re-reads them under the row's lock.
   */
  private readonly cache = new Map<string, { token: string; expiresAt: Date; until: number }>();
  private static readonly CACHE_MS = 15_000;

  constructor(
    private readonly db: Db,
    private readonly cipher: TokenCipher,
    private readonly oauth: PkbOAuth,
    private readonly opts: { refreshAheadMs: number; onSessionEnded?: SessionEndedListener },
  ) {}

  /**
   * A usable access token for the connection. `rejected` is a token PKB just answered 401 to: it is refreshed even if
   * it looks unexpired.
   */
  async accessToken(connectionId: string, rejected?: string): Promise<string> {
    const cached = this.cache.get(connectionId);
    if (cached && cached.token !== rejected && cached.until > Date.now() && this.fresh(cached.expiresAt)) {
      return cached.token;
    }
    this.cache.delete(connectionId);
    const tokens = await readTokens(this.db, this.cipher, connectionId);
    if (tokens && tokens.accessToken !== rejected && this.fresh(tokens.accessExpiresAt)) {
      return this.remember(connectionId, tokens.accessToken, tokens.accessExpiresAt);
    }
    let pending = this.inflight.get(connectionId);
    if (!pending) {
      pending = this.refreshLocked(connectionId, rejected).finally(() => this.inflight.delete(connectionId));
      this.inflight.set(connectionId, pending);
    }
    return pending;
  }

  private remember(connectionId: string, token: string, expiresAt: Date): string {
    this.cache.set(connectionId, { token, expiresAt, until: Date.now() + UserTokens.CACHE_MS });
    return token;
  }

  /**
   * Records that PKB reported the session over (e.g. a 401 with API_SESSION_EXPIRED) for the access token `rejected`,
   * and notifies once per incident. Returns null, marking nothing, when the connection holds other tokens by now (a
   * refresh or a new grant came after that call started): the caller should try again with them.
   */
  async sessionEnded(connectionId: string, reason: string, rejected?: string): Promise<SessionEndedError | null> {
    this.cache.delete(connectionId);
    const opened = await this.db.transaction(async (tx) => {
      const current = await readTokens(tx, this.cipher, connectionId, { forUpdate: true });
      if (rejected !== undefined && current && current.accessToken !== rejected) return null;
      await markNeedsReauth(tx, connectionId, reason);
      return openIncident(tx, { kind: "needs_reauthorisation", connectionId, reason });
    });
    if (opened === null) return null;
    if (opened) await this.opts.onSessionEnded?.(connectionId, reason);
    return new SessionEndedError(connectionId, reason);
  }

  private fresh(expiresAt: Date): boolean {
    return expiresAt.getTime() - Date.now() > this.opts.refreshAheadMs;
  }

  private async refreshLocked(connectionId: string, rejected: string | undefined): Promise<string> {
    const ended = async (tx: Queryable, reason: string) => {
      await markNeedsReauth(tx, connectionId, reason);
      return { ended: reason, opened: await openIncident(tx, { kind: "needs_reauthorisation", connectionId, reason }) };
    };
    const outcome = await this.db.transaction(
      async (tx): Promise<{ token: string; expiresAt?: Date } | { ended: string; opened: boolean }> => {
        const conn = await getConnection(tx, connectionId, { forUpdate: true });
        if (!conn) throw new Error(`PKB connection ${connectionId} does not exist`);
        if (conn.status !== "active") return { ended: conn.needsReauthReason ?? conn.status, opened: false };
        const tokens = await readTokens(tx, this.cipher, connectionId);
        if (!tokens) return { ended: "no tokens held", opened: false };
        // Another process may have refreshed while we waited for the lock.
        if (tokens.accessToken !== rejected && this.fresh(tokens.accessExpiresAt))
          return { token: tokens.accessToken, expiresAt: tokens.accessExpiresAt };
        if (!tokens.refreshToken) {
          // PKB issued no refresh token: the session ends with this access token.
          if (tokens.accessToken !== rejected && tokens.accessExpiresAt.getTime() > Date.now())
            return { token: tokens.accessToken };
          return ended(tx, "API_SESSION_EXPIRED");
        }
        let pair;
        try {
          pair = await this.oauth.refresh(tokens.refreshToken);
        } catch (err) {
          if (err instanceof UpstreamError && err.upstreamCode && SESSION_ENDED_CODES.has(err.upstreamCode)) {
            tokenRefreshes.inc({ result: "session_ended" });
            return ended(tx, err.upstreamCode);
          }
          tokenRefreshes.inc({ result: "error" });
          throw err;
        }
        tokenRefreshes.inc({ result: "ok" });
        await saveTokens(tx, this.cipher, connectionId, pair);
        return { token: pair.accessToken, expiresAt: pair.accessExpiresAt };
      },
    );
    if ("token" in outcome) {
      // A token close to its expiry (PKB gave no refresh token) is not kept: it is read again each time.
      return outcome.expiresAt && this.fresh(outcome.expiresAt)
        ? this.remember(connectionId, outcome.token, outcome.expiresAt)
        : outcome.token;
    }
    this.cache.delete(connectionId);
    if (outcome.opened) await this.opts.onSessionEnded?.(connectionId, outcome.ended);
    throw new SessionEndedError(connectionId, outcome.ended);
  }
}

/** The Aggregated FHIR API's system token: cached (encrypted) in the store, renewed ahead of expiry, single-flight. */
export class SystemTokens {
  private cached: SystemToken | null = null;
  private inflight: Promise<SystemToken> | null = null;
  private static readonly NAME = "aggregated_fhir";

  constructor(
    private readonly db: Db,
    private readonly cipher: TokenCipher,
    private readonly client: FhirTokenClient,
    private readonly opts: { refreshAheadMs: number },
  ) {}

  /** A usable token; `rejected` forces a new one when the API answered 401 to it. */
  async accessToken(rejected?: string): Promise<string> {
    if (this.cached && this.cached.accessToken !== rejected && this.fresh(this.cached)) return this.cached.accessToken;
    this.inflight ??= this.obtain(rejected).finally(() => (this.inflight = null));
    return (await this.inflight).accessToken;
  }

  private fresh(t: SystemToken): boolean {
    return t.expiresAt.getTime() - Date.now() > this.opts.refreshAheadMs;
  }

  private async obtain(rejected: string | undefined): Promise<SystemToken> {
    const ctx = `system_tokens:${SystemTokens.NAME}`;
    const [row] = await this.db.query<{ access_token_enc: Uint8Array; expires_at: Date }>(
      "SELECT access_token_enc, expires_at FROM system_tokens WHERE name = $1",
      [SystemTokens.NAME],
    );
    if (row) {
      const stored = { accessToken: this.cipher.decrypt(row.access_token_enc, ctx), expiresAt: row.expires_at };
      if (stored.accessToken !== rejected && this.fresh(stored)) return (this.cached = stored);
    }
    let token: SystemToken;
    try {
      token = await this.client.fetchToken();
      systemTokenFetches.inc({ result: "ok" });
    } catch (err) {
      systemTokenFetches.inc({ result: "error" });
      throw err;
    }
    await this.db.query(
      `INSERT INTO system_tokens (name, access_token_enc, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET access_token_enc = $2, expires_at = $3, updated_at = now()`,
      [SystemTokens.NAME, this.cipher.encrypt(token.accessToken, ctx), token.expiresAt],
    );
    return (this.cached = token);
  }
}
