// A trust appointment id PostgreSQL cannot store (the PAS re-booked an appointment under an id holding U+0000), in
// chromium: the request waits for a person with the id shown made storable and flagged "not exact", the summary says
// to find it in the PAS, and once a person links it the matched appointment still shows the id flagged (the request
// holds no PAS id it was not given). axe runs on both states; screenshots go to test-results/screenshots.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncPass } from "../../src/sync/run.ts";
import { expectNoAxeViolations, screenshot, signInByApi, startStack, type Stack } from "../helpers/browser.ts";

describe("a trust id Rebook cannot store (chromium)", { timeout: 90_000 }, () => {
  let s: Stack;
  let requestId: string;

  beforeAll(async () => {
    s = await startStack({ size: 20 });
    await s.connectAndSync();
    const soon = Date.now() + 5 * 86_400_000;
    const a = s.emu.world.dataset.appointments.find(
      (x) => x.status === "booked" && Date.parse(x.start) > soon && s.emu.world.patient(x.patientPkbId)?.nhsNumber,
    )!;
    const moved = await s.emu.control<{ id: string }>("POST", "pas/actions", {
      appointmentId: a.id,
      action: "move",
      start: new Date(Date.parse(a.start) + 86_400_000).toISOString(),
      delivery: "new-appointment",
      newExternalId: "RB\u00001",
      delaySeconds: 0,
    });
    const { actions } = await s.emu.control<{ actions: { id: string; newAppointmentId: string | null }[] }>(
      "GET",
      "pas/actions",
    );
    const rebookedId = actions.find((x) => x.id === moved.id)!.newAppointmentId!;
    const added = await s.emu.control<{ message: { id: string } }>("POST", "messages", {
      appointmentId: rebookedId,
      kind: "change",
      content: "A later day please",
    });
    await syncPass(s.rebook.sync);
    const [row] = await s.t.db.query<{ id: string; match_state: string; team_id: string }>(
      "SELECT id, match_state, team_id FROM appointment_requests WHERE pkb_message_id = $1",
      [added.message.id],
    );
    expect(row).toMatchObject({ match_state: "review", team_id: s.teams.appointments });
    requestId = row!.id;
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("shows the id flagged while a person chooses, and after the link", async () => {
    const { context, page, problems } = await s.newPage();
    await signInByApi(context, s.url, s.staff.clerk.email);
    await page.goto(`${s.url}/requests/${requestId}`);
    const candidates = page.getByTestId("candidates");
    await candidates.waitFor();
    await candidates
      .getByText("RB\ufffd1 (not exact: PKB sent characters Rebook cannot store, shown as \ufffd)")
      .waitFor();
    await page.getByText(/The trust's appointment id reached PKB with characters Rebook cannot store/).waitFor();
    await expectNoAxeViolations(page, "request page, trust id not exact");
    await screenshot(page, "trust-id-not-exact");
    // Each candidate's button stands clear of the evidence above it (it once sat flush against the last line).
    const first = candidates
      .locator("li")
      .filter({ has: page.getByRole("button", { name: /This is the appointment/ }) });
    const evidence = await first.first().locator(".app-evidence").boundingBox();
    const button = await first
      .first()
      .getByRole("button", { name: /This is the appointment/ })
      .boundingBox();
    expect(button!.y - (evidence!.y + evidence!.height)).toBeGreaterThanOrEqual(15);

    await candidates
      .getByRole("button", { name: /This is the appointment/ })
      .first()
      .click();
    await page
      .locator(".app-notice")
      .getByText(/linked/)
      .waitFor();
    const matched = page.getByTestId("matched-appointment");
    await matched
      .getByText("RB\ufffd1 (not exact: PKB sent characters Rebook cannot store, shown as \ufffd)")
      .waitFor();
    await expectNoAxeViolations(page, "request page, linked by hand to a trust id not exact");
    await screenshot(page, "trust-id-not-exact-linked");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("offers no link for an appointment whose PKB id Rebook cannot store, and says what to do instead", async () => {
    // The emulator's ids are UUIDs, so an open request is given what the pipeline stores for such appointments:
    // candidates with their ids made storable and flagged (candidateRecords), no appointment linked, a person to choose.
    const [r] = await s.t.db.query<{ id: string; candidates: Record<string, unknown>[] }>(
      `SELECT id, candidates FROM appointment_requests WHERE status = 'open' AND team_id = $1 AND id <> $2
         AND jsonb_array_length(candidates) >= 1 ORDER BY received_at LIMIT 1`,
      [s.teams.appointments, requestId],
    );
    expect(r, "an open request with candidates").toBeDefined();
    const flagged = r!.candidates.map((c) => ({ ...c, fhirId: `${String(c.fhirId)}\ufffd`, fhirIdNotExact: true }));
    await s.t.db.query(
      `UPDATE appointment_requests SET candidates = $2::jsonb, match_state = 'review', appointment_fhir_id = NULL,
         appointment_external_id = NULL, appointment_start = NULL, appointment_type = NULL, appointment_location = NULL,
         appointment_status = NULL, appointment_specialty_code = NULL, appointment_specialty_display = NULL
       WHERE id = $1`,
      [r!.id, JSON.stringify(flagged)],
    );
    const { context, page, problems } = await s.newPage();
    await signInByApi(context, s.url, s.staff.clerk.email);
    await page.goto(`${s.url}/requests/${r!.id}`);
    const candidates = page.getByTestId("candidates");
    await candidates.waitFor();
    await page.getByText(/None of the appointments below can be linked/).waitFor();
    await candidates
      .getByText(/Rebook cannot link this appointment/)
      .first()
      .waitFor();
    expect(await candidates.getByRole("button", { name: /This is the appointment/ }).count()).toBe(0);
    await expectNoAxeViolations(page, "request page, no candidate can be linked");
    await screenshot(page, "pkb-id-not-exact");
    expect(problems).toEqual([]);
    await context.close();
  });
});
