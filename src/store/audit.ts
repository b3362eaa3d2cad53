// The audit log: who saw or changed what. Every view of a patient's request writes a row here.
import type { AuditAction } from "../audit-actions.ts";
import { checkAuditDetails, type AuditDetails } from "../audit-details.ts";
import type { Db, Queryable } from "./db.ts";
import { decodeCursor, encodeCursor, paramList } from "./keyset.ts";

/** One audit entry. `actorUserId` null: the actor is only known by `actorLabel`. */
export interface AuditEntry {
  id: number;
  at: Date;
  actorUserId: string | null;
  actorLabel: string;
  action: string;
  requestId: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  /** The request's patient and appointment, when the entry is about a request still held. */
  request: AuditRequest | null;
}

/** Who and which appointment a request was about, for reading the log without opening each request. */
export interface AuditRequest {
  patientName: string | null;
  nhsNumber: string | null;
  appointmentStart: Date | null;
  appointmentExternalId: string | null;
}

/**
 * Writes one audit entry; `action` is one of AUDIT_ACTIONS, and `details` the keys that action writes (AuditDetails,
 * src/audit-details.ts; the audit page words each). Throws, writing nothing, when the details hold a key the action
 * does not name (checkAuditDetails: a spread can bring one past the type).
 */
export async function recordAudit<A extends AuditAction>(
  db: Queryable,
  e: {
    actorUserId: string | null;
    actorLabel: string;
    action: A;
    requestId?: string | null;
    details?: AuditDetails[A];
    ip?: string | null;
  },
): Promise<void> {
  if (e.details !== undefined) checkAuditDetails(e.action, e.details);
  await db.query(
    "INSERT INTO audit_log (actor_user_id, actor_label, action, request_id, details, ip) VALUES ($1, $2, $3, $4, $5, $6)",
    [e.actorUserId, e.actorLabel, e.action, e.requestId ?? null, JSON.stringify(e.details ?? {}), e.ip ?? null],
  );
}

interface Row {
  id: number;
  at: Date;
  actor_user_id: string | null;
  actor_label: string;
  action: string;
  request_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  sort_key: string;
  r_id: string | null;
  first_name: string | null;
  last_name: string | null;
  nhs_number: string | null;
  appointment_start: Date | null;
  appointment_external_id: string | null;
}

/** Escapes LIKE's wildcards so a search term matches literally. */
const likeLiteral = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Longest patient search text the audit log takes. */
export const AUDIT_PATIENT_MAX_LENGTH = 100;

/**
 * The ids of the requests of the patient `q` names: an NHS number (10 digits, spaces or dashes allowed), or words that
 * each begin the patient's first or last name, without accents or case (rebook_fold, as the worklist's search). Null
 * when q has nothing to search for. Each alternative is an index scan (patients' name and NHS number indexes,
 * appointment_requests by nhs_number and patient_pkb_id).
 */
function patientRequestIds(q: string, p: (v: unknown) => string): string | null {
  const text = q.trim().replace(/\s+/g, " ");
  const digits = text.replace(/[\s-]+/g, "");
  if (/^\d{10}$/.test(digits)) {
    const nhs = p(digits);
    return `SELECT id FROM appointment_requests WHERE nhs_number = ${nhs}
      UNION SELECT pr.id FROM patients pt JOIN appointment_requests pr ON pr.patient_pkb_id = pt.pkb_user_id
      WHERE pt.nhs_number = ${nhs}`;
  }
  const words = text.split(/[\s,]+/).filter((w) => /\p{L}/u.test(w));
  if (words.length === 0) return null;
  const perWord = words.map((w) => {
    const pattern = `rebook_fold(${p(likeLiteral(w))}) || '%'`;
    return `(rebook_fold(pt.first_name) LIKE ${pattern} OR rebook_fold(pt.last_name) LIKE ${pattern})`;
  });
  return `SELECT pr.id FROM patients pt JOIN appointment_requests pr ON pr.patient_pkb_id = pt.pkb_user_id
    WHERE ${perWord.join(" AND ")}`;
}

/** "Ann Smith" from the parts the patient record has. */
function patientName(first: string | null, last: string | null): string | null {
  const name = [first, last].filter(Boolean).join(" ");
  return name || null;
}

/** Which entries: one request's, one patient's (name or NHS number), one action's; all of them when empty. */
export interface AuditFilter {
  requestId?: string;
  patient?: string;
  action?: string;
}

/** The SQL conditions on `audit_log a` of a filter (none: every entry). Values go in as parameters. */
function filterConditions(f: AuditFilter, p: (v: unknown) => string): string[] {
  const where: string[] = [];
  if (f.requestId) {
    // The request's own entries, and the lists it was shown in (a partial GIN index serves the second).
    const id = p(f.requestId);
    where.push(
      `(a.request_id = ${id}::uuid OR (a.action = 'requests.listed' AND a.details->'requestIds' ? ${id}::text))`,
    );
  }
  if (f.patient !== undefined) {
    const ids = patientRequestIds(f.patient, p);
    if (ids === null) where.push("false");
    else {
      // The ids of the patient's entries first (InitPlans: their requests by the patients' indexes, then their own
      // entries by audit_log_request and the lists they were in by the partial GIN index), then those rows by id. A
      // plain OR here would let the planner walk the whole log newest first, filtering.
      where.push(
        `a.id = ANY(ARRAY(SELECT id FROM audit_log WHERE request_id = ANY(ARRAY(${ids}))
           UNION SELECT id FROM audit_log WHERE action = 'requests.listed'
             AND details->'requestIds' ?| ARRAY(SELECT x.id::text FROM (${ids}) x)))`,
      );
    }
  }
  if (f.action) where.push(`a.action = ${p(f.action)}`);
  return where;
}

