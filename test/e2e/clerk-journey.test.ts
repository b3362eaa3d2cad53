// Working requests in chromium: a clerk claims a request and records an outcome, live updates and presence between two
// people, a team lead's bulk changes; a clerk cannot reach another team's request (in the UI or by its address); a
// session that ends sends the person to sign in and back; and a keyboard-only walkthrough of triage (Tab, Enter and
// the shortcuts; no mouse). axe runs on every page; screenshots go to test-results/screenshots.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectNoAxeViolations,
  screenshot,
  SCREENSHOTS,
  signIn,
  signInByApi,
  startStack,
  type Stack,
} from "../helpers/browser.ts";

/** The UK date (d, m, yyyy) a few days from now. */
function daysAhead(n: number): { day: string; month: string; year: string } {
  const d = new Date(Date.now() + n * 86_400_000);
  const [year, month, day] = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(d).split("-");
  return { day: String(Number(day)), month: String(Number(month)), year: year! };
}

/** What has focus: tag, id, text, and whether it is inside an open dialog or is a worklist row link. */
interface Focus {
  tag: string;
  id: string;
  text: string;
  inDialog: boolean;
  row: string | null;
  rowLink: boolean;
}

// Runs in the page (a string: the tests' TypeScript has no DOM types).
const FOCUSED = `(() => {
  const el = document.activeElement;
  return {
    tag: el ? el.tagName.toLowerCase() : "",
    id: el ? el.id : "",
    text: el ? (el.textContent || "").trim().slice(0, 80) : "",
    inDialog: Boolean(el && el.closest("dialog[open]")),
    row: el && el.closest("tr") ? el.closest("tr").getAttribute("data-request-id") : null,
    rowLink: Boolean(el && el.hasAttribute("data-row-link")),
  };
})()`;

const focused = (page: Page): Promise<Focus> => page.evaluate<Focus>(FOCUSED);

/** Presses Tab until `want` holds (at most `max` times). */
async function tabUntil(page: Page, want: (f: Focus) => boolean, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (want(await focused(page))) return;
  }
  throw new Error(`Tab never reached the element; last: ${JSON.stringify(await focused(page))}`);
}

