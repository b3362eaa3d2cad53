// Settling what PKB already shows, and one work item per appointment, against the emulator over HTTP on both engines
// (docs/settling.md): a cancel request whose appointment the PAS cancelled is closed as already done in PKB (and stays
// open once a person reopens it); a change request whose appointment moved is flagged, not closed; past appointments
// are marked, not overdue; repeats attach to the open request (a cancel after a change updates the type), a request
// after an outcome opens linked to the earlier one; and a runner stopped in the middle of the rechecks loses nothing.
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countingDb } from "../../bench/measure.ts";
import { claimDue } from "../../src/jobs/due-work.ts";
import { runRequestWork } from "../../src/jobs/request-work.ts";
import { createLogger } from "../../src/log.ts";
import { PKB_SETTLE, pkbSettleProcessor } from "../../src/requests/processors/settle.ts";
import type { TokenCipher } from "../../src/store/crypto.ts";
import type { Db } from "../../src/store/db.ts";
import { requestWorkQueue } from "../../src/store/request-work.ts";
import { createTeamExclusive } from "../../src/store/teams.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { grantThroughConsentPage, startEmulator, type Emulator } from "../helpers/emulator.ts";

/** Rechecks every 0.6 s. */
const SETTLE_ENV = { PKB_RECHECK_MINUTES: "0.01" };
const DAY_MS = 86_400_000;