/**
 * One page of the audit log, newest first, optionally for one request, one patient (name or NHS number: the entries
 * about any of their requests, and the worklists those were shown in) and/or one action. Each entry about a request
 * still held carries its patient and appointment.
 */
export async function listAudit(
  db: Queryable,
  opts: AuditFilter & { cursor?: string | null; limit: number },
): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const { params, p } = paramList();
  const where = filterConditions(opts, p);
  if (opts.cursor) {
    const c = decodeCursor(opts.cursor, "at_desc");
    where.push(`(a.at, a.id) < (${p(c.key)}::timestamptz, ${p(Number(c.id))}::int8)`);
  }
  const rows = await db.query<Row>(
    `SELECT a.*, a.at::text AS sort_key, r.id AS r_id, pt.first_name, pt.last_name,
       COALESCE(r.nhs_number, pt.nhs_number) AS nhs_number, r.appointment_start, r.appointment_external_id
     FROM (SELECT * FROM audit_log a ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
           ORDER BY a.at DESC, a.id DESC LIMIT ${p(opts.limit + 1)}) a
     LEFT JOIN appointment_requests r ON r.id = a.request_id
     LEFT JOIN patients pt ON pt.pkb_user_id = r.patient_pkb_id
     ORDER BY a.at DESC, a.id DESC`,
    params,
  );
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      ...ownFields(r),
      request: r.r_id
        ? {
            patientName: patientName(r.first_name, r.last_name),
            nhsNumber: r.nhs_number,
            appointmentStart: r.appointment_start,
            appointmentExternalId: r.appointment_external_id,
          }
        : null,
    })),
    nextCursor:
      rows.length > opts.limit && last
        ? encodeCursor({ sort: "at_desc", key: last.sort_key, id: String(last.id) })
        : null,
  };
}

/** An entry's own fields: what the export writes (no patient data). */
export type AuditExportEntry = Omit<AuditEntry, "request">;

type OwnRow = Pick<Row, "id" | "at" | "actor_user_id" | "actor_label" | "action" | "request_id" | "details" | "ip">;

const ownFields = (r: OwnRow): AuditExportEntry => ({
  id: r.id,
  at: r.at,
  actorUserId: r.actor_user_id,
  actorLabel: r.actor_label,
  action: r.action,
  requestId: r.request_id,
  details: r.details,
  ip: r.ip,
});

/** The statement of an export's entries, newest first, with `more` conditions besides the filter's. */
function exportStatement(f: AuditFilter, more: (p: (v: unknown) => string) => string[]) {
  const { params, p } = paramList();
  const where = [...filterConditions(f, p), ...more(p)];
  const sql = `SELECT a.id, a.at, a.actor_user_id, a.actor_label, a.action, a.request_id, a.details, a.ip,
       a.at::text AS sort_key
     FROM audit_log a ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY a.at DESC, a.id DESC`;
  return { sql, params, p };
}

/**
 * Every entry of the filter as the log stood when the export began, newest first, in chunks of `chunk` (1,000 by
 * default): the entries' own fields, without their patients. Close it early (`return()`) to end the read.
 * - PostgreSQL: one snapshot (Db.readSnapshot), as rows.csv.
 * - PGlite: a snapshot would be read whole at the start (the log holds every view of a request for years), so the
 *   entries are read in keyset pages over (at, id), which never change, up to the newest id at the start: one
 *   session writes the log in id order, so an entry written meanwhile, whatever its `at`, is left out. An entry
 *   deleted meanwhile (retention, years old) is not shown, and a patient filter finds the patient's requests as
 *   each page is read.
 */
export async function* streamAuditEntries(
  db: Db,
  f: AuditFilter,
  opts: { chunk?: number } = {},
): AsyncGenerator<AuditExportEntry[]> {
  const chunk = opts.chunk ?? 1000;
  if (db.engine === "postgres") {
    const { sql, params } = exportStatement(f, () => []);
    for await (const rows of db.readSnapshot<OwnRow>(sql, params, { chunk })) yield rows.map(ownFields);
    return;
  }
  const [newest] = await db.query<{ id: number | null }>("SELECT max(id) AS id FROM audit_log");
  if (newest?.id == null) return;
  const upTo = newest.id;
  let after: { key: string; id: number } | null = null;
  for (;;) {
    const from: typeof after = after;
    const { sql, params, p } = exportStatement(f, (p) => [
      `a.id <= ${p(upTo)}::int8`,
      ...(from ? [`(a.at, a.id) < (${p(from.key)}::timestamptz, ${p(from.id)}::int8)`] : []),
    ]);
    const rows = await db.query<OwnRow & { sort_key: string }>(`${sql} LIMIT ${p(chunk)}`, params);
    if (rows.length > 0) yield rows.map(ownFields);
    const last = rows.at(-1);
    if (rows.length < chunk || !last) return;
    after = { key: last.sort_key, id: last.id };
  }
}
