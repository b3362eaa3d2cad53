// The pkb_confirmations repository (migration 0008): whether PKB shows a request's current outcome. SQL only; the
// rules are in src/domain/pkb-confirmation.ts and the state changes are made by the request commands that write the
// matching history events in the same transaction.
import type { ConfirmationPolicy } from "../domain/pkb-confirmation.ts";
import type { Queryable } from "./db.ts";

/** A stored confirmation state (no row: not needed). */
export type StoredConfirmationState = "awaiting" | "confirmed" | "not_confirmed";

/** One request's PKB confirmation, as stored. Instants are UTC. */
export interface ConfirmationRow {
  requestId: string;
  outcome: "rebooked" | "cancelled";
  newStart: Date | null;
  outcomeAt: Date;
  dueAt: Date;
  state: StoredConfirmationState;
  checks: number;
  checkedAt: Date | null;
  confirmedAt: Date | null;
  shows: string | null;
  alertedAt: Date | null;
}

interface Raw {
  request_id: string;
  outcome: "rebooked" | "cancelled";
  new_start: Date | null;
  outcome_at: Date;
  due_at: Date;
  state: StoredConfirmationState;
  checks: number;
  checked_at: Date | null;
  confirmed_at: Date | null;
  shows: string | null;
  alerted_at: Date | null;
}

const COLUMNS =
  "request_id, outcome, new_start, outcome_at, due_at, state, checks, checked_at, confirmed_at, shows, alerted_at";

const fromRaw = (r: Raw): ConfirmationRow => ({
  requestId: r.request_id,
  outcome: r.outcome,
  newStart: r.new_start,
  outcomeAt: r.outcome_at,
  dueAt: r.due_at,
  state: r.state,
  checks: r.checks,
  checkedAt: r.checked_at,
  confirmedAt: r.confirmed_at,
  shows: r.shows,
  alertedAt: r.alerted_at,
});

/**
 * Starts confirming a newly recorded outcome: awaiting, no checks yet; replaces whatever the request's previous outcome
 * left. `outcomeAt` is the outcome event's instant; `dueAt` when PKB should show it.
 */
