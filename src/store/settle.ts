// Settling what PKB already shows, and one work item per appointment (docs/settling.md): the SQL the settle processor
// (src/requests/processors/settle.ts) and the pipeline's repeat detection (src/requests/commands/pipeline.ts) use.
// SQL only: the decisions are src/domain/settle.ts and the commands.
import type { SettleSubject } from "../domain/settle.ts";
import type { Outcome, PkbFlag, Priority, RequestStatus, RequestType } from "../requests/vocabulary.ts";
import type { Queryable } from "./db.ts";

/** Makes the store use `recheckMs` (PKB_RECHECK_MINUTES) for every instance's rechecks. */
export async function applySettlePolicy(db: Queryable, policy: { recheckMs: number }): Promise<void> {
  await db.query(
    "UPDATE pkb_settle_policy SET recheck_ms = $1, updated_at = now() WHERE recheck_ms IS DISTINCT FROM $1",
    [Math.round(policy.recheckMs)],
  );
}

/** What the settle processor needs of a request: its facts and the linked appointment's id. */
export interface SettleRow extends SettleSubject {
  id: string;
  appointmentFhirId: string | null;
}

/** Reads a request for the settle rules (no patient data); locks it when `lock` (in a command's transaction). */
export async function readSettleRow(db: Queryable, id: string, lock = false): Promise<SettleRow | null> {
  return (await settleRowsQuery(db, [id], { lock, policy: false }))[0]?.row ?? null;
}

/** readSettleRow (unlocked) of many requests in one statement, in the order of `ids`; null for one that is gone. */
export async function readSettleRows(db: Queryable, ids: readonly string[]): Promise<(SettleRow | null)[]> {
  return inOrderOf(ids, await settleRowsQuery(db, ids, { lock: false, policy: false }), (r) => r.row);
}

/** A request for the settle rules and the recheck interval in force (PKB_RECHECK_MINUTES): what a check reads first. */
export type SettleCheck = { row: SettleRow; policy: { recheckMs: number } };

/** readSettleRow and the recheck interval in force for many requests, in one statement, in the order of `ids`. */
export async function readSettleChecks(db: Queryable, ids: readonly string[]): Promise<(SettleCheck | null)[]> {
  return inOrderOf(ids, await settleRowsQuery(db, ids, { lock: false, policy: true }), (r) => ({
    row: r.row,
    policy: { recheckMs: r.recheckMs! },
  }));
}

/** What was read of each id, in the order of `ids` (ids as the store writes them: lower-case UUIDs); null if none. */
function inOrderOf<T>(
  ids: readonly string[],
  read: readonly { row: SettleRow; recheckMs: number | null }[],
  as: (r: { row: SettleRow; recheckMs: number | null }) => T,
): (T | null)[] {
  const found = new Map(read.map((r) => [r.row.id, as(r)]));
  return ids.map((id) => found.get(id) ?? null);
}

async function settleRowsQuery(
  db: Queryable,
  ids: readonly string[],
  opts: { lock: boolean; policy: boolean },
): Promise<{ row: SettleRow; recheckMs: number | null }[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{
    id: string;
    type: RequestType | null;
    status: RequestStatus;
    received_at: Date;
    requested_start: Date | null;
    appointment_start: Date | null;
    appointment_fhir_id: string | null;
    pkb_flag: PkbFlag | null;
    pkb_moved_to: Date | null;
    appointment_passed_at: Date | null;
    reopened_after_auto: boolean;
    recheck_ms: number | null;
  }>(
    `SELECT r.id, r.type, r.status, r.received_at, r.requested_start, r.appointment_start, r.appointment_fhir_id,
       r.pkb_flag, r.pkb_moved_to, r.appointment_passed_at,
       EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = r.id AND e.type = 'reopened'
               AND e.data->>'previousOutcome' = 'already_done_in_pkb') AS reopened_after_auto,
       ${opts.policy ? "(SELECT recheck_ms FROM pkb_settle_policy)" : "NULL::bigint"} AS recheck_ms
     FROM appointment_requests r WHERE r.id = ANY($1::uuid[]) ${opts.lock ? "FOR UPDATE OF r" : ""}`,
    [ids],
  );
  return rows.map((r) => {
    if (opts.policy && r.recheck_ms === null) throw new Error("pkb_settle_policy has no row");
    const row: SettleRow = {
      id: r.id,
      type: r.type,
      status: r.status,
      receivedAt: r.received_at,
      requestedStart: r.requested_start,
      appointmentStart: r.appointment_start,
      appointmentFhirId: r.appointment_fhir_id,
      flag: r.pkb_flag ? { kind: r.pkb_flag, movedTo: r.pkb_moved_to } : null,
      passed: r.appointment_passed_at !== null,
      autoCloseAllowed: !r.reopened_after_auto,
    };
    return { row, recheckMs: r.recheck_ms === null ? null : Number(r.recheck_ms) };
  });
}

