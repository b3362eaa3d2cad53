// What the API warns about a change, shown to the person who made it, in chromium: a rebooking at 01:30 on the night
// the clocks go back (the last Sunday of October, when 01:30 happens twice in the UK) is saved as the first, BST, one,
// and the request page says so where the confirmation is, and reads it out; with "Save and next" the warning is on the
// next request's page, naming the patient it is about; a bulk action's warnings are listed per request. axe runs on
// each new state; screenshots go to test-results/screenshots.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthHeaders } from "../helpers/app.ts";
import { expectNoAxeViolations, screenshot, signInByApi, startStack, type Stack } from "../helpers/browser.ts";
import { formatUkDate } from "../../src/domain/uk-time.ts";

/** The next night the UK clocks go back (the last Sunday of October) whose 01:30 is still ahead, as YYYY-MM-DD. */
function nextAutumnChange(now = new Date()): { date: string; day: number; month: number; year: number } {
  for (let year = now.getUTCFullYear(); ; year++) {
    const last = new Date(Date.UTC(year, 9, 31));
    const day = 31 - last.getUTCDay(); // the last Sunday of October
    // 01:30 BST, the first 01:30 of that night, is 00:30 UTC.
    if (Date.UTC(year, 9, day, 0, 30) > now.getTime() + 86_400_000) {
      return { date: `${year}-10-${String(day).padStart(2, "0")}`, day, month: 10, year };
    }
  }
}

