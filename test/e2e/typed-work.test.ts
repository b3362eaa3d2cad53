// Typed work is not lost, in chromium (issue 10): an outcome form survives a session that ends (sign in again and it
// is back), leaving a form with unsaved typing is warned about (in-app with a dialog, a reload with the browser's own
// prompt), notes use the design system's character count and are refused, never cut, past the limit; and "Save and
// next" goes on to the next request of the worklist view, with the keyboard. axe runs on each new state.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthHeaders } from "../helpers/app.ts";
import { expectNoAxeViolations, screenshot, signIn, signInByApi, startStack, type Stack } from "../helpers/browser.ts";

interface Focus {
  id: string;
  text: string;
  row: string | null;
}
const FOCUSED = `(() => {
  const el = document.activeElement;
  return {
    id: el ? el.id : "",
    text: el ? (el.textContent || "").trim().slice(0, 80) : "",
    row: el && el.closest("tr") ? el.closest("tr").getAttribute("data-request-id") : null,
  };
})()`;
const focused = (page: Page): Promise<Focus> => page.evaluate<Focus>(FOCUSED);

async function tabUntil(page: Page, want: (f: Focus) => boolean, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (want(await focused(page))) return;
  }
  throw new Error(`Tab never reached the element; last: ${JSON.stringify(await focused(page))}`);
}