/**
 * Serialises, until the transaction ends, every transaction that opens or attaches a request of this patient: two
 * repeats processed at once (two workers, two instances) cannot both miss each other and open two work items.
 */
export async function lockPatientRequests(tx: Queryable, patientKey: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 9))", [`rebook.patient-requests:${patientKey}`]);
}

/** lockPatientRequests for many patients, in one statement and a fixed order (so two batches cannot deadlock). */
export async function lockManyPatientsRequests(tx: Queryable, patientKeys: readonly string[]): Promise<void> {
  const keys = [...new Set(patientKeys)].sort().map((k) => `rebook.patient-requests:${k}`);
  if (keys.length === 0) return;
  await tx.query(
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 9)) FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n)",
    [keys],
  );
}

/** What identifies a request's appointment, for finding other requests about the same one. */
export interface SameAppointmentKey {
  /** The request itself (never found). */
  requestId: string;
  /** The patient: by NHS number when identified, else by PKB user id. */
  nhsNumber: string | null;
  patientPkbId: string | null;
  /** The linked appointment, when the match linked one. */
  fhirId: string | null;
  externalId: string | null;
  /** The start the message named, and the subject ("Eye clinic"). */
  requestedStart: Date | null;
  requestedSubject: string | null;
  /** The start names two or more of the patient's appointments (startSharedByCandidates): never joined by it. */
  startShared: boolean;
}

/** A request found for the same appointment. */
export interface SameAppointmentRequest {
  id: string;
  status: RequestStatus;
  priority: Priority;
  type: RequestType | null;
  outcome: Outcome | null;
  askedCount: number;
  /** When the patient first asked about the appointment in this request. */
  receivedAt: Date;
  /** The linked appointment's start as stored, and whether the request is marked "appointment passed". */
  appointmentStart: Date | null;
  passed: boolean;
}

/**
 * The SQL condition "request r is another request of the same patient about the same appointment", given the patient
 * condition and SQL expressions for the key's other parts (parameters, or columns of a row of keys).
 */
function sameAppointment(
  patient: string,
  k: Record<"requestId" | "externalId" | "fhirId" | "requestedStart" | "requestedSubject" | "startShared", string>,
): string {
  return `r.id <> ${k.requestId} AND ${patient} AND (
      (${k.externalId}::text IS NOT NULL AND r.appointment_external_id = ${k.externalId})
      OR (${k.fhirId}::text IS NOT NULL AND r.appointment_fhir_id = ${k.fhirId})
      OR (${k.requestedStart}::timestamptz IS NOT NULL AND NOT ${k.startShared}::boolean
          AND r.requested_start = ${k.requestedStart}
          AND r.requested_subject IS NOT DISTINCT FROM ${k.requestedSubject}::text
          AND NOT (${k.fhirId}::text IS NOT NULL AND r.appointment_fhir_id IS NOT NULL
                   AND r.appointment_fhir_id <> ${k.fhirId})
          AND (SELECT count(*) FROM jsonb_array_elements(COALESCE(r.candidates, '[]'::jsonb)) c
               WHERE (c->>'start')::timestamptz = r.requested_start) < 2))`;
}

/**
 * Of many keys, the requests (their `requestId`) for which findSameAppointment would find another open, in progress
 * or done request: one statement, without locking (the pipeline's batch writes the others set-based and hands these
 * to the one-at-a-time path, which looks again holding the patient's lock). Keys without a patient find nothing.
 */
export async function requestsWithSameAppointment(
  tx: Queryable,
  keys: readonly SameAppointmentKey[],
): Promise<Set<string>> {
  const found = new Set<string>();
  // One look-up per patient column, so each uses its index; OFFSET 0 keeps it a look-up per key (never a join that
  // scans every request, which PostgreSQL may prefer for a small table).
  for (const byNhs of [true, false]) {
    const ks = keys.filter((k) => (byNhs ? k.nhsNumber !== null : k.nhsNumber === null && k.patientPkbId !== null));
    if (ks.length === 0) continue;
    const same = sameAppointment(
      byNhs ? "r.nhs_number = k.patient" : "r.nhs_number IS NULL AND r.patient_pkb_id = k.patient",
      {
        requestId: "k.request_id",
        externalId: "k.external_id",
        fhirId: "k.fhir_id",
        requestedStart: "k.requested_start",
        requestedSubject: "k.requested_subject",
        startShared: "k.start_shared",
      },
    );
    const rows = await tx.query<{ request_id: string }>(
      `SELECT k.request_id FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
         $7::boolean[]) AS k(request_id, patient, external_id, fhir_id, requested_start, requested_subject, start_shared)
       WHERE EXISTS (SELECT 1 FROM appointment_requests r
                     WHERE ${same} AND r.status IN ('open', 'in_progress', 'done') OFFSET 0)`,
      [
        ks.map((k) => k.requestId),
        ks.map((k) => (byNhs ? k.nhsNumber : k.patientPkbId)),
        ks.map((k) => k.externalId),
        ks.map((k) => k.fhirId),
        ks.map((k) => k.requestedStart),
        ks.map((k) => k.requestedSubject),
        ks.map((k) => k.startShared),
      ],
    );
    for (const r of rows) found.add(r.request_id);
  }
  return found;
}

