// The reports page in chromium against a real Rebook filled from the PKB emulator's demo data, with some requests
// worked through the API so timings and outcomes have figures: the page is populated and its figures agree with the
// store, the volume split and filters live in the URL, bad ranges get a clear error, CSV downloads open as CSV with the
// same figures, axe finds nothing, and a clerk has no reports. Screenshots go to test-results/screenshots.
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, ukToday } from "../../web/src/format.ts";
import { expectNoAxeViolations, screenshot, signInByApi, startStack, type Stack } from "../helpers/browser.ts";
import { parseCsv } from "../reports/fixtures.ts";

describe("reports page (chromium)", { timeout: 90_000 }, () => {
  let s: Stack;
  let page: Page;
  let problems: string[];
  const to = ukToday();
  let from: string;
  let received: number;
  let cancels: number;

  /** Requests received in [from, to] (local dates), optionally of one type. */
  const countReceived = async (type?: string): Promise<number> =>
    (
      await s.t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM appointment_requests
          WHERE received_at >= ($1::date)::timestamp AT TIME ZONE 'Europe/London'
            AND received_at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/London'
            AND ($3::text IS NULL OR type = $3)`,
        [from, to, type ?? null],
      )
    )[0]!.n;

  beforeAll(async () => {
    s = await startStack({ size: 80 });
    const admin = await s.connectAndSync();

    // Work the oldest open requests: claim each, then record each kind of outcome in turn (every fifth only claimed).
    const open = await s.t.db.query<{ id: string }>(
      "SELECT id FROM appointment_requests WHERE status = 'open' ORDER BY received_at LIMIT 16",
    );
    const outcomes = [
      // Two months ahead: a rebooking into the past would need confirming (it was a fixed date, 2 March 2027).
      { outcome: "rebooked", newStart: { date: addDays(to, 60), time: "10:15" } },
      { outcome: "cancelled" },
      { outcome: "rejected", reason: "The appointment has already taken place" },
      { outcome: "needs_patient_contact", note: "Asked the patient to ring the clinic" },
    ];
    for (const [i, r] of open.entries()) {
      const claim = await s.rebook.app.inject({ method: "POST", url: `/api/requests/${r.id}/claim`, headers: admin });
      expect(claim.statusCode).toBe(200);
      if (i % 5 === 4) continue; // claimed only: a first action without an outcome
      const done = await s.rebook.app.inject({
        method: "POST",
        url: `/api/requests/${r.id}/outcome`,
        headers: admin,
        payload: outcomes[i % outcomes.length],
      });
      expect(done.statusCode).toBe(200);
    }
    ({ page, problems } = await s.newPage({ width: 1280, height: 900 }));
    await signInByApi(page.context(), s.url, s.staff.lead.email);
  }, 120_000);
  afterAll(async () => {
    expect(problems ?? [], "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  it("shows every report for the last 3 months by week, populated, with figures that agree with the store", async () => {
    await page.goto(`${s.url}/requests`);
    await page.getByRole("navigation", { name: "Menu" }).getByRole("link", { name: "Reports" }).click();
    await page.waitForURL(/\/reports$/);
    await page.getByTestId("reports").waitFor({ timeout: 20_000 });
    expect(await page.title()).toBe("Reports – Rebook");
    from = addDays(to, -90);
    const field = (id: string) => page.locator(`#${id}`).inputValue();
    const shown = async (prefix: string) =>
      `${await field(`${prefix}-year`)}-${(await field(`${prefix}-month`)).padStart(2, "0")}-${(await field(`${prefix}-day`)).padStart(2, "0")}`;
    expect(await shown("report-from")).toBe(from);
    expect(await shown("report-to")).toBe(to);
    expect(await page.getByLabel("Group by").inputValue()).toBe("week");
    received = await countReceived();
    cancels = await countReceived("cancel");
    expect(received).toBeGreaterThan(20);

    expect(await page.getByTestId("figure-received").locator("dd").first().textContent()).toBe(String(received));
    // The volume table's grand total is every request received; each chart has a canvas labelled for screen readers.
    const volumeTotal = page.getByTestId("table-volume").locator("tfoot td").last();
    expect(await volumeTotal.textContent()).toBe(String(received));
    for (const id of ["volume", "backlog", "timings", "deadline", "outcomes"]) {
      const canvas = page.getByTestId(`chart-${id}`).locator("canvas");
      expect(await canvas.getAttribute("role")).toBe("img");
      expect(await canvas.getAttribute("aria-label")).toMatch(/chart: .*The figures are in the table below/);
      const drawn = await canvas.evaluate<boolean, unknown>((c) => (c as { width: number }).width > 300);
      expect(drawn, `${id} chart drawn`).toBe(true);
    }
    // Outcomes: each kind recorded above appears (the worked requests were the oldest; most fall in the range).
    const outcomeTotals = await page.getByTestId("table-outcomes").locator("tfoot td").allTextContents();
    const [rebooked, cancelled, rejected, contact, alreadyDone, none, total] = outcomeTotals.map(Number);
    for (const n of [rebooked, cancelled, rejected, contact]) expect(n).toBeGreaterThan(0);
    expect(rebooked! + cancelled! + rejected! + contact! + alreadyDone! + none!).toBe(total);
    expect(total).toBe(received);
    // Time to action has figures now that requests were worked.
    const overall = await page.getByTestId("table-timings").locator("tfoot td").allTextContents();
    expect(overall[1]).not.toBe("None yet");
    expect(overall[3]).not.toBe("None yet");

    await expectNoAxeViolations(page, "reports");
    await screenshot(page, "reports");
  });

  it("splits volume by team and by type, and filters by type, with the view in the URL", async () => {
    await page.getByRole("radio", { name: "Team" }).check();
    await page.waitForURL(/split=team/);
    const teamColumns = await page.getByTestId("table-volume").locator("thead th").allTextContents();
    expect(teamColumns).toEqual(expect.arrayContaining(["Appointments", "Cancellations", "Total"]));
    await page.getByRole("radio", { name: "Change or cancel" }).check();
    await page.waitForURL(/split=type/);
    const typeColumns = await page.getByTestId("table-volume").locator("thead th").allTextContents();
    expect(typeColumns.slice(1)).toEqual(["Change", "Cancel", "Total"]);

    await page.getByLabel("Request type").selectOption("cancel");
    await page.getByLabel("Group by").selectOption("month");
    await page.getByRole("button", { name: "Show the report" }).click();
    await page.waitForURL(/type=cancel/);
    expect(page.url()).toContain("bucket=month");
    await expect
      .poll(() => page.getByTestId("figure-received").locator("dd").first().textContent())
      .toBe(String(cancels));
    const months = await page.getByTestId("table-volume").locator("tbody th").allTextContents();
    expect(months.length).toBeGreaterThanOrEqual(3);
    expect(months.length).toBeLessThanOrEqual(5);
    await screenshot(page, "reports-cancellations-by-month");

    // Back returns to the previous view.
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes("type=cancel"));
    await expect
      .poll(() => page.getByTestId("figure-received").locator("dd").first().textContent())
      .toBe(String(received));
  });

  it("says clearly what is wrong with a range and keeps the last report's URL", async () => {
    const before = page.url();
    const fill = async (prefix: string, day: string, month: string, year: string) => {
      await page.locator(`#${prefix}-day`).fill(day);
      await page.locator(`#${prefix}-month`).fill(month);
      await page.locator(`#${prefix}-year`).fill(year);
    };
    await fill("report-from", "31", "2", "2026");
    await fill("report-to", "", "", "");
    await page.getByRole("button", { name: "Show the report" }).click();
    const summary = page.getByRole("alert");
    await expect(summary.textContent()).resolves.toContain("The first date must be a real date, for example 27 8 2026");
    await expect(summary.textContent()).resolves.toContain("Enter the last date of the report");
    // The summary's links take focus to the field.
    await summary.getByRole("link", { name: "Enter the last date of the report" }).click();
    expect(await page.evaluate<string>("document.activeElement.id")).toBe("report-to-day");

    await fill("report-from", "10", "1", "2026");
    await fill("report-to", "1", "1", "2026");
    await page.getByRole("button", { name: "Show the report" }).click();
    await expect
      .poll(() => summary.textContent())
      .toContain("The last date must be the same as or after the first date");
    expect(page.url()).toBe(before);
    await expectNoAxeViolations(page, "reports with an error");
    await screenshot(page, "reports-error");

    // A range the API refuses, reached by a link: the same message, no reports.
    await page.goto(`${s.url}/reports?from=2023-01-01&to=2025-06-01&bucket=month`);
    await expect(page.getByRole("alert").textContent()).resolves.toContain("The range must be shorter than 2 years");
    expect(await page.getByTestId("reports").count()).toBe(0);
  });

  it("downloads every report as CSV that opens with the same figures, and the row-level data", async () => {
    await page.goto(`${s.url}/reports?from=${from}&to=${to}&bucket=week`);
    await page.getByTestId("reports").waitFor({ timeout: 20_000 });
    const download = async (name: RegExp): Promise<{ file: string; text: string }> => {
      const [d] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name }).click()]);
      const path = await d.path();
      return { file: d.suggestedFilename(), text: readFileSync(path, "utf8") };
    };

    const volume = await download(/^Download requests received per week/);
    expect(volume.file).toBe(`rebook-volume-${from}-to-${to}.csv`);
    expect(volume.text.startsWith("\uFEFF")).toBe(true);
    const volumeRows = parseCsv(volume.text);
    const header = volumeRows[0]!;
    const requests = header.indexOf("requests");
    expect(requests).toBeGreaterThan(0);
    expect(volumeRows.slice(1).reduce((sum, r) => sum + Number(r[requests]), 0)).toBe(received);

    for (const [link, name] of [
      [/^Download the open backlog/, "backlog"],
      [/^Download time to action/, "timings"],
      [/^Download outcomes/, "outcomes"],
      [/^Download these figures/, "summary"],
    ] as const) {
      const d = await download(link);
      expect(d.file).toBe(`rebook-${name}-${from}-to-${to}.csv`);
      expect(parseCsv(d.text).length, name).toBeGreaterThan(1);
    }

    const rows = await download(/^Download every request in the range/);
    expect(rows.file).toBe(`rebook-rows-${from}-to-${to}.csv`);
    const parsed = parseCsv(rows.text);
    expect(parsed.length - 1).toBe(received);
    expect(parsed[0]).toContain("request_id");
    // No patient identifiers in the export.
    expect(rows.text).not.toMatch(/\b\d{10}\b/);
    const audit = await s.t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'report.rows_exported'",
    );
    expect(audit[0]!.n).toBeGreaterThanOrEqual(1);
  });

  it("reflows on a phone-sized screen: no page-wide horizontal scrolling, wide tables scroll in their own region", async () => {
    const { context, page: narrow, problems: narrowProblems } = await s.newPage({ width: 390, height: 844 });
    await signInByApi(context, s.url, s.staff.lead.email);
    await narrow.goto(`${s.url}/reports?from=${from}&to=${to}&bucket=month`);
    await narrow.getByTestId("reports").waitFor({ timeout: 20_000 });
    const overflow = await narrow.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(narrow, "reports on a narrow screen");
    await screenshot(narrow, "reports-narrow");
    expect(narrowProblems).toEqual([]);
    await context.close();
  });

  it("is not offered to clerks, and tells one who follows a link", async () => {
    const { context, page: clerkPage, problems: clerkProblems } = await s.newPage();
    await signInByApi(context, s.url, s.staff.clerk.email);
    await clerkPage.goto(`${s.url}/requests`);
    await clerkPage.getByRole("navigation", { name: "Menu" }).waitFor();
    expect(
      await clerkPage.getByRole("navigation", { name: "Menu" }).getByRole("link", { name: "Reports" }).count(),
    ).toBe(0);
    await clerkPage.goto(`${s.url}/reports`);
    await clerkPage.getByRole("heading", { level: 1, name: "You do not have access to this page" }).waitFor();
    expect(clerkProblems).toEqual([]);
    await context.close();
  });
});
