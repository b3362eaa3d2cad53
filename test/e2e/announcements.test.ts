// What the polite live region says about live updates, in chromium: a change the clerk made themselves is confirmed
// and never read out as "This request has just been updated" (nor as a new request on the worklist), however late its
// live event comes; a change another person made is still read out, and a second message soon after a confirmation
// does not erase the confirmation before it is read. The tab that made a change loads the request once for it (after
// the answer), not again for its live event (each load is a request.viewed row in the audit log); the person's other
// tab follows it. When loads of the request overlap, an older answer landing last does not bring back an older state.
// A write made but whose answer was lost (a proxy's 504, a cut connection) has the page load the request itself.
//
// The live events are held in the page (the app's own EventSource, wrapped before the app starts, keeps the messages
// about one request back until the test lets them go), so "the event came late" does not depend on the machine's speed.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthHeaders } from "../helpers/app.ts";
import { expectNoAxeViolations, signInByApi, startStack, type Stack } from "../helpers/browser.ts";
import { held, hold, HOLD_EVENTS, live, release } from "../helpers/held-events.ts";

const UPDATED = "This request has just been updated";
// Longer than the 1.5 s after a load in which the request page used to take any event for its own change.
const PAST_THE_OLD_WINDOW_MS = 1_600;

/** Starts recording every message added to the polite live region, in order. */
const listen = (page: Page) =>
  page.evaluate(`(() => {
    const el = document.querySelector('[data-testid="live-polite"]');
    window.__said = [];
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.addedNodes) {
          const text = (n.textContent || "").trim();
          if (text) window.__said.push(text);
        }
    }).observe(el, { childList: true, subtree: true, characterData: true });
  })()`);
const said = (page: Page) => page.evaluate<string[]>("window.__said");
const region = (page: Page) => page.getByTestId("live-polite").textContent();