/**
 * The other requests of the same patient about the same appointment: the same external identifier or FHIR id, or the
 * same requested start and subject when they are not linked to two different appointments and the start names one
 * appointment only on both sides (neither request's candidates hold two at it). `open`: the oldest still open or in
 * progress (locked FOR UPDATE); `done`: the latest done one. Call holding lockPatientRequests.
 */
export async function findSameAppointment(
  tx: Queryable,
  k: SameAppointmentKey,
): Promise<{ open: SameAppointmentRequest | null; done: SameAppointmentRequest | null }> {
  if (!k.nhsNumber && !k.patientPkbId) return { open: null, done: null };
  const same = sameAppointment(k.nhsNumber ? "r.nhs_number = $2" : "r.nhs_number IS NULL AND r.patient_pkb_id = $2", {
    requestId: "$1",
    externalId: "$3",
    fhirId: "$4",
    requestedStart: "$5",
    requestedSubject: "$6",
    startShared: "$7",
  });
  const params = [
    k.requestId,
    k.nhsNumber ?? k.patientPkbId,
    k.externalId,
    k.fhirId,
    k.requestedStart,
    k.requestedSubject,
    k.startShared,
  ];
  type Row = {
    id: string;
    status: RequestStatus;
    priority: Priority;
    type: RequestType | null;
    outcome: Outcome | null;
    asked_count: number;
    received_at: Date;
    appointment_start: Date | null;
    appointment_passed_at: Date | null;
  };
  const toItem = (r: Row | undefined): SameAppointmentRequest | null =>
    r
      ? {
          id: r.id,
          status: r.status,
          priority: r.priority,
          type: r.type,
          outcome: r.outcome,
          askedCount: r.asked_count,
          receivedAt: r.received_at,
          appointmentStart: r.appointment_start,
          passed: r.appointment_passed_at !== null,
        }
      : null;
  // One statement: the oldest open or in progress one if any (locked), else the latest done one.
  const [found] = await tx.query<Row>(
    `SELECT r.id, r.status, r.priority, r.type, r.outcome, r.asked_count, r.received_at, r.appointment_start,
       r.appointment_passed_at FROM appointment_requests r
     WHERE ${same} AND r.status IN ('open', 'in_progress', 'done')
     ORDER BY r.status = 'done', CASE WHEN r.status <> 'done' THEN r.received_at END,
       r.received_at DESC, r.id
     LIMIT 1 FOR UPDATE`,
    params,
  );
  if (!found) return { open: null, done: null };
  return found.status === "done" ? { open: null, done: toItem(found) } : { open: toItem(found), done: null };
}

/** The facts of a request that becomes a repeat of another, for the other's history. */
export interface RepeatFacts {
  pkbMessageId: string;
  conversationId: string;
  receivedAt: Date;
  type: RequestType | null;
  requestedStart: Date | null;
  requestedSubject: string | null;
}

/** Reads what a repeat's history row records of it. */
export async function readRepeatFacts(tx: Queryable, requestId: string): Promise<RepeatFacts | null> {
  const [r] = await tx.query<{
    pkb_message_id: string;
    conversation_id: string;
    received_at: Date;
    type: RequestType | null;
    requested_start: Date | null;
    requested_subject: string | null;
  }>(
    `SELECT pkb_message_id, conversation_id, received_at, type, requested_start, requested_subject
     FROM appointment_requests WHERE id = $1`,
    [requestId],
  );
  return r
    ? {
        pkbMessageId: r.pkb_message_id,
        conversationId: r.conversation_id,
        receivedAt: r.received_at,
        type: r.type,
        requestedStart: r.requested_start,
        requestedSubject: r.requested_subject,
      }
    : null;
}

/**
 * Folds a repeat into the open request: its PKB messages (the request message and any follow-ups) are filed on the
 * open one, and the repeat's own row goes (its history is summed up in the open one's `repeat_received` row). Call in
 * the transaction that writes that row.
 */
export async function foldRepeatInto(tx: Queryable, repeatId: string, openId: string): Promise<void> {
  await tx.query("UPDATE pkb_messages SET request_id = $2 WHERE request_id = $1", [repeatId, openId]);
  await tx.query("DELETE FROM appointment_requests WHERE id = $1", [repeatId]);
}