describe("typed work is kept (chromium)", { timeout: 90_000 }, () => {
  let s: Stack;
  let clerkApi: AuthHeaders;
  let ids: string[];
  let c: { context: BrowserContext; page: Page; problems: string[] };

  beforeAll(async () => {
    s = await startStack({ size: 24 });
    await s.connectAndSync();
    clerkApi = await s.rebook.signIn({ id: s.staff.clerk.id });
    ids = (
      await s.t.db.query<{ id: string }>(
        `SELECT id FROM appointment_requests WHERE team_id = $1 AND status = 'open' AND assigned_user_id IS NULL
         ORDER BY received_at, id LIMIT 5`,
        [s.teams.appointments],
      )
    ).map((r) => r.id);
    for (const id of ids) {
      const r = await s.rebook.app.inject({
        method: "POST",
        url: `/api/requests/${id}/claim`,
        headers: clerkApi,
        payload: {},
      });
      expect(r.statusCode).toBe(200);
    }
    c = await s.newPage();
    await signInByApi(c.context, s.url, s.staff.clerk.email);
  }, 120_000);
  afterAll(async () => {
    expect(c?.problems ?? [], "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  it("keeps an outcome draft through a session that ends: after signing in again the choice and reason are back", async () => {
    const { page } = c;
    const id = ids[0]!;
    await page.goto(`${s.url}/requests/${id}`);
    await page.getByRole("button", { name: "Record an outcome" }).click();
    await page.getByRole("radio", { name: "Rejected" }).check();
    await page.getByLabel("Reason for rejecting").fill("Duplicate of the request sent last week");
    await s.t.db.query("DELETE FROM sessions WHERE user_id = $1", [s.staff.clerk.id]);
    await page.waitForURL(/\/sign-in\?returnTo=.*reason=expired/, { timeout: 20_000 });
    await signIn(page, s.url, s.staff.clerk.email);
    await page.waitForURL(new RegExp(`/requests/${id}\\?action=outcome$`));
    await page.getByTestId("draft-restored").waitFor();
    expect(await page.getByRole("radio", { name: "Rejected" }).isChecked()).toBe(true);
    expect(await page.getByLabel("Reason for rejecting").inputValue()).toBe("Duplicate of the request sent last week");
    await expectNoAxeViolations(page, "outcome draft restored after signing in again");
    await screenshot(page, "outcome-draft-restored");
  });

  it("warns before leaving a form with unsaved typing: in the app with a dialog, on reload with the browser's prompt", async () => {
    const { page } = c;
    const id = ids[0]!;
    // In-app: the back link is held, the dialog asks; "Stay on this page" has focus (Enter keeps the form).
    await page.getByRole("link", { name: "Back to the worklist" }).click();
    const dialog = page.getByRole("dialog", { name: "You have not saved your changes" });
    await dialog.waitFor();
    await expectNoAxeViolations(page, "leave warning");
    await screenshot(page, "leave-warning");
    expect((await focused(page)).text).toBe("Stay on this page");
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "hidden" });
    expect(page.url()).toContain(`/requests/${id}`);

    // The browser's own prompt on reload; dismissing it keeps the page and what was typed.
    const prompt = page.waitForEvent("dialog");
    const reloading = page.reload({ timeout: 3_000 }).catch(() => null);
    const d = await prompt;
    expect(d.type()).toBe("beforeunload");
    await d.dismiss();
    await reloading;
    expect(await page.getByLabel("Reason for rejecting").inputValue()).toBe("Duplicate of the request sent last week");

    // Leaving anyway keeps the draft: back on the request, the form is open with it.
    await page.getByRole("link", { name: "Back to the worklist" }).click();
    await dialog.getByRole("button", { name: "Leave this page" }).click();
    await page.waitForURL(/\/requests(\?|$)/);
    await page.goto(`${s.url}/requests/${id}`);
    expect(await page.getByLabel("Reason for rejecting").inputValue()).toBe("Duplicate of the request sent last week");
    // Closing without saving discards it.
    await page.getByRole("button", { name: "Close without saving" }).click();
    await page.getByTestId("outcome-form").waitFor({ state: "detached" });
    await page.reload();
    await page.getByRole("heading", { level: 2, name: "Actions" }).waitFor();
    expect(await page.getByTestId("outcome-form").count()).toBe(0);
  });

  it("counts a note's characters with the design system's component, and refuses a note past the limit (never cuts it)", async () => {
    const { page } = c;
    await page.goto(`${s.url}/requests/${ids[1]}`);
    const box = page.getByLabel("Add a note");
    await box.fill("x".repeat(4001));
    const status = page.getByTestId("note-text-count").locator(".nhsuk-character-count__status");
    await expect.poll(() => status.textContent()).toBe("You have 1 character too many");
    expect((await box.inputValue()).length).toBe(4001);
    await page.getByRole("button", { name: "Add note" }).click();
    await page.getByText("The note is 1 character too long").first().waitFor();
    expect(await page.getByText("No notes yet.").count()).toBe(1);
    await expectNoAxeViolations(page, "a note over the limit");
    await screenshot(page, "note-over-limit");
    await box.press("End");
    await box.press("Backspace");
    await expect.poll(() => status.textContent()).toBe("You have 0 characters remaining");
    await page.getByRole("button", { name: "Add note" }).click();
    await page.getByTestId("notes").locator("li").first().waitFor();
    // A note with no spaces (a pasted link) wraps inside its column: the page does not grow sideways.
    expect(await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth")).toBeLessThanOrEqual(
      0,
    );

    // A note being typed is kept through a reload too.
    await box.fill("Patient prefers a call after 4pm");
    page.once("dialog", (d) => void d.accept());
    await page.reload();
    await expect.poll(() => page.getByLabel("Add a note").inputValue()).toBe("Patient prefers a call after 4pm");
    await page.getByTestId("note-draft-restored").waitFor();
    await page.getByRole("button", { name: "Add note" }).click();
    await page.getByTestId("notes").getByText("Patient prefers a call after 4pm").waitFor();
  });

  it("Save and next records the outcome and opens the next request of the worklist view, with the keyboard", async () => {
    const { page } = c;
    await page.goto(`${s.url}/requests?mine=1&sort=received_asc`);
    await page.locator("tr[data-request-id]").first().waitFor();
    const order = await page.evaluate<string[]>(
      "[...document.querySelectorAll('tr[data-request-id]')].map((r) => r.getAttribute('data-request-id'))",
    );
    expect(order.length).toBeGreaterThanOrEqual(3);
    await page.keyboard.press("j");
    const first = (await focused(page)).row!;
    expect(first).toBe(order[0]);
    await page.keyboard.press("r");
    await page.getByTestId("outcome-form").waitFor();
    await expect.poll(async () => (await focused(page)).id).toBe("outcome-rebooked");
    await page.keyboard.press("ArrowDown");
    expect((await focused(page)).id).toBe("outcome-cancelled");
    await expectNoAxeViolations(page, "outcome form with Save and next");
    await tabUntil(page, (f) => f.text === "Save and next", 6);
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/requests/${order[1]}$`));
    await page.getByRole("heading", { level: 2, name: "Actions" }).waitFor();
    const [done] = await s.t.db.query<{ status: string; outcome: string }>(
      "SELECT status, outcome FROM appointment_requests WHERE id = $1",
      [first],
    );
    expect(done).toEqual({ status: "done", outcome: "cancelled" });
    // The next one offers Save and next again (a third follows), and its back link returns to the same view.
    await page.getByRole("button", { name: "Record an outcome" }).click();
    await page.getByRole("button", { name: "Save and next" }).waitFor();
    await screenshot(page, "save-and-next");
    await page.getByRole("button", { name: "Close without saving" }).click();
    await page.getByRole("link", { name: "Back to the worklist" }).click();
    await page.waitForURL(/\/requests\?mine=1&sort=received_asc$/);
  });
});