interface Row {
  id: string;
  type: "change" | "cancel";
  status: string;
  outcome: string | null;
  appointment_fhir_id: string;
  appointment_start: Date;
  received_at: Date;
  asked_count: number;
  pkb_flag: string | null;
  pkb_flag_text: string | null;
  pkb_moved_to: Date | null;
  appointment_passed_at: Date | null;
  previous_request_id: string | null;
  nhs_number: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The instant of 10:30 UK time on the UK date of `d` + `days` (ISO, UTC), for the emulator's PAS. */
function ukAt1030(d: Date, days: number): string {
  const date = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(
    new Date(d.getTime() + days * DAY_MS),
  );
  return DateTime.fromISO(`${date}T10:30`, { zone: "Europe/London" }).toUTC().toISO()!;
}

describe.each(engines)(
  "settling what PKB shows, one work item per appointment, on $name",
  { timeout: 90_000 },
  (engine) => {
    let t: TestDb;
    let emu: Emulator;
    let rebook: TestApp;
    let admin: AuthHeaders;
    let future: Row[];

    const build = (cipher?: TokenCipher) =>
      buildTestApp(t.db, { ...emu.env, ...SETTLE_ENV, SYNC_INITIAL_LOOKBACK_DAYS: "1000" }, cipher ? { cipher } : {});
    const work = (app: TestApp = rebook) =>
      runRequestWork({ db: t.db, sync: app.sync, logger: createLogger("silent"), now: () => new Date() });
    /** One settle check of request `id`, as the work runner calls it, with the store or PKB's clients swapped. */
    const checkOnce = (id: string, swap: { db?: Db; sync?: TestApp["sync"] }) =>
      pkbSettleProcessor.work(
        { db: swap.db ?? t.db, sync: swap.sync ?? rebook.sync, logger: createLogger("silent"), now: () => new Date() },
        { id: 0, requestId: id, kind: PKB_SETTLE, attempts: 0, dueAt: null, version: 0 },
      );
    const row = async (id: string): Promise<Row | undefined> =>
      (await t.db.query<Row>("SELECT * FROM appointment_requests WHERE id = $1", [id]))[0];

    /** Runs the due rechecks until the request satisfies `want` (or fails after `ms`). */
    async function workUntil(id: string, want: (r: Row | undefined) => boolean, app: TestApp = rebook, ms = 15_000) {
      const until = Date.now() + ms;
      for (;;) {
        await work(app);
        const r = await row(id);
        if (want(r)) return r!;
        if (Date.now() > until) throw new Error(`request ${id} never got there: ${JSON.stringify(r)}`);
        await sleep(100);
      }
    }
    const api = async (method: "GET" | "POST", url: string, payload?: Record<string, unknown>) => {
      const res = await rebook.app.inject({
        method,
        url,
        headers: admin,
        ...(payload === undefined ? {} : { payload }),
      });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json<Record<string, unknown>>();
    };
    const ids = async (url: string) => ((await api("GET", url)).items as { id: string }[]).map((i) => i.id);
    const eventsOf = (id: string, type: string) =>
      t.db.query<{ data: Record<string, unknown> }>(
        "SELECT data FROM request_events WHERE request_id = $1 AND type = $2 ORDER BY id",
        [id, type],
      );
    const countRequests = async () =>
      (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM appointment_requests"))[0]!.n;
    /** A patient's new request for an appointment, through the emulator (as PKB's patient UI would send it). */
    const ask = (appointmentId: string, kind: "change" | "cancel") =>
      emu.control<{ message: { id: string } }>("POST", "messages", { appointmentId, kind, force: true });
    const take = (type: "change" | "cancel"): Row => {
      const i = future.findIndex((r) => r.type === type);
      expect(i, `an open ${type} request with a future appointment`).toBeGreaterThanOrEqual(0);
      return future.splice(i, 1)[0]!;
    };

    beforeAll(async () => {
      // A world around today, so that most appointments are ahead and some have passed.
      const today = new Date(new Date().toISOString().slice(0, 10) + "T00:00:00Z");
      emu = await startEmulator({ size: 40, anchor: today });
      t = await engine.open();
      await createTeamExclusive(t.db, { name: "Appointments", description: "", isDefault: true });
      rebook = await build();
      admin = await rebook.signIn("admin");
      const created = await rebook.app.inject({
        method: "POST",
        url: "/api/pkb/connections",
        headers: admin,
        payload: { label: "Appointments" },
      });
      const { connection } = created.json<{ connection: { authorizePath: string } }>();
      expect((await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin })).status).toBe(
        200,
      );
      await rebook.poller.runNow();
      await rebook.poller.runNow();
      await work();
      future = await t.db.query<Row>(
        `SELECT DISTINCT ON (appointment_fhir_id) * FROM appointment_requests
       WHERE match_state = 'auto_linked' AND status = 'open' AND appointment_start > now() + interval '5 days'
       ORDER BY appointment_fhir_id, received_at`,
      );
      expect(future.length).toBeGreaterThanOrEqual(6);
    }, 240_000);
    afterAll(async () => {
      await rebook?.app.close();
      await t?.dispose();
      await emu?.stop();
    });

    it("a check that finds PKB showing what the request says reads its row before and after asking PKB and writes nothing: no lock, no transaction", async () => {
      // Issue 11: every linked request gets a check, and nearly all find nothing to settle. They used to open a command
      // (BEGIN, the row locked and read twice, COMMIT) and read the recheck policy: 6 statements, now 2 (the row read
      // again after PKB answers, so a change a person made meanwhile is what is decided on).
      const r = future.at(-1)!;
      const before = await row(r.id);
      const counted = countingDb(t.db);
      const step = await checkOnce(r.id, { db: counted.db });
      expect(step).toEqual({ done: false, delayMs: expect.any(Number) });
      expect(counted.byText().every(([sql]) => sql.startsWith("SELECT"))).toBe(true);
      expect(counted.statements()).toBe(2);
      expect(await row(r.id)).toEqual(before);
    });

    it("checks due together read and settle their rows in batches: a few statements for many checks", async () => {
      // Issue 11: in the server every linked request gets a check. One at a time, each read its work row, its request,
      // the request again after PKB answered, and wrote its next due time: 4 statements a check besides the claims.
      await t.db.query("UPDATE request_work SET due_at = now() WHERE kind = $1 AND due_at IS NOT NULL", [PKB_SETTLE]);
      const due = (
        await t.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM request_work WHERE kind = $1 AND due_at <= now()",
          [PKB_SETTLE],
        )
      )[0]!.n;
      expect(due).toBeGreaterThanOrEqual(10);
      const counted = countingDb(t.db);
      const summary = await runRequestWork({
        db: counted.db,
        sync: rebook.sync,
        logger: createLogger("silent"),
        now: () => new Date(),
      });
      expect(summary[PKB_SETTLE]!.later + summary[PKB_SETTLE]!.done).toBe(due);
      expect(summary[PKB_SETTLE]!.retry + summary[PKB_SETTLE]!.gave_up).toBe(0);
      // Each settled as its check decided: due again later (an open request is checked again), attempts at zero.
      const [after] = await t.db.query<{ due_now: number; failed: number }>(
        `SELECT count(*) FILTER (WHERE due_at <= now())::int AS due_now, count(*) FILTER (WHERE attempts > 0)::int AS failed
         FROM request_work WHERE kind = $1`,
        [PKB_SETTLE],
      );
      expect(after).toEqual({ due_now: 0, failed: 0 });
      expect(counted.statements() / due).toBeLessThan(2);
    });

    it("a check decides on the request as it is once PKB answers: made a cancel request meanwhile, it is closed", async () => {
      // A change request already flagged "cancelled in PKB": a check decides nothing more for it. A person makes it a
      // cancel request while the check is asking PKB: the check must decide on that (already done in PKB), not on the
      // row it read before asking.
      const r = take("change");
      await emu.control("POST", `appointments/${r.appointment_fhir_id}/cancel`);
      await workUntil(r.id, (x) => x?.pkb_flag === "cancelled");
      const fhir = new Proxy(rebook.sync.fhir, {
        get(target, key, receiver) {
          if (key !== "appointment") return Reflect.get(target, key, receiver) as unknown;
          return async (id: string) => {
            const shown = await target.appointment(id);
            await t.db.query("UPDATE appointment_requests SET type = 'cancel' WHERE id = $1", [r.id]);
            return shown;
          };
        },
      });
      const step = await checkOnce(r.id, { sync: { ...rebook.sync, fhir } });
      expect(step).toEqual({ done: true });
      expect(await row(r.id)).toMatchObject({ type: "cancel", status: "done", outcome: "already_done_in_pkb" });
    });

