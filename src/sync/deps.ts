// What the pipeline needs, built once from configuration.
import type { Config } from "../config.ts";
import type { NotConfirmedAlert } from "../jobs/alerts.ts";
import type { Logger } from "../log.ts";
import { PkbFhir } from "../pkb/fhir.ts";
import { FhirTokenClient, PkbOAuth } from "../pkb/oauth.ts";
import { PkbRest } from "../pkb/rest.ts";
import { SystemTokens, UserTokens } from "../pkb/tokens.ts";
import { alertDispatcher, type Alerts } from "../jobs/alerts.ts";
import type { TokenCipher } from "../store/crypto.ts";
import type { Db } from "../store/db.ts";
import { oauthRedirectUri } from "../config.ts";
import type { RetryPolicy } from "../pkb/http.ts";

export interface SyncDeps {
  db: Db;
  cipher: TokenCipher;
  logger: Logger;
  oauth: PkbOAuth;
  userTokens: UserTokens;
  rest: PkbRest;
  fhir: PkbFhir;
  settings: Config["sync"];
  /** Identifies this process in leases. */
  instanceId: string;
  /** Delivers due alerts (re-authorisation needed or done, polls failing or working again). */
  alerts: Alerts;
  /** Tells people a request's outcome is not confirmed in PKB; resolves true once delivered (absent: log only). */
  onNotConfirmed?: (alert: NotConfirmedAlert) => Promise<boolean>;
}

/** Builds the PKB adapters and pipeline dependencies. */
export function buildSyncDeps(p: {
  config: Config;
  db: Db;
  cipher: TokenCipher;
  logger: Logger;
  instanceId: string;
  onNotConfirmed?: (alert: NotConfirmedAlert) => Promise<boolean>;
  retry?: RetryPolicy;
}): SyncDeps {
  const { config, db, cipher } = p;
  const alerts = alertDispatcher({
    db,
    logger: p.logger,
    webhookUrl: config.alertWebhookUrl,
    publicUrl: config.publicUrl,
  });
  const oauth = new PkbOAuth(config.pkb, oauthRedirectUri(config));
  const userTokens = new UserTokens(db, cipher, oauth, {
    refreshAheadMs: config.pkb.refreshAheadMs,
    // Only the call that opened the incident gets here; the alert goes out once it is committed.
    onSessionEnded: () => alerts.flush(),
  });
  const systemTokens = new SystemTokens(db, cipher, new FhirTokenClient(config.pkb, p.retry), {
    refreshAheadMs: config.pkb.refreshAheadMs,
  });
  const http = { timeoutMs: config.pkb.timeoutMs, retry: p.retry };
  return {
    db,
    cipher,
    logger: p.logger,
    oauth,
    userTokens,
    rest: new PkbRest(config.pkb.baseUrl, userTokens, http),
    fhir: new PkbFhir(config.pkb.fhirBaseUrl, systemTokens, http),
    settings: config.sync,
    instanceId: p.instanceId,
    alerts,
    ...(p.onNotConfirmed ? { onNotConfirmed: p.onNotConfirmed } : {}),
  };
}
