// Tells people when something needs them: a log line always, and a JSON POST to the configured webhook (Teams/Slack
// relay, ITSM) when there is one. Two alerts: a PKB connection needs re-authorisation, and a request's outcome is not
// confirmed in PKB within the limit. They carry no tokens and no patient data (ids, team, outcome, times and links).
import type { Logger } from "../log.ts";
import { getConnection } from "../store/connections.ts";
import type { Db } from "../store/db.ts";

/** Where alerts go. */
export interface AlertTarget {
  logger: Logger;
  webhookUrl: string | null;
}

/** POSTs one alert to the webhook; true when it was accepted (or there is no webhook), false otherwise. Never throws. */
export async function postAlert(t: AlertTarget, payload: Record<string, unknown>): Promise<boolean> {
  if (!t.webhookUrl) return true;
  try {
    const res = await fetch(t.webhookUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) t.logger.error({ status: res.status, event: payload.event }, "alert webhook refused the alert");
    return res.ok;
  } catch (err) {
    t.logger.error({ err: (err as Error).message, event: payload.event }, "alert webhook unreachable");
    return false;
  }
}

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
    await postAlert(p, payload);
  };
}

/** A request whose outcome PKB did not show within the limit. */
export interface NotConfirmedAlert {
  requestId: string;
  teamName: string | null;
  outcome: "rebooked" | "cancelled";
  outcomeAt: Date;
  dueAt: Date;
}

/** Builds the alert sent once when a request becomes "not confirmed in PKB"; resolves true when it was delivered. */
export function notConfirmedAlerter(p: { logger: Logger; webhookUrl: string | null; publicUrl: string }) {
  return async (a: NotConfirmedAlert): Promise<boolean> => {
    const hours = Math.round((a.dueAt.getTime() - a.outcomeAt.getTime()) / 360_000) / 10;
    p.logger.warn({ requestId: a.requestId, outcome: a.outcome }, "outcome not confirmed in PKB within the limit");
    return postAlert(p, {
      event: "pkb_not_confirmed",
      requestId: a.requestId,
      team: a.teamName,
      outcome: a.outcome,
      outcomeAt: a.outcomeAt.toISOString(),
      dueAt: a.dueAt.toISOString(),
      at: new Date().toISOString(),
      requestUrl: `${p.publicUrl}/requests/${a.requestId}`,
      text: `Rebook: a request ${a.outcome === "rebooked" ? "rebooked" : "cancelled"}${a.teamName ? ` by ${a.teamName}` : ""} is not confirmed in PKB ${hours} hours later: the change may not have reached the patient. Check the trust's PAS and its feed to PKB.`,
    });
  };
}