    it("a cancel request whose appointment PKB already shows cancelled is closed as already done; reopened, it stays open", async () => {
      const r = take("cancel");
      await emu.control("POST", `appointments/${r.appointment_fhir_id}/cancel`);
      const closed = await workUntil(r.id, (x) => x?.status === "done");
      expect(closed.outcome).toBe("already_done_in_pkb");
      expect((await eventsOf(r.id, "pkb_already_done")).map((e) => e.data)).toEqual([
        { outcome: "already_done_in_pkb", shows: "PKB already shows this appointment cancelled" },
      ]);
      expect((await eventsOf(r.id, "status_changed")).at(-1)?.data).toMatchObject({ from: "open", to: "done" });
      const detail = await api("GET", `/api/requests/${r.id}`);
      expect(detail).toMatchObject({ status: "done", outcome: "already_done_in_pkb" });
      expect(detail.outcomeDetails).toMatchObject({ shows: "PKB already shows this appointment cancelled" });
      // A person reopens it: it is theirs now, and later checks do not close it again.
      await api("POST", `/api/requests/${r.id}/status`, { status: "open", reason: "Patient phoned: wants to keep it" });
      await work();
      await sleep(800);
      await work();
      expect((await row(r.id))?.status).toBe("open");
    });

    it("a change request whose appointment PKB shows moved is flagged for a person, not closed", async () => {
      const r = take("change");
      const to = ukAt1030(r.appointment_start, 2);
      await emu.control("POST", `appointments/${r.appointment_fhir_id}/reschedule`, { start: to });
      const flagged = await workUntil(r.id, (x) => x?.pkb_flag === "moved");
      expect(flagged.status).toBe("open");
      expect(flagged.outcome).toBeNull();
      expect(flagged.pkb_flag_text).toMatch(
        /^PKB shows this appointment moved to \w{3} \d{1,2} \w{3,4}( \d{4})? 10:30 since the request$/,
      );
      const detail = await api("GET", `/api/requests/${r.id}`);
      expect(detail.pkbFlag).toMatchObject({ kind: "moved", text: flagged.pkb_flag_text });
      expect(await ids("/api/requests?pkb_flag=moved")).toEqual([r.id]);
      expect((await eventsOf(r.id, "pkb_flagged")).map((e) => e.data.flag)).toEqual(["moved"]);
    });

    it("past appointments are marked, are not overdue, and have their own filter; one already past when asked says so", async () => {
      const past = await t.db.query<Row>(
        `SELECT * FROM appointment_requests WHERE status = 'open' AND appointment_fhir_id IS NOT NULL
       AND appointment_start < now()`,
      );
      expect(past.length).toBeGreaterThan(0);
      for (const p of past) expect(p.appointment_passed_at, p.id).not.toBeNull();
      const passed = await ids("/api/requests?due=passed&limit=200");
      const overdue = await ids("/api/requests?due=overdue&limit=200");
      for (const p of past) {
        expect(passed).toContain(p.id);
        expect(overdue).not.toContain(p.id);
      }
      const list = (await api("GET", "/api/requests?due=passed&limit=1")).items as { deadline: { state: string } }[];
      expect(list[0]?.deadline).toMatchObject({ state: "passed", text: "Appointment passed" });
      // A request sent for an appointment that had already started: marked as passed before it was received.
      const nhs = past[0]!.nhs_number;
      const linked = new Set(
        (await t.db.query<{ f: string }>("SELECT appointment_fhir_id AS f FROM appointment_requests")).map((x) => x.f),
      );
      const from = new Date(Date.now() - 60 * DAY_MS).toISOString().slice(0, 10);
      const to = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
      const theirs = await rebook.sync.fhir.appointmentsForPatient(nhs, from, to);
      const free = theirs.find((a) => !linked.has(a.id) && a.status !== "cancelled" && a.start);
      if (free) {
        const before = await countRequests();
        const sent = await ask(free.id, "change");
        await rebook.poller.runNow();
        const [created] = await t.db.query<Row>("SELECT * FROM appointment_requests WHERE pkb_message_id = $1", [
          sent.message.id,
        ]);
        expect(await countRequests()).toBe(before + 1);
        if (created?.appointment_fhir_id === free.id) {
          const marked = await workUntil(created.id, (x) => x?.appointment_passed_at !== null);
          expect(marked.status).toBe("open");
          expect((await eventsOf(created.id, "appointment_passed"))[0]?.data).toMatchObject({ before: "received" });
        }
      }
      const year = (n: number) => new Date(Date.now() + n * 300 * DAY_MS).toISOString().slice(0, 10);
      const report = await api("GET", `/api/reports/settling?from=${year(-1)}&to=${year(1)}`);
      expect((report.overall as { passedBeforeAction: number }).passedBeforeAction).toBeGreaterThanOrEqual(past.length);
    });

