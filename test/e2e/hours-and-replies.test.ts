// Issue 10 in chromium: an admin sets a team's working hours on the Teams page; a clerk waits for the patient on a
// request that needs patient contact ("Waiting for patient until …", deadline paused) and is reminded in the app when
// the wait ends; the reply panel says why a rebooking's reply is not offered until PKB shows it, then fills it in,
// copies it and records "patient answered". Keyboard only where a person would type; axe on each new state.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRequestWork } from "../../src/jobs/request-work.ts";
import { createLogger } from "../../src/log.ts";
import { endDueWaits } from "../../src/requests/commands/snooze.ts";
import { PKB_CONFIRMATION } from "../../src/requests/processors/pkb-confirmation.ts";
import type { AuthHeaders } from "../helpers/app.ts";
import { expectNoAxeViolations, screenshot, signInByApi, startStack, type Stack } from "../helpers/browser.ts";

describe("working hours, waiting for the patient and replies (chromium)", { timeout: 120_000 }, () => {
  let s: Stack;
  let clerkApi: AuthHeaders;
  let ids: string[];
  let admin: { context: BrowserContext; page: Page; problems: string[] };
  let clerk: { context: BrowserContext; page: Page; problems: string[] };

  const api = async (method: "POST" | "GET", url: string, payload?: unknown) => {
    const r = await s.rebook.app.inject({
      method,
      url,
      headers: clerkApi,
      payload: payload as Record<string, unknown>,
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<Record<string, unknown>>();
  };

  beforeAll(async () => {
    s = await startStack({ size: 24 });
    await s.connectAndSync();
    clerkApi = await s.rebook.signIn({ id: s.staff.clerk.id });
    ids = (
      await s.t.db.query<{ id: string }>(
        `SELECT id FROM appointment_requests WHERE team_id = $1 AND status = 'open' AND match_state = 'auto_linked'
         ORDER BY received_at, id LIMIT 2`,
        [s.teams.appointments],
      )
    ).map((r) => r.id);
    expect(ids).toHaveLength(2);
    for (const id of ids) await api("POST", `/api/requests/${id}/claim`, {});
    admin = await s.newPage({ width: 1366, height: 900 });
    await signInByApi(admin.context, s.url, s.staff.adminEmail);
    clerk = await s.newPage({ width: 1366, height: 900 });
    await signInByApi(clerk.context, s.url, s.staff.clerk.email);
  }, 180_000);
  afterAll(async () => {
    expect([...(admin?.problems ?? []), ...(clerk?.problems ?? [])], "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  it("lets an admin set a team's working hours with the keyboard; deadlines follow", async () => {
    const { page } = admin;
    await page.goto(`${s.url}/admin/teams`);
    const change = page.getByRole("button", { name: "Change working hours of Appointments" });
    await change.focus();
    await page.keyboard.press("Enter");
    await page.getByLabel("Around the clock (no working hours: deadlines count elapsed time)").uncheck();
    for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]) {
      await page.getByLabel(day, { exact: true }).check();
      await page.getByLabel(`${day} opens`).fill("08:30");
      await page.getByLabel(`${day} closes`).fill("17:00");
    }
    await page.getByLabel("Wednesday closes").fill("07:00");
    await page.getByRole("button", { name: "Save working hours" }).click();
    await page.getByRole("alert").getByText("Wednesday: the team must open before it closes").waitFor();
    await expectNoAxeViolations(page, "teams: hours editor with an error");
    await page.getByLabel("Wednesday closes").fill("17:00");
    await screenshot(page, "teams-hours-editor");
    await page.getByLabel("Wednesday closes").press("Enter");
    // The visible message (the polite live region repeats it for screen readers, so look in the page's main part).
    await page
      .locator("#maincontent")
      .getByText(/Working hours of Appointments saved: Mon–Fri 08:30–17:00\. \d+ deadlines? recalculated\./)
      .waitFor();
    expect(await page.getByTestId("team-hours").first().innerText()).toContain("Working hours: Mon–Fri 08:30–17:00");
    await expectNoAxeViolations(page, "teams: hours saved");
    const [row] = await s.t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM team_working_hours WHERE team_id = $1",
      [s.teams.appointments],
    );
    expect(row!.n).toBe(5);
  });

  it("waits for the patient: the deadline shows as waiting, and the assignee is reminded when the wait ends", async () => {
    const { page } = clerk;
    const id = ids[0]!;
    await api("POST", `/api/requests/${id}/outcome`, {
      outcome: "needs_patient_contact",
      note: "Call to agree a time",
    });
    await page.goto(`${s.url}/requests/${id}`);
    // The date in Day, Month and Year boxes, as every other date in the app, with the same checks and messages.
    const panel = page.getByTestId("wait-panel");
    const wait = panel.getByRole("group", { name: "Wait until" });
    await wait.waitFor();
    expect(await panel.getByText(/YYYY/).count()).toBe(0);
    await wait.getByLabel("Day").fill("31");
    await wait.getByLabel("Month").fill("2");
    await panel.getByRole("button", { name: "Wait for the patient" }).click();
    const fieldError = panel.locator("#wait-until-date-error");
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toBe(
      "Error: The date to wait until must be a real date, for example 27 3 2026",
    );
    expect(await page.locator(".nhsuk-error-summary").innerText()).toContain(
      "The date to wait until must be a real date, for example 27 3 2026",
    );
    await expectNoAxeViolations(page, "request: waiting for the patient, a date that does not exist");
    await screenshot(page, "request-wait-date-error");
    // The outcome form open with an error too: two error summaries on the page, each named by its own title (a shared
    // id would name both by the first).
    await page.getByRole("button", { name: "Record an outcome" }).click();
    const outcomeForm = page.getByTestId("outcome-form");
    await outcomeForm.getByRole("button", { name: "Save outcome" }).click();
    await outcomeForm.getByText("Select what happened to the request").first().waitFor();
    expect(await page.locator(".nhsuk-error-summary").count()).toBe(2);
    const labels = await page.evaluate<{ id: string | null; own: boolean }[]>(`[
      ...document.querySelectorAll(".nhsuk-error-summary"),
    ].map((summary) => {
      const id = summary.getAttribute("aria-labelledby");
      return { id, own: Boolean(id && summary.contains(document.getElementById(id))) };
    })`);
    expect(new Set(labels.map((l) => l.id)).size, JSON.stringify(labels)).toBe(2);
    expect(labels.map((l) => l.own)).toEqual([true, true]);
    await expectNoAxeViolations(page, "request: the outcome form and the wait form, both with errors");
    await screenshot(page, "request-two-error-summaries");
    await outcomeForm.getByRole("button", { name: "Close without saving" }).click();
    await outcomeForm.waitFor({ state: "detached" });

    // 01:30 on the last Sunday of March never happens in the UK (the clocks go from 01:00 to 02:00): the server's
    // message is about the time, so it stands beside the time (and links to it), not beside the date, which is fine; it
    // names the day in words, as staff read dates elsewhere.
    const spring = new Date().getUTCFullYear() + 1;
    const springDay = 31 - new Date(Date.UTC(spring, 2, 31)).getUTCDay();
    const skipped = `01:30 on Sun ${springDay} Mar ${spring} does not exist in the UK`;
    await wait.getByLabel("Day").fill(String(springDay));
    await wait.getByLabel("Month").fill("3");
    await wait.getByLabel("Year").fill(String(spring));
    await panel.getByLabel("Remind at (time, 24-hour)").fill("01:30");
    await panel.getByRole("button", { name: "Wait for the patient" }).click();
    const summary = panel.locator(".nhsuk-error-summary");
    await summary.getByText(skipped).waitFor();
    expect(await panel.locator("#wait-time-error").allTextContents()).toEqual([expect.stringContaining(skipped)]);
    expect(await panel.locator("#wait-until-date-error").count()).toBe(0);
    expect(await summary.getByRole("listitem").allTextContents()).toEqual([expect.stringContaining(skipped)]);
    expect(await summary.getByRole("link", { name: new RegExp(skipped) }).getAttribute("href")).toBe("#wait-time");
    await expectNoAxeViolations(page, "request: waiting for the patient, a time the clocks skip");
    await screenshot(page, "request-wait-time-skipped");
    // The rebook form says the same of its new time.
    await page.getByRole("button", { name: "Record an outcome" }).click();
    await outcomeForm.getByRole("radio", { name: "Rebooked" }).check();
    const newStart = outcomeForm.getByRole("group", { name: "New appointment date" });
    await newStart.getByLabel("Day").fill(String(springDay));
    await newStart.getByLabel("Month").fill("3");
    await newStart.getByLabel("Year").fill(String(spring));
    await outcomeForm.getByLabel("New appointment time").fill("01:30");
    await outcomeForm.getByRole("button", { name: "Save outcome" }).click();
    const outcomeSummary = outcomeForm.locator(".nhsuk-error-summary");
    await outcomeSummary.getByText(skipped).waitFor();
    expect(await outcomeForm.locator("#new-start-time-error").allTextContents()).toEqual([
      expect.stringContaining(skipped),
    ]);
    expect(await outcomeForm.locator("#new-start-date-error").count()).toBe(0);
    expect(await outcomeSummary.getByRole("listitem").allTextContents()).toEqual([expect.stringContaining(skipped)]);
    expect(await outcomeSummary.getByRole("link", { name: new RegExp(skipped) }).getAttribute("href")).toBe(
      "#new-start-time",
    );
    await expectNoAxeViolations(page, "request: rebooking to a time the clocks skip");
    await screenshot(page, "request-rebook-time-skipped");
    await outcomeForm.getByRole("button", { name: "Close without saving" }).click();
    await outcomeForm.waitFor({ state: "detached" });
    const [y, m, d] = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" })
      .format(new Date(Date.now() + 3 * 86_400_000))
      .split("-")
      .map(Number) as [number, number, number];
    await wait.getByLabel("Day").focus();
    await page.keyboard.press("Control+a");
    await page.keyboard.type(String(d));
    await page.keyboard.press("Tab");
    await page.keyboard.press("Control+a");
    await page.keyboard.type(String(m));
    await page.keyboard.press("Tab");
    await page.keyboard.press("Control+a");
    await page.keyboard.type(String(y));
    await page.keyboard.press("Tab");
    await page.keyboard.press("Control+a");
    await page.keyboard.type("10:30");
    await page.keyboard.press("Tab");
    await page.keyboard.type("Left a voicemail");
    await page.keyboard.press("Enter");
    await page.getByTestId("waiting-text").waitFor();
    // The notice writes the day as the rest of the page does ("Sun 6 Dec, 10:30"), not as typed ("2026-12-06").
    expect(await page.locator(".app-notice").innerText()).toMatch(
      /Waiting for the patient until \w{3} \d+ \w{3,4}( \d{4})?, 10:30:/,
    );
    expect(await page.getByTestId("waiting-text").innerText()).toMatch(
      /^Waiting for patient until \w{3} \d+ \w{3,4}( \d{4})?, 10:30\./,
    );
    expect(await page.getByRole("list", { name: "Request summary" }).innerText()).toContain(
      "Waiting for patient until",
    );
    expect(await page.getByText(/Waiting for patient until .*deadline paused \(Left a voicemail\)/).count()).toBe(1);
    await expectNoAxeViolations(page, "request: waiting for the patient");
    await screenshot(page, "request-waiting-for-patient");
    await page.goto(`${s.url}/requests`);
    await page.getByRole("link", { name: /./ }).first().waitFor();
    // The live stream is open before the reminder is published (CI once published it first, and the banner never came).
    await page.getByTestId("live-status").getByText("Live: updates appear as they happen").waitFor();
    // The reminder job runs as if the date had come: the clerk is told in the app, live.
    expect(await endDueWaits(s.t.db, new Date(Date.now() + 4 * 86_400_000))).toBe(1);
    const banner = page.getByTestId("reminder-banner");
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.innerText()).toContain("Waiting for the patient has ended on a request of yours");
    await expectNoAxeViolations(page, "worklist: reminder");
    await banner.getByRole("link", { name: /Open request/ }).click();
    await page.waitForURL(new RegExp(`/requests/${id}$`));
    await page.getByText("Wait for patient ended: back on the worklist (reminder)").waitFor();
  });

  it("offers the reply once PKB shows the rebooking, fills it in, copies it and records the answer", async () => {
    const { page, context } = clerk;
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: s.url });
    const id = ids[1]!;
    const next = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(
      new Date(Date.now() + 20 * 86_400_000),
    );
    await api("POST", `/api/requests/${id}/outcome`, { outcome: "rebooked", newStart: { date: next, time: "14:15" } });
    await page.goto(`${s.url}/requests/${id}`);
    await page.getByTestId("reply-not-offered").waitFor();
    expect(await page.getByTestId("reply-not-offered").innerText()).toMatch(
      /^Not offered yet: PKB does not show the new appointment yet/,
    );
    await expectNoAxeViolations(page, "request: reply not offered yet");
    // The trust's PAS moves the appointment and its feed carries the move into PKB at once; Rebook's check, made due
    // now, reads it back and confirms the rebooking, recording what the server records (not a row written by hand).
    const [linked] = await s.t.db.query<{ fhir: string }>(
      "SELECT appointment_fhir_id AS fhir FROM appointment_requests WHERE id = $1",
      [id],
    );
    await s.emu.control("POST", "pas/actions", {
      appointmentId: linked!.fhir,
      action: "move",
      start: `${next}T14:15`,
      delaySeconds: 0,
    });
    await s.t.db.query("UPDATE request_work SET due_at = now() WHERE request_id = $1 AND kind = $2", [
      id,
      PKB_CONFIRMATION,
    ]);
    await runRequestWork({ db: s.t.db, sync: s.rebook.sync, logger: createLogger("silent"), now: () => new Date() });
    const [confirmed] = await s.t.db.query<{ state: string }>(
      "SELECT state FROM pkb_confirmations WHERE request_id = $1",
      [id],
    );
    expect(confirmed?.state).toBe("confirmed");
    await page.reload();
    // The "In PKB" panel of a confirmed request says when PKB was checked and showed it, never "Not yet".
    const inPkb = page.getByTestId("pkb-confirmation");
    await inPkb.waitFor();
    const panel = await inPkb.innerText();
    expect(panel).toMatch(/Confirmed\s+\w{3} \d+ \w{3,4}( \d{4})?, \d{2}:\d{2}/);
    expect(panel).not.toContain("Not yet");
    expect(await inPkb.getByTestId("pkb-shows").innerText()).toMatch(/^PKB shows .*14:15/);
    // The row's label says when PKB showed it, not "PKB showed" again before "PKB shows …".
    expect(panel).toMatch(/At confirmation\s+PKB shows /);
    await screenshot(page, "request-pkb-confirmed");
    const text = page.getByLabel("Reply to the patient (you can change it before copying)");
    await text.waitFor();
    const reply = await text.inputValue();
    expect(reply).toMatch(/^Dear \S+,/);
    expect(reply).toMatch(/to \w+day \d+ \w+ \d{4} at 2:15pm\./);
    expect(reply).toContain("Appointments");
    const open = page.getByRole("link", { name: "Open the conversation in PKB (opens in a new tab)" });
    expect(await open.getAttribute("href")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await page.getByRole("button", { name: "Copy reply" }).focus();
    await page.keyboard.press("Enter");
    await page.getByText("Reply copied. Paste it into the conversation in PKB.").waitFor();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(reply);
    await expectNoAxeViolations(page, "request: reply panel");
    await screenshot(page, "request-reply-panel");
    await page.getByRole("button", { name: "Record patient answered" }).focus();
    await page.keyboard.press("Enter");
    await page.getByTestId("answered").waitFor();
    expect(await page.getByTestId("answered").innerText()).toMatch(/^Patient answered by Cara Clerk on /);
    await page.getByText("Patient answered (reply sent in PKB)").waitFor();
  });
});
