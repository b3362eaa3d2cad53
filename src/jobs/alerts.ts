// Tells people when a PKB connection needs re-authorisation: a log line always, and a JSON POST to the configured
// webhook (Teams/Slack relay, ITSM) when there is one. Carries no tokens and no patient data.
import type { Logger } from "../log.ts";
import { getConnection } from "../store/connections.ts";
import type { Db } from "../store/db.ts";

/** Builds the listener UserTokens calls when a PKB session ends. */
export function reauthAlerter(p: { db: Db; logger: Logger; webhookUrl: string | null; publicUrl: string }) {
  return async (connectionId: string, reason: string): Promise<void> => {
    const conn = await getConnection(p.db, connectionId);
    const payload = {
      event: "pkb_connection_needs_reauthorisation",
      connectionId,
      label: conn?.label ?? null,
      reason,
      at: new Date().toISOString(),
      reauthoriseUrl: `${p.publicUrl}/api/pkb/connections/${connectionId}/authorize`,
      text: `Rebook: the PKB connection "${conn?.label ?? connectionId}" needs re-authorisation (${reason}). Sync is paused until someone grants access again.`,
    };
    p.logger.warn({ connectionId, reason }, "PKB connection needs re-authorisation");
    if (!p.webhookUrl) return;
    try {
      const res = await fetch(p.webhookUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) p.logger.error({ status: res.status }, "alert webhook refused the alert");
    } catch (err) {
      p.logger.error({ err: (err as Error).message }, "alert webhook unreachable");
    }
  };
}