    /** Moves a request's appointment in the emulator's PAS (its feed into PKB applies it at once in tests). */
    const reschedule = (r: Row, start: string) =>
      emu.control("POST", `appointments/${r.appointment_fhir_id}/reschedule`, { start });
    /** A team of their own for `rs`, so the settling report of that team counts these requests only. */
    async function ownTeam(name: string, rs: Row[]) {
      const teamId = await createTeamExclusive(t.db, { name: `${name} (${engine.name})` });
      for (const r of rs) {
        await api("POST", `/api/requests/${r.id}/transfer`, { teamId, reason: "Counted on their own in this test" });
      }
      const year = (n: number) => new Date(Date.now() + n * 300 * DAY_MS).toISOString().slice(0, 10);
      const report = async () => {
        const r = await api("GET", `/api/reports/settling?from=${year(-1)}&to=${year(1)}&team_id=${teamId}`);
        const o = r.overall as { requests: number; passedBeforeAction: number; passedBeforeReceived: number };
        return { passedBeforeAction: o.passedBeforeAction, passedBeforeReceived: o.passedBeforeReceived };
      };
      return { teamId, report };
    }
    const deadlineOf = async (id: string) =>
      ((await api("GET", `/api/requests/${id}`)).deadline as { state: string }).state;
    /** The request's "passed" history rows: why each says it passed, and what it corrects. */
    const passedRows = async (id: string) =>
      (await eventsOf(id, "appointment_passed")).map((e) => ({
        before: e.data.before,
        correctedFrom: e.data.correctedFrom,
      }));

    it("an appointment marked passed that PKB then shows moved to a future date is live work again: the mark is cleared with a history row, and the worklist and the settling report agree (a change request stays flagged)", async () => {
      // The booking office moves an appointment that had "passed" (the patient phoned, say) to a date ahead. Kept as
      // passed, the request would be hidden from deadline work ("Appointment passed", never overdue) though the
      // appointment is ahead and the patient still wants it changed or cancelled.
      const cancel = take("cancel");
      const change = take("change");
      const { teamId, report } = await ownTeam("Moved ahead by the booking office", [cancel, change]);
      // Moved to two days before each request was received: marked passed before it was received.
      await reschedule(cancel, ukAt1030(cancel.received_at, -2));
      await reschedule(change, ukAt1030(change.received_at, -2));
      await workUntil(cancel.id, (x) => x?.appointment_passed_at != null);
      await workUntil(change.id, (x) => x?.appointment_passed_at != null && x.pkb_flag === "moved");
      expect(await passedRows(cancel.id)).toEqual([{ before: "received", correctedFrom: undefined }]);
      expect(await ids(`/api/requests?due=passed&team_id=${teamId}&limit=200`)).toHaveLength(2);
      expect(await report()).toEqual({ passedBeforeAction: 2, passedBeforeReceived: 2 });

      // Both moved to a date ahead: the appointment has not passed. The mark is cleared with a row saying why; the
      // worklist shows the deadline (the requests were received days ago: overdue); the report no longer counts them;
      // the change request is still flagged, as PKB shows its appointment moved since the request.
      const ahead = { cancel: ukAt1030(new Date(), 10), change: ukAt1030(new Date(), 11) };
      await reschedule(cancel, ahead.cancel);
      await reschedule(change, ahead.change);
      await workUntil(cancel.id, (x) => x?.appointment_start.toISOString() === ahead.cancel);
      await workUntil(change.id, (x) => x?.appointment_start.toISOString() === ahead.change);
      for (const [r, at] of [
        [cancel, ahead.cancel],
        [change, ahead.change],
      ] as const) {
        expect(await row(r.id), r.type).toMatchObject({ appointment_passed_at: null, status: "open" });
        expect(await deadlineOf(r.id), r.type).not.toBe("passed");
        const cleared = await eventsOf(r.id, "appointment_passed_cleared");
        expect(cleared.map((e) => e.data.start)).toEqual([at]);
        expect(String(cleared[0]!.data.shows)).toMatch(
          /^PKB shows it moved to \w{3} \d{1,2} \w+( \d{4})? 10:30, from .+: it has not started yet, so the request is deadline work again$/,
        );
        // The earlier row stays as written: history is only added to.
        expect(await passedRows(r.id)).toEqual([{ before: "received", correctedFrom: undefined }]);
      }
      expect(await ids(`/api/requests?due=passed&team_id=${teamId}&limit=200`)).toEqual([]);
      expect((await ids(`/api/requests?due=overdue,due_soon,on_track&team_id=${teamId}&limit=200`)).sort()).toEqual(
        [cancel.id, change.id].sort(),
      );
      expect(await report()).toEqual({ passedBeforeAction: 0, passedBeforeReceived: 0 });
      const flagged = await row(change.id);
      expect(flagged?.pkb_flag).toBe("moved");
      expect(flagged?.pkb_flag_text).toMatch(
        /^PKB shows this appointment moved to \w{3} \d{1,2} \w+( \d{4})? 10:30 since the request$/,
      );
      expect((await eventsOf(change.id, "pkb_flagged")).at(-1)?.data.movedTo).toBe(ahead.change);
    });

