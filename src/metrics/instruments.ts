// The process's Prometheus instruments (prom-client), updated where the work happens: PKB calls, token refreshes, the
// pipeline and HTTP. Labels carry only route templates, endpoint templates, connection ids, states and status codes —
// never a URL with identifiers, a patient detail or a free-text message, so a label can never hold patient data.
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The process-wide registry: prom-client's default Node.js metrics under their usual names (nodejs_eventloop_lag_*,
 * process_cpu_*, nodejs_heap_*, GC), so stock dashboards work, and Rebook's own rebook_* instruments below.
 */
export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 20 });

/** Latency of one attempt at a PKB call, in seconds, by service, endpoint template and outcome status. */
export const pkbCallDuration = new Histogram({
  name: "rebook_pkb_request_duration_seconds",
  help: "Duration of each attempt at a call to PKB (seconds), by service, endpoint template and HTTP status",
  labelNames: ["service", "endpoint", "status"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [processRegistry],
});

/** Failed attempts at PKB calls: status is the HTTP status, or "timeout" / "network" when no response came. */
export const pkbCallErrors = new Counter({
  name: "rebook_pkb_request_errors_total",
  help: "Failed attempts at calls to PKB, by service, endpoint template and HTTP status (or timeout/network)",
  labelNames: ["service", "endpoint", "status"] as const,
  registers: [processRegistry],
});

/** Refreshes of PKB user tokens by result: ok, session_ended (re-authorisation needed) or error (try again later). */
export const tokenRefreshes = new Counter({
  name: "rebook_pkb_token_refreshes_total",
  help: "Refreshes of PKB user access tokens, by result (ok, session_ended, error)",
  labelNames: ["result"] as const,
  registers: [processRegistry],
});

/** New client-credentials tokens for the Aggregated FHIR API, by result (ok, error). */
export const systemTokenFetches = new Counter({
  name: "rebook_pkb_system_token_fetches_total",
  help: "Client-credentials tokens fetched for the Aggregated FHIR API, by result (ok, error)",
  labelNames: ["result"] as const,
  registers: [processRegistry],
});

/** Polls of a PKB connection by this process, by connection id and result (ok, error, skipped). */
export const polls = new Counter({
  name: "rebook_polls_total",
  help: "Polls of PKB connections by this instance, by connection id and result (ok, error, skipped)",
  labelNames: ["connection", "result"] as const,
  registers: [processRegistry],
});

/** PKB messages read and stored by this process's polls, by what they were filed as. */
export const messagesIngested = new Counter({
  name: "rebook_messages_ingested_total",
  help: "PKB messages newly stored by this instance, by kind (request, follow_up, unrelated)",
  labelNames: ["kind"] as const,
  registers: [processRegistry],
});

/** Messages fetched from PKB (new or already stored: the overlap window re-reads some). */
export const messagesFetched = new Counter({
  name: "rebook_messages_fetched_total",
  help: "PKB messages read by this instance's polls, new or already stored",
  registers: [processRegistry],
});

/** Requests worked by the pipeline (identify, match, route), by outcome. */
export const requestsProcessed = new Counter({
  name: "rebook_requests_processed_total",
  help: "Requests worked by this instance's pipeline, by outcome (auto_linked, review, no_candidates, not_identified, retry, error, paused, skipped)",
  labelNames: ["outcome"] as const,
  registers: [processRegistry],
});

/**
 * Duration of one run of a pipeline phase: `collect` (polling every connection) or `process` (working every due
 * request). They run on their own schedules, so a long processing run never delays collection.
 */
export const syncPassDuration = new Histogram({
  name: "rebook_sync_pass_duration_seconds",
  help: "Duration of one run of a pipeline phase of this instance: collect (all polls) or process (all due requests) (seconds)",
  labelNames: ["phase"] as const,
  buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900],
  registers: [processRegistry],
});

/** Rows removed (or, for messages, emptied) by the retention job, by record class. */
export const retentionPurged = new Counter({
  name: "rebook_retention_purged_total",
  help: "Rows purged by this instance's retention job, by record class",
  labelNames: ["class"] as const,
  registers: [processRegistry],
});

/** HTTP requests served, by method, route template (never the raw URL) and status code. */
export const httpDuration = new Histogram({
  name: "rebook_http_request_duration_seconds",
  help: "HTTP requests served (seconds), by method, route template and status code",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [processRegistry],
});
