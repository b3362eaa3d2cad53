// The ways out of forms and confirmations in chromium: in an app about cancelling appointments a bare "Cancel" reads as
// cancelling something, so each way out says what it does in its place, as the outcome form's "Close without saving"
// and the bulk outcome's "Go back, change nothing" do: "Keep the connection" (removing an abandoned Grant Access),
// "Close without saving" (a team's working hours, changing a user, saving or renaming a view), "Keep the message"
// (discarding from the error queue) and "Keep the view" (deleting a view). Each is pressed and nothing changes. axe runs
// on each; screenshots go to test-results/screenshots.
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnection } from "../../src/store/connections.ts";
import { setAside } from "../../src/store/error-queue.ts";
import { expectNoAxeViolations, screenshot, signInByApi, startStack, type Stack } from "../helpers/browser.ts";

/** The names of the buttons in `region` that read as "cancel": none may, the ways out say what they do. */
const cancelLike = (region: Locator): Promise<string[]> =>
  region.getByRole("button", { name: /cancel/i }).allTextContents();

describe("ways out that say what they do (chromium)", { timeout: 90_000 }, () => {
  let s: Stack;
  let admin: { page: Page; problems: string[] };
  let adminId: string;

  beforeAll(async () => {
    s = await startStack({ size: 6 });
    await s.connectAndSync();
    [{ id: adminId }] = (await s.t.db.query<{ id: string }>("SELECT id FROM users WHERE role = 'admin'")) as [
      { id: string },
    ];
    const opened = await s.newPage({ width: 1366, height: 900 });
    await signInByApi(opened.context, s.url, s.staff.adminEmail);
    admin = opened;
  }, 120_000);
  afterAll(async () => {
    expect(admin?.problems ?? [], "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  it("keeps an abandoned connection with “Keep the connection”", async () => {
    const { page } = admin;
    await createConnection(s.t.db, { label: "Abandoned try", createdBy: adminId });
    await page.goto(`${s.url}/admin/connections`);
    await page.getByRole("button", { name: "Remove Abandoned try" }).click();
    const dialog = page.getByRole("dialog", { name: "Remove Abandoned try?" });
    await dialog.waitFor();
    expect(await cancelLike(dialog)).toEqual([]);
    await expectNoAxeViolations(page, "remove a connection: its ways out");
    await screenshot(page, "way-out-connection");
    await dialog.getByRole("button", { name: "Keep the connection" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Remove Abandoned try" }).waitFor();
    const [kept] = await s.t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pkb_connections WHERE label = 'Abandoned try'",
    );
    expect(kept!.n).toBe(1);
  });

  it("closes a team's working hours without saving them", async () => {
    const { page } = admin;
    await page.goto(`${s.url}/admin/teams`);
    await page.getByRole("button", { name: "Change working hours of Appointments" }).click();
    const form = page.getByRole("form", { name: "Working hours of Appointments" });
    await form.waitFor();
    await form.getByLabel("Around the clock (no working hours: deadlines count elapsed time)").uncheck();
    await form.getByLabel("Monday", { exact: true }).check();
    await form.getByLabel("Monday opens").fill("08:30");
    expect(await cancelLike(form)).toEqual([]);
    await expectNoAxeViolations(page, "teams: working hours, its ways out");
    await screenshot(page, "way-out-hours");
    await form.getByRole("button", { name: "Close without saving" }).click();
    await form.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Change working hours of Appointments" }).waitFor();
    const [hours] = await s.t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM team_working_hours WHERE team_id = $1",
      [s.teams.appointments],
    );
    expect(hours!.n).toBe(0);
  });

  it("closes a change to a user without saving it", async () => {
    const { page } = admin;
    await page.goto(`${s.url}/admin/users`);
    await page.getByRole("button", { name: "Change Cara Clerk" }).click();
    const form = page.getByRole("form", { name: "Change Cara Clerk" });
    await form.waitFor();
    await form.getByLabel("Role").selectOption("viewer");
    expect(await cancelLike(form)).toEqual([]);
    await expectNoAxeViolations(page, "users: a change, its ways out");
    await screenshot(page, "way-out-user");
    await form.getByRole("button", { name: "Close without saving" }).click();
    await form.waitFor({ state: "detached" });
    const [user] = await s.t.db.query<{ role: string }>("SELECT role FROM users WHERE id = $1", [s.staff.clerk.id]);
    expect(user!.role).toBe("clerk");
  });

  it("keeps a message set aside with “Keep the message”", async () => {
    const { page } = admin;
    await setAside(s.t.db, {
      messageKey: "way-out-1",
      conversationId: null,
      connectionId: null,
      original: JSON.stringify({ conversation: null, message: { id: "way-out-1" } }),
      reason: "storage refused this message",
    });
    await page.goto(`${s.url}/admin/error-queue`);
    await page.getByTestId("error-queue").getByRole("button", { name: "Discard message way-out-1" }).click();
    const dialog = page.getByRole("dialog", { name: "Discard this message" });
    await dialog.waitFor();
    await dialog.getByLabel("Why is it discarded?").fill("Sent by mistake");
    expect(await cancelLike(dialog)).toEqual([]);
    await expectNoAxeViolations(page, "error queue: discard, its ways out");
    await screenshot(page, "way-out-error-queue");
    await dialog.getByRole("button", { name: "Keep the message" }).click();
    await dialog.waitFor({ state: "hidden" });
    const [entry] = await s.t.db.query<{ status: string }>("SELECT status FROM message_errors WHERE message_key = $1", [
      "way-out-1",
    ]);
    expect(entry!.status).toBe("open");
  });

  it("closes saving or renaming a view without saving, and keeps a view with “Keep the view”", async () => {
    const { page } = admin;
    await page.goto(`${s.url}/requests?mine=1`);
    await page.getByTestId("result-count").or(page.getByTestId("worklist-empty")).first().waitFor();
    const views = () =>
      s.t.db.query<{ name: string }>("SELECT name FROM saved_views WHERE owner_user_id = $1 ORDER BY name", [adminId]);

    // Saving: closed without saving, no view is made.
    await page.getByRole("button", { name: "Save these filters as a view" }).click();
    const save = page.getByRole("form", { name: "Save as a view" });
    await save.getByLabel("Name of the view").fill("Not this one");
    expect(await cancelLike(save)).toEqual([]);
    await expectNoAxeViolations(page, "saved views: save, its ways out");
    await screenshot(page, "way-out-save-view");
    await save.getByRole("button", { name: "Close without saving" }).click();
    await save.waitFor({ state: "detached" });
    expect(await views()).toEqual([]);

    // A view to rename and delete.
    await page.getByRole("button", { name: "Save these filters as a view" }).click();
    await save.getByLabel("Name of the view").fill("Mine");
    await save.getByRole("button", { name: "Save view" }).click();
    const nav = page.getByRole("navigation", { name: "Saved views" });
    await nav.getByRole("link", { name: /^Mine/ }).waitFor();

    // Renaming: closed without saving, the name stays.
    await page.getByRole("button", { name: "Rename “Mine”" }).click();
    const rename = page.getByRole("form", { name: "Rename the view" });
    await rename.getByLabel("Name of the view").fill("Something else");
    expect(await cancelLike(rename)).toEqual([]);
    await rename.getByRole("button", { name: "Close without saving" }).click();
    await rename.waitFor({ state: "detached" });
    expect(await views()).toEqual([{ name: "Mine" }]);

    // Deleting: the view is kept.
    await page.getByRole("button", { name: "Delete “Mine”" }).click();
    const question = page.getByRole("group", { name: /^Delete the view “Mine”/ });
    await question.waitFor();
    expect(await cancelLike(question)).toEqual([]);
    await expectNoAxeViolations(page, "saved views: delete, its ways out");
    await screenshot(page, "way-out-delete-view");
    await question.getByRole("button", { name: "Keep the view" }).click();
    await question.waitFor({ state: "detached" });
    await nav.getByRole("link", { name: /^Mine/ }).waitFor();
    expect(await views()).toEqual([{ name: "Mine" }]);
  });
});