    it("an appointment marked passed that PKB shows moved in the past: the mark stands; moved across the request's receipt, a new history row corrects why, as the settling report counts it", async () => {
      const r = take("cancel");
      const { report } = await ownTeam("Moved back by the booking office", [r]);
      await reschedule(r, ukAt1030(r.received_at, -2));
      await workUntil(r.id, (x) => x?.appointment_passed_at != null);
      expect(await passedRows(r.id)).toEqual([{ before: "received", correctedFrom: undefined }]);
      expect(await report()).toEqual({ passedBeforeAction: 1, passedBeforeReceived: 1 });

      // Moved to another time still before it was received: the reason holds and nothing more is said of the mark.
      const earlier = ukAt1030(r.received_at, -3);
      await reschedule(r, earlier);
      await workUntil(r.id, (x) => x?.appointment_start.toISOString() === earlier);
      expect((await row(r.id))?.appointment_passed_at).not.toBeNull();
      expect(await passedRows(r.id)).toEqual([{ before: "received", correctedFrom: undefined }]);
      expect(await report()).toEqual({ passedBeforeAction: 1, passedBeforeReceived: 1 });
      expect(await deadlineOf(r.id)).toBe("passed");

      // Moved to just after it was received, still past: it passed before anyone acted, not before it was received,
      // as the report now counts it. A new row says so; the earlier one stays as written.
      const afterReceipt = new Date(Math.ceil((r.received_at.getTime() + 60_000) / 60_000) * 60_000);
      expect(afterReceipt.getTime()).toBeLessThan(Date.now());
      await reschedule(r, afterReceipt.toISOString());
      await workUntil(r.id, (x) => x?.appointment_start.getTime() === afterReceipt.getTime());
      expect(await report()).toEqual({ passedBeforeAction: 1, passedBeforeReceived: 0 });
      expect(await passedRows(r.id)).toEqual([
        { before: "received", correctedFrom: undefined },
        { before: "action", correctedFrom: "received" },
      ]);
      expect(await deadlineOf(r.id)).toBe("passed");

      // And back to before it was received: corrected again, the other way.
      await reschedule(r, earlier);
      await workUntil(r.id, (x) => x?.appointment_start.toISOString() === earlier);
      expect(await report()).toEqual({ passedBeforeAction: 1, passedBeforeReceived: 1 });
      expect((await eventsOf(r.id, "appointment_passed")).at(-1)?.data).toMatchObject({
        before: "received",
        correctedFrom: "action",
        start: earlier,
      });
    });

    it("a change request marked passed whose appointment PKB then shows cancelled is flagged and live work again: the mark is cleared with a history row saying what PKB shows, and the worklist and the settling report agree", async () => {
      // Kept as passed, the request would stay hidden as "Appointment passed" (after the deadline work, never overdue)
      // though PKB shows the appointment it was about no longer booked, and the patient may need a new one.
      const r = take("change");
      const { teamId, report } = await ownTeam("Cancelled after it passed", [r]);
      await reschedule(r, ukAt1030(r.received_at, -2));
      await workUntil(r.id, (x) => x?.appointment_passed_at != null && x.pkb_flag === "moved");
      expect(await report()).toEqual({ passedBeforeAction: 1, passedBeforeReceived: 1 });
      const start = (await row(r.id))!.appointment_start;

      await emu.control("POST", `appointments/${r.appointment_fhir_id}/cancel`);
      await workUntil(r.id, (x) => x?.pkb_flag === "cancelled");
      expect(await row(r.id)).toMatchObject({ status: "open", appointment_passed_at: null, appointment_start: start });
      expect(await deadlineOf(r.id)).not.toBe("passed");
      const cleared = await eventsOf(r.id, "appointment_passed_cleared");
      expect(cleared.map((e) => e.data)).toEqual([
        {
          start: start.toISOString(),
          pkbShows: "cancelled",
          shows: expect.stringMatching(
            /^PKB shows the appointment \(\w{3} \d{1,2} \w+( \d{4})? 10:30\) cancelled: it is no longer booked, so the request is deadline work again$/,
          ),
        },
      ]);
      // The flag comes first, then the mark's row; the row that made the mark stays as written.
      const order = await t.db.query<{ type: string }>(
        `SELECT type FROM request_events WHERE request_id = $1 AND type IN ('pkb_flagged', 'appointment_passed_cleared')
         ORDER BY id DESC LIMIT 2`,
        [r.id],
      );
      expect(order.map((e) => e.type)).toEqual(["appointment_passed_cleared", "pkb_flagged"]);
      expect(await passedRows(r.id)).toEqual([{ before: "received", correctedFrom: undefined }]);
      expect(await ids(`/api/requests?due=passed&team_id=${teamId}&limit=200`)).toEqual([]);
      expect(await ids(`/api/requests?pkb_flag=cancelled&team_id=${teamId}&limit=200`)).toEqual([r.id]);
      expect(await report()).toEqual({ passedBeforeAction: 0, passedBeforeReceived: 0 });
      // Later checks leave it so: a cancelled appointment has no start to pass.
      await sleep(800);
      await work();
      expect((await row(r.id))?.appointment_passed_at).toBeNull();
      expect(await eventsOf(r.id, "appointment_passed_cleared")).toHaveLength(1);
    });

