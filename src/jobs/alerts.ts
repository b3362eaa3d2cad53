// Tells people about incidents (src/store/incidents.ts): a PKB connection needing re-authorisation, or one whose polls
// keep failing, and again once each is resolved; and a request whose outcome PKB does not show within the limit. A log line always, and a JSON POST to the configured webhook
// (Teams/Slack relay, ITSM) when there is one. Alerts are delivered from the incidents table, so an event that
// several calls or instances met at once alerts once, and a webhook that is down is tried again at the next pass.
// Carries no tokens and no patient data.
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import {
  alertDelivered,
  alertFailed,
  claimPendingAlert,
  type IncidentKind,
  type PendingAlert,
} from "../store/incidents.ts";

/** Delivers due alerts. */
export interface Alerts {
  /** Sends every alert that is due (never throws; failures are logged and retried at the next flush). */
  flush(): Promise<void>;
}

/** Attempts at a webhook before an alert is given up on (it stays in the log and in the incidents table). */
const MAX_ATTEMPTS = 5;

const EVENTS: Record<IncidentKind, Record<PendingAlert["due"], string>> = {
  needs_reauthorisation: { opened: "pkb_connection_needs_reauthorisation", resolved: "pkb_connection_reauthorised" },
  sync_failing: { opened: "pkb_connection_sync_failing", resolved: "pkb_connection_sync_recovered" },
};

function describe(a: PendingAlert): { level: "warn" | "info"; log: string; text: string } {
  const name = `"${a.connectionLabel ?? a.connectionId ?? "unknown"}"`;
  if (a.kind === "needs_reauthorisation") {
    return a.due === "opened"
      ? {
          level: "warn",
          log: "PKB connection needs re-authorisation",
          text: `Rebook: the PKB connection ${name} needs re-authorisation (${a.reason}). Sync is paused until someone grants access again.`,
        }
      : {
          level: "info",
          log: "PKB connection re-authorised",
          text: `Rebook: the PKB connection ${name} has access again; sync has resumed. Resolved: ${a.resolution ?? "access granted again"}.`,
        };
  }
  return a.due === "opened"
    ? {
        level: "warn",
        log: "PKB connection's polls keep failing",
        text: `Rebook: polling the PKB connection ${name} keeps failing (${a.reason}). New requests are not being collected.`,
      }
    : {
        level: "info",
        log: "PKB connection's polls succeed again",
        text: `Rebook: polling the PKB connection ${name} works again. Resolved: ${a.resolution ?? "a poll succeeded"}.`,
      };
}

/** Builds the alert dispatcher. */
export function alertDispatcher(p: { db: Db; logger: Logger; webhookUrl: string | null; publicUrl: string }): Alerts {
  let running: Promise<void> | null = null;
  let again = false;

  const deliverAll = async (): Promise<void> => {
    const tried: number[] = [];
    for (;;) {
      // The row stays locked while its alert is sent: another instance skips it rather than sending it twice.
      const more = await p.db.transaction(async (tx) => {
        const a = await claimPendingAlert(tx, tried);
        if (!a) return false;
        tried.push(a.id);
        const d = describe(a);
        const fields = { connectionId: a.connectionId, incidentId: a.id, reason: a.reason };
        if (a.deliveryAttempts === 0) p.logger[d.level](fields, d.log); // logged once, however many attempts
        const payload = {
          event: EVENTS[a.kind][a.due],
          incidentId: a.id,
          connectionId: a.connectionId,
          label: a.connectionLabel,
          reason: a.reason,
          openedAt: a.openedAt.toISOString(),
          resolvedAt: a.resolvedAt?.toISOString() ?? null,
          at: new Date().toISOString(),
          ...(a.kind === "needs_reauthorisation" && a.due === "opened" && a.connectionId
            ? { reauthoriseUrl: `${p.publicUrl}/api/pkb/connections/${a.connectionId}/authorize` }
            : {}),
          text: d.text,
        };
        if (await postAlert(p, payload)) await alertDelivered(tx, a.id, a.due);
        else if (a.deliveryAttempts + 1 >= MAX_ATTEMPTS) {
          p.logger.error(fields, "alert given up after repeated webhook failures");
          await alertDelivered(tx, a.id, a.due);
        } else await alertFailed(tx, a.id);
        return true;
      });
      if (!more) return;
    }
  };

  const flush = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await deliverAll();
        } catch (err) {
          p.logger.error({ err: (err as Error).message }, "alerts could not be delivered");
        }
      } while (again);
    })().finally(() => (running = null));
    return running;
  };
  return { flush };
}

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
