// The worklist fits its window, in chromium: beside the preview pane neither the list nor the pane scrolls sideways at
// 1280, 1366 (a common NHS laptop) and 1920 px wide, for a clerk and for a team lead (whose list has tick boxes), with a
// patient's message holding a pasted link too long for a line; at 390 px (a phone) the page never scrolls sideways; and
// the saved-view form opens on a line of its own, never beside the count, in an empty worklist as in a full one.
// Screenshots go to test-results/screenshots.
import { mkdirSync } from "node:fs";
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

interface Sideways {
  /** The list's region beside the pane: [scrollWidth, clientWidth]. */
  list: [number, number];
  /** The preview pane: [scrollWidth, clientWidth]. */
  pane: [number, number];
  page: [number, number];
  /** The list's header cells (by column) whose right edge is past the list's region. */
  offScreen: string[];
  /** What sticks out past the pane's right edge, for the log. */
  outOfPane: string[];
}

// Runs in the page (a string: the tests' TypeScript has no DOM types).
const SIDEWAYS = `(() => {
  const region = document.querySelector(".app-split .app-worklist-scroll");
  const pane = document.querySelector(".app-preview");
  const doc = document.documentElement;
  const right = (el) => el.getBoundingClientRect().right;
  const col = (th) => (th.className.match(/app-col-(\\w+)/) || [])[1];
  return {
    list: [region.scrollWidth, region.clientWidth],
    pane: [pane.scrollWidth, pane.clientWidth],
    page: [doc.scrollWidth, doc.clientWidth],
    offScreen: [...region.querySelectorAll("thead th")]
      .filter((th) => th.offsetParent && right(th) > right(region) + 0.5)
      .map(col),
    outOfPane: [...pane.querySelectorAll("*")]
      .filter((el) => right(el) > right(pane) + 0.5 || el.scrollWidth > el.clientWidth + 1)
      .map((el) => el.tagName.toLowerCase() + "." + String(el.className).split(" ").join(".") + " " + Math.round(right(el)))
      .slice(0, 5),
  };
})()`;

/** Saves what the window shows (during a full-page capture the pane loads its request again: "Loading the request…"). */
async function windowShot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), timeout: 30_000 });
}

const PAGE_SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth";

/** A box's top, bottom, left and right, in the page's pixels. */
async function box(
  page: Page,
  selector: string,
): Promise<{ top: number; bottom: number; left: number; right: number }> {
  const b = (await page.locator(selector).first().boundingBox())!;
  return { top: b.y, bottom: b.y + b.height, left: b.x, right: b.x + b.width };
}

// A link pasted into a message's subject, too long for any line of the pane or of a phone (no hyphen, no space).
const LONG_LINK = `https://pkb.example.nhs.uk/appointments?reference=${"A1B2C3D4E5".repeat(9)}`;