    it("a cancel request whose appointment PKB shows moved says so in its history, and is not flagged", async () => {
      // A change request's flag row says where its appointment moved; a cancel request is never flagged (the patient
      // wants it cancelled either way), and its stored start changed with nothing in the history to say so.
      const r = take("cancel");
      const to = ukAt1030(r.appointment_start, 3);
      await reschedule(r, to);
      const moved = await workUntil(r.id, (x) => x?.appointment_start.toISOString() === to);
      expect(moved).toMatchObject({ status: "open", pkb_flag: null, appointment_passed_at: null });
      expect((await eventsOf(r.id, "appointment_moved")).map((e) => e.data)).toEqual([
        {
          from: r.appointment_start.toISOString(),
          to,
          shows: expect.stringMatching(
            /^PKB shows this appointment moved to \w{3} \d{1,2} \w+( \d{4})? 10:30, from \w{3} \d{1,2} \w+( \d{4})? \d\d:\d\d$/,
          ),
        },
      ]);
      // The request page's history carries it.
      const history = (await api("GET", `/api/requests/${r.id}`)).history as { type: string }[];
      expect(history.map((e) => e.type)).toContain("appointment_moved");
      // Checked again with nothing moved: nothing more is written.
      await sleep(800);
      await work();
      expect(await eventsOf(r.id, "appointment_moved")).toHaveLength(1);
    });

    it("a re-match that finds the appointment already linked leaves its start as PKB last showed it: the check after it says the move in the history", async () => {
      // PKB moves a cancel request's appointment away (the check stores the start, with a row), then back to the time
      // the patient asked about. A clerk searches PKB again before any check reads it: the search links the same
      // appointment. Had the re-match stored the search's start, the check would find nothing moved, and the start
      // would have changed with nothing in the history to say so.
      const r = take("cancel");
      const away = ukAt1030(r.appointment_start, 3);
      const back = r.appointment_start.toISOString();
      await reschedule(r, away);
      await workUntil(r.id, (x) => x?.appointment_start.toISOString() === away);
      await reschedule(r, back);
      await api("POST", `/api/requests/${r.id}/rematch`, {});
      const rematched = await row(r.id);
      await workUntil(r.id, (x) => x?.appointment_start.toISOString() === back);
      expect((await eventsOf(r.id, "rematched")).map((e) => e.data.fhirId)).toEqual([r.appointment_fhir_id]);
      expect((await eventsOf(r.id, "appointment_moved")).map((e) => [e.data.from, e.data.to])).toEqual([
        [back, away],
        [away, back],
      ]);
      // Straight after the re-match, before the check: the start PKB last showed, as a manual match keeps it.
      expect(rematched).toMatchObject({ appointment_fhir_id: r.appointment_fhir_id, status: "open" });
      expect(rematched?.appointment_start.toISOString()).toBe(away);
      const history = (await api("GET", `/api/requests/${r.id}`)).history as { type: string }[];
      expect(history.filter((e) => e.type === "appointment_moved")).toHaveLength(2);
    });

    it("a person linking another appointment clears the flag and the passed mark through the request's writer, with a history row for each saying why; nothing is written when neither was set, and the new link is checked as before", async () => {
      // A change request whose appointment PKB shows moved to before the request was received: flagged as moved and
      // marked passed. A clerk then links it to another of the patient's appointments: what was flagged and marked
      // was about the old one, and the history must say why both went.
      type Candidate = { fhirId: string; start: string | null; status: string; fhirIdNotExact?: boolean };
      let picked: { r: Row; other: Candidate } | null = null;
      for (const [i, r] of future.entries()) {
        if (r.type !== "change") continue;
        const [c] = await t.db.query<{ candidates: Candidate[] }>(
          "SELECT candidates FROM appointment_requests WHERE id = $1",
          [r.id],
        );
        const other = c?.candidates.find(
          (x) =>
            x.fhirId !== r.appointment_fhir_id &&
            !x.fhirIdNotExact &&
            x.status !== "cancelled" &&
            x.start !== null &&
            new Date(x.start).getTime() > Date.now() + DAY_MS,
        );
        if (other) {
          future.splice(i, 1);
          picked = { r, other };
          break;
        }
      }
      expect(picked, "an open change request with another appointment ahead among its candidates").not.toBeNull();
      const { r, other } = picked!;
      await reschedule(r, ukAt1030(r.received_at, -2));
      await workUntil(r.id, (x) => x?.appointment_passed_at != null && x.pkb_flag === "moved");
      const lastEventId = async () =>
        (
          await t.db.query<{ n: number }>(
            "SELECT coalesce(max(id), 0)::int AS n FROM request_events WHERE request_id = $1",
            [r.id],
          )
        )[0]!.n;
      const since = (id: number) =>
        t.db.query<{ type: string; actor_user_id: string | null; data: Record<string, unknown> }>(
          "SELECT type, actor_user_id, data FROM request_events WHERE request_id = $1 AND id > $2 ORDER BY id",
          [r.id, id],
        );

      const before = await lastEventId();
      await api("POST", `/api/requests/${r.id}/match`, { fhirId: other.fhirId });
      // Straight after the person's link, before any check has run.
      expect(await row(r.id)).toMatchObject({
        appointment_fhir_id: other.fhirId,
        pkb_flag: null,
        pkb_flag_text: null,
        pkb_moved_to: null,
        appointment_passed_at: null,
      });
      const written = await since(before);
      // A row for each, by the person who linked, then the link's own row (the command's last, as always).
      expect(written.map((e) => e.type)).toEqual([
        "pkb_flag_cleared",
        "appointment_passed_cleared",
        "appointment_linked",
      ]);
      const [flagRow, passedRow, linkRow] = written;
      expect(linkRow!.actor_user_id).not.toBeNull();
      expect(flagRow!.actor_user_id).toBe(linkRow!.actor_user_id);
      expect(passedRow!.actor_user_id).toBe(linkRow!.actor_user_id);
      const link = { relinked: true, previousFhirId: r.appointment_fhir_id, fhirId: other.fhirId };
      expect(flagRow!.data).toEqual({
        ...link,
        shows: "another appointment was linked, and the flag was about the one linked before",
      });
      expect(passedRow!.data).toEqual({
        ...link,
        shows: "another appointment was linked, and the mark was about the one linked before",
      });

      // Linked back to the first appointment before any check: nothing was flagged or marked, so only the link is
      // written.
      const relinked = await lastEventId();
      await api("POST", `/api/requests/${r.id}/match`, { fhirId: r.appointment_fhir_id });
      expect((await since(relinked)).map((e) => e.type)).toEqual(["appointment_linked"]);

      // The link is still checked straight away: PKB shows that appointment moved to before the request was
      // received, so it is flagged and marked again.
      await workUntil(r.id, (x) => x?.appointment_passed_at != null && x.pkb_flag === "moved");
    });

