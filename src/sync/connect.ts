// Grant Access: an admin starts a connection (or re-authorises one), Rebook sends the browser to PKB with a random
// state, and the callback swaps the code for tokens, records who granted access and stores the tokens encrypted.
import { randomBytes } from "node:crypto";
import { AppError } from "../errors.ts";
import { UpstreamError } from "../errors.ts";
import { createConnection, getConnection, saveTokens, type Connection } from "../store/connections.ts";
import { resolveIncident } from "../store/incidents.ts";
import { storableJson } from "../store/storable.ts";
import type { SyncDeps } from "./deps.ts";
import { wakeRequestsWaitingForAccess } from "./process.ts";

/** How long a Grant Access link stays usable. */
const STATE_TTL_MS = 15 * 60_000;

/** Starts Grant Access for a new connection, or re-authorisation of an existing one; returns PKB's authorize URL. */
export async function beginGrant(
  deps: SyncDeps,
  p: { connectionId?: string; label?: string; userId: string | null },
): Promise<{ connection: Connection; authorizeUrl: string }> {
  return deps.db.transaction(async (tx) => {
    let connection: Connection | null;
    if (p.connectionId) {
      connection = await getConnection(tx, p.connectionId);
      if (!connection) throw new AppError("not_found", "PKB connection was not found", 404);
    } else {
      connection = await createConnection(tx, { label: p.label?.trim() || "PKB connection", createdBy: p.userId });
    }
    const state = randomBytes(24).toString("base64url");
    await tx.query("DELETE FROM oauth_states WHERE expires_at < now()");
    await tx.query(
      "INSERT INTO oauth_states (state, connection_id, created_by, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000))",
      [state, connection.id, p.userId, STATE_TTL_MS],
    );
    return { connection, authorizeUrl: deps.oauth.authorizeUrl(state) };
  });
}

/**
 * Completes Grant Access from PKB's redirect. The state is single-use and must be known and unexpired. If the PKB user
 * already has another connection, that one is re-authorised instead and the new row dropped (one connection per PKB
 * user). Sync then resumes from the connection's cursor, so nothing is lost. Only the person who started this Grant
 * Access (`userId`) may complete it (403 `not_your_grant`); the state is used up either way.
 */
export async function completeGrant(
  deps: SyncDeps,
  query: URLSearchParams,
  by: { userId: string | null },
): Promise<Connection> {
  const state = query.get("state");
  if (!state)
    throw new AppError("invalid_state", "The link back from PKB is missing its state. Start Grant Access again.", 400);
  const [row] = await deps.db.query<{ connection_id: string; created_by: string | null }>(
    "DELETE FROM oauth_states WHERE state = $1 AND expires_at > now() RETURNING connection_id, created_by",
    [state],
  );
  if (!row) {
    throw new AppError(
      "invalid_state",
      "This Grant Access link has expired or was already used. Start Grant Access again.",
      400,
    );
  }
  if (row.created_by !== by.userId) {
    throw new AppError(
      "not_your_grant",
      "This Grant Access was started by someone else. Start Grant Access again while signed in to Rebook yourself.",
      403,
    );
  }
  const error = query.get("error");
  if (error) {
    throw new AppError(
      error === "access_denied" ? "access_denied" : "grant_failed",
      error === "access_denied" ? "Access was not granted in PKB." : `PKB did not grant access (${error}).`,
      400,
    );
  }
  let tokens;
  try {
    tokens = await deps.oauth.exchangeCode(query, state);
  } catch (err) {
    const code = err instanceof UpstreamError ? err.upstreamCode : null;
    throw new AppError(
      "grant_failed",
      `PKB refused the grant${code ? ` (${code})` : ""}. Start Grant Access again.`,
      502,
      true,
    );
  }
  // Who granted access: PKB's signed-in user, made storable (a name with U+0000 would fail the connection's write; the
  // original stays PKB's).
  const self = storableJson(await deps.rest.selfWithToken(tokens.accessToken)).value;
  const name = [self.title, self.firstName, self.lastName].filter(Boolean).join(" ") || null;
  const granted = await deps.db.transaction(async (tx) => {
    const [existing] = await tx.query<{ id: string }>(
      "SELECT id FROM pkb_connections WHERE pkb_user_id = $1 AND id <> $2 FOR UPDATE",
      [self.id, row.connection_id],
    );
    let targetId = row.connection_id;
    if (existing) {
      const [fresh] = await tx.query<{ status: string }>("SELECT status FROM pkb_connections WHERE id = $1", [
        row.connection_id,
      ]);
      if (fresh?.status === "awaiting_grant")
        await tx.query("DELETE FROM pkb_connections WHERE id = $1", [row.connection_id]);
      targetId = existing.id;
    }
    const connection = await saveTokens(tx, deps.cipher, targetId, tokens, { pkbUserId: self.id, pkbUserName: name });
    // Access is back: the re-authorisation incident is resolved (its "resolved" alert goes out once), and requests
    // that waited for access are due now rather than at the end of their pause.
    await resolveIncident(tx, {
      kind: "needs_reauthorisation",
      connectionId: targetId,
      resolution: `access granted again${name ? ` by ${name}` : ""}`,
    });
    await wakeRequestsWaitingForAccess(tx);
    return connection;
  });
  await deps.alerts.flush();
  return granted;
}
