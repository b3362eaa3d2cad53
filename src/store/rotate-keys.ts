// Re-seals every encrypted token with the current key (`rebook rotate-keys`). Each row is locked while it is re-sealed
// (SELECT … FOR UPDATE), so a token refresh running at the same time on another instance either finishes first (and
// its new tokens are re-sealed) or waits; the tokens themselves and token_version are unchanged. Safe to run again.
import type { TokenCipher } from "./crypto.ts";
import type { Db, Queryable } from "./db.ts";
import { recordAudit } from "./audit.ts";

/** What a rotation did. `failed` lists values no configured key could open (ids and fields only, never contents). */
export interface RotationReport {
  keyId: string;
  resealed: number;
  alreadyCurrent: number;
  failed: { table: string; id: string; field: string; reason: string }[];
}

interface Target {
  table: "pkb_connections" | "system_tokens";
  key: "id" | "name";
  fields: ("access_token_enc" | "refresh_token_enc")[];
  /** The encryption context of a field, exactly as the writer uses it. */
  context(id: string, field: string): string;
}

const TARGETS: Target[] = [
  {
    table: "pkb_connections",
    key: "id",
    fields: ["access_token_enc", "refresh_token_enc"],
    context: (id, field) => `pkb_connections:${id}:${field === "access_token_enc" ? "access" : "refresh"}`,
  },
  { table: "system_tokens", key: "name", fields: ["access_token_enc"], context: (id) => `system_tokens:${id}` },
];

async function resealRow(
  tx: Queryable,
  cipher: TokenCipher,
  target: Target,
  id: string,
  report: RotationReport,
): Promise<void> {
  const [row] = await tx.query<Record<string, Uint8Array | null>>(
    `SELECT ${target.fields.join(", ")} FROM ${target.table} WHERE ${target.key} = $1 FOR UPDATE`,
    [id],
  );
  if (!row) return; // deleted meanwhile
  const updates: { field: string; value: Buffer }[] = [];
  for (const field of target.fields) {
    const sealed = row[field];
    if (!sealed) continue;
    if (cipher.isCurrent(sealed)) {
      report.alreadyCurrent++;
      continue;
    }
    const context = target.context(id, field);
    try {
      updates.push({ field, value: cipher.encrypt(cipher.decrypt(sealed, context), context) });
    } catch (err) {
      report.failed.push({ table: target.table, id, field, reason: (err as Error).message });
    }
  }
  if (updates.length === 0) return;
  await tx.query(
    `UPDATE ${target.table} SET ${updates.map((u, i) => `${u.field} = $${i + 2}`).join(", ")} WHERE ${target.key} = $1`,
    [id, ...updates.map((u) => u.value)],
  );
  report.resealed += updates.length;
}

/** Re-seals every token not yet under the current key, one row per transaction; audits the counts. */
export async function rotateKeys(db: Db, cipher: TokenCipher): Promise<RotationReport> {
  const report: RotationReport = { keyId: cipher.currentKeyId, resealed: 0, alreadyCurrent: 0, failed: [] };
  for (const target of TARGETS) {
    const ids = await db.query<{ id: string }>(
      `SELECT ${target.key}::text AS id FROM ${target.table} ORDER BY ${target.key}`,
    );
    for (const { id } of ids) await db.transaction((tx) => resealRow(tx, cipher, target, id, report));
  }
  await recordAudit(db, {
    actorUserId: null,
    actorLabel: "system (rotate-keys)",
    action: "tokens.rekeyed",
    details: {
      keyId: report.keyId,
      resealed: report.resealed,
      alreadyCurrent: report.alreadyCurrent,
      failed: report.failed.length,
    },
  });
  return report;
}
