// What the request page reads, and so what the audit log says was looked at, in chromium. The notes
// (request.notes_viewed) are read when the page opens and when a note the page does not show yet is added (by someone
// else, or one the page missed); the clerk's own note comes with its answer. The reply to the patient
// (request.reply_prepared) is read when there is one to show and again only when something it is made from changes
// (the outcome, what PKB shows, the patient answered), not for every row added to the request's history. Each step of
// a scripted day on one request (open, claim, outcome, own note, another person's note, a PKB check, patient answered)
// is counted, and what the page shows is checked to be current after each.
//
// Live events about a request can be held in the page (the app's own EventSource, wrapped before the app starts,
// keeps the messages about one request back until the test lets them go), as in announcements.test.ts, so "the page
// missed that event" does not depend on the machine's speed.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRequestWork } from "../../src/jobs/request-work.ts";
import { createLogger } from "../../src/log.ts";
import { PKB_CONFIRMATION } from "../../src/requests/processors/pkb-confirmation.ts";
import type { AuthHeaders } from "../helpers/app.ts";
import { signInByApi, startStack, type Stack } from "../helpers/browser.ts";
import { held, hold, HOLD_EVENTS, live, release } from "../helpers/held-events.ts";

// After what a step shows has appeared, the time left for any read the render would start (an effect runs within a
// frame of it); a read counted in this time belongs to the step.
const SETTLE_MS = 400;

type Step = "opened" | "claimed" | "outcome" | "own note" | "lead's note" | "PKB check" | "patient answered";

