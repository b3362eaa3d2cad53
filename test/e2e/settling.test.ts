// Settling what PKB already shows and one work item per appointment, in chromium (docs/settling.md): the emulator's PAS
// cancels one appointment and moves another, a patient asks twice, another asks again after an outcome, and some
// appointments have passed; the worklist shows each state (tags, filters) and the request page says it in words.
// Screenshots are saved under test-results/screenshots/settling-*.png; axe runs on each state.
import type { BrowserContext, Page } from "playwright-core";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthHeaders } from "../helpers/app.ts";
import { applyMatchResult } from "../../src/requests/commands/pipeline.ts";
import { expectNoAxeViolations, screenshot, signInByApi, startStack, type Stack } from "../helpers/browser.ts";
import { processingRequest } from "../helpers/requests.ts";

interface Row {
  id: string;
  type: string;
  appointment_fhir_id: string;
  appointment_start: Date;
  appointment_external_id: string | null;
  nhs_number: string;
  patient_pkb_id: string;
  received_at: Date;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("settling what PKB shows, on the worklist and the request page (chromium)", { timeout: 120_000 }, () => {
  let s: Stack;
  let admin: AuthHeaders;
  let c: { context: BrowserContext; page: Page; problems: string[] };
  const ids: Record<"closed" | "moved" | "repeated" | "again" | "passed" | "firstAskLater", string> = {
    firstAskLater: "",
    closed: "",
    moved: "",
    repeated: "",
    again: "",
    passed: "",
  };

  const settle = async (until: () => Promise<boolean>) => {
    for (let i = 0; i < 60 && !(await until()); i++) {
      await s.rebook.poller.runNow();
      await sleep(300);
    }
    expect(await until()).toBe(true);
  };
  const status = async (id: string) =>
    (
      await s.t.db.query<{ status: string; pkb_flag: string | null }>(
        "SELECT status, pkb_flag FROM appointment_requests WHERE id = $1",
        [id],
      )
    )[0];

  beforeAll(async () => {
    s = await startStack({ size: 30, env: { PKB_RECHECK_MINUTES: "0.01" } });
    admin = await s.connectAndSync();
    await s.rebook.poller.runNow();
    const future = await s.t.db.query<Row>(
      `SELECT DISTINCT ON (appointment_fhir_id) id, type, appointment_fhir_id, appointment_start, appointment_external_id,
         nhs_number, patient_pkb_id, received_at FROM appointment_requests
       WHERE match_state = 'auto_linked' AND status = 'open' AND appointment_start > now() + interval '5 days'
       ORDER BY appointment_fhir_id, received_at`,
    );
    const pick = (type: string) => {
      const i = future.findIndex((r) => r.type === type);
      if (i < 0) throw new Error(`no open ${type} request with a future appointment`);
      return future.splice(i, 1)[0]!;
    };
    // Already cancelled in PKB: closed automatically.
    const closed = pick("cancel");
    ids.closed = closed.id;
    await s.emu.control("POST", `appointments/${closed.appointment_fhir_id}/cancel`);
    // Moved in PKB: flagged.
    const moved = pick("change");
    ids.moved = moved.id;
    const day = DateTime.fromJSDate(moved.appointment_start, { zone: "Europe/London" }).plus({ days: 2 });
    await s.emu.control("POST", `appointments/${moved.appointment_fhir_id}/reschedule`, {
      start: day.set({ hour: 10, minute: 30 }).toUTC().toISO(),
    });
    // Asked twice: the second attaches.
    const repeated = pick("change");
    ids.repeated = repeated.id;
    await s.emu.control("POST", "messages", {
      appointmentId: repeated.appointment_fhir_id,
      kind: "cancel",
      force: true,
    });
    // Asked first, matched second (retried after a fault, say): the open request counts from this earlier ask.
    const open = pick("change");
    ids.firstAskLater = open.id;
    const firstAsk = await processingRequest(s.t.db, {
      patientPkbId: open.patient_pkb_id,
      receivedAt: new Date(open.received_at.getTime() - 26 * 3_600_000),
      requestedStart: open.appointment_start,
    });
    const candidate = {
      fhirId: open.appointment_fhir_id,
      externalId: open.appointment_external_id,
      start: open.appointment_start,
      status: "booked",
      appointmentType: "Eye clinic",
      description: null,
      specialtyCode: null,
      specialtyDisplay: null,
      location: null,
      score: 1,
      evidence: [],
    };
    await applyMatchResult(s.t.db, {
      requestId: firstAsk.id,
      nhsNumber: open.nhs_number,
      pkbUserId: open.patient_pkb_id,
      match: { decision: "auto_link", best: candidate, confidence: 1, candidates: [candidate], summary: ["test"] },
      message: { type: "change", pkbTeamName: null, patientNote: "", requestedSubject: "Eye clinic" },
      requestedStart: open.appointment_start,
    });
    // Asked again after an outcome.
    const earlier = pick("change");
    const r = await s.rebook.app.inject({
      method: "POST",
      url: `/api/requests/${earlier.id}/outcome`,
      headers: admin,
      payload: { outcome: "rejected", reason: "The clinic cannot move it" },
    });
    expect(r.statusCode).toBe(200);
    const again = await s.emu.control<{ message: { id: string } }>("POST", "messages", {
      appointmentId: earlier.appointment_fhir_id,
      kind: "change",
      force: true,
    });
    await settle(
      async () => (await status(ids.closed))?.status === "done" && (await status(ids.moved))?.pkb_flag !== null,
    );
    ids.again = (
      await s.t.db.query<{ id: string }>("SELECT id FROM appointment_requests WHERE pkb_message_id = $1", [
        again.message.id,
      ])
    )[0]!.id;
    const [passed] = await s.t.db.query<{ id: string }>(
      "SELECT id FROM appointment_requests WHERE appointment_passed_at IS NOT NULL AND status = 'open' LIMIT 1",
    );
    expect(passed, "a request whose appointment passed").toBeDefined();
    ids.passed = passed!.id;
    c = await s.newPage();
    await signInByApi(c.context, s.url, s.staff.adminEmail);
  }, 180_000);
  afterAll(async () => {
    expect(c?.problems ?? [], "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  const row = (page: Page, id: string) => page.locator(`tr[data-request-id="${id}"]`);

  it("the worklist: asked 2 times, asked again after an outcome, PKB shows it moved, appointment passed (not overdue)", async () => {
    const { page } = c;
    await page.goto(`${s.url}/requests?flag=repeated&status=all`);
    await row(page, ids.repeated).getByText("Asked 2 times").waitFor();
    await row(page, ids.again).getByText("Asked again after an outcome").waitFor();
    // The tags stacked in the Request cell stand apart: "Change" does not sit on "Asked 2 times" (they shared a border).
    const type = await row(page, ids.repeated).locator("td.app-col-request .nhsuk-tag").first().boundingBox();
    const asked = await row(page, ids.repeated).getByText("Asked 2 times").boundingBox();
    expect(asked!.y - (type!.y + type!.height)).toBeGreaterThanOrEqual(4);
    await expectNoAxeViolations(page, "worklist: asked more than once");
    await screenshot(page, "settling-worklist-repeated");

    await page.goto(`${s.url}/requests?flag=pkb_changed`);
    await row(page, ids.moved).getByText("PKB shows it moved").waitFor();
    await expectNoAxeViolations(page, "worklist: PKB shows a change");
    await screenshot(page, "settling-worklist-pkb-changed");

    await page.goto(`${s.url}/requests?due=passed`);
    await row(page, ids.passed).getByText("Appointment passed").waitFor();
    expect(await page.getByText(/^Overdue by/).count()).toBe(0);
    await expectNoAxeViolations(page, "worklist: appointment passed");
    await screenshot(page, "settling-worklist-passed");

    await page.goto(`${s.url}/requests?due=overdue`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(await row(page, ids.passed).count()).toBe(0);
  });

  it("the request page says what PKB shows, that the appointment passed, how often the patient asked", async () => {
    const { page } = c;
    await page.goto(`${s.url}/requests/${ids.moved}`);
    const flag = page.getByTestId("pkb-flag");
    await flag.waitFor();
    expect(await flag.textContent()).toMatch(
      /PKB shows this appointment moved to \w{3} \d{1,2} \w{3,4}( \d{4})? 10:30 since the request/,
    );
    await expectNoAxeViolations(page, "request: PKB shows it moved");
    await screenshot(page, "settling-request-moved");

    await page.goto(`${s.url}/requests/${ids.closed}`);
    await page.getByTestId("outcome").waitFor();
    expect(await page.getByTestId("outcome").textContent()).toMatch(
      /Already done in PKB: PKB already shows this appointment cancelled/,
    );
    await page.getByText("Closed automatically, already done in PKB").first().waitFor();
    await expectNoAxeViolations(page, "request: already done in PKB");
    await screenshot(page, "settling-request-already-done");

    await page.goto(`${s.url}/requests/${ids.repeated}`);
    await page.getByTestId("asked-count").waitFor();
    expect(await page.getByTestId("asked-count").textContent()).toMatch(/asked about this appointment 2 times/);
    await page.getByText(/Request type changed from change to cancel/).waitFor();
    await screenshot(page, "settling-request-repeated");

    await page.goto(`${s.url}/requests/${ids.firstAskLater}`);
    await page.getByTestId("asked-count").waitFor();
    await page
      .getByText(/this message came first, so the request now counts from it \(received \w{3} \d{1,2} \w{3,4}/)
      .waitFor();
    await expectNoAxeViolations(page, "request: the first ask matched second");
    await screenshot(page, "settling-request-first-ask-later");

    await page.goto(`${s.url}/requests/${ids.again}`);
    await page.getByTestId("asked-again").waitFor();
    // The earlier request was rejected: the notice says so in words that fit (not "done (Rejected): the change …").
    expect(await page.getByTestId("asked-again").innerText()).toMatch(
      /, was rejected: the patient may not have been told, or may want it looked at again\./,
    );
    await page.getByRole("link", { name: "See the earlier request" }).waitFor();
    await expectNoAxeViolations(page, "request: asked again");
    await screenshot(page, "settling-request-asked-again");

    await page.goto(`${s.url}/requests/${ids.passed}`);
    await page.getByTestId("appointment-passed").waitFor();
    await expectNoAxeViolations(page, "request: appointment passed");
    await screenshot(page, "settling-request-passed");
  });
});