    it("a person linking the appointment already linked writes the link only: the flag, the passed mark and the start PKB showed stay, and the check after it finds nothing to write", async () => {
      // Choosing the linked appointment by hand (confirming the match) changes no appointment: what was flagged and
      // marked was about this very one. Clearing both wrote two history rows for a non-change, left the request without
      // its flag and shown as deadline work until PKB was read again, and the check then flagged and marked it anew.
      type Candidate = { fhirId: string; fhirIdNotExact?: boolean };
      let r: Row | null = null;
      for (const [i, x] of future.entries()) {
        if (x.type !== "change") continue;
        const [c] = await t.db.query<{ candidates: Candidate[] }>(
          "SELECT candidates FROM appointment_requests WHERE id = $1",
          [x.id],
        );
        if (c?.candidates.some((y) => y.fhirId === x.appointment_fhir_id && !y.fhirIdNotExact)) {
          r = future.splice(i, 1)[0]!;
          break;
        }
      }
      expect(r, "an open change request linked automatically to one of its candidates").not.toBeNull();
      await reschedule(r!, ukAt1030(r!.received_at, -2));
      const marked = await workUntil(r!.id, (x) => x?.appointment_passed_at != null && x.pkb_flag === "moved");
      const [{ n: before }] = (await t.db.query<{ n: number }>(
        "SELECT coalesce(max(id), 0)::int AS n FROM request_events WHERE request_id = $1",
        [r!.id],
      )) as [{ n: number }];

      await api("POST", `/api/requests/${r!.id}/match`, { fhirId: r!.appointment_fhir_id });
      const since = async () =>
        (
          await t.db.query<{ type: string }>(
            "SELECT type FROM request_events WHERE request_id = $1 AND id > $2 ORDER BY id",
            [r!.id, before],
          )
        ).map((e) => e.type);
      expect(await since()).toEqual(["appointment_linked"]);
      const kept = {
        pkb_flag: "moved",
        pkb_flag_text: marked.pkb_flag_text,
        pkb_moved_to: marked.pkb_moved_to,
        appointment_passed_at: marked.appointment_passed_at,
        appointment_start: marked.appointment_start,
      };
      expect(await row(r!.id)).toMatchObject({ ...kept, appointment_fhir_id: r!.appointment_fhir_id });
      // The link is read from PKB straight away, as for any person's link: PKB shows what the request already says.
      await work();
      await sleep(800);
      await work();
      expect(await since()).toEqual(["appointment_linked"]);
      expect(await row(r!.id)).toMatchObject(kept);
    });

