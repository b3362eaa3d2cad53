// Finding and reading requests in chromium: search by a name without its accents and an NHS number with dashes, a
// search too long (a field error, no rows beneath), what the patient proposes (in the row, beside the note, and in
// the rebook form), patient text isolated for direction, claiming with `c` (focus stays on the list, the request is in
// progress), one load (and one audit entry) per view, "page not found", no "Done Done", the first-run worklist and
// removing an abandoned Grant Access. axe runs on every page; screenshots go to test-results/screenshots.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnection } from "../../src/store/connections.ts";
import { expectNoAxeViolations, screenshot, signIn, startStack, type Stack } from "../helpers/browser.ts";

const LONG_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** The UK date n days from now. */
function ukDaysAhead(n: number): { y: number; m: number; d: number } {
  const [y, m, d] = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" })
    .format(new Date(Date.now() + n * 86_400_000))
    .split("-")
    .map(Number) as [number, number, number];
  return { y, m, d };
}

const FOCUS_IN_ROW = `(() => {
  const el = document.activeElement;
  return Boolean(el && el.hasAttribute("data-row-link") && el.closest("tr"));
})()`;

describe("finding and reading (chromium)", { timeout: 90_000 }, () => {
  let s: Stack;
  let admin: { page: Page; problems: string[] };
  let clerk: { page: Page; problems: string[] };
  let requestId: string;
  let nhs: string;
  const target = ukDaysAhead(12);

  beforeAll(async () => {
    s = await startStack({ size: 30 });
    admin = await s.newPage();
    clerk = await s.newPage();
  }, 120_000);
  afterAll(async () => {
    expect(admin?.problems ?? [], "no CSP violations or page errors (admin)").toEqual([]);
    expect(clerk?.problems ?? [], "no CSP violations or page errors (clerk)").toEqual([]);
    await s?.stop();
  });

  it("points an admin to PKB connections from the first-run worklist, and removes an abandoned Grant Access", async () => {
    const { page } = admin;
    await page.goto(`${s.url}/requests`);
    await signIn(page, s.url, s.staff.adminEmail);
    await page.getByTestId("worklist-empty").waitFor();
    await page.getByTestId("first-run").getByRole("link", { name: "Go to PKB connections" }).click();
    await page.getByRole("heading", { level: 1, name: "PKB connections" }).waitFor();

    // A Grant Access started and abandoned at PKB's consent page.
    const [me] = await s.t.db.query<{ id: string }>("SELECT id FROM users WHERE role = 'admin'");
    await createConnection(s.t.db, { label: "Abandoned try", createdBy: me!.id });
    await page.reload();
    await page.getByRole("button", { name: "Remove Abandoned try" }).click();
    const dialog = page.getByRole("dialog", { name: "Remove Abandoned try?" });
    await dialog.waitFor();
    await expectNoAxeViolations(page, "remove an abandoned connection");
    await screenshot(page, "connections-remove");
    await page.keyboard.press("Tab");
    await dialog.getByRole("button", { name: "Remove connection" }).click();
    await page.getByText("Abandoned try has been removed.").waitFor();
    // The list is read again after the message: wait for the row to go (CI once counted it before the re-read).
    await page.getByRole("button", { name: "Remove Abandoned try" }).waitFor({ state: "detached" });
    expect(await page.getByRole("button", { name: "Remove Abandoned try" }).count()).toBe(0);

    // Unknown pages, in and out of administration.
    await page.goto(`${s.url}/no-such-page`);
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    await page.goto(`${s.url}/admin/no-such-page`);
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    await expectNoAxeViolations(page, "page not found");
  });

  it("finds a patient by a name without accents and an NHS number with dashes; a search too long is a field error", async () => {
    await s.connectAndSync();
    const [row] = await s.t.db.query<{ id: string; patient_pkb_id: string; nhs_number: string; received_at: Date }>(
      `SELECT r.id, r.patient_pkb_id, r.nhs_number, r.received_at FROM appointment_requests r
       WHERE r.team_id = $1 AND r.status = 'open' AND r.assigned_user_id IS NULL AND r.patient_pkb_id IS NOT NULL
         AND r.nhs_number IS NOT NULL
         -- The note proposes the target day: a request about an appointment on that day would read it as their own.
         AND NOT ((COALESCE(r.requested_start, r.appointment_start) AT TIME ZONE 'Europe/London')::date = $2::date)
       ORDER BY r.received_at LIMIT 1`,
      [s.teams.appointments, `${target.y}-${String(target.m).padStart(2, "0")}-${String(target.d).padStart(2, "0")}`],
    );
    if (!row) throw new Error("no open, unassigned Appointments request of a patient with an NHS number");
    requestId = row.id;
    nhs = row.nhs_number;
    await s.t.db.query("UPDATE patients SET first_name = 'Łucja', last_name = 'Wiśniewska' WHERE pkb_user_id = $1", [
      row.patient_pkb_id,
    ]);
    // The patient proposes a day, and a right-to-left override sits in the middle of the note.
    const note = `Can you change it to ${target.d} ${LONG_MONTHS[target.m - 1]} in the afternoon? \u202Eplease\u202C thanks`;
    await s.t.db.query("UPDATE appointment_requests SET patient_note = $2 WHERE id = $1", [requestId, note]);
    await s.t.db.query(
      "UPDATE pkb_messages SET content = $2 WHERE pkb_message_id = (SELECT pkb_message_id FROM appointment_requests WHERE id = $1)",
      [requestId, note],
    );

    const { page } = clerk;
    await page.goto(`${s.url}/requests`);
    await signIn(page, s.url, s.staff.clerk.email);
    await page.locator("tbody tr").first().waitFor();
    await page.keyboard.press("/");
    await page.keyboard.type("wisniewska lucja");
    await page.keyboard.press("Enter");
    await page.waitForURL(/q=wisniewska/);
    // Only her requests (she may have more than one, depending on the day the emulator's data is anchored to). The
    // worklist keeps its earlier rows until the search's answer comes, so this waits for the rows to be hers alone.
    const names = async () => [...new Set(await page.locator("tbody tr [data-row-link]").allTextContents())];
    await expect.poll(names, { timeout: 15_000 }).toEqual(["Łucja Wiśniewska"]);
    const found = page.locator(`tr[data-request-id="${requestId}"]`);
    await found.waitFor();
    expect(await found.locator("[data-row-link]").textContent()).toBe("Łucja Wiśniewska");
    expect(await found.locator("[data-row-link] bdi").count()).toBe(1);
    const suggests = await found.getByTestId("row-proposal").textContent();
    expect(suggests).toMatch(new RegExp(`^Patient suggests \\w{3} ${target.d} \\w{3}.*, afternoon$`));
    await screenshot(page, "worklist-search-proposal");

    const dashed = `${nhs.slice(0, 3)}-${nhs.slice(3, 6)}-${nhs.slice(6)}`;
    await page.getByLabel(/Search by patient name/).fill(dashed);
    // Her row is on screen from the name's search: wait for the NHS number's own answer before reading the rows.
    const answered = page.waitForResponse(
      (r) => r.url().includes("/api/requests?") && new URL(r.url()).searchParams.get("q") === dashed,
    );
    await page.keyboard.press("Enter");
    expect((await answered).status()).toBe(200);
    await expect.poll(names, { timeout: 15_000 }).toEqual(["Łucja Wiśniewska"]);
    expect(await page.locator(`tr[data-request-id="${requestId}"]`).count()).toBe(1);

    await page.getByLabel(/Search by patient name/).fill("x".repeat(101));
    await page.keyboard.press("Enter");
    const fieldError = page.locator("#worklist-search-error");
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toBe("Error: Search must be 100 characters or fewer");
    expect(await page.locator(".nhsuk-error-summary").textContent()).toContain(
      "Search must be 100 characters or fewer",
    );
    // The summary heads the page, above the search it links to (the design system's place for it), not below it.
    const summaryBox = (await page.locator(".nhsuk-error-summary").boundingBox())!;
    const searchBox = (await page.getByLabel(/Search by patient name/).boundingBox())!;
    expect(summaryBox.y + summaryBox.height, "the error summary's bottom against the search box's top").toBeLessThan(
      searchBox.y,
    );
    expect(await page.locator("tbody tr").count(), "no rows of the earlier search beneath the error").toBe(0);
    expect(await page.getByLabel(/Search by patient name/).getAttribute("aria-invalid")).toBe("true");
    await expectNoAxeViolations(page, "search too long");
    await screenshot(page, "worklist-search-too-long");
  });

  it("shows what the patient proposes beside the note, isolated for direction, and pre-fills the rebook form", async () => {
    const { page } = clerk;
    await page.goto(`${s.url}/requests/${requestId}`);
    await page.getByRole("heading", { level: 1, name: "Łucja Wiśniewska" }).waitFor();
    // The note's own message (a later message in the thread may propose something too).
    const message = page
      .getByTestId("thread")
      .locator("li.app-thread__message")
      .filter({ hasText: `Can you change it to ${target.d} ` });
    const proposals = message.getByTestId("proposals");
    expect(await proposals.textContent()).toContain(`${target.d} `);
    expect(await proposals.textContent()).toContain("afternoon");
    const isolation = await page.evaluate<string>(
      `getComputedStyle(document.querySelector(".app-thread__content")).unicodeBidi`,
    );
    expect(isolation).toBe("isolate");
    expect(await message.locator(".app-thread__content").getAttribute("dir")).toBe("auto");
    await expectNoAxeViolations(page, "request with proposals");
    await screenshot(page, "request-proposals");

    await page.getByRole("button", { name: "Record an outcome" }).click();
    await page.getByRole("radio", { name: "Rebooked" }).check();
    expect(await page.getByLabel("Day").inputValue()).toBe(String(target.d));
    expect(await page.getByLabel("Month").inputValue()).toBe(String(target.m));
    expect(await page.getByLabel("Year").inputValue()).toBe(String(target.y));
    await page.getByTestId("suggested-start").waitFor();
    // The fields revealed under "Rebooked" stand clear of the next option, as the design system spaces them.
    const revealed = await page.locator(".nhsuk-radios__conditional").boundingBox();
    const next = await page
      .locator(".nhsuk-radios__item", { has: page.getByRole("radio", { name: "Cancelled" }) })
      .boundingBox();
    expect(next!.y - (revealed!.y + revealed!.height)).toBeGreaterThanOrEqual(8);
    await expectNoAxeViolations(page, "rebook form pre-filled");
    await screenshot(page, "rebook-prefilled");
    // The form's dismiss button says it closes the form: a bare "Cancel" beside "Cancelled" reads as cancelling the
    // appointment. It closes the form with the keyboard too, and the request stays as it was.
    const form = page.getByTestId("outcome-form");
    await page.getByRole("radio", { name: "Cancelled" }).check();
    expect(await form.getByRole("button", { name: /cancel/i }).allTextContents()).toEqual([]);
    await screenshot(page, "outcome-form-cancelled-chosen");
    await form.getByRole("button", { name: "Close without saving" }).focus();
    await page.keyboard.press("Enter");
    await form.waitFor({ state: "detached" });
    expect(
      (await s.t.db.query<{ status: string }>("SELECT status FROM appointment_requests WHERE id = $1", [requestId]))[0],
    ).toEqual({ status: "open" });
  });

  it("claims with c: focus stays in the list and the request is in progress; one load and one audit entry per view", async () => {
    const { page } = clerk;
    const listed = async (): Promise<number> =>
      (
        await s.t.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM audit_log WHERE action = 'requests.listed' AND actor_user_id = $1",
          [s.staff.clerk.id],
        )
      )[0]!.n;
    const loads: string[] = [];
    page.on("request", (r) => {
      if (/\/api\/requests\?/.test(r.url())) loads.push(r.url());
    });
    const before = await listed();
    await page.goto(`${s.url}/requests?status=open&sort=received_asc`);
    await page.locator("tbody tr").first().waitFor();
    await page.getByTestId("live-status").getByText("Live: updates appear as they happen").waitFor();
    await page.waitForTimeout(1500); // a second load, if there were one, would have gone by now
    expect(loads).toHaveLength(1);
    expect(await listed()).toBe(before + 1);

    await page.keyboard.press("j");
    const first = await page.locator("tbody tr").first().getAttribute("data-request-id");
    await page.keyboard.press("c");
    await page
      .locator("#maincontent")
      .getByText(/You have claimed the request from/)
      .waitFor();
    await expect.poll(() => page.evaluate<boolean>(FOCUS_IN_ROW), { timeout: 10_000 }).toBe(true);
    const [claimed] = await s.t.db.query<{ status: string; assigned_user_id: string }>(
      "SELECT status, assigned_user_id FROM appointment_requests WHERE id = $1",
      [first],
    );
    expect(claimed).toEqual({ status: "in_progress", assigned_user_id: s.staff.clerk.id });
  });

  it("shows a done request's status once (no 'Done Done')", async () => {
    const { page } = clerk;
    await s.t.db.query("UPDATE appointment_requests SET status = 'done', outcome = 'cancelled' WHERE id = $1", [
      requestId,
    ]);
    await page.goto(`${s.url}/requests?status=done`);
    const row = page.locator(`tr[data-request-id="${requestId}"]`);
    await row.waitFor();
    const tags = await row.locator(".nhsuk-tag").allTextContents();
    expect(tags.filter((t) => t.trim() === "Done")).toHaveLength(1);
  });
});
