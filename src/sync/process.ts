// Steps 2–4 of the pipeline for each stored request: identify the patient, match the appointment, route it. Requests
// are claimed in batches with FOR UPDATE SKIP LOCKED (and a short claim lease), so several workers or instances never
// work on the same one; PKB calls run concurrently up to a limit. A failure puts the request back with a backoff, and
// after the last attempt into the error state with its reason; it never blocks the others.
import pLimit from "p-limit";
import { candidateRecords, type MatchResult } from "../domain/match.ts";
import { pickAssignee, route } from "../domain/routing.ts";
import { UpstreamError } from "../errors.ts";
import { SessionEndedError } from "../pkb/tokens.ts";
import type { Queryable } from "../store/db.ts";
import { listMembers } from "../store/people.ts";
import { defaultTeamId, listRules } from "../store/routing-rules.ts";
import { appendEvent } from "../store/requests.ts";
import type { SyncDeps } from "./deps.ts";
import { publishRequestUpdated } from "../events/publish.ts";
import { findAppointment, identifyPatient } from "./identify.ts";

/** How long a claimed request is hidden from other workers while this one works on it. */
const CLAIM_MS = 2 * 60_000;
/**
 * When no connection can reach PKB, requests wait for access (not counted as attempts): a new grant wakes them at
 * once; this is only how long until they are looked at again if nothing does.
 */
const PAUSE_MS = 5 * 60_000;

export type ProcessOutcome =
  "auto_linked" | "review" | "no_candidates" | "not_identified" | "retry" | "error" | "paused" | "skipped";

interface RequestRow {
  id: string;
  status: string;
  parse_status: string;
  requested_start: Date | null;
  requested_subject: string | null;
  patient_note: string;
  pkb_team_name: string | null;
  patient_pkb_id: string | null;
  received_at: Date;
  type: "change" | "cancel" | null;
  attempts: number;
  first_seen_connection_id: string | null;
}

/** Makes every request that waits for PKB access due now (call when access returns, in the grant's transaction). */
export async function wakeRequestsWaitingForAccess(tx: Queryable): Promise<number> {
  const rows = await tx.query(
    `UPDATE appointment_requests SET next_attempt_at = now(), access_wait_since = NULL
     WHERE status = 'processing' AND access_wait_since IS NOT NULL RETURNING id`,
  );
  return rows.length;
}