export async function startConfirmation(
  tx: Queryable,
  c: { requestId: string; outcome: "rebooked" | "cancelled"; newStart: Date | null; outcomeAt: Date; dueAt: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO pkb_confirmations (request_id, outcome, new_start, outcome_at, due_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (request_id) DO UPDATE SET outcome = EXCLUDED.outcome, new_start = EXCLUDED.new_start,
       outcome_at = EXCLUDED.outcome_at, due_at = EXCLUDED.due_at, state = 'awaiting', checks = 0, checked_at = NULL,
       confirmed_at = NULL, shows = NULL, alerted_at = NULL, updated_at = now()`,
    [c.requestId, c.outcome, c.newStart, c.outcomeAt, c.dueAt],
  );
}

/** Forgets a request's confirmation (its outcome was cleared or needs none): not needed. */
export async function clearConfirmation(tx: Queryable, requestId: string): Promise<void> {
  await tx.query("DELETE FROM pkb_confirmations WHERE request_id = $1", [requestId]);
}

/** A request's confirmation, or null when none is needed; `lock` takes the row for the transaction. */
export async function readConfirmation(
  db: Queryable,
  requestId: string,
  opts: { lock?: boolean } = {},
): Promise<ConfirmationRow | null> {
  const [r] = await db.query<Raw>(
    `SELECT ${COLUMNS} FROM pkb_confirmations WHERE request_id = $1${opts.lock ? " FOR UPDATE" : ""}`,
    [requestId],
  );
  return r ? fromRaw(r) : null;
}

/** Confirmations of several requests (for lists), by request id. */
export async function readConfirmations(
  db: Queryable,
  requestIds: readonly string[],
): Promise<Map<string, ConfirmationRow>> {
  if (requestIds.length === 0) return new Map();
  const rows = await db.query<Raw>(`SELECT ${COLUMNS} FROM pkb_confirmations WHERE request_id = ANY($1::uuid[])`, [
    [...requestIds],
  ]);
  return new Map(rows.map((r) => [r.request_id, fromRaw(r)]));
}

/** Records one check's result (`checkedAt` null: PKB could not be read, the last successful check stands). */
export async function recordCheck(
  tx: Queryable,
  c: {
    requestId: string;
    state: StoredConfirmationState;
    checks: number;
    checkedAt: Date | null;
    confirmedAt: Date | null;
    shows: string;
  },
): Promise<void> {
  await tx.query(
    `UPDATE pkb_confirmations SET state = $2, checks = $3, checked_at = COALESCE($4, checked_at), confirmed_at = $5, shows = $6,
       updated_at = now()
     WHERE request_id = $1`,
    [c.requestId, c.state, c.checks, c.checkedAt, c.confirmedAt, c.shows],
  );
}

/** Marks the "not confirmed" alert of the request's current outcome as sent. */
export async function markAlerted(db: Queryable, requestId: string, at: Date): Promise<void> {
  await db.query("UPDATE pkb_confirmations SET alerted_at = $2 WHERE request_id = $1", [requestId, at]);
}

/** How many requests are not confirmed in PKB (and awaiting), among the given teams' requests (null: all teams). */
export async function confirmationCounts(
  db: Queryable,
  teamIds: readonly string[] | null,
): Promise<{ notConfirmed: number; awaiting: number }> {
  const params: unknown[] = [];
  let where = "";
  if (teamIds !== null) {
    params.push([...teamIds]);
    where = "WHERE r.team_id = ANY($1::uuid[])";
  }
  const [row] = await db.query<{ not_confirmed: number; awaiting: number }>(
    `SELECT count(*) FILTER (WHERE c.state = 'not_confirmed')::int AS not_confirmed,
       count(*) FILTER (WHERE c.state = 'awaiting')::int AS awaiting
     FROM pkb_confirmations c JOIN appointment_requests r ON r.id = c.request_id ${where}`,
    params,
  );
  return { notConfirmed: row?.not_confirmed ?? 0, awaiting: row?.awaiting ?? 0 };
}

/** Makes the store use `policy` (from the CONFIRM_* settings); outcomes already recorded keep their limit. */
export async function applyConfirmationPolicy(db: Queryable, policy: ConfirmationPolicy): Promise<void> {
  await db.query(
    `UPDATE pkb_confirmation_policy SET first_check_ms = $1, max_interval_ms = $2, within_ms = $3, check_for_ms = $4,
       updated_at = now()
     WHERE (first_check_ms, max_interval_ms, within_ms, check_for_ms) IS DISTINCT FROM ($1, $2, $3, $4)`,
    [
      Math.round(policy.firstCheckMs),
      Math.round(policy.maxIntervalMs),
      Math.round(policy.withinMs),
      Math.round(policy.checkForMs),
    ],
  );
}

/** The policy in force and the transaction's now() (the instant its history events are stamped with). */
export async function readConfirmationPolicy(db: Queryable): Promise<{ now: Date; policy: ConfirmationPolicy }> {
  const [r] = await db.query<{
    now: Date;
    first_check_ms: number;
    max_interval_ms: number;
    within_ms: number;
    check_for_ms: number;
  }>("SELECT now() AS now, first_check_ms, max_interval_ms, within_ms, check_for_ms FROM pkb_confirmation_policy");
  if (!r) throw new Error("pkb_confirmation_policy has no row");
  return {
    now: r.now,
    policy: {
      firstCheckMs: Number(r.first_check_ms),
      maxIntervalMs: Number(r.max_interval_ms),
      withinMs: Number(r.within_ms),
      checkForMs: Number(r.check_for_ms),
    },
  };
}

/** What a check needs about its request: how to find the appointment in PKB, and the confirmation as stored. */
export interface ConfirmationSubject {
  requestId: string;
  /** The request's current outcome (a check whose confirmation no longer matches it is moot). */
  requestOutcome: string | null;
  teamName: string | null;
  nhsNumber: string | null;
  appointment: { fhirId: string | null; externalId: string | null; start: Date | null };
  confirmation: ConfirmationRow;
}

/** The subject of a check, or null when the request is gone or needs no confirmation (moot). */
export async function readConfirmationSubject(db: Queryable, requestId: string): Promise<ConfirmationSubject | null> {
  const [r] = await db.query<
    Raw & {
      request_outcome: string | null;
      team_name: string | null;
      nhs_number: string | null;
      appointment_fhir_id: string | null;
      appointment_external_id: string | null;
      start: Date | null;
    }
  >(
    `SELECT c.request_id, c.outcome, c.new_start, c.outcome_at, c.due_at, c.state, c.checks, c.checked_at,
       c.confirmed_at, c.shows, c.alerted_at, r.outcome AS request_outcome, t.name AS team_name,
       COALESCE(r.nhs_number, p.nhs_number) AS nhs_number, r.appointment_fhir_id, r.appointment_external_id,
       COALESCE(r.appointment_start, r.requested_start) AS start
     FROM pkb_confirmations c JOIN appointment_requests r ON r.id = c.request_id
       LEFT JOIN teams t ON t.id = r.team_id LEFT JOIN patients p ON p.pkb_user_id = r.patient_pkb_id
     WHERE c.request_id = $1`,
    [requestId],
  );
  if (!r) return null;
  return {
    requestId: r.request_id,
    requestOutcome: r.request_outcome,
    teamName: r.team_name,
    nhsNumber: r.nhs_number,
    appointment: { fhirId: r.appointment_fhir_id, externalId: r.appointment_external_id, start: r.start },
    confirmation: fromRaw(r),
  };
}
