// Grant Access: an admin starts a connection (or re-authorises one), Rebook sends the browser to PKB with a random
// state, and the callback swaps the code for tokens, records who granted access and stores the tokens encrypted. The
// audit log records each grant, re-authorisation and refusal, with the person who started it (never a token or code).
import { randomBytes } from "node:crypto";
import type { AuditDetails } from "../audit-details.ts";
import { AppError } from "../errors.ts";
import { UpstreamError } from "../errors.ts";
import { createConnection, getConnection, saveTokens, type Connection } from "../store/connections.ts";
import { recordAudit } from "../store/audit.ts";
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

/** Who follows PKB's link back, for the audit log: the signed-in person, their name and address. */
export interface GrantActor {
  userId: string | null;
  label: string;
  ip?: string | null;
}

/**
 * Completes Grant Access from PKB's redirect. The state is single-use and must be known and unexpired. If the PKB user
 * already has another connection, that one is re-authorised instead and the new row dropped (one connection per PKB
 * user). Sync then resumes from the connection's cursor, so nothing is lost. Only the person who started this Grant
 * Access (`userId`) may complete it (403 `not_your_grant`); the state is used up either way. Audited: a first grant
 * (pkb.connection_granted) or re-authorisation (pkb.connection_reauthorised) in the grant's transaction, and a refusal
 * once the state is known (pkb.connection_grant_failed); a link back with no known state names no connection and is
 * not.
 */
export async function completeGrant(deps: SyncDeps, query: URLSearchParams, by: GrantActor): Promise<Connection> {
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
  const refused = async (details: Omit<AuditDetails["pkb.connection_grant_failed"], "connectionId" | "label">) => {
    const c = await getConnection(deps.db, row.connection_id);
    await recordAudit(deps.db, {
      actorUserId: by.userId,
      actorLabel: by.label,
      ip: by.ip ?? null,
      action: "pkb.connection_grant_failed",
      details: { connectionId: row.connection_id, label: c?.label ?? null, ...details },
    });
  };
  if (row.created_by !== by.userId) {
    await refused({ reason: "not_your_grant", pkbError: null, startedBy: row.created_by });
    throw new AppError(
      "not_your_grant",
      "This Grant Access was started by someone else. Start Grant Access again while signed in to Rebook yourself.",
      403,
    );
  }
  const error = query.get("error");
  if (error) {
    const reason = error === "access_denied" ? "access_denied" : "grant_failed";
    // PKB's error code only (its description is free text), cut short: it comes back in the browser's URL.
    await refused({ reason, pkbError: error.slice(0, 100) });
    throw new AppError(
      reason,
      error === "access_denied" ? "Access was not granted in PKB." : `PKB did not grant access (${error}).`,
      400,
    );
  }
  let tokens;
  try {
    tokens = await deps.oauth.exchangeCode(query, state);
  } catch (err) {
    const code = err instanceof UpstreamError ? err.upstreamCode : null;
    await refused({ reason: "grant_failed", pkbError: code ?? null });
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
    // The connection Grant Access was started for, as it was (the audit entry says whether this is a first grant).
    const started = await getConnection(tx, row.connection_id, { forUpdate: true });
    let targetId = row.connection_id;
    let before = started;
    if (existing) {
      if (started?.status === "awaiting_grant")
        await tx.query("DELETE FROM pkb_connections WHERE id = $1", [row.connection_id]);
      targetId = existing.id;
      before = await getConnection(tx, existing.id);
    }
    const connection = await saveTokens(tx, deps.cipher, targetId, tokens, { pkbUserId: self.id, pkbUserName: name });
    const audit = { actorUserId: by.userId, actorLabel: by.label, ip: by.ip ?? null };
    const what = { connectionId: connection.id, label: connection.label, pkbUserName: name };
    if (!before || before.grantedAt === null) {
      await recordAudit(tx, { ...audit, action: "pkb.connection_granted", details: what });
    } else {
      await recordAudit(tx, {
        ...audit,
        action: "pkb.connection_reauthorised",
        details: {
          ...what,
          previousStatus: before.status,
          ...(started && started.id !== connection.id
            ? { startedFor: { connectionId: started.id, label: started.label } }
            : {}),
        },
      });
    }
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