describe("clerk journey (chromium)", { timeout: 60_000 }, () => {
  let s: Stack;
  let appointmentsRequest: string;
  let clerk: { context: BrowserContext; page: Page; problems: string[] };
  let lead: { context: BrowserContext; page: Page; problems: string[] };

  beforeAll(async () => {
    s = await startStack({ size: 30 });
    await s.connectAndSync();
    const [row] = await s.t.db.query<{ id: string }>(
      "SELECT id FROM appointment_requests WHERE team_id = $1 AND status = 'open' ORDER BY received_at LIMIT 1",
      [s.teams.appointments],
    );
    appointmentsRequest = row!.id;
    clerk = await s.newPage();
    lead = await s.newPage();
  }, 90_000);
  afterAll(async () => {
    expect(clerk?.problems ?? [], "no CSP violations or page errors (clerk)").toEqual([]);
    expect(lead?.problems ?? [], "no CSP violations or page errors (lead)").toEqual([]);
    await s?.stop();
  });

  it("a clerk claims a request and records an outcome: rebooked to a new UK date and time", async () => {
    const { page } = clerk;
    await page.goto(`${s.url}/requests?sort=received_desc`);
    await page.waitForURL(/\/sign-in\?returnTo=/);
    await signIn(page, s.url, s.staff.clerk.email);
    await page.waitForURL(/\/requests\?sort=received_desc$/);
    const rows = page.locator("tbody tr");
    await rows.first().waitFor();
    // Only the clerk's team.
    for (const t of await page.locator("tbody td.app-col-status").allTextContents())
      expect(t).toContain("Appointments");
    const candidate = rows
      .filter({ has: page.getByRole("button", { name: /^Claim/ }) })
      .filter({ hasText: "Matched" })
      .first();
    const row = page.locator(`tr[data-request-id="${await candidate.getAttribute("data-request-id")}"]`);
    const name = (await row.locator("[data-row-link]").textContent())!;
    await row.getByRole("button", { name: /^Claim/ }).click();
    await page.locator("#maincontent").getByText(`You have claimed the request from ${name}.`).waitFor();
    await expect.poll(() => row.locator("td.app-col-assigned").textContent(), { timeout: 10_000 }).toContain("You");

    await row.locator("[data-row-link]").click();
    await page.getByRole("heading", { level: 1, name }).waitFor();
    expect(await page.getByTestId("nhs-number").textContent()).toMatch(/^\d{3} \d{3} \d{4}$/);
    expect(await page.getByTestId("assigned-to").textContent()).toContain("you");
    expect(await page.getByTestId("thread").locator("li").count()).toBeGreaterThan(0);
    const appointment = page.getByTestId("matched-appointment");
    expect(await appointment.textContent()).toMatch(/Appointment ID/);
    expect(await appointment.textContent()).toMatch(/Why this appointment/);
    await page.getByTestId("history").getByText("Request received from PKB").waitFor();
    await expectNoAxeViolations(page, "request detail");
    await screenshot(page, "request-detail");
    // The summary under the heading: "Team: …" and "Assigned to: …" side by side, their words on one line.
    const tops = await page.evaluate<Record<string, number>>(`(() => {
      const out = {};
      for (const li of document.querySelectorAll('ul[aria-label="Request summary"] > li')) {
        const text = [...li.childNodes].find((n) => n.nodeType === 3 && n.textContent.trim());
        if (!text) continue;
        const range = document.createRange();
        range.selectNodeContents(text);
        out[text.textContent.trim().split(":")[0]] = range.getBoundingClientRect().top;
      }
      return out;
    })()`);
    expect(Object.keys(tops)).toEqual(expect.arrayContaining(["Team", "Assigned to"]));
    expect(Math.abs(tops["Team"]! - tops["Assigned to"]!), JSON.stringify(tops)).toBeLessThanOrEqual(1);

    await page.getByRole("button", { name: "Record an outcome" }).click();
    await page.getByRole("radio", { name: "Rebooked" }).check();
    // The patient's note may have filled in a day they asked for (which request comes first depends on the day the
    // emulator's data is anchored to): empty the fields to see what a person who leaves them empty is told.
    for (const label of ["Day", "Month", "Year", "New appointment time"]) await page.getByLabel(label).fill("");
    await page.getByRole("button", { name: "Save outcome" }).click();
    const summary = page.locator(".nhsuk-error-summary");
    await summary.waitFor();
    expect(await summary.textContent()).toContain("Enter the new appointment date");
    expect(await summary.textContent()).toContain("Enter the new appointment time");
    await expectNoAxeViolations(page, "record an outcome, with errors");
    await screenshot(page, "record-outcome-errors");

    const d = daysAhead(10);
    await page.getByLabel("Day").fill(d.day);
    await page.getByLabel("Month").fill(d.month);
    await page.getByLabel("Year").fill(d.year);
    await page.getByLabel("New appointment time").fill("14:30");
    await page.getByRole("button", { name: "Save outcome" }).click();
    const outcome = page.getByTestId("outcome");
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(new RegExp(`Rebooked to \\w{3} ${d.day} \\w{3,4} ${d.year}, 14:30`));
    await page
      .getByTestId("history")
      .getByText(/Outcome recorded: Rebooked/)
      .waitFor();
    expect(await page.locator(".app-tag-row").textContent()).toContain("Done");

    await page.getByLabel("Add a note").fill("Patient rang to confirm the new time.");
    await page.getByRole("button", { name: "Add note" }).click();
    await page.getByTestId("notes").getByText("Patient rang to confirm the new time.").waitFor();
    await expectNoAxeViolations(page, "request detail, done");
  });

  it("shows live who else is on a request, and changes and new requests as they happen", async () => {
    await signInByApi(lead.context, s.url, s.staff.lead.email);
    const lp = lead.page;
    await lp.goto(`${s.url}/requests?sort=received_desc`);
    await lp.locator("tbody tr").first().waitFor();
    await lp.getByTestId("live-status").getByText("Live:").waitFor();

    // The clerk opens an unassigned request: the lead sees them viewing it, then the claim.
    const target = lp
      .locator("tbody tr")
      .filter({ has: lp.getByRole("button", { name: /^Claim/ }) })
      .first();
    const id = (await target.getAttribute("data-request-id"))!;
    await clerk.page.goto(`${s.url}/requests/${id}`);
    await clerk.page.getByRole("button", { name: "Claim" }).waitFor();
    const liveRow = lp.locator(`tr[data-request-id="${id}"]`);
    await liveRow.getByTestId("presence").getByText("Cara Clerk is viewing this").waitFor({ timeout: 15_000 });
    await clerk.page.getByRole("button", { name: "Claim" }).click();
    await expect
      .poll(() => liveRow.locator("td.app-col-assigned").textContent(), { timeout: 10_000 })
      .toContain("Cara Clerk");
    await clerk.page.getByRole("button", { name: "Record an outcome" }).click();
    await liveRow.getByTestId("presence").getByText("Cara Clerk is working on this").waitFor({ timeout: 15_000 });
    await screenshot(lp, "worklist-live-presence");
    await clerk.page.getByRole("button", { name: "Close without saving" }).click();

    // A patient asks for a change in PKB: the next collection brings it to the top, announced politely. It is about an
    // appointment whose request was done (the first test's), so it is a new work item ("asked again"), not a repeat
    // folded into an open request.
    const [done] = await s.t.db.query<{ appointment_fhir_id: string }>(
      `SELECT appointment_fhir_id FROM appointment_requests d WHERE status = 'done' AND appointment_fhir_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM appointment_requests o WHERE o.appointment_fhir_id = d.appointment_fhir_id
                         AND o.status IN ('open', 'in_progress', 'processing'))
       ORDER BY updated_at DESC LIMIT 1`,
    );
    const appointmentId = done!.appointment_fhir_id;
    await s.emu.control("POST", "messages", {
      appointmentId,
      kind: "change",
      content: "Could we make it later?",
      force: true,
    });
    await s.rebook.poller.runNow();
    await lp.locator("tbody tr").filter({ hasText: "New" }).first().waitFor({ timeout: 15_000 });
    await expect.poll(() => lp.getByTestId("live-polite").textContent(), { timeout: 10_000 }).toMatch(/new request/);
    await expectNoAxeViolations(lp, "worklist with live updates");
  });

  it("a team lead assigns and moves several requests at once", async () => {
    const lp = lead.page;
    await lp.goto(`${s.url}/requests?sort=received_asc`);
    await lp.locator("tbody tr").first().waitFor();
    const unassigned = lp.locator("tbody tr").filter({ hasText: "Unassigned" });
    const ids = [
      await unassigned.nth(0).getAttribute("data-request-id"),
      await unassigned.nth(1).getAttribute("data-request-id"),
    ];
    for (const id of ids) await lp.locator(`tr[data-request-id="${id}"] input[type=checkbox]`).check();
    const bar = lp.getByTestId("bulk-bar");
    expect(await bar.textContent()).toContain("2 requests selected");
    await expectNoAxeViolations(lp, "worklist with a selection");
    await screenshot(lp, "worklist-bulk");
    await bar.getByLabel("Assign to").selectOption({ label: "Cara Clerk" });
    await bar.getByRole("button", { name: "Assign" }).click();
    await lp.locator("#maincontent").getByText("Assigned: 2 requests updated.").waitFor();
    for (const id of ids) {
      await expect
        .poll(() => lp.locator(`tr[data-request-id="${id}"] td.app-col-assigned`).textContent(), { timeout: 10_000 })
        .toContain("Cara Clerk");
      await lp.locator(`tr[data-request-id="${id}"] input[type=checkbox]`).check();
    }
    await bar.getByLabel("Change status to").selectOption("in_progress");
    await bar.getByRole("button", { name: "Change status" }).click();
    // They are Cara's now: the lead is asked first, the holder named, before anything changes.
    const held = lp.getByRole("dialog", { name: "2 requests are someone else's" });
    await held.waitFor();
    expect(await held.textContent()).toContain("held by Cara Clerk");
    await expectNoAxeViolations(lp, "bulk change of requests someone else holds");
    await screenshot(lp, "bulk-held");
    await held.getByRole("button", { name: "Change them anyway" }).click();
    await lp.locator("#maincontent").getByText("Status changed: 2 requests updated.").waitFor();
    for (const id of ids) {
      await expect
        .poll(() => lp.locator(`tr[data-request-id="${id}"] td.app-col-status`).textContent(), { timeout: 10_000 })
        .toContain("In progress");
    }
  });

  it("a clerk of another team cannot reach an Appointments request, in the worklist or by its address", async () => {
    const { context, page, problems } = await s.newPage();
    await signInByApi(context, s.url, s.staff.otherClerk.email);
    await page.goto(`${s.url}/requests`);
    await page.locator("tr[data-request-id]").first().waitFor();
    for (const t of await page.locator("tbody td.app-col-status").allTextContents())
      expect(t).toContain("Cancellations");
    expect(await page.locator(`tr[data-request-id="${appointmentsRequest}"]`).count()).toBe(0);
    const teams = await page.getByLabel("Team").locator("option").allTextContents();
    expect(teams).toEqual(["All my teams", "Cancellations"]);
    expect(await page.getByRole("link", { name: "Administration" }).count()).toBe(0);

    // Asking for the other team's requests by URL shows none.
    await page.goto(`${s.url}/requests?team=${s.teams.appointments}&status=all`);
    await page.getByTestId("worklist-empty").waitFor();

    // The request's own address: not found (the API answers 404, as if it did not exist).
    await page.goto(`${s.url}/requests/${appointmentsRequest}`);
    await page.getByRole("heading", { level: 1, name: "Request not found" }).waitFor();
    expect(await page.getByTestId("request-error").textContent()).toContain("belongs to a team you are not in");
    await expectNoAxeViolations(page, "request not found");
    await screenshot(page, "request-not-found");
    const api = await context.request.get(`${s.url}/api/requests/${appointmentsRequest}`);
    expect(api.status()).toBe(404);

    await page.goto(`${s.url}/admin/routing`);
    await page.getByRole("heading", { level: 1, name: "You do not have access to this page" }).waitFor();
    await expectNoAxeViolations(page, "administration refused");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("when the session ends, sends the person to sign in with a message and back to where they were", async () => {
    const { context, page, problems } = await s.newPage();
    await signInByApi(context, s.url, s.staff.clerk.email);
    await page.goto(`${s.url}/requests/${appointmentsRequest}`);
    await page.getByRole("heading", { level: 2, name: "Actions" }).waitFor();
    await s.t.db.query("DELETE FROM sessions WHERE user_id = $1", [s.staff.clerk.id]);
    // The live-update stream notices within a heartbeat (5 s here); any API call would too.
    await page.waitForURL(/\/sign-in\?returnTo=.*reason=expired/, { timeout: 20_000 });
    expect(await page.getByTestId("signin-note").textContent()).toContain("Your session has ended");
    await expectNoAxeViolations(page, "sign-in after the session ended");
    await screenshot(page, "sign-in-session-ended");
    await signIn(page, s.url, s.staff.clerk.email);
    await page.waitForURL(new RegExp(`/requests/${appointmentsRequest}$`));
    await page.getByRole("heading", { level: 2, name: "Actions" }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("works with the keyboard alone: skip link, sign-in, shortcuts, the shortcuts dialog and recording an outcome", async () => {
    const { context, page, problems } = await s.newPage();
    await page.goto(`${s.url}/requests?sort=received_desc`);
    await page.waitForURL(/\/sign-in/);
    await page.getByRole("heading", { level: 1 }).waitFor();

    // The first Tab reaches the skip link, which moves focus to the main content.
    await page.keyboard.press("Tab");
    expect((await focused(page)).text).toBe("Skip to main content");
    await page.keyboard.press("Enter");
    expect((await focused(page)).id).toBe("maincontent");

    await tabUntil(page, (f) => f.id === "email");
    await page.keyboard.type(s.staff.clerk.email);
    await page.keyboard.press("Tab");
    expect((await focused(page)).id).toBe("password");
    await page.keyboard.type("correct-horse-battery-staple");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/requests\?sort=received_desc$/);
    await page.locator("tr[data-request-id]").first().waitFor();

    // "?" opens the shortcuts; focus stays inside the dialog; Escape closes it.
    await page.keyboard.press("?");
    const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await dialog.waitFor();
    expect((await focused(page)).inDialog).toBe(true);
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press("Tab");
      expect((await focused(page)).inDialog, "focus is trapped in the dialog").toBe(true);
    }
    await expectNoAxeViolations(page, "keyboard shortcuts dialog");
    await screenshot(page, "keyboard-shortcuts");
    // The dialog fits the window: its list scrolls inside it and Close is always on screen, on a laptop and a phone.
    const close = dialog.getByRole("button", { name: "Close" });
    for (const [width, height, name] of [
      [1366, 900, "keyboard-shortcuts-1366x900"],
      [1366, 768, "keyboard-shortcuts-1366x768"],
      [390, 664, "keyboard-shortcuts-phone"],
    ] as const) {
      await page.setViewportSize({ width, height });
      await expect
        .poll(
          async () => {
            const box = await close.boundingBox();
            return box ? Math.round(box.y + box.height) : Infinity;
          },
          { message: `Close's bottom edge at ${width}×${height}`, timeout: 5_000 },
        )
        .toBeLessThanOrEqual(height);
      expect((await close.boundingBox())!.y).toBeGreaterThanOrEqual(0);
      // The window as it is (not the full page): what the person sees.
      await page.screenshot({ path: `${SCREENSHOTS}/${name}.png` });
    }
    await page.setViewportSize({ width: 1366, height: 900 });
    await expectNoAxeViolations(page, "keyboard shortcuts dialog, after resizing");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });

    // j / k move between requests (focus on the row's link).
    await page.keyboard.press("j");
    const first = await focused(page);
    expect(first.rowLink).toBe(true);
    await page.keyboard.press("j");
    const second = await focused(page);
    expect(second.row).not.toBe(first.row);
    await page.keyboard.press("k");
    expect((await focused(page)).row).toBe(first.row);

    // "/" goes to the search; typing there is typing, not shortcuts.
    await page.keyboard.press("/");
    expect((await focused(page)).id).toBe("worklist-search");
    await page.keyboard.type("jk");
    expect(await page.locator("#worklist-search").inputValue()).toBe("jk");
    expect((await focused(page)).id).toBe("worklist-search");
    await page.keyboard.press("Control+a");
    await page.keyboard.press("Backspace");
    await page.keyboard.press("Tab"); // to the Search button: shortcuts work again

    // Find an unassigned request with j, claim it with c.
    let target = "";
    for (let i = 0; i < 30 && !target; i++) {
      await page.keyboard.press("j");
      const f = await focused(page);
      const assigned = await page.locator(`tr[data-request-id="${f.row}"] td.app-col-assigned`).textContent();
      const matched = await page.locator(`tr[data-request-id="${f.row}"] td.app-col-match`).textContent();
      if (assigned?.includes("Unassigned") && matched?.includes("Matched")) target = f.row!;
    }
    expect(target).not.toBe("");
    await page.keyboard.press("c");
    await page
      .locator("#maincontent")
      .getByText(/^You have claimed the request from/)
      .waitFor();
    await expect
      .poll(() => page.locator(`tr[data-request-id="${target}"] td.app-col-assigned`).textContent(), {
        timeout: 10_000,
      })
      .toContain("You");

    // r opens the request with the outcome form, focus on its first choice; arrows choose, Tab and Enter save.
    await page.keyboard.press("r");
    await page.waitForURL(new RegExp(`/requests/${target}\\?action=outcome$`));
    await page.getByTestId("outcome-form").waitFor();
    await expect.poll(async () => (await focused(page)).id).toBe("outcome-rebooked");
    await page.keyboard.press("ArrowDown");
    expect((await focused(page)).id).toBe("outcome-cancelled");
    await tabUntil(page, (f) => f.text === "Save outcome", 5);
    await page.keyboard.press("Enter");
    await page.getByTestId("outcome").getByText("Cancelled").waitFor();
    await expectNoAxeViolations(page, "request detail after the outcome");

    // Back to the worklist with the back link (Tab + Enter), then o opens a request.
    await page.keyboard.press("Shift+Tab");
    await tabUntil(page, (f) => f.text === "Back to the worklist", 40);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/requests\?sort=received_desc$/);
    // The worklist's own rows (the detail page's history table has rows too, and may still be on screen).
    await page.locator("tr[data-request-id]").first().waitFor();
    await page.keyboard.press("j");
    const row = (await focused(page)).row;
    expect(row, "j focused a worklist row").toBeTruthy();
    await page.keyboard.press("o");
    await page.waitForURL(new RegExp(`/requests/${row}$`));
    expect(problems).toEqual([]);
    await context.close();
  });
});
