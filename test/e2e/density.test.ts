// Issue 10, "Density and flow", in chromium: at 1366×900 the worklist shows many requests above the fold (filters
// folded away, their state in the URL; totals; a compact one-line row, remembered), a preview pane moved through with
// j/k and the arrow keys (each request shown is audited as viewed; claim and "Save and next" still work), saved views
// with live counts (personal, and team views by a team lead), phone cards and the request page's patient banner with
// the actions first, and the collection banner when polls keep failing. The figures (first row's top, row height, rows
// above the fold) are printed and kept in test-results/density-figures.json; axe runs on each state; screenshots go
// to test-results/screenshots.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectNoAxeViolations,
  SCREENSHOTS,
  screenshot,
  signInByApi,
  startStack,
  type Stack,
} from "../helpers/browser.ts";

interface Figures {
  firstTop: number;
  rowHeight: number;
  aboveFold: number;
}

// Runs in the page (a string: the tests' TypeScript has no DOM types).
const MEASURE = `(() => {
  window.scrollTo(0, 0);
  const rows = [...document.querySelectorAll("tbody tr[data-request-id]")];
  const heights = rows.slice(0, 10).map((r) => r.getBoundingClientRect().height);
  return {
    firstTop: Math.round(rows[0].getBoundingClientRect().top),
    rowHeight: Math.round(heights.reduce((a, b) => a + b, 0) / heights.length),
    aboveFold: rows.filter((r) => r.getBoundingClientRect().bottom <= window.innerHeight).length,
  };
})()`;

interface Fit {
  pageWidth: number;
  viewWidth: number;
  tableWidth: number;
  regionWidth: number;
  /** The header cells (by column) whose right edge is past the table's region or the window. */
  offScreen: string[];
  /** Each column's width, for the log. */
  columns: Record<string, number>;
}

// Whether the worklist fits its window: no sideways scroll of the page or of the table's region, every header on screen.
const FIT = `(() => {
  window.scrollTo(0, 0);
  const doc = document.documentElement;
  const region = document.querySelector(".app-worklist-scroll");
  const edge = Math.min(region.getBoundingClientRect().right, doc.clientWidth);
  const heads = [...document.querySelectorAll("table.app-worklist thead th")];
  const col = (th) => (th.className.match(/app-col-(\\w+)/) || [])[1];
  return {
    pageWidth: doc.scrollWidth,
    viewWidth: doc.clientWidth,
    tableWidth: region.scrollWidth,
    regionWidth: region.clientWidth,
    offScreen: heads.filter((th) => th.getBoundingClientRect().right > edge + 0.5).map(col),
    columns: Object.fromEntries(heads.map((th) => [col(th), Math.round(th.getBoundingClientRect().width)])),
  };
})()`;

// The top of each header's label (its first text shown, not the screen reader's words) and the sort icons' text.
const HEAD_LABELS = `(() => {
  const out = [];
  for (const th of document.querySelectorAll("table.app-worklist thead th")) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      if (!node.textContent.trim() || node.parentElement.closest(".nhsuk-u-visually-hidden, [aria-hidden=true]")) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      out.push({ label: node.textContent.trim(), top: range.getBoundingClientRect().top });
      break;
    }
  }
  return out;
})()`;

/** Switches the worklist to compact rows or back, and waits for the rows in that density. */
async function setDensity(page: Page, compact: boolean): Promise<void> {
  if ((await page.getByTestId("toggle-compact").getAttribute("aria-pressed")) !== String(compact)) {
    await page.getByTestId("toggle-compact").click();
  }
  await page
    .locator(`table.app-worklist${compact ? "" : ":not(.app-worklist--compact)"} tbody tr`)
    .first()
    .waitFor();
}

const ROW_IDS = `[...document.querySelectorAll("tbody tr[data-request-id]")].map((r) => r.getAttribute("data-request-id"))`;
const ACTIVE_ROW = `document.querySelector("tr.app-row--active")?.getAttribute("data-request-id") ?? null`;