    it("repeats attach to the open request (a cancel after a change updates the type); after an outcome a new request links the earlier one", async () => {
      const r = take("change");
      const before = await countRequests();
      const second = await ask(r.appointment_fhir_id, "change");
      await rebook.poller.runNow();
      expect(await countRequests()).toBe(before);
      let now = await row(r.id);
      expect(now).toMatchObject({ asked_count: 2, type: "change", status: "open" });
      expect((await eventsOf(r.id, "repeat_received"))[0]?.data).toMatchObject({
        pkbMessageId: second.message.id,
        type: "change",
        askedCount: 2,
      });
      const detail = await api("GET", `/api/requests/${r.id}`);
      expect(detail.askedCount).toBe(2);
      expect((detail.messages as { id: string }[]).map((m) => m.id)).toContain(second.message.id);
      expect(await ids("/api/requests?repeated=true&limit=200")).toContain(r.id);

      await ask(r.appointment_fhir_id, "cancel");
      await rebook.poller.runNow();
      expect(await countRequests()).toBe(before);
      now = await row(r.id);
      expect(now).toMatchObject({ asked_count: 3, type: "cancel" });
      expect((await eventsOf(r.id, "type_changed")).map((e) => e.data)).toEqual([
        expect.objectContaining({ from: "change", to: "cancel" }),
      ]);

      await api("POST", `/api/requests/${r.id}/outcome`, { outcome: "rejected", reason: "Clinically needed" });
      const again = await ask(r.appointment_fhir_id, "cancel");
      await rebook.poller.runNow();
      expect(await countRequests()).toBe(before + 1);
      const [created] = await t.db.query<Row>("SELECT * FROM appointment_requests WHERE pkb_message_id = $1", [
        again.message.id,
      ]);
      expect(created).toMatchObject({ status: "open", previous_request_id: r.id, asked_count: 1 });
      expect((await eventsOf(created!.id, "asked_again"))[0]?.data).toEqual({
        previousRequestId: r.id,
        previousOutcome: "rejected",
      });
      const shown = await api("GET", `/api/requests/${created!.id}`);
      expect(shown.previousRequest).toMatchObject({ id: r.id, outcome: "rejected", status: "done" });
    });

    it("a runner stopped in the middle of the rechecks loses nothing: a new instance carries on and settles", async () => {
      const r = take("cancel");
      await emu.control("POST", `appointments/${r.appointment_fhir_id}/cancel`);
      // A runner claims the next recheck and dies before settling it (its claim lease runs out after 1 s).
      for (let due = false; !due; await sleep(50)) {
        const [w] = await t.db.query<{ due: boolean }>(
          "SELECT due_at <= now() AS due FROM request_work WHERE request_id = $1 AND kind = $2",
          [r.id, PKB_SETTLE],
        );
        due = w?.due === true;
      }
      const claimed = await claimDue(t.db, requestWorkQueue(PKB_SETTLE), { limit: 100, leaseMs: 1_000 });
      expect(claimed.length).toBeGreaterThanOrEqual(1);
      expect((await row(r.id))?.status).toBe("open");
      await rebook.app.close();
      await rebook.poller.stop();
      rebook = await build(rebook.cipher);
      admin = await rebook.signIn("admin");
      const closed = await workUntil(r.id, (x) => x?.status === "done");
      expect(closed.outcome).toBe("already_done_in_pkb");
    });
  },
);

describe("the emulator's settle scenarios show in Rebook (SANDBOX_SETTLE_SCENARIOS)", { timeout: 120_000 }, () => {
  let t: TestDb;
  let emu: Emulator;
  let rebook: TestApp;
  beforeAll(async () => {
    const today = new Date(new Date().toISOString().slice(0, 10) + "T00:00:00Z");
    emu = await startEmulator({ size: 60, anchor: today, settleScenarios: 3 });
    t = await engines[0].open();
    await createTeamExclusive(t.db, { name: "Appointments", description: "", isDefault: true });
    rebook = await buildTestApp(t.db, { ...emu.env, ...SETTLE_ENV, SYNC_INITIAL_LOOKBACK_DAYS: "1000" });
    const admin = await rebook.signIn("admin");
    const created = await rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: admin,
      payload: { label: "Appointments" },
    });
    const { connection } = created.json<{ connection: { authorizePath: string } }>();
    expect((await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin })).status).toBe(200);
    await rebook.poller.runNow();
    await rebook.poller.runNow();
    await runRequestWork({ db: t.db, sync: rebook.sync, logger: createLogger("silent"), now: () => new Date() });
  }, 240_000);
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
    await emu?.stop();
  });

  it("already cancelled closed, moved flagged, repeats attached, past appointments marked", async () => {
    const [n] = await t.db.query<{ done: number; flagged: number; repeated: number; passed: number; rows: number }>(
      `SELECT count(*) FILTER (WHERE outcome = 'already_done_in_pkb')::int AS done,
         count(*) FILTER (WHERE pkb_flag = 'moved')::int AS flagged,
         count(*) FILTER (WHERE asked_count > 1)::int AS repeated,
         count(appointment_passed_at)::int AS passed, count(*)::int AS rows
       FROM appointment_requests`,
    );
    const truth = await emu.control<{ entries: { kind: string }[] }>("GET", "ground-truth");
    const asked = truth.entries.filter((e) => e.kind === "change" || e.kind === "cancel").length;
    expect(n!.done).toBeGreaterThanOrEqual(2);
    expect(n!.repeated).toBeGreaterThanOrEqual(2);
    expect(n!.passed).toBeGreaterThanOrEqual(1);
    // Moved two hours the same day: found by the match when it is linked, then flagged.
    expect(
      n!.flagged + (await t.db.query("SELECT 1 FROM appointment_requests WHERE match_state = 'review'")).length,
    ).toBeGreaterThanOrEqual(1);
    // One work item per appointment: fewer requests than messages asking.
    expect(n!.rows).toBeLessThan(asked);
  });
});