describe("the worklist fits its window (chromium)", { timeout: 180_000 }, () => {
  let s: Stack;
  const people: { context: BrowserContext; page: Page; problems: string[] }[] = [];
  /** The request whose thread holds the long link, and its NHS number (to search for it). */
  let longId: string;
  let longNhs: string;

  const personAt = async (email: string, width: number, height: number) => {
    const p = await s.newPage({ width, height });
    p.page.setDefaultTimeout(30_000); // the machine is shared
    await signInByApi(p.context, s.url, email);
    people.push(p);
    return p.page;
  };
  const previewOn = async (page: Page) => {
    await page.getByTestId("result-count").waitFor();
    if ((await page.getByTestId("toggle-preview").getAttribute("aria-pressed")) !== "true")
      await page.getByTestId("toggle-preview").click();
    await page.getByTestId("preview-body").waitFor();
  };
  const shown = (page: Page) => page.getByTestId("preview-body").getAttribute("data-request-id");

  beforeAll(async () => {
    s = await startStack({ size: 60 });
    await s.connectAndSync();
    // The patient asks again, with a link in the message and a follow-up whose subject is the link.
    const [target] = (await s.t.db.query<{ id: string; appointment_fhir_id: string; nhs_number: string }>(
      `SELECT id, appointment_fhir_id, nhs_number FROM appointment_requests
       WHERE team_id = $1 AND status = 'open' AND type = 'change' AND appointment_fhir_id IS NOT NULL
         AND nhs_number IS NOT NULL
       ORDER BY received_at LIMIT 1`,
      [s.teams.appointments],
    )) as [{ id: string; appointment_fhir_id: string; nhs_number: string }];
    const asked = await s.emu.control<{ message: { conversationId: string; senderId: string } }>("POST", "messages", {
      appointmentId: target.appointment_fhir_id,
      kind: "change",
      content: `Please could we move it? The letter is at ${LONG_LINK}`,
      force: true,
    });
    await s.emu.control("POST", "messages", {
      patientPkbId: asked.message.senderId,
      conversationId: asked.message.conversationId,
      subject: LONG_LINK,
      content: "That was the link to the letter.",
    });
    await s.rebook.poller.runNow();
    longId = target.id;
    longNhs = target.nhs_number;
  }, 400_000);
  afterAll(async () => {
    for (const p of people) expect(p.problems, "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  it("beside the preview pane, neither the list nor the pane scrolls sideways at 1280, 1366 and 1920", async () => {
    for (const [who, email] of [
      ["clerk", s.staff.clerk.email],
      ["lead", s.staff.lead.email],
    ] as const) {
      const page = await personAt(email, 1366, 768);
      for (const [width, height] of [
        [1366, 768],
        [1280, 800],
        [1920, 1080],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.goto(`${s.url}/requests`);
        await previewOn(page);
        const label = `${who} ${width}`;
        // The first few requests in the pane, one after another (j), and the list beside it.
        const ids = await page.evaluate<string[]>(
          `[...document.querySelectorAll("tbody tr[data-request-id]")].slice(0, 6).map((r) => r.getAttribute("data-request-id"))`,
        );
        for (const [i, id] of ids.entries()) {
          if (i > 0) await page.keyboard.press("j");
          await expect.poll(() => shown(page)).toBe(id);
          const f = await page.evaluate<Sideways>(SIDEWAYS);
          if (i === 0) console.log(`fit ${label}: ${JSON.stringify(f)}`);
          expect.soft(f.list[0], `${label}: the list beside the pane scrolls sideways`).toBeLessThanOrEqual(f.list[1]);
          expect.soft(f.offScreen, `${label}: the list's columns off to the side`).toEqual([]);
          expect
            .soft(f.pane[0], `${label}, request ${i + 1}: the pane scrolls sideways (${f.outOfPane.join(", ")})`)
            .toBeLessThanOrEqual(f.pane[1]);
          expect.soft(f.page[0], `${label}: the page scrolls sideways`).toBeLessThanOrEqual(f.page[1]);
        }
        await windowShot(page, `fit-${who}-${width}-preview`);
        // The request whose thread holds the link: the link breaks within the pane.
        await page.goto(`${s.url}/requests?q=${longNhs}`);
        await previewOn(page);
        await expect.poll(() => shown(page)).toBe(longId);
        await expect.poll(() => page.getByTestId("preview").textContent()).toContain(LONG_LINK);
        const f = await page.evaluate<Sideways>(SIDEWAYS);
        console.log(`fit ${label}, long link: ${JSON.stringify(f)}`);
        expect
          .soft(f.pane[0], `${label}, long link: the pane scrolls sideways (${f.outOfPane.join(", ")})`)
          .toBeLessThanOrEqual(f.pane[1]);
        expect.soft(f.list[0], `${label}, long link: the list scrolls sideways`).toBeLessThanOrEqual(f.list[1]);
        await page.evaluate(`document.querySelector(".app-preview").scrollTop = 1e6`);
        await windowShot(page, `fit-${who}-${width}-long-link`);
      }
    }
    await expectNoAxeViolations(people[people.length - 1]!.page, "the preview pane with a long link");
  });

  it("at 390 px the page never scrolls sideways: the worklist, an empty one with the save-view form, a long link", async () => {
    const page = await personAt(s.staff.lead.email, 390, 844);
    await page.goto(`${s.url}/requests`);
    await page.locator("tbody tr[data-request-id]").first().waitFor();
    expect
      .soft(await page.evaluate<number>(PAGE_SIDEWAYS), "390: the worklist scrolls sideways")
      .toBeLessThanOrEqual(0);
    await page.getByTestId("filters-summary").click();
    expect
      .soft(await page.evaluate<number>(PAGE_SIDEWAYS), "390: the worklist with its filters open scrolls sideways")
      .toBeLessThanOrEqual(0);

    await page.goto(`${s.url}/requests?q=Zzyzx`);
    await page.getByTestId("worklist-empty").waitFor();
    await page.getByRole("button", { name: "Save these filters as a view" }).click();
    await page.getByLabel("Name of the view").waitFor();
    expect
      .soft(
        await page.evaluate<number>(PAGE_SIDEWAYS),
        "390: the empty worklist with the save-view form scrolls sideways",
      )
      .toBeLessThanOrEqual(0);
    await screenshot(page, "fit-390-empty-save-view");

    await page.goto(`${s.url}/requests/${longId}`);
    await page.getByTestId("thread").waitFor();
    expect(await page.getByTestId("thread").textContent()).toContain(LONG_LINK);
    expect
      .soft(await page.evaluate<number>(PAGE_SIDEWAYS), "390: the request page with a long link scrolls sideways")
      .toBeLessThanOrEqual(0);
    await screenshot(page, "fit-390-request-long-link");
  });

  it("opens the save-view form on a line of its own, never beside the count, in an empty worklist and a full one", async () => {
    for (const [width, height] of [
      [1366, 768],
      [390, 844],
    ] as const) {
      const page = await personAt(s.staff.lead.email, width, height);
      // Empty: the message says so, once, under the saved-view controls (which start at the page's left edge, not
      // beside a "0 requests"); the form opens above the message, the width of the page, with nothing beside it.
      await page.goto(`${s.url}/requests?q=Zzyzx`);
      const empty = page.getByTestId("worklist-empty");
      await empty.waitFor();
      expect(await empty.textContent()).toContain("No requests match");
      const label = `${width} empty`;
      const filters = await box(page, ".app-filters");
      const save = page.getByRole("button", { name: "Save these filters as a view" });
      expect
        .soft(
          await page.getByTestId("result-count").allTextContents(),
          `${label}: a count ("0 requests") beside the message`,
        )
        .toEqual([]);
      expect
        .soft(Math.abs((await save.boundingBox())!.x - filters.left), `${label}: the save link starts at the left edge`)
        .toBeLessThanOrEqual(1);
      await screenshot(page, `fit-${width}-empty`);
      await save.click();
      await page.getByLabel("Name of the view").waitFor();
      const form = await box(page, "form.app-views__form");
      const message = await box(page, '[data-testid="worklist-empty"]');
      const figures = { filters, form, message } as Record<string, unknown>;
      if (await page.getByTestId("result-count").isVisible()) {
        const count = await box(page, '[data-testid="result-count"]');
        figures.count = count;
        expect
          .soft(count.bottom, `${label}: the count beside the form ${JSON.stringify(figures)}`)
          .toBeLessThanOrEqual(form.top + 0.5);
      }
      console.log(`fit ${label}: ${JSON.stringify(figures)}`);
      expect
        .soft(Math.abs(form.left - filters.left), `${label}: the form starts where the filters start`)
        .toBeLessThanOrEqual(1);
      expect.soft(form.right - filters.right, `${label}: the form runs to the page's edge`).toBeGreaterThanOrEqual(-1);
      expect.soft(message.top, `${label}: the message under the form`).toBeGreaterThanOrEqual(form.bottom);
      await expectNoAxeViolations(page, `${label} worklist with the save-view form`);
      await screenshot(page, `fit-${width}-empty-save-view`);

      // With requests: the count and the layout switches stay on their line, the form opens under them.
      await page.goto(`${s.url}/requests`);
      await page.getByTestId("result-count").waitFor();
      await page.getByRole("button", { name: "Save these filters as a view" }).click();
      await page.getByLabel("Name of the view").waitFor();
      const full = {
        count: await box(page, '[data-testid="result-count"]'),
        form: await box(page, "form.app-views__form"),
        filters: await box(page, ".app-filters"),
      };
      console.log(`fit ${width} full: ${JSON.stringify(full)}`);
      expect
        .soft(full.count.bottom, `${width} full: the count beside the form ${JSON.stringify(full)}`)
        .toBeLessThanOrEqual(full.form.top + 0.5);
      expect
        .soft(Math.abs(full.form.left - full.filters.left), `${width} full: the form starts where the filters start`)
        .toBeLessThanOrEqual(1);
      await screenshot(page, `fit-${width}-full-save-view`);
    }
  });
  it("moves keyboard focus forward from the save-view form: the layout switches shown above it come before it", async () => {
    const page = await personAt(s.staff.lead.email, 1366, 768);
    await page.goto(`${s.url}/requests`);
    await page.getByTestId("result-count").waitFor();
    await page.getByRole("button", { name: "Save these filters as a view" }).click();
    await page.getByLabel("Name of the view").waitFor();
    const form = await box(page, "form.app-views__form");
    const toggles = await box(page, ".app-layout-toggles");
    expect(toggles.bottom, "the layout switches are shown above the form").toBeLessThanOrEqual(form.top + 0.5);
    // WCAG 2.4.3: the order a keyboard takes is the order on screen.
    const before = await page.evaluate<boolean>(`(() => {
      const toggles = document.querySelector(".app-layout-toggles");
      const form = document.querySelector("form.app-views__form");
      return Boolean(toggles.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING);
    })()`);
    expect(before, "the layout switches come before the form in the page").toBe(true);
    await page.getByRole("button", { name: "Close without saving" }).focus();
    await page.keyboard.press("Tab");
    const next = await page.evaluate<{ what: string; inToggles: boolean; top: number; formBottom: number }>(`(() => {
      const el = document.activeElement;
      const form = document.querySelector("form.app-views__form");
      return {
        what: el.outerHTML.slice(0, 120),
        inToggles: Boolean(el.closest(".app-layout-toggles")),
        top: el.getBoundingClientRect().top,
        formBottom: form.getBoundingClientRect().bottom,
      };
    })()`);
    expect(next.inToggles, `Tab from the form went back up to ${next.what}`).toBe(false);
    expect(next.top, `Tab from the form goes on down the page: ${next.what}`).toBeGreaterThanOrEqual(
      next.formBottom - 0.5,
    );
  });
});