describe("live updates read out (chromium)", { timeout: 90_000 }, () => {
  let s: Stack;
  let lead: AuthHeaders;
  let clerkElsewhere: AuthHeaders;
  let c: { context: BrowserContext; page: Page; problems: string[] };

  /** Open, unassigned requests of the Appointments team, oldest first. */
  const freeRequests = async (n: number): Promise<string[]> =>
    (
      await s.t.db.query<{ id: string }>(
        `SELECT id FROM appointment_requests WHERE team_id = $1 AND status = 'open' AND assigned_user_id IS NULL
         ORDER BY received_at, id LIMIT $2`,
        [s.teams.appointments, n],
      )
    ).map((r) => r.id);
  const post = async (headers: AuthHeaders, url: string, payload: Record<string, unknown> = {}) => {
    const r = await s.rebook.app.inject({ method: "POST", url, headers, payload });
    expect(r.statusCode, r.body).toBeLessThan(300);
  };
  /** Whether `url` loads request `id` itself (GET /api/requests/:id, audited as request.viewed; not its notes). */
  const loadsRequest = (method: string, url: string, id: string) =>
    method === "GET" && new URL(url).pathname === `/api/requests/${id}`;
  /** The page's next load of request `id`. */
  const nextLoad = (page: Page, id: string) =>
    page.waitForResponse((r) => loadsRequest(r.request().method(), r.url(), id));
  /** Counts the page's loads of request `id` from now on. */
  const countLoads = (page: Page, id: string): (() => number) => {
    let n = 0;
    page.on("request", (r) => {
      if (loadsRequest(r.method(), r.url(), id)) n++;
    });
    return () => n;
  };

  beforeAll(async () => {
    s = await startStack({ size: 24 });
    await s.connectAndSync();
    lead = await s.rebook.signIn({ id: s.staff.lead.id });
    // The same clerk signed in elsewhere (another tab or computer): their own changes, made away from this page.
    clerkElsewhere = await s.rebook.signIn({ id: s.staff.clerk.id });
    c = await s.newPage();
    await c.context.addInitScript(HOLD_EVENTS);
    await signInByApi(c.context, s.url, s.staff.clerk.email);
  }, 120_000);
  afterAll(async () => {
    expect(c?.problems ?? [], "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  it("keeps the confirmation of the clerk's own outcome when its live event comes late, never calls it an update and loads the request once for it; their other tab follows it", async () => {
    const [id] = await freeRequests(1);
    const { page } = c;
    // The same clerk has the request open in another tab too.
    const otherTab = await c.context.newPage();
    try {
      await otherTab.goto(`${s.url}/requests/${id}`);
      await otherTab.getByRole("button", { name: "Claim" }).waitFor();
      await live(otherTab);
      await page.goto(`${s.url}/requests/${id}?action=outcome`);
      await page.getByTestId("outcome-form").waitFor();
      await live(page);
      await hold(page, id!);
      await listen(page);
      const loadsHere = countLoads(page, id!);
      const loadsThere = countLoads(otherTab, id!);
      const otherTabFollows = nextLoad(otherTab, id!);
      await page.getByRole("radio", { name: "Rejected" }).check();
      await page.getByLabel("Reason for rejecting").fill("Asked for a clinic we do not run");
      await page.getByRole("button", { name: "Save outcome" }).click();
      await page.getByTestId("change-notice").getByText("Outcome recorded: Rejected.").waitFor();
      await page.getByTestId("outcome").waitFor();
      await expect.poll(() => said(page)).toContain("Outcome recorded: Rejected.");
      // The other tab heard the change (its event is not held there) and follows it.
      await otherTabFollows;
      await otherTab.getByTestId("outcome").waitFor();
      expect(loadsThere()).toBe(1);
      // The live event of the clerk's own change has come, and is held back until well after the page reloaded.
      await expect.poll(() => held(page), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(loadsHere()).toBe(1); // after the answer
      await page.waitForTimeout(PAST_THE_OLD_WINDOW_MS);
      await release(page);
      expect(await region(page)).toContain("Outcome recorded: Rejected.");
      // Then someone else changes it, long enough after for the page to take it as news: that is read out, once.
      await page.waitForTimeout(PAST_THE_OLD_WINDOW_MS);
      await post(lead, `/api/requests/${id}/notes`, { body: "Checked with the clinic", override: true });
      await expect.poll(() => said(page), { timeout: 10_000 }).toContain(UPDATED);
      expect(await said(page)).toEqual(["Outcome recorded: Rejected.", UPDATED]);
      await page.getByTestId("notes").getByText("Checked with the clinic").waitFor();
      // Loaded (and audited as viewed) once for the clerk's outcome and once for the lead's note: not again when the
      // outcome's own live event came (it was released before the lead's change, so its load would have come first).
      expect(loadsHere()).toBe(2);
      await expect.poll(() => loadsThere()).toBe(2); // the other tab followed the lead's note too
      await expectNoAxeViolations(page, "request page after live updates");
    } finally {
      await otherTab.close();
    }
  });

  it("shows the clerk's own note in the history as soon as it is added, without waiting for its live event, and loads the request once for it", async () => {
    const [id] = await freeRequests(1);
    const { page } = c;
    await page.goto(`${s.url}/requests/${id}`);
    await page.getByRole("button", { name: "Claim" }).waitFor();
    await live(page);
    await hold(page, id!);
    await listen(page);
    const loads = countLoads(page, id!);
    await page.getByLabel("Add a note").fill("Rang the patient back");
    await page.getByRole("button", { name: "Add note" }).click();
    await page.getByTestId("notes").getByText("Rang the patient back").waitFor();
    await expect.poll(() => held(page), { timeout: 10_000 }).toBe(1);
    // Its event is still held back: the history shows the note from the answer.
    await page.getByTestId("history").getByText("Internal note added").waitFor();
    expect(loads()).toBe(1);
    await release(page);
    await post(lead, `/api/requests/${id}/notes`, { body: "Checked with the clinic", override: true });
    await expect.poll(() => said(page), { timeout: 10_000 }).toContain(UPDATED);
    expect(await said(page)).toEqual(["Note added", UPDATED]);
    expect(loads()).toBe(2); // the clerk's note and the lead's: not again for the clerk's note's own event
  });

  it("reads out another person's change that comes straight after the clerk's own, without cutting off its confirmation", async () => {
    const [id] = await freeRequests(1);
    const { page } = c;
    await page.goto(`${s.url}/requests/${id}`);
    await page.getByRole("button", { name: "Claim" }).waitFor();
    await live(page);
    await hold(page, id!);
    await listen(page);
    await page.getByRole("button", { name: "Claim" }).click();
    await page.getByTestId("change-notice").getByText("You have claimed this request.").waitFor();
    await expect.poll(() => held(page), { timeout: 10_000 }).toBe(1);
    // A team lead adds a note at the same moment: both events arrive together, the clerk's first.
    await post(lead, `/api/requests/${id}/notes`, { body: "The patient rang again", override: true });
    await expect.poll(() => held(page), { timeout: 10_000 }).toBe(2);
    await release(page);
    await expect.poll(() => said(page), { timeout: 10_000 }).toContain(UPDATED);
    expect(await said(page)).toEqual(["You have claimed this request.", UPDATED]);
    // Both are in the region: the update came after the confirmation, it did not take its place.
    const text = await region(page);
    expect(text).toContain("You have claimed this request.");
    expect(text).toContain(UPDATED);
    await page.getByTestId("notes").getByText("The patient rang again").waitFor();
  });

  it("shows the clerk's own change when it was made but its answer was lost (a proxy's 504, a cut connection): the page loads the request again, once", async () => {
    const [id] = await freeRequests(1);
    const { page } = c;
    const claimUrl = `**/api/requests/${id}/claim`;
    const answeredUrl = `**/api/requests/${id}/patient-answered`;
    // The write reaches Rebook, which makes the change and publishes it; the answer never reaches the page.
    await page.route(claimUrl, async (route) => {
      await route.fetch();
      await route.fulfill({ status: 504, contentType: "text/html", body: "<html>Gateway Time-out</html>" });
    });
    await page.route(answeredUrl, async (route) => {
      await route.fetch();
      await route.abort("connectionreset");
    });
    try {
      await page.goto(`${s.url}/requests/${id}`);
      await page.getByRole("button", { name: "Claim" }).waitFor();
      await live(page);
      const loads = countLoads(page, id!);
      await page.getByRole("button", { name: "Claim" }).click();
      await page.getByRole("alert").getByText("Rebook could not do that just now").waitFor();
      // Its live event is this tab's own and is not loaded for: the page loads it because the write failed.
      await page.getByTestId("assigned-to").getByText("Assigned to: you").waitFor({ timeout: 10_000 });
      expect(loads()).toBe(1);

      // The reply panel's "patient answered", its connection cut after Rebook recorded it.
      await post(clerkElsewhere, `/api/requests/${id}/outcome`, { outcome: "rejected", reason: "Not ours" });
      await page.getByTestId("outcome").waitFor({ timeout: 10_000 });
      await page.getByRole("button", { name: "Record patient answered" }).click();
      await page.getByTestId("answered").waitFor({ timeout: 10_000 });
      // The panel still says the write failed, beside what the request now is.
      await page.getByTestId("reply-panel").getByText("Rebook cannot be reached").waitFor();
      await expect.poll(() => loads()).toBe(3); // the outcome made elsewhere, then the failed write's reload
      await page.waitForTimeout(500);
      expect(loads()).toBe(3);
    } finally {
      await page.unroute(claimUrl);
      await page.unroute(answeredUrl);
    }
  });

  it("shows the newest state when an older load of the request lands after a newer one", async () => {
    const [id] = await freeRequests(1);
    const { page } = c;
    const url = `**/api/requests/${id}`;
    let letGo!: () => void;
    const gate = new Promise<void>((r) => (letGo = r));
    let fetched!: () => void;
    const firstFetched = new Promise<void>((r) => (fetched = r));
    let delivered!: Promise<void>;
    let first = true;
    // The page's first load is answered by Rebook at once (nobody holds it yet) but reaches the page only later.
    await page.route(url, async (route) => {
      if (route.request().method() !== "GET" || !first) return route.continue();
      first = false;
      const res = await route.fetch();
      fetched();
      await gate;
      delivered = route.fulfill({ response: res });
      await delivered;
    });
    try {
      await page.goto(`${s.url}/requests/${id}`);
      await firstFetched;
      await live(page);
      // Someone assigns it to the clerk: the live event loads it again, and that load lands first.
      await post(lead, `/api/requests/${id}/assign`, { userId: s.staff.clerk.id });
      await page.getByTestId("assigned-to").getByText("Assigned to: you").waitFor({ timeout: 10_000 });
      letGo();
      await expect.poll(() => delivered !== undefined).toBe(true);
      await delivered;
      await page.waitForTimeout(1_000); // the older answer has been read by the page
      expect(await page.getByTestId("assigned-to").textContent()).toBe("Assigned to: you");
    } finally {
      await page.unroute(url);
    }
  });

  it("does not call a request the clerk claimed elsewhere a new request on the worklist; one assigned to them is", async () => {
    const [mineElsewhere, assignedByLead] = await freeRequests(2);
    const { page } = c;
    await page.goto(`${s.url}/requests?mine=1&sort=received_asc`);
    // The clerk may hold nothing yet (this test alone): an empty list has no count, only its message.
    await page.getByTestId("result-count").or(page.getByTestId("worklist-empty")).first().waitFor();
    await page.getByTestId("live-status").getByText("Live:").waitFor();
    // What the page said on loading is said: record from here on.
    await expect.poll(() => region(page)).toMatch(/shown|No requests match/);
    await listen(page);
    await post(clerkElsewhere, `/api/requests/${mineElsewhere}/claim`);
    await page.locator(`tr[data-request-id="${mineElsewhere}"]`).waitFor();
    await post(lead, `/api/requests/${assignedByLead}/assign`, { userId: s.staff.clerk.id });
    await page.locator(`tr[data-request-id="${assignedByLead}"]`).waitFor();
    await expect.poll(() => said(page), { timeout: 10_000 }).toContain("1 new request in the worklist");
    expect(await said(page)).toEqual(["1 new request in the worklist"]);
  });
});
