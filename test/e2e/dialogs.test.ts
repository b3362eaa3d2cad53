// Dialogs sit in the middle of the window wherever they are in the page, in chromium at 1366×900: the error queue's
// "Discard this message" (its page's last element) and the request page's "… is working on this request" (its page's
// first). The design system takes the margin off the first and last element of the main wrapper, which pulled a
// dialog there to the top or the bottom of the window. Screenshots (the window only) go to test-results/screenshots.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refuseMessagesSayingRefuseMe } from "../helpers/db.ts";
import { syncPass } from "../../src/sync/run.ts";
import type { AuthHeaders } from "../helpers/app.ts";
import { expectNoAxeViolations, SCREENSHOTS, signInByApi, startStack, type Stack } from "../helpers/browser.ts";

const WIDTH = 1366;
const HEIGHT = 900;

/** The room above and below a dialog in the window (px), and whether it is the first or last element of the page. */
async function gaps(page: Page, dialog: Locator): Promise<{ above: number; below: number; place: string }> {
  const box = await dialog.boundingBox();
  if (!box) throw new Error("the dialog is not on screen");
  // (A string: the tests' TypeScript has no DOM types.)
  const place = await page.evaluate<string>(`(() => {
    const d = document.querySelector("dialog[open]");
    const p = d.parentElement;
    const at = p.firstElementChild === d ? "first" : p.lastElementChild === d ? "last" : "between";
    return at + " child of " + p.tagName.toLowerCase();
  })()`);
  return { above: Math.round(box.y), below: Math.round(HEIGHT - (box.y + box.height)), place };
}

/** Saves what the window shows (not the whole page: the dialog is placed in the window). */
async function windowShot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), timeout: 30_000 });
}

describe("dialogs in the middle of the window (chromium)", { timeout: 90_000 }, () => {
  let s: Stack;
  let clerkApi: AuthHeaders;

  beforeAll(async () => {
    s = await startStack({ size: 10 });
    await s.connectAndSync();
    clerkApi = await s.rebook.signIn({ id: s.staff.clerk.id });
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
  });

  it("centres the error queue's Discard confirmation, the last element of its page", async () => {
    // A message the store refuses waits in the error queue.
    await refuseMessagesSayingRefuseMe(s.t.db);
    const truth = await s.emu.control<{ entries: { patientPkbId: string }[] }>("GET", "ground-truth");
    const { message } = await s.emu.control<{ message: { id: string } }>("POST", "messages", {
      patientPkbId: truth.entries[0]!.patientPkbId,
      subject: "Hello",
      content: "please refuse me",
    });
    await syncPass(s.rebook.sync);

    const { context, page, problems } = await s.newPage({ width: WIDTH, height: HEIGHT });
    await signInByApi(context, s.url, s.staff.adminEmail);
    await page.goto(`${s.url}/admin/error-queue`);
    await page
      .getByTestId("error-queue")
      .getByRole("button", { name: `Discard message ${message.id}` })
      .click();
    const dialog = page.getByRole("dialog", { name: "Discard this message" });
    await dialog.waitFor();
    const g = await gaps(page, dialog);
    await windowShot(page, "dialog-discard-centred");
    expect(g.place).toBe("last child of main");
    expect(Math.abs(g.above - g.below), `${g.above} px above, ${g.below} px below`).toBeLessThanOrEqual(3);
    await expectNoAxeViolations(page, "error queue, discard dialog");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("centres the request page's 'someone else is working on it' confirmation, the first element of its page", async () => {
    const [row] = await s.t.db.query<{ id: string }>(
      `SELECT id FROM appointment_requests WHERE team_id = $1 AND status = 'open' AND assigned_user_id IS NULL
       ORDER BY received_at, id LIMIT 1`,
      [s.teams.appointments],
    );
    const id = row!.id;
    const claimed = await s.rebook.app.inject({ method: "POST", url: `/api/requests/${id}/claim`, headers: clerkApi });
    expect(claimed.statusCode).toBe(200);

    const { context, page, problems } = await s.newPage({ width: WIDTH, height: HEIGHT });
    await signInByApi(context, s.url, s.staff.lead.email);
    await page.goto(`${s.url}/requests/${id}?action=outcome`);
    await page.getByRole("radio", { name: "Cancelled" }).check();
    await page.getByRole("button", { name: "Save outcome" }).click();
    const dialog = page.getByRole("dialog", { name: "Cara Clerk is working on this request" });
    await dialog.waitFor();
    const g = await gaps(page, dialog);
    await windowShot(page, "dialog-held-centred");
    expect(g.place).toBe("first child of main");
    expect(Math.abs(g.above - g.below), `${g.above} px above, ${g.below} px below`).toBeLessThanOrEqual(3);
    await dialog.getByRole("button", { name: "Do not change it" }).click();
    expect(problems).toEqual([]);
    await context.close();
  });
});
