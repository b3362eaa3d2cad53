// PKB connections: one per clinician who granted access. Tokens are only ever stored encrypted; they are decrypted
// into memory when a call to PKB needs them.
import type { Queryable } from "./db.ts";
import type { TokenCipher } from "./crypto.ts";

export type ConnectionStatus = "awaiting_grant" | "active" | "needs_reauth" | "disabled";

/** A connection as the rest of Rebook sees it: never with token material. */
export interface Connection {
  id: string;
  label: string;
  status: ConnectionStatus;
  pkbUserId: string | null;
  pkbUserName: string | null;
  scope: string | null;
  accessExpiresAt: Date | null;
  hasRefreshToken: boolean;
  tokenVersion: number;
  grantedAt: Date | null;
  messagesCursor: Date | null;
  lastSyncStartedAt: Date | null;
  lastSyncFinishedAt: Date | null;
  lastSyncError: string | null;
  needsReauthSince: Date | null;
  needsReauthReason: string | null;
  createdAt: Date;
}

/** A decrypted token pair, held only in memory. refreshToken is null when PKB issued none (session about to end). */
export interface TokenPair {
  accessToken: string;
  refreshToken: string | null;
  accessExpiresAt: Date;
  scope: string | null;
}

interface Row {
  id: string;
  label: string;
  status: ConnectionStatus;
  pkb_user_id: string | null;
  pkb_user_name: string | null;
  scope: string | null;
  access_expires_at: Date | null;
  refresh_token_enc: Uint8Array | null;
  access_token_enc: Uint8Array | null;
  token_version: number;
  granted_at: Date | null;
  messages_cursor: Date | null;
  last_sync_started_at: Date | null;
  last_sync_finished_at: Date | null;
  last_sync_error: string | null;
  needs_reauth_since: Date | null;
  needs_reauth_reason: string | null;
  created_at: Date;
}

const toConnection = (r: Row): Connection => ({
  id: r.id,
  label: r.label,
  status: r.status,
  pkbUserId: r.pkb_user_id,
  pkbUserName: r.pkb_user_name,
  scope: r.scope,
  accessExpiresAt: r.access_expires_at,
  hasRefreshToken: r.refresh_token_enc !== null,
  tokenVersion: r.token_version,
  grantedAt: r.granted_at,
  messagesCursor: r.messages_cursor,
  lastSyncStartedAt: r.last_sync_started_at,
  lastSyncFinishedAt: r.last_sync_finished_at,
  lastSyncError: r.last_sync_error,
  needsReauthSince: r.needs_reauth_since,
  needsReauthReason: r.needs_reauth_reason,
  createdAt: r.created_at,
});

const ctx = (id: string, field: "access" | "refresh"): string => `pkb_connections:${id}:${field}`;

/** Creates a connection awaiting its first grant. */
export async function createConnection(
  db: Queryable,
  props: { label: string; createdBy: string | null },
): Promise<Connection> {
  const [row] = await db.query<Row>(
    "INSERT INTO pkb_connections (label, status, created_by) VALUES ($1, 'awaiting_grant', $2) RETURNING *",
    [props.label, props.createdBy],
  );
  return toConnection(row!);
}

/** One connection, or null. `forUpdate` locks the row until the transaction ends (token refresh). */
export async function getConnection(
  db: Queryable,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Connection | null> {
  const rows = await db.query<Row>(
    `SELECT * FROM pkb_connections WHERE id = $1${opts.forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  return rows[0] ? toConnection(rows[0]) : null;
}

/** All connections, oldest first. */
export async function listConnections(db: Queryable): Promise<Connection[]> {
  return (await db.query<Row>("SELECT * FROM pkb_connections ORDER BY created_at, id")).map(toConnection);
}

/** Decrypts the stored token pair; null when the connection holds none. */
export async function readTokens(
  db: Queryable,
  cipher: TokenCipher,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<TokenPair | null> {
  const rows = await db.query<Row>(
    `SELECT * FROM pkb_connections WHERE id = $1${opts.forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  const r = rows[0];
  if (!r?.access_token_enc || !r.access_expires_at) return null;
  return {
    accessToken: cipher.decrypt(r.access_token_enc, ctx(id, "access")),
    refreshToken: r.refresh_token_enc ? cipher.decrypt(r.refresh_token_enc, ctx(id, "refresh")) : null,
    accessExpiresAt: r.access_expires_at,
    scope: r.scope,
  };
}

/**
 * Stores a new token pair (after a grant or a refresh), encrypted, and bumps token_version. `grant` also records the
 * PKB user, marks the connection active and clears any re-authorisation flag.
 */
export async function saveTokens(
  db: Queryable,
  cipher: TokenCipher,
  id: string,
  tokens: TokenPair,
  grant?: { pkbUserId: string | null; pkbUserName: string | null },
): Promise<Connection> {
  const params: unknown[] = [
    id,
    cipher.encrypt(tokens.accessToken, ctx(id, "access")),
    tokens.refreshToken === null ? null : cipher.encrypt(tokens.refreshToken, ctx(id, "refresh")),
    tokens.accessExpiresAt,
    tokens.scope,
  ];
  let grantSql = "";
  if (grant) {
    params.push(grant.pkbUserId, grant.pkbUserName);
    grantSql = `, status = 'active', granted_at = now(), pkb_user_id = $6, pkb_user_name = $7,
      needs_reauth_since = NULL, needs_reauth_reason = NULL`;
  }
  const [row] = await db.query<Row>(
    `UPDATE pkb_connections SET access_token_enc = $2, refresh_token_enc = $3, access_expires_at = $4, scope = $5,
       token_version = token_version + 1, updated_at = now()${grantSql}
     WHERE id = $1 RETURNING *`,
    params,
  );
  if (!row) throw new Error(`PKB connection ${id} does not exist`);
  return toConnection(row);
}

/** Marks the connection as needing a person to grant access again; tokens are discarded (they no longer work). */
export async function markNeedsReauth(db: Queryable, id: string, reason: string): Promise<Connection> {
  const [row] = await db.query<Row>(
    `UPDATE pkb_connections SET status = 'needs_reauth', needs_reauth_since = COALESCE(needs_reauth_since, now()),
       needs_reauth_reason = $2, access_token_enc = NULL, refresh_token_enc = NULL, access_expires_at = NULL,
       token_version = token_version + 1, updated_at = now()
     WHERE id = $1 RETURNING *`,
    [id, reason],
  );
  if (!row) throw new Error(`PKB connection ${id} does not exist`);
  return toConnection(row);
}

/** Moves the message cursor forward (never backward). */
export async function advanceCursor(db: Queryable, id: string, cursor: Date): Promise<void> {
  await db.query(
    `UPDATE pkb_connections SET messages_cursor = GREATEST(COALESCE(messages_cursor, $2), $2), updated_at = now()
     WHERE id = $1`,
    [id, cursor],
  );
}

/**
 * Removes a connection whose Grant Access was started and never finished (status awaiting_grant): it holds no tokens
 * and has collected nothing. Returns its label, or null when there is no such connection in that state.
 */
export async function removeAbandonedConnection(db: Queryable, id: string): Promise<string | null> {
  const rows = await db.query<{ label: string }>(
    "DELETE FROM pkb_connections WHERE id = $1 AND status = 'awaiting_grant' RETURNING label",
    [id],
  );
  return rows[0]?.label ?? null;
}