describe("what the request page reads, and audits (chromium)", { timeout: 120_000 }, () => {
  let s: Stack;
  let lead: AuthHeaders;
  let c: { context: BrowserContext; page: Page; problems: string[] };

  const used: string[] = [];
  /** An open, unassigned request of the Appointments team linked to an appointment that no test here has used. */
  const freshRequest = async (): Promise<string> => {
    const [r] = await s.t.db.query<{ id: string }>(
      `SELECT id FROM appointment_requests WHERE team_id = $1 AND status = 'open' AND assigned_user_id IS NULL
         AND match_state = 'auto_linked' AND NOT (id = ANY($2::uuid[]))
       ORDER BY received_at, id LIMIT 1`,
      [s.teams.appointments, used],
    );
    used.push(r!.id);
    return r!.id;
  };
  const post = async (headers: AuthHeaders, url: string, payload: Record<string, unknown> = {}) => {
    const r = await s.rebook.app.inject({ method: "POST", url, headers, payload });
    expect(r.statusCode, r.body).toBeLessThan(300);
  };
  /** Counts the page's GETs of `/api/requests/:id/<what>` from now on. */
  const countGets = (page: Page, id: string, what: "notes" | "reply"): (() => number) => {
    let n = 0;
    page.on("request", (r) => {
      if (r.method() === "GET" && new URL(r.url()).pathname === `/api/requests/${id}/${what}`) n++;
    });
    return () => n;
  };
  /** The clerk's audit rows of `action` about request `id`. */
  const auditRows = async (id: string, action: string): Promise<number> => {
    const [r] = await s.t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE request_id = $1 AND actor_user_id = $2 AND action = $3",
      [id, s.staff.clerk.id, action],
    );
    return r!.n;
  };
  const settle = (page: Page) => page.waitForTimeout(SETTLE_MS);
  /** A UK date 20 days ahead, YYYY-MM-DD. */
  const ahead = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(
    new Date(Date.now() + 20 * 86_400_000),
  );

  /**
   * A clerk's day on request `id` in `page`, each step waited for on the page (and what it shows checked) before
   * `after(step)` is called: open it, claim it, rebook it (the reply waits for PKB), add a note, the team lead adds a
   * note, Rebook's PKB check finds the rebooking in PKB (the reply is offered), record that the patient was answered.
   */
  const clerksDay = async (page: Page, id: string, after: (step: Step) => void) => {
    await page.goto(`${s.url}/requests/${id}`);
    await page.getByRole("button", { name: "Claim" }).waitFor();
    await page.getByText("No notes yet.").waitFor();
    await live(page);
    await settle(page);
    after("opened");

    await page.getByRole("button", { name: "Claim" }).click();
    await page.getByTestId("change-notice").getByText("You have claimed this request.").waitFor();
    await page.getByTestId("assigned-to").getByText("you").waitFor();
    await settle(page);
    after("claimed");

    await page.getByRole("button", { name: "Record an outcome" }).click();
    const form = page.getByTestId("outcome-form");
    await form.getByRole("radio", { name: "Rebooked" }).check();
    const [y, m, d] = ahead.split("-").map(Number) as [number, number, number];
    const date = form.getByRole("group", { name: "New appointment date" });
    await date.getByLabel("Day").fill(String(d));
    await date.getByLabel("Month").fill(String(m));
    await date.getByLabel("Year").fill(String(y));
    await form.getByLabel("New appointment time").fill("14:15");
    await form.getByRole("button", { name: "Save outcome" }).click();
    await page.getByTestId("change-notice").getByText("Outcome recorded: Rebooked.").waitFor();
    await page
      .getByTestId("reply-not-offered")
      .getByText(/^Not offered yet: PKB does not show/)
      .waitFor();
    await settle(page);
    after("outcome");

    await page.getByLabel("Add a note").fill("Rang the patient back");
    await page.getByRole("button", { name: "Add note" }).click();
    await page.getByTestId("notes").getByText("Rang the patient back").waitFor();
    await page.getByTestId("history").getByText("Internal note added").waitFor();
    await settle(page);
    after("own note");

    await post(lead, `/api/requests/${id}/notes`, { body: "Checked with the clinic", override: true });
    await page.getByTestId("notes").getByText("Checked with the clinic").waitFor();
    await settle(page);
    after("lead's note");

    // The trust's PAS moves the appointment in PKB; Rebook's check, made due now, reads it back and confirms.
    const [linked] = await s.t.db.query<{ fhir: string }>(
      "SELECT appointment_fhir_id AS fhir FROM appointment_requests WHERE id = $1",
      [id],
    );
    await s.emu.control("POST", "pas/actions", {
      appointmentId: linked!.fhir,
      action: "move",
      start: `${ahead}T14:15`,
      delaySeconds: 0,
    });
    await s.t.db.query("UPDATE request_work SET due_at = now() WHERE request_id = $1 AND kind = $2", [
      id,
      PKB_CONFIRMATION,
    ]);
    await runRequestWork({ db: s.t.db, sync: s.rebook.sync, logger: createLogger("silent"), now: () => new Date() });
    const text = page.getByLabel("Reply to the patient (you can change it before copying)");
    await text.waitFor();
    expect(await text.inputValue()).toMatch(/at 2:15pm/);
    await settle(page);
    after("PKB check");

    await page.getByRole("button", { name: "Record patient answered" }).click();
    await page
      .getByTestId("answered")
      .getByText(/^Patient answered by Cara Clerk/)
      .waitFor();
    await page.getByTestId("history").getByText("Patient answered (reply sent in PKB)").waitFor();
    await settle(page);
    after("patient answered");
  };

  beforeAll(async () => {
    s = await startStack({ size: 24 });
    await s.connectAndSync();
    lead = await s.rebook.signIn({ id: s.staff.lead.id });
    c = await s.newPage();
    await c.context.addInitScript(HOLD_EVENTS);
    await signInByApi(c.context, s.url, s.staff.clerk.email);
  }, 120_000);
  afterAll(async () => {
    expect(c?.problems ?? [], "no CSP violations or page errors").toEqual([]);
    await s?.stop();
  });

  it("reads the notes when the request is opened and when someone else adds one, not for every change", async () => {
    const id = await freshRequest();
    const { page } = c;
    const notes = countGets(page, id, "notes");
    const counts: Partial<Record<Step, number>> = {};
    await clerksDay(page, id, (step) => (counts[step] = notes()));
    // Opening reads them; the clerk's own note comes with its answer; the lead's note is read when it comes. A claim,
    // an outcome, a PKB check and "patient answered" change no note.
    expect(counts).toEqual({
      opened: 1,
      claimed: 1,
      outcome: 1,
      "own note": 1,
      "lead's note": 2,
      "PKB check": 2,
      "patient answered": 2,
    });
    expect(await auditRows(id, "request.notes_viewed")).toBe(2);
    expect((await page.getByTestId("notes").locator("li").allInnerTexts()).map((t) => t.split("\n").at(-1))).toEqual([
      "Rang the patient back",
      "Checked with the clinic",
    ]);
  });

  it("reads the notes once when the clerk adds a note whose answer has warnings", async () => {
    const id = await freshRequest();
    const { page } = c;
    // No note warns today: the API's answer is given a warning, as any future one would come.
    await page.route(`**/api/requests/${id}/notes`, async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      const res = await route.fetch();
      const body = (await res.json()) as { request: { warnings: string[] } };
      body.request.warnings.push("Check this note in PKB too");
      await route.fulfill({ response: res, json: body });
    });
    const notes = countGets(page, id, "notes");
    await page.goto(`${s.url}/requests/${id}`);
    await page.getByText("No notes yet.").waitFor();
    await live(page);
    expect(notes()).toBe(1);
    await page.getByLabel("Add a note").fill("Left a voicemail");
    await page.getByRole("button", { name: "Add note" }).click();
    await page.getByTestId("change-warnings").getByText("Check this note in PKB too").waitFor();
    await page.getByTestId("notes").getByText("Left a voicemail").waitFor();
    await page.getByTestId("history").getByText("Internal note added").waitFor();
    await settle(page);
    expect(notes()).toBe(1);
    expect(await auditRows(id, "request.notes_viewed")).toBe(1);
    await page.unroute(`**/api/requests/${id}/notes`);
  });

  it("shows a note whose live event the page missed once the request is next loaded, reading the notes once for it", async () => {
    const id = await freshRequest();
    const { page } = c;
    const notes = countGets(page, id, "notes");
    await page.goto(`${s.url}/requests/${id}`);
    await page.getByText("No notes yet.").waitFor();
    await live(page);
    await hold(page, id);
    // The lead's note: its event is held, so the page does not know of it yet.
    await post(lead, `/api/requests/${id}/notes`, { body: "The patient rang again", override: true });
    await expect.poll(() => held(page), { timeout: 10_000 }).toBe(1);
    expect(notes()).toBe(1);
    // The clerk adds a note: the request, loaded after its answer, names the lead's note as well, which is read.
    await page.getByLabel("Add a note").fill("Rang the patient back");
    await page.getByRole("button", { name: "Add note" }).click();
    await page.getByTestId("notes").getByText("The patient rang again").waitFor();
    await page.getByTestId("notes").getByText("Rang the patient back").waitFor();
    await settle(page);
    expect(notes()).toBe(2);
    // The held event comes at last: the page already shows that note, so the notes are not read again.
    const reloaded = page.waitForResponse(
      (r) => r.request().method() === "GET" && new URL(r.url()).pathname === `/api/requests/${id}`,
    );
    await release(page);
    await reloaded;
    await settle(page);
    expect(notes()).toBe(2);
    expect((await page.getByTestId("notes").locator("li").allInnerTexts()).map((t) => t.split("\n").at(-1))).toEqual([
      "The patient rang again",
      "Rang the patient back",
    ]);
  });

  it("prepares the reply when there is one to show and when what it is made from changes, not for every change", async () => {
    const id = await freshRequest();
    const { page } = c;
    const reply = countGets(page, id, "reply");
    const counts: Partial<Record<Step, number>> = {};
    await clerksDay(page, id, (step) => (counts[step] = reply()));
    // Nothing to show before the outcome; the outcome (not offered yet: PKB does not show it), PKB showing it (offered,
    // filled in) and "patient answered" change the reply. A claim and the notes do not.
    expect(counts).toEqual({
      opened: 0,
      claimed: 0,
      outcome: 1,
      "own note": 1,
      "lead's note": 1,
      "PKB check": 2,
      "patient answered": 3,
    });
    expect(await auditRows(id, "request.reply_prepared")).toBe(3);
  });
});