/** Claims up to `limit` due requests for this worker. */
export async function claimBatch(db: SyncDeps["db"], limit: number): Promise<string[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ id: string }>(
      `SELECT id FROM appointment_requests
       WHERE status = 'processing' AND next_attempt_at <= now()
       ORDER BY next_attempt_at, received_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    const ids = rows.map((r) => r.id);
    if (ids.length > 0) {
      await tx.query(
        `UPDATE appointment_requests SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000),
           access_wait_since = NULL WHERE id = ANY($1::uuid[])`,
        [ids, CLAIM_MS],
      );
    }
    return ids;
  });
}

/** An active connection to reach PKB with: the one the message came through if usable, else any active one. */
async function usableConnection(db: Queryable, preferred: string | null): Promise<string | null> {
  const [row] = await db.query<{ id: string }>(
    `SELECT id FROM pkb_connections WHERE status = 'active' ORDER BY (id = $1) DESC, created_at LIMIT 1`,
    [preferred],
  );
  return row?.id ?? null;
}

/** Routes, assigns and opens a request; writes every decision as an event. Call inside a transaction. */
async function routeAndOpen(
  tx: Queryable,
  r: RequestRow,
  facts: { specialtyCode: string | null; location: string | null; appointmentType: string | null; matchState: string },
): Promise<void> {
  const rules = await listRules(tx);
  const decision = route(
    rules,
    {
      type: r.type,
      specialtyCode: facts.specialtyCode,
      location: facts.location,
      appointmentType: facts.appointmentType,
      pkbTeamNames: r.pkb_team_name ? [r.pkb_team_name] : [],
      note: r.patient_note,
      matchState: facts.matchState,
    },
    await defaultTeamId(tx),
  );
  let assignee = decision.assignUserId;
  if (!assignee && decision.teamId) {
    // Round robin within the team when it auto-assigns; the team row is locked so two workers cannot pick at once.
    const [team] = await tx.query<{ auto_assign: boolean; last_assigned_user_id: string | null }>(
      "SELECT auto_assign, last_assigned_user_id FROM teams WHERE id = $1 FOR UPDATE",
      [decision.teamId],
    );
    if (team?.auto_assign) {
      const members = await listMembers(tx, decision.teamId);
      const open = await tx.query<{ assigned_user_id: string; n: number }>(
        `SELECT assigned_user_id, count(*)::int AS n FROM appointment_requests
         WHERE team_id = $1 AND status IN ('open', 'in_progress') AND assigned_user_id IS NOT NULL GROUP BY assigned_user_id`,
        [decision.teamId],
      );
      const counts = new Map(open.map((o) => [o.assigned_user_id, o.n]));
      assignee = pickAssignee(
        members.map((m) => ({
          userId: m.userId,
          available: m.available,
          capacity: m.capacity,
          openCount: counts.get(m.userId) ?? 0,
        })),
        team.last_assigned_user_id,
      );
      if (assignee)
        await tx.query("UPDATE teams SET last_assigned_user_id = $2 WHERE id = $1", [decision.teamId, assignee]);
    }
  }
  await tx.query(
    `UPDATE appointment_requests SET team_id = $2, assigned_user_id = $3, priority = $4, routing_rule_id = $5,
       status = 'open', error_reason = NULL, next_attempt_at = NULL, updated_at = now() WHERE id = $1`,
    [r.id, decision.teamId, assignee, decision.priority, decision.ruleId],
  );
  await appendEvent(tx, {
    requestId: r.id,
    actorUserId: null,
    type: "routed",
    data: { teamId: decision.teamId, ruleId: decision.ruleId, priority: decision.priority, reason: decision.reason },
  });
  if (assignee) {
    await appendEvent(tx, {
      requestId: r.id,
      actorUserId: null,
      type: "assigned",
      data: { userId: assignee, auto: true },
    });
  }
  await appendEvent(tx, {
    requestId: r.id,
    actorUserId: null,
    type: "status_changed",
    data: { from: "processing", to: "open" },
  });
}

function matchFields(m: MatchResult): unknown[] {
  const linked = m.decision === "auto_link" ? m.best : null;
  const candidates = candidateRecords(m);
  return [
    m.decision === "auto_link" ? "auto_linked" : m.decision,
    m.confidence,
    JSON.stringify({ summary: m.summary, best: m.best?.evidence ?? [] }),
    JSON.stringify(candidates),
    linked?.fhirId ?? null,
    linked?.externalId ?? null,
    linked?.specialtyCode ?? null,
    linked?.specialtyDisplay ?? null,
    linked?.appointmentType ?? null,
    linked?.start ?? null,
    linked?.location ?? null,
    linked?.status ?? null,
  ];
}

/** Works one request through identification, matching and routing. Re-reads state first: moot work returns early. */
export async function processRequest(deps: SyncDeps, requestId: string, now = new Date()): Promise<ProcessOutcome> {
  const { db } = deps;
  const [r] = await db.query<RequestRow>(
    `SELECT r.*, m.first_seen_connection_id FROM appointment_requests r
     JOIN pkb_messages m ON m.pkb_message_id = r.pkb_message_id WHERE r.id = $1`,
    [requestId],
  );
  if (!r || r.status !== "processing") return "skipped";
  const connectionId = await usableConnection(db, r.first_seen_connection_id);
  if (!connectionId) {
    // Waits for access: a new grant makes it due at once (wakeRequestsWaitingForAccess); the pause is only a backstop.
    // A connection that became active meanwhile makes it due now.
    await db.query(
      `UPDATE appointment_requests SET access_wait_since = COALESCE(access_wait_since, now()),
         next_attempt_at = CASE WHEN EXISTS (SELECT 1 FROM pkb_connections WHERE status = 'active') THEN now()
           ELSE now() + make_interval(secs => $2::double precision / 1000) END
       WHERE id = $1`,
      [r.id, PAUSE_MS],
    );
    return "paused";
  }
  try {
    if (!r.patient_pkb_id) throw new Error("the message names no patient");
    const { patient, problem } = await identifyPatient(deps, connectionId, r.patient_pkb_id, now);
    if (!patient.nhsNumber) {
      await db.transaction(async (tx) => {
        await tx.query(
          `UPDATE appointment_requests SET patient_state = 'not_identified', match_state = 'not_applicable', attempts = attempts + 1
           WHERE id = $1`,
          [r.id],
        );
        await appendEvent(tx, {
          requestId: r.id,
          actorUserId: null,
          type: "patient_not_identified",
          data: { reason: problem },
        });
        await routeAndOpen(tx, r, {
          specialtyCode: null,
          location: null,
          appointmentType: null,
          matchState: "not_applicable",
        });
      });
      return "not_identified";
    }
    const match = await findAppointment(deps, {
      nhsNumber: patient.nhsNumber,
      requestedStart: r.requested_start,
      requestedSubject: r.requested_subject,
      receivedAt: r.received_at,
    });
    const linked = match.decision === "auto_link" ? match.best : null;
    await db.transaction(async (tx) => {
      await tx.query(
        `UPDATE appointment_requests SET patient_state = 'identified', nhs_number = $2, attempts = attempts + 1,
           match_state = $3, match_confidence = $4, match_evidence = $5, candidates = $6, appointment_fhir_id = $7,
           appointment_external_id = $8, appointment_specialty_code = $9, appointment_specialty_display = $10,
           appointment_type = $11, appointment_start = $12, appointment_location = $13, appointment_status = $14
         WHERE id = $1`,
        [r.id, patient.nhsNumber, ...matchFields(match)],
      );
      await appendEvent(tx, {
        requestId: r.id,
        actorUserId: null,
        type: "patient_identified",
        data: { pkbUserId: patient.pkbUserId },
      });
      await appendEvent(tx, {
        requestId: r.id,
        actorUserId: null,
        type: linked
          ? "appointment_linked"
          : match.decision === "no_candidates"
            ? "no_appointment_found"
            : "match_needs_review",
        data: {
          confidence: match.confidence,
          fhirId: linked?.fhirId ?? null,
          externalId: linked?.externalId ?? null,
          candidates: match.candidates.length,
          summary: match.summary,
        },
      });
      await routeAndOpen(tx, r, {
        specialtyCode: linked?.specialtyCode ?? null,
        location: linked?.location ?? null,
        appointmentType: linked?.appointmentType ?? r.requested_subject,
        matchState: linked ? "auto_linked" : match.decision,
      });
    });
    return linked ? "auto_linked" : match.decision === "no_candidates" ? "no_candidates" : "review";
  } catch (err) {
    if (err instanceof SessionEndedError) {
      await db.query("UPDATE appointment_requests SET next_attempt_at = now() WHERE id = $1", [r.id]);
      return "paused";
    }
    const attempts = r.attempts + 1;
    const retryable = err instanceof UpstreamError ? err.retryable : false;
    const reason = err instanceof UpstreamError ? err.message : `Unexpected: ${(err as Error).message}`;
    if (retryable && attempts < deps.settings.maxAttempts) {
      const backoffMs = Math.min(60 * 60_000, 30_000 * 2 ** (attempts - 1)) * (0.75 + Math.random() * 0.5);
      await db.query(
        `UPDATE appointment_requests SET attempts = $2, error_reason = $3,
           next_attempt_at = now() + make_interval(secs => $4::double precision / 1000) WHERE id = $1`,
        [r.id, attempts, reason, backoffMs],
      );
      return "retry";
    }
    await db.transaction(async (tx) => {
      await tx.query(
        "UPDATE appointment_requests SET status = 'error', attempts = $2, error_reason = $3, next_attempt_at = NULL, updated_at = now() WHERE id = $1",
        [r.id, attempts, reason],
      );
      await appendEvent(tx, { requestId: r.id, actorUserId: null, type: "error", data: { reason, attempts } });
      await appendEvent(tx, {
        requestId: r.id,
        actorUserId: null,
        type: "status_changed",
        data: { from: "processing", to: "error" },
      });
    });
    deps.logger.warn({ requestId: r.id, attempts, reason }, "request processing failed");
    return "error";
  }
}

/** Totals of one processing pass. */
export type ProcessSummary = Record<ProcessOutcome, number>;

/** Processes every due request, `concurrency` at a time, claiming in batches; `onProgress` after each request. */
export async function processDueRequests(
  deps: SyncDeps,
  opts: { batchSize?: number; onProgress?: (outcome: ProcessOutcome) => void; signal?: AbortSignal } = {},
): Promise<ProcessSummary> {
  const summary: ProcessSummary = {
    auto_linked: 0,
    review: 0,
    no_candidates: 0,
    not_identified: 0,
    retry: 0,
    error: 0,
    paused: 0,
    skipped: 0,
  };
  const limit = pLimit(deps.settings.concurrency);
  const batchSize = opts.batchSize ?? Math.max(20, deps.settings.concurrency * 4);
  while (!opts.signal?.aborted) {
    const ids = await claimBatch(deps.db, batchSize);
    if (ids.length === 0) break;
    let paused = 0;
    await Promise.all(
      ids.map((id) =>
        limit(async () => {
          const outcome = await processRequest(deps, id);
          if (outcome !== "skipped" && outcome !== "paused") await publishRequestUpdated(deps.db, id); // after commit
          summary[outcome]++;
          if (outcome === "paused") paused++;
          opts.onProgress?.(outcome);
        }),
      ),
    );
    // Stop when a whole batch was paused (no PKB connection works): the requests wait for the next pass.
    if (paused === ids.length) break;
  }
  return summary;
}