describe("density and flow (chromium)", { timeout: 120_000 }, () => {
  let s: Stack;
  let clerk: { context: BrowserContext; page: Page; problems: string[] };
  const figures: Record<string, Figures> = {};

  const measure = async (page: Page, label: string): Promise<Figures> => {
    const f = await page.evaluate<Figures>(MEASURE);
    figures[label] = f;
    console.log(`density ${label}: first row at ${f.firstTop}px, rows ${f.rowHeight}px, ${f.aboveFold} above the fold`);
    return f;
  };
  const previewId = (page: Page) => page.getByTestId("preview-body").getAttribute("data-request-id");

  beforeAll(async () => {
    s = await startStack({ size: 60 });
    await s.connectAndSync();
    clerk = await s.newPage({ width: 1366, height: 900 });
    clerk.page.setDefaultTimeout(30_000); // the machine is shared: full-page screenshots can be slow
    await signInByApi(clerk.context, s.url, s.staff.clerk.email);
  }, 400_000);
  afterAll(async () => {
    mkdirSync(path.dirname(SCREENSHOTS), { recursive: true });
    writeFileSync(
      path.join(path.dirname(SCREENSHOTS), "density-figures.json"),
      `${JSON.stringify(figures, null, 2)}\n`,
    );
    expect(clerk?.problems ?? [], "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  it("at 1366×900 shows the rows high on the page, the filters folded (state in the URL) and the totals", async () => {
    const { page } = clerk;
    await page.goto(`${s.url}/requests`);
    await page.locator("tbody tr[data-request-id]").first().waitFor();
    const [{ n }] = (await s.t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM appointment_requests WHERE team_id = ANY($1::uuid[]) AND status IN ('open', 'in_progress')",
      [[s.teams.appointments]],
    )) as [{ n: number }];
    const shown = await page.locator("tbody tr[data-request-id]").count();
    expect(await page.getByTestId("result-count").textContent()).toContain(`1–${shown} of ${n}`);
    await screenshot(page, "density-1366-normal");
    const normal = await measure(page, "normal");
    expect(normal.firstTop).toBeLessThan(500); // 634 before: the filters took the top of the page (474 with the search hint)
    expect(await page.getByLabel("Deadline", { exact: true }).isVisible()).toBe(false);
    await expectNoAxeViolations(page, "worklist, filters folded");

    // Open the filters with the keyboard; a filter goes into the URL; the panel stays open after a reload.
    await page.getByTestId("filters-summary").focus();
    await page.keyboard.press("Enter");
    await page.getByLabel("Deadline", { exact: true }).selectOption("overdue");
    await page.waitForURL(/due=overdue/);
    await page.reload();
    await page.getByLabel("Deadline", { exact: true }).waitFor();
    expect(await page.getByLabel("Deadline", { exact: true }).inputValue()).toBe("overdue");
    await page.getByTestId("filters-summary").click(); // fold away again
    expect(await page.getByTestId("filters-summary").textContent()).toContain("1 filter applied");
  });

  it("offers compact one-line rows, remembered", async () => {
    const { page } = clerk;
    await page.goto(`${s.url}/requests`);
    await page.locator("tbody tr[data-request-id]").first().waitFor();
    await page.getByTestId("toggle-compact").click();
    expect(await page.getByTestId("toggle-compact").getAttribute("aria-pressed")).toBe("true");
    await page.reload();
    await page.locator("table.app-worklist--compact tbody tr").first().waitFor();
    await screenshot(page, "density-1366-compact");
    const compact = await measure(page, "compact");
    expect(compact.rowHeight).toBeLessThanOrEqual(50);
    expect(compact.aboveFold).toBeGreaterThanOrEqual(9);
    await expectNoAxeViolations(page, "worklist, compact rows");
  });

  it("fits every column on screen at 1366×768 (a common NHS laptop) and at 1920, in both densities", async () => {
    const laptop = await s.newPage({ width: 1366, height: 768 });
    laptop.page.setDefaultTimeout(30_000);
    await signInByApi(laptop.context, s.url, s.staff.clerk.email);
    const { page } = laptop;
    await page.goto(`${s.url}/requests`);
    await page.locator("tbody tr[data-request-id]").first().waitFor();
    for (const [width, height] of [
      [1366, 768],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const density of ["comfortable", "compact"] as const) {
        const compact = density === "compact";
        await setDensity(page, compact);
        const fit = await page.evaluate<Fit>(FIT);
        console.log(`density fit ${width} ${density}: ${JSON.stringify(fit)}`);
        expect.soft(fit.pageWidth, `${width} ${density}: the page scrolls sideways`).toBeLessThanOrEqual(fit.viewWidth);
        expect
          .soft(fit.tableWidth, `${width} ${density}: the table is wider than its region`)
          .toBeLessThanOrEqual(fit.regionWidth);
        expect.soft(fit.offScreen, `${width} ${density}: columns off-screen`).toEqual([]);
        await screenshot(page, `density-${width}x${height}-${density}`);
      }
    }
    expect(laptop.problems).toEqual([]);
    await laptop.context.close();
  });

  it("sets every header label on one line, sortable or not, with a sort icon that reads as no digit", async () => {
    const { page } = clerk;
    await page.goto(`${s.url}/requests`);
    await page.locator("tbody tr[data-request-id]").first().waitFor();
    for (const compact of [false, true]) {
      await setDensity(page, compact);
      const labels = await page.evaluate<{ label: string; top: number }[]>(HEAD_LABELS);
      const tops = labels.map((l) => l.top);
      console.log(`density header labels (${compact ? "compact" : "comfortable"}): ${JSON.stringify(labels)}`);
      expect(labels.map((l) => l.label)).toEqual(expect.arrayContaining(["Patient", "Priority", "Deadline", "Match"]));
      expect(Math.max(...tops) - Math.min(...tops), JSON.stringify(labels)).toBeLessThanOrEqual(1);
      // The inactive icon is drawn, not a character ("↕" reads as "1" at this size).
      expect(await page.getByRole("button", { name: /^Priority/ }).textContent()).not.toMatch(/[↕▲▼]/);
      // The sort in force is said on its own button (a screen reader on the button does not always read the header's
      // aria-sort); the other says what pressing it does.
      await page.getByRole("button", { name: /^Deadline\W+sorted most urgent first$/ }).waitFor({ timeout: 5_000 });
      await page.getByRole("button", { name: /^Priority\W+sort highest priority first$/ }).waitFor({ timeout: 5_000 });
    }
    expect(await page.locator("th.app-col-deadline").getAttribute("aria-sort")).toBe("ascending");
    expect(await page.locator("th.app-col-priority").getAttribute("aria-sort")).toBeNull();
    await screenshot(page, "density-1366-headers-compact");
  });

  it("triages with the keyboard in the preview pane: j/k and arrows move, each request shown is audited, c claims", async () => {
    const { page } = clerk;
    await page.goto(`${s.url}/requests`);
    await page.locator("tbody tr[data-request-id]").first().waitFor();
    await page.getByTestId("toggle-preview").click();
    await page.getByTestId("preview-body").waitFor();
    const ids = await page.evaluate<string[]>(ROW_IDS);
    await expect.poll(() => previewId(page)).toBe(ids[0]);
    await page.keyboard.press("j");
    await expect.poll(() => previewId(page)).toBe(ids[1]);
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => previewId(page)).toBe(ids[2]);
    await page.keyboard.press("k");
    await expect.poll(() => previewId(page)).toBe(ids[1]);
    expect(await page.evaluate<string | null>(ACTIVE_ROW)).toBe(ids[1]);
    expect(await page.getByTestId("preview").getByTestId("patient-banner").textContent()).toMatch(/NHS number/);
    await screenshot(page, "density-1366-preview");
    const f = await measure(page, "preview");
    // One line a request beside the pane (33 px before compact rows took two lines: the pane's list keeps one), and
    // nothing off to the side.
    expect(f.rowHeight, "the preview list's row height").toBeLessThanOrEqual(36);
    expect(f.aboveFold).toBeGreaterThanOrEqual(12);
    expect(
      await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth"),
      "the page scrolls sideways beside the preview pane",
    ).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page, "worklist with the preview pane");
    // Every request the pane showed was viewed: audited as on the request page.
    const viewed = await s.t.db.query<{ request_id: string }>(
      "SELECT DISTINCT request_id FROM audit_log WHERE action = 'request.viewed' AND actor_user_id = $1",
      [s.staff.clerk.id],
    );
    expect(viewed.map((v) => v.request_id)).toEqual(expect.arrayContaining([ids[0], ids[1], ids[2]]));

    // c claims the request under the cursor; the pane follows.
    // (Beside the pane the list leaves out the Claim column: the pane has the button, and c.)
    const [free] = (await s.t.db.query<{ id: string }>(
      `SELECT id FROM appointment_requests WHERE id = ANY($1::uuid[]) AND status = 'open' AND assigned_user_id IS NULL
       ORDER BY array_position($1::uuid[], id) LIMIT 1`,
      [ids.slice(2)],
    )) as [{ id: string }];
    const target = free.id;
    while ((await page.evaluate<string | null>(ACTIVE_ROW)) !== target) await page.keyboard.press("j");
    await expect.poll(() => previewId(page)).toBe(target);
    await page.keyboard.press("c");
    await expect
      .poll(() => page.getByTestId("preview").textContent(), { timeout: 10_000 })
      .toContain("Assigned to: you");
  });

  it("keeps 'Save and next' working from the preview pane: r records an outcome, then the next request opens", async () => {
    const { page } = clerk;
    // Two requests of the clerk's (the one claimed above and one more), so there is a next one.
    const free = await s.t.db.query<{ id: string }>(
      `SELECT id FROM appointment_requests WHERE team_id = $1 AND status = 'open' AND assigned_user_id IS NULL
       ORDER BY received_at LIMIT 2`,
      [s.teams.appointments],
    );
    await s.t.db.query(
      `UPDATE appointment_requests SET assigned_user_id = $1, status = 'in_progress'
       WHERE id = ANY($2::uuid[]) AND (SELECT count(*) FROM appointment_requests
         WHERE assigned_user_id = $1 AND status IN ('open', 'in_progress')) < 2`,
      [s.staff.clerk.id, free.map((f) => f.id)],
    );
    await page.goto(`${s.url}/requests?mine=1`);
    await page.getByTestId("preview-body").waitFor();
    const ids = await page.evaluate<string[]>(ROW_IDS);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    await expect.poll(() => previewId(page)).toBe(ids[0]);
    await page.keyboard.press("r");
    await page.getByRole("radio", { name: "Needs patient contact" }).check();
    await page.getByLabel("What the patient needs to be contacted about").fill("Phone the patient about a later date.");
    await page.getByRole("button", { name: "Save and next" }).click();
    await page.waitForURL(new RegExp(`/requests/${ids[1]}`));
    await page.getByTestId("patient-banner").waitFor();
  });

  it("lists saved views with counts in the navigation, personal and team, and keeps the counts live", async () => {
    const { page } = clerk;
    await page.goto(`${s.url}/requests?mine=1`);
    await page.locator("tbody tr[data-request-id]").first().waitFor();
    await page.getByRole("button", { name: "Save these filters as a view" }).click();
    // Focus moved to the name; a blank name gets the design system's error.
    await page.keyboard.press("Enter");
    await page.getByText("Enter a name for the view").waitFor();
    await page.keyboard.type("My open");
    await page.keyboard.press("Enter");
    const nav = page.getByRole("navigation", { name: "Saved views" });
    const mine = nav.getByRole("link", { name: /^My open/ });
    await mine.waitFor();
    const [{ n }] = (await s.t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM appointment_requests WHERE assigned_user_id = $1 AND status IN ('open', 'in_progress')",
      [s.staff.clerk.id],
    )) as [{ n: number }];
    expect(await mine.getByTestId("view-count").textContent()).toBe(String(n));
    expect(await mine.getAttribute("aria-current")).toBe("page");

    // A team lead shares "Overdue" with the team.
    const lead = await s.newPage({ width: 1366, height: 900 });
    await signInByApi(lead.context, s.url, s.staff.lead.email);
    await lead.page.goto(`${s.url}/requests?due=overdue`);
    await lead.page.getByTestId("result-count").or(lead.page.getByTestId("worklist-empty")).first().waitFor();
    await lead.page.getByRole("button", { name: "Save these filters as a view" }).click();
    await lead.page.getByLabel("Name of the view").fill("Overdue");
    await lead.page.getByRole("radio", { name: "A team" }).check();
    await expectNoAxeViolations(lead.page, "save a team view");
    await lead.page.getByRole("button", { name: "Save view" }).click();
    await lead.page
      .getByRole("navigation", { name: "Saved views" })
      .getByRole("link", { name: /^Overdue/ })
      .waitFor();
    await lead.context.close();

    // The clerk sees the team view once the counts refresh (any request change refreshes them).
    const assignedBefore = n;
    const [free] = await s.t.db.query<{ id: string }>(
      `SELECT id FROM appointment_requests WHERE team_id = $1 AND status = 'open' AND assigned_user_id IS NULL LIMIT 1`,
      [s.teams.appointments],
    );
    const leadApi = await s.rebook.signIn({ id: s.staff.lead.id });
    const res = await s.rebook.app.inject({
      method: "POST",
      url: `/api/requests/${free!.id}/assign`,
      headers: leadApi,
      payload: { userId: s.staff.clerk.id },
    });
    expect(res.statusCode, res.body).toBe(200);
    await expect
      .poll(() => mine.getByTestId("view-count").textContent(), { timeout: 15_000 })
      .toBe(String(assignedBefore + 1));
    await nav.getByRole("link", { name: /^Overdue/ }).waitFor();
    await expectNoAxeViolations(page, "worklist with saved views");

    // Open the team view with the keyboard; the clerk may not change it.
    await nav.getByRole("link", { name: /^Overdue/ }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/due=overdue/);
    expect(await page.getByRole("button", { name: /^Delete “Overdue”/ }).count()).toBe(0);
    // Rename and delete their own view.
    await mine.click();
    await page.getByRole("button", { name: "Rename “My open”" }).click();
    await page.getByLabel("Name of the view").fill("Mine");
    await page.getByRole("button", { name: "Rename view" }).click();
    await nav.getByRole("link", { name: /^Mine/ }).waitFor();
    await page.getByRole("button", { name: "Delete “Mine”" }).click();
    await page.getByRole("button", { name: "Yes, delete it" }).click();
    await expect.poll(() => nav.getByRole("link", { name: /^Mine/ }).count()).toBe(0);
    const audited = await s.t.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE action LIKE 'view.%' ORDER BY id",
    );
    expect(audited.map((a) => a.action)).toEqual(["view.created", "view.created", "view.updated", "view.deleted"]);
  });

  it("at 390 px shows cards with the deadline and action, and the request page with the patient banner and actions first", async () => {
    const phone = await s.newPage({ width: 390, height: 844 });
    await signInByApi(phone.context, s.url, s.staff.otherClerk.email);
    const { page } = phone;
    await page.goto(`${s.url}/requests`);
    const card = page.locator("tbody tr[data-request-id]").first();
    await card.waitFor();
    expect(
      await page.evaluate<string>(`getComputedStyle(document.querySelector("tbody tr[data-request-id]")).display`),
    ).toBe("grid");
    const box = (await card.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(390);
    expect(await card.locator("td.app-col-deadline").isVisible()).toBe(true);
    const claim = page.locator("tbody tr[data-request-id]", { has: page.getByRole("button", { name: /^Claim/ }) });
    expect(
      await claim
        .first()
        .getByRole("button", { name: /^Claim/ })
        .isVisible(),
    ).toBe(true);
    const scrollWidth = await page.evaluate<number>("document.documentElement.scrollWidth");
    expect(scrollWidth).toBeLessThanOrEqual(390);
    // A card's lines run on in one line each: the received time and its age, the specialty and the trust's id stay
    // apart ("12:54 · 53 days ago", never "12:5453 days ago"; "Cardiology · ID 112000151e").
    const request = await card.locator("td.app-col-request").innerText();
    expect(request).toMatch(/\d\d:\d\d · (\d+ (days?|hours?|mins?) ago|just now)/);
    const withId = page.locator("tbody tr[data-request-id] td", { hasText: / ID / }).first();
    expect(await withId.innerText()).toMatch(/[a-z] · ID \w+/i);
    // The live line's link to the keyboard shortcuts wraps onto a line of its own, with no "·" left at the end of the
    // line above it.
    const live = page.getByTestId("live-status");
    expect(await live.innerText()).not.toContain("·");
    const keys = page.getByRole("button", { name: "Keyboard shortcuts" });
    expect(Math.round((await keys.boundingBox())!.x)).toBe(Math.round((await live.boundingBox())!.x));
    await expectNoAxeViolations(page, "worklist cards at 390 px");
    await screenshot(page, "density-390-worklist");

    const id = await card.getAttribute("data-request-id");
    await page.goto(`${s.url}/requests/${id}`);
    const banner = page.getByTestId("patient-banner");
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/NHS number\s*\d{3} \d{3} \d{4}/);
    expect(await banner.textContent()).toContain("Born");
    const bannerTop = (await banner.boundingBox())!.y;
    const actionsTop = (await page.getByTestId("actions-section").boundingBox())!.y;
    const threadTop = (await page.getByTestId("thread").boundingBox())!.y;
    expect(bannerTop).toBeLessThan(actionsTop);
    expect(actionsTop).toBeLessThan(threadTop);
    await expectNoAxeViolations(page, "request page at 390 px");
    await screenshot(page, "density-390-request");
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  });

  it("tells clerks when polls keep failing: new requests not arriving, since when, admins told", async () => {
    const [conn] = await s.t.db.query<{ id: string }>("SELECT id FROM pkb_connections");
    await s.t.db.query(
      `INSERT INTO sync_runs (connection_id, started_at, finished_at, error, outcome)
       SELECT $1, now() + (n || ' seconds')::interval, now() + (n || ' seconds')::interval, 'PKB answered 503', 'failed'
       FROM generate_series(1, 3) AS n`,
      [conn!.id],
    );
    const { page } = clerk;
    await page.goto(`${s.url}/requests`);
    const banner = page.getByTestId("collection-banner");
    await banner.waitFor();
    const text = (await banner.textContent()) ?? "";
    expect(text).toMatch(/New requests from PKB are not arriving \(since \w{3} \d{1,2} \w{3,4}/);
    expect(text).toContain("Rebook's calls to PKB keep failing");
    expect(text).toContain("administrators");
    expect(await page.getByTestId("live-status").textContent()).toContain("An administrator has been told.");
    await expectNoAxeViolations(page, "worklist while polls keep failing");
    await screenshot(page, "density-collection-failing");
  });
});
