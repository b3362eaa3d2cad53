// Patients as PKB describes them, cached so that each patient's details are fetched at most once per cache period.
import type { Queryable } from "./db.ts";

export interface Patient {
  pkbUserId: string;
  nhsNumber: string | null;
  title: string | null;
  firstName: string | null;
  lastName: string | null;
  /** YYYY-MM-DD */
  dob: string | null;
  gender: string | null;
  email: string | null;
  phone: string | null;
  raw: unknown;
  fetchedAt: Date;
}

interface Row {
  pkb_user_id: string;
  nhs_number: string | null;
  title: string | null;
  first_name: string | null;
  last_name: string | null;
  dob: string | null;
  gender: string | null;
  email: string | null;
  phone: string | null;
  raw: unknown;
  fetched_at: Date;
}

const toPatient = (r: Row): Patient => ({
  pkbUserId: r.pkb_user_id,
  nhsNumber: r.nhs_number,
  title: r.title,
  firstName: r.first_name,
  lastName: r.last_name,
  dob: r.dob,
  gender: r.gender,
  email: r.email,
  phone: r.phone,
  raw: r.raw,
  fetchedAt: r.fetched_at,
});

/** The cached patient, or null. */
export async function getPatient(db: Queryable, pkbUserId: string): Promise<Patient | null> {
  const [row] = await db.query<Row>("SELECT * FROM patients WHERE pkb_user_id = $1", [pkbUserId]);
  return row ? toPatient(row) : null;
}

/** Stores (or refreshes) a patient. */
export async function upsertPatient(db: Queryable, p: Patient): Promise<void> {
  await db.query(
    `INSERT INTO patients (pkb_user_id, nhs_number, title, first_name, last_name, dob, gender, email, phone, raw, fetched_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (pkb_user_id) DO UPDATE SET nhs_number = $2, title = $3, first_name = $4, last_name = $5, dob = $6,
       gender = $7, email = $8, phone = $9, raw = $10, fetched_at = $11`,
    [
      p.pkbUserId,
      p.nhsNumber,
      p.title,
      p.firstName,
      p.lastName,
      p.dob,
      p.gender,
      p.email,
      p.phone,
      JSON.stringify(p.raw),
      p.fetchedAt,
    ],
  );
}

/** Stores (or refreshes) many patients in one statement (the last of a PKB user's wins). */
export async function upsertPatients(db: Queryable, ps: readonly Patient[]): Promise<void> {
  // In key order: two batches upserting the same patients lock their rows in the same order (no deadlock).
  const latest = [...new Map(ps.map((p) => [p.pkbUserId, p])).values()].sort((a, b) =>
    a.pkbUserId < b.pkbUserId ? -1 : a.pkbUserId > b.pkbUserId ? 1 : 0,
  );
  if (latest.length === 0) return;
  // The rows go as one JSON document: the driver would write each patient's JSON as an element of a text array,
  // escaping every quote in it.
  await db.query(
    `INSERT INTO patients (pkb_user_id, nhs_number, title, first_name, last_name, dob, gender, email, phone, raw, fetched_at)
     SELECT p.pkb_user_id, p.nhs_number, p.title, p.first_name, p.last_name, p.dob::date, p.gender, p.email, p.phone,
       p.raw, p.fetched_at
     FROM json_to_recordset($1::json) AS p(pkb_user_id text, nhs_number text, title text, first_name text,
       last_name text, dob text, gender text, email text, phone text, raw jsonb, fetched_at timestamptz)
     ON CONFLICT (pkb_user_id) DO UPDATE SET nhs_number = EXCLUDED.nhs_number, title = EXCLUDED.title,
       first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, dob = EXCLUDED.dob, gender = EXCLUDED.gender,
       email = EXCLUDED.email, phone = EXCLUDED.phone, raw = EXCLUDED.raw, fetched_at = EXCLUDED.fetched_at`,
    [
      JSON.stringify(
        latest.map((p) => ({
          pkb_user_id: p.pkbUserId,
          nhs_number: p.nhsNumber,
          title: p.title,
          first_name: p.firstName,
          last_name: p.lastName,
          dob: p.dob,
          gender: p.gender,
          email: p.email,
          phone: p.phone,
          raw: p.raw,
          fetched_at: p.fetchedAt,
        })),
      ),
    ],
  );
}
