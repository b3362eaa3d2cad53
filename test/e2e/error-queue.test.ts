// The error queue in chromium: a PKB message Rebook could not store is set aside, the PKB connections page says so,
// and an admin opens the queue, views the message, replays one once the cause is fixed and discards another with a
// reason. axe runs on each state; screenshots go to test-results/screenshots.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refuseMessagesSayingRefuseMe } from "../helpers/db.ts";
import { setMessageAside } from "../../src/sync/error-queue.ts";
import { syncPass } from "../../src/sync/run.ts";
import { expectNoAxeViolations, PASSWORD, screenshot, signIn, startStack, type Stack } from "../helpers/browser.ts";

describe("error queue (chromium)", { timeout: 60_000 }, () => {
  let s: Stack;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    s = await startStack({ size: 10 });
    await s.connectAndSync();
    ({ page, problems } = await s.newPage());
  }, 90_000);
  afterAll(async () => {
    expect(problems, "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  it("shows messages set aside, their message as received, and replays or discards them", async () => {
    // The store refuses some messages for a reason nobody foresaw (a trigger in the database itself).
    await refuseMessagesSayingRefuseMe(s.t.db);
    const truth = await s.emu.control<{ entries: { patientPkbId: string }[] }>("GET", "ground-truth");
    const patientPkbId = truth.entries[0]!.patientPkbId;
    const send = (content: string) =>
      s.emu.control<{ message: { id: string } }>("POST", "messages", { patientPkbId, subject: "Hello", content });
    const first = (await send("please refuse me")).message.id;
    const second = (await send("refuse me as well")).message.id;
    await syncPass(s.rebook.sync);

    await signIn(page, s.url, s.staff.adminEmail, PASSWORD);
    await page.goto(`${s.url}/admin/connections`);
    const warning = page.getByTestId("sync-problems");
    await warning.waitFor();
    expect(await warning.textContent()).toContain("2 PKB messages set aside in the error queue");
    // The line every page shows while messages wait: it follows the queue as the admin works it (not a minute later).
    const waiting = page.getByTestId("set-aside");
    await waiting.waitFor();
    expect(await waiting.textContent()).toContain("2 messages from PKB could not be read");
    await warning.getByRole("link", { name: "Open the error queue" }).click();
    await page.waitForURL(/\/admin\/error-queue$/);
    const table = page.getByTestId("error-queue");
    await table.waitFor();
    expect(await table.textContent()).toContain("storage refused this message");
    expect(await table.textContent()).not.toContain("refuse me"); // no message text in the list
    await expectNoAxeViolations(page, "error queue");
    await screenshot(page, "admin-error-queue");

    await table.getByRole("button", { name: `View message ${first}` }).click();
    const original = page.getByTestId("queue-original");
    await original.waitFor();
    expect(await original.textContent()).toContain("please refuse me");
    await expectNoAxeViolations(page, "error queue message");
    await page.getByRole("button", { name: "Close" }).click();

    // Replay while the cause remains: the reason is shown, the entry stays.
    await table.getByRole("button", { name: `Replay message ${first}` }).click();
    await page
      .getByRole("alert")
      .getByText(/still cannot be filed/)
      .waitFor();

    await s.t.db.query("DROP TRIGGER refuse_poison ON pkb_messages");
    await table.getByRole("button", { name: `Replay message ${first}` }).click();
    await expect.poll(() => table.textContent()).not.toContain(first);
    await expect.poll(() => waiting.textContent()).toContain("1 message from PKB could not be read");

    await table.getByRole("button", { name: `Discard message ${second}` }).click();
    await page.getByRole("button", { name: "Discard message", exact: true }).click();
    await page.getByText("Enter why this message is discarded").first().waitFor();
    await expectNoAxeViolations(page, "discard with an error");
    await page.getByLabel("Why is it discarded?").fill("A test message PKB support sent");
    await page.getByRole("button", { name: "Discard message", exact: true }).click();
    await page.getByTestId("queue-empty").waitFor();
    await expect.poll(() => waiting.count()).toBe(0); // the set-aside line goes once none wait
    await screenshot(page, "admin-error-queue-emptied");

    await page.getByLabel("Show").selectOption("all");
    await expect.poll(() => table.textContent()).toContain("A test message PKB support sent");
    expect(await table.textContent()).toContain("Replayed");
    // What the replay filed the message as, in words (the message "Hello" is not a request): not the code "unrelated".
    expect(await table.textContent()).toContain("Stored as a message that is not a change or cancel request");
    expect(await table.textContent()).not.toMatch(/unrelated|follow_up/);
    await screenshot(page, "admin-error-queue-resolved");
    const [stored] = await s.t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pkb_messages WHERE pkb_message_id = ANY($1)",
      [[first, second]],
    );
    expect(stored!.n).toBe(1);
  });

  it("says a message PKB sent without an id has none, never the queue's own key for it", async () => {
    const conversationId = "conversation-without-ids";
    await setMessageAside(s.t.db, {
      connectionId: null,
      conversation: { id: conversationId },
      message: { conversationId, subject: "Hello", content: "no id here" },
      conversationId,
      messageId: null,
      reason: "unexpected message shape (id: Invalid input: expected string, received undefined)",
    });
    await page.goto(`${s.url}/admin/error-queue`);
    const table = page.getByTestId("error-queue");
    await table.waitFor();
    const row = table.getByRole("row").filter({ hasText: "unexpected message shape" });
    expect(await row.getByRole("cell").nth(1).textContent()).toMatch(/^No id/);
    expect(await table.textContent()).not.toContain("sha256");
    await row.getByRole("button", { name: "View message without an id" }).click();
    await page.getByTestId("queue-original").waitFor();
    await page.getByRole("button", { name: "Close" }).click();
  });
});
