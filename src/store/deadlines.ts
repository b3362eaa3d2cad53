// The deadline rules the store applies when it keeps appointment_requests.deadline_at (see migrations 0005 and 0016):
// the SLAs, the bank holidays of the configured nation, and each team's working hours. Whenever one of them changes,
// the deadlines it moves are recomputed in the same transaction, so the worklist's sort and filters stay plain index
// reads of deadline_at.
import { ukBankHolidays, type HolidayRegion } from "../domain/bank-holidays.ts";
import type { DeadlinePolicy } from "../domain/deadline.ts";
import type { DayHours, Weekday, WorkingCalendar } from "../domain/working-time.ts";
import type { Db, Queryable } from "./db.ts";

// The years of bank holidays the store holds: wide enough for any request Rebook keeps and any deadline it sets.
const FIRST_YEAR = 2000;
const yearsAhead = (now: Date): number => now.getUTCFullYear() + 10;

const RECOMPUTE = `deadline_at = request_deadline(team_id, received_at, appointment_start, sla_paused_ms, snoozed_at,
  snoozed_until)`;
const MOVED = `deadline_at <> request_deadline(team_id, received_at, appointment_start, sla_paused_ms, snoozed_at,
  snoozed_until)`;

/**
 * Makes the store use `policy` (REQUEST_SLA_HOURS, REQUEST_SLA_WORKING_HOURS, APPOINTMENT_LEAD_HOURS) and the bank
 * holidays of `region` (BANK_HOLIDAYS): when either differs from what is stored, stores it and recomputes every
 * request's deadline, in one transaction. Returns how many deadlines moved.
 */
export async function applyDeadlinePolicy(
  db: Db,
  policy: Pick<DeadlinePolicy, "requestSlaMs" | "appointmentLeadMs"> & {
    workingSlaMs?: number;
    holidayRegion?: HolidayRegion;
  },
  now = new Date(),
): Promise<{ changed: boolean; recomputed: number }> {
  const workingSlaMs = policy.workingSlaMs ?? 16 * 3_600_000;
  const region = policy.holidayRegion ?? "england-and-wales";
  return db.transaction(async (tx) => {
    const [current] = await tx.query<{ holiday_region: string; last_year: number | null }>(
      `SELECT holiday_region, (SELECT extract(year FROM max(day))::int FROM bank_holidays) AS last_year
       FROM deadline_policy FOR UPDATE`,
    );
    const holidaysStale = current!.holiday_region !== region || (current!.last_year ?? 0) < yearsAhead(now) - 1;
    if (holidaysStale) {
      await tx.query("DELETE FROM bank_holidays");
      const days = ukBankHolidays(region, FIRST_YEAR, yearsAhead(now));
      await tx.query("INSERT INTO bank_holidays (day, name) SELECT * FROM unnest($1::date[], $2::text[])", [
        days.map((d) => d.date),
        days.map((d) => d.name),
      ]);
    }
    const changed = await tx.query(
      `UPDATE deadline_policy SET request_sla = make_interval(secs => $1::double precision / 1000),
         appointment_lead = make_interval(secs => $2::double precision / 1000),
         working_sla = make_interval(secs => $3::double precision / 1000), holiday_region = $4, updated_at = now()
       WHERE request_sla <> make_interval(secs => $1::double precision / 1000)
          OR appointment_lead <> make_interval(secs => $2::double precision / 1000)
          OR working_sla <> make_interval(secs => $3::double precision / 1000)
          OR holiday_region <> $4
       RETURNING id`,
      [policy.requestSlaMs, policy.appointmentLeadMs, workingSlaMs, region],
    );
    if (changed.length === 0 && !holidaysStale) return { changed: false, recomputed: 0 };
    const moved = await tx.query(`UPDATE appointment_requests SET ${RECOMPUTE} WHERE ${MOVED} RETURNING id`);
    return { changed: true, recomputed: moved.length };
  });
}

/** A team's working hours by weekday, or null when it has none (around the clock). */
export async function readTeamHours(db: Queryable, teamId: string): Promise<DayHours[] | null> {
  const rows = await db.query<{ weekday: number; opens: string; closes: string }>(
    `SELECT weekday, to_char(opens, 'HH24:MI') AS opens, to_char(closes, 'HH24:MI') AS closes
     FROM team_working_hours WHERE team_id = $1 ORDER BY weekday`,
    [teamId],
  );
  return rows.length === 0
    ? null
    : rows.map((r) => ({ weekday: r.weekday as Weekday, opens: r.opens, closes: r.closes }));
}

/** Every team's working hours (teams with none are absent). */
export async function readAllTeamHours(db: Queryable): Promise<Map<string, DayHours[]>> {
  const rows = await db.query<{ team_id: string; weekday: number; opens: string; closes: string }>(
    `SELECT team_id, weekday, to_char(opens, 'HH24:MI') AS opens, to_char(closes, 'HH24:MI') AS closes
     FROM team_working_hours ORDER BY team_id, weekday`,
  );
  const out = new Map<string, DayHours[]>();
  for (const r of rows) {
    const list = out.get(r.team_id) ?? [];
    list.push({ weekday: r.weekday as Weekday, opens: r.opens, closes: r.closes });
    out.set(r.team_id, list);
  }
  return out;
}

/**
 * Replaces a team's working hours (null: around the clock; validated by the caller with hoursProblems) and recomputes
 * the deadlines of its requests that are not done. Call inside a transaction. Returns how many deadlines moved.
 */
export async function replaceTeamHours(
  tx: Queryable,
  teamId: string,
  hours: readonly DayHours[] | null,
): Promise<number> {
  await tx.query("DELETE FROM team_working_hours WHERE team_id = $1", [teamId]);
  if (hours && hours.length > 0) {
    await tx.query(
      `INSERT INTO team_working_hours (team_id, weekday, opens, closes)
       SELECT $1, * FROM unnest($2::smallint[], $3::time[], $4::time[])`,
      [teamId, hours.map((h) => h.weekday), hours.map((h) => h.opens), hours.map((h) => h.closes)],
    );
  }
  // Done requests keep the deadline they were measured against (reports compare the outcome with it).
  const moved = await tx.query(
    `UPDATE appointment_requests SET ${RECOMPUTE} WHERE team_id = $1 AND status <> 'done' AND ${MOVED} RETURNING id`,
    [teamId],
  );
  return moved.length;
}

/** The calendar the store counts a team's working time with (same hours and holidays as the SQL). */
export async function teamCalendar(db: Queryable, teamId: string | null): Promise<WorkingCalendar> {
  const hours = teamId ? await readTeamHours(db, teamId) : null;
  const rows = hours
    ? await db.query<{ day: string }>("SELECT to_char(day, 'YYYY-MM-DD') AS day FROM bank_holidays")
    : [];
  return { hours, holidays: new Set(rows.map((r) => r.day)) };
}