describe("warnings shown (chromium)", { timeout: 90_000 }, () => {
  let s: Stack;
  let clerkApi: AuthHeaders;
  let c: { context: BrowserContext; page: Page; problems: string[] };
  const autumn = nextAutumnChange();

  /** Open, unassigned requests of the Appointments team, oldest first. */
  const freeRequests = async (n: number): Promise<string[]> =>
    (
      await s.t.db.query<{ id: string }>(
        `SELECT id FROM appointment_requests WHERE team_id = $1 AND status = 'open' AND assigned_user_id IS NULL
         ORDER BY received_at, id LIMIT $2`,
        [s.teams.appointments, n],
      )
    ).map((r) => r.id);
  const patientName = async (id: string): Promise<string> => {
    const r = await s.rebook.app.inject({ method: "GET", url: `/api/requests/${id}`, headers: clerkApi });
    return r.json<{ patient: { name: string } }>().patient.name;
  };
  const rebookAt0130 = async (page: Page) => {
    await page.getByTestId("outcome-form").waitFor();
    await page.getByRole("radio", { name: "Rebooked" }).check();
    await page.getByLabel("Day").fill(String(autumn.day));
    await page.getByLabel("Month").fill(String(autumn.month));
    await page.getByLabel("Year").fill(String(autumn.year));
    await page.getByLabel("New appointment time").fill("01:30");
  };
  const warningText = `01:30 on ${formatUkDate(autumn)} happens twice in the UK (the clocks go back that night); recorded as the first`;
  /** The texts of the page's status messages (the confirmation of a change, and what is said with it). */
  const statuses = (page: Page) => page.locator("#maincontent [role=status]").allTextContents();
  /**
   * Keeps everything the polite live region says from now on (in-app navigation keeps the page): a later update (PKB
   * checks on the request) may be said after the confirmation and replace its text. (Strings: no DOM types here.)
   */
  const listen = (page: Page) =>
    page.evaluate(`(() => {
      const el = document.querySelector('[data-testid="live-polite"]');
      window.__said = [];
      new MutationObserver(() => window.__said.push(el.textContent)).observe(el, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    })()`);
  const said = (page: Page) => page.evaluate<string[]>("window.__said");

  beforeAll(async () => {
    s = await startStack({ size: 24 });
    await s.connectAndSync();
    clerkApi = await s.rebook.signIn({ id: s.staff.clerk.id });
    c = await s.newPage();
    await signInByApi(c.context, s.url, s.staff.clerk.email);
  }, 120_000);
  afterAll(async () => {
    expect(c?.problems ?? [], "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  it("says which 01:30 was stored when a rebooking is at 01:30 on the night the clocks go back", async () => {
    const [id] = await freeRequests(1);
    const { page } = c;
    await page.goto(`${s.url}/requests/${id}?action=outcome`);
    await rebookAt0130(page);
    await listen(page);
    await page.getByRole("button", { name: "Save outcome" }).click();
    await page
      .getByTestId("outcome")
      .getByText(/Rebooked to .* 01:30 \(BST\)/)
      .waitFor();
    // Where the confirmation is: the warning, in words, with the time that was stored.
    await expect.poll(() => statuses(page), { timeout: 5_000 }).toContainEqual(expect.stringContaining(warningText));
    const warning = page.getByTestId("change-warnings");
    expect(await warning.textContent()).toContain(warningText);
    expect(await warning.textContent()).toContain("01:30 (BST)");
    // Read out with the confirmation.
    await expect.poll(() => said(page)).toContainEqual(expect.stringContaining(warningText));
    const [stored] = await s.t.db.query<{ details: { repeatedHour?: boolean } }>(
      "SELECT outcome_details AS details FROM appointment_requests WHERE id = $1",
      [id],
    );
    expect(stored!.details.repeatedHour).toBe(true);
    await expectNoAxeViolations(page, "request page with a warning");
    await screenshot(page, "outcome-warning");
  });

  it("keeps the warning when 'Save and next' opens the next request, naming whom it is about", async () => {
    const { page } = c;
    const ids = await freeRequests(3);
    for (const id of ids) {
      const r = await s.rebook.app.inject({ method: "POST", url: `/api/requests/${id}/claim`, headers: clerkApi });
      expect(r.statusCode).toBe(200);
    }
    await page.goto(`${s.url}/requests?mine=1&status=in_progress&sort=received_asc`);
    await page.locator("tr[data-request-id]").first().waitFor();
    const order = await page.evaluate<string[]>(
      "[...document.querySelectorAll('tr[data-request-id]')].map((r) => r.getAttribute('data-request-id'))",
    );
    expect(order.length).toBeGreaterThanOrEqual(2);
    const name = await patientName(order[0]!);
    await page.locator(`tr[data-request-id="${order[0]}"] [data-row-link]`).click();
    await page.waitForURL(new RegExp(`/requests/${order[0]}`));
    await page.getByRole("button", { name: "Record an outcome" }).click();
    await rebookAt0130(page);
    await listen(page);
    await page.getByRole("button", { name: "Save and next" }).click();
    await page.waitForURL(new RegExp(`/requests/${order[1]}$`));
    await page.getByRole("heading", { level: 2, name: "Actions" }).waitFor();
    await expect.poll(() => statuses(page), { timeout: 5_000 }).toContainEqual(expect.stringContaining(warningText));
    expect(await page.getByTestId("change-warnings").textContent()).toContain(warningText);
    // The page is another patient's: the confirmation says whose request it was about.
    expect(await page.getByTestId("change-notice").textContent()).toContain(name);
    await expect
      .poll(() => said(page))
      .toContainEqual(
        expect.stringContaining(`Previous request (${name}): Outcome recorded: Rebooked. Important: ${warningText}`),
      );
    await expectNoAxeViolations(page, "next request with the previous one's warning");
    await screenshot(page, "save-and-next-warning");
    // Shown once: a reload does not bring it back.
    await page.reload();
    await page.getByRole("heading", { level: 2, name: "Actions" }).waitFor();
    expect(await page.getByTestId("change-warnings").count()).toBe(0);
  });

  it("lists a bulk action's warnings per request", async () => {
    // No bulk action warns today (a rebooking, the one that can, is never bulk): the API's answer is given a warning
    // for one request, as any future one would come, to check the worklist shows it against that request.
    const lead = await s.newPage();
    await signInByApi(lead.context, s.url, s.staff.lead.email);
    const { page } = lead;
    const [id] = await freeRequests(1);
    const name = await patientName(id!);
    await page.route("**/api/requests/bulk", async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { results: { id: string; ok: boolean; result?: { warnings: string[] } }[] };
      for (const r of body.results)
        if (r.ok && r.result) r.result.warnings.push("Check this one in the booking system");
      await route.fulfill({ response: res, json: body });
    });
    await page.goto(`${s.url}/requests?sort=received_asc`);
    await page.locator(`tr[data-request-id="${id}"] input[type=checkbox]`).check();
    const bar = page.getByTestId("bulk-bar");
    await bar.getByLabel("Record an outcome").selectOption("cancelled");
    await bar.getByRole("button", { name: "Record outcome" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Record cancelled for 1 request" }).click();
    await page.locator("#maincontent").getByText("Outcome recorded (Cancelled): 1 request updated.").waitFor();
    await expect
      .poll(() => statuses(page), { timeout: 5_000 })
      .toContainEqual(expect.stringContaining("Check this one in the booking system"));
    // Against the request it is about.
    const warning = page.getByTestId("change-warnings");
    const said = (await warning.textContent()) ?? "";
    expect(said).toContain(name);
    expect(said.indexOf(name)).toBeLessThan(said.indexOf(": Check this one in the booking system"));
    await expectNoAxeViolations(page, "worklist with a bulk warning");
    expect(lead.problems).toEqual([]);
    await lead.context.close();
  });
});
