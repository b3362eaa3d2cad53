// A revocation must cost no more than the time until access returns, and raise one alert: requests that waited for
// access resume as soon as a new grant comes, and however many calls and instances hit the ended session at once,
// people are told once that it needs re-authorisation and once that it was fixed. On PostgreSQL, two instances.
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";
import { pipeline } from "../../src/main.ts";
import { getConnection } from "../../src/store/connections.ts";
import { openPostgres } from "../../src/store/db.ts";
import { ingestConnection } from "../../src/sync/ingest.ts";
import { processDueRequests } from "../../src/sync/process.ts";
import { connectedRebook } from "../helpers/connected.ts";
import { engines } from "../helpers/db.ts";
import { grantThroughConsentPage } from "../helpers/emulator.ts";
import { startWebhook } from "../helpers/webhook.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const settle = () => new Promise((r) => setTimeout(r, 500)); // alerts are posted after their transaction commits

describe("a revocation", () => {
  it("raises one alert across instances, one when fixed, and the waiting work resumes on the new grant", async () => {
    const hook = await startWebhook(cleanups);
    const c = await connectedRebook(cleanups, {
      engine: engines[1],
      env: { ALERT_WEBHOOK_URL: hook.url, PIPELINE_CONCURRENCY: "8" },
    });
    // A second instance on the same database, wired like the first.
    const dbB = await openPostgres(c.t.url!, { max: 10 });
    cleanups.push(() => dbB.close());
    const b = pipeline(c.rebook.config, dbB, c.rebook.cipher, createLogger("silent"));

    // A backlog of requests whose patients Rebook must look up in PKB.
    await c.t.db.query("DELETE FROM patients");
    const truth = await c.emu.control<{ entries: { patientPkbId: string; nhsNumber: string | null }[] }>(
      "GET",
      "ground-truth",
    );
    const patients = [...new Set(truth.entries.filter((e) => e.nhsNumber).map((e) => e.patientPkbId))].slice(0, 16);
    for (const patientPkbId of patients) {
      await c.emu.control("POST", "messages", {
        patientPkbId,
        subject: "Request to cancel appointment: Monday 1 December 2025 10:00am - Clinic",
        content: "Cannot come",
      });
    }
    expect((await ingestConnection(c.rebook.sync, c.connectionId)).newRequests).toBe(patients.length);

    // PKB ends the session; both instances work the backlog at once and meet the ended session many times over.
    await c.emu.control("POST", "sessions/revoke", { username: "jack.brown" });
    await Promise.all([processDueRequests(c.rebook.sync), processDueRequests(b)]);
    await settle();
    expect((await getConnection(c.t.db, c.connectionId))?.status).toBe("needs_reauth");
    expect(hook.alerts.map((a) => a.event)).toEqual(["pkb_connection_needs_reauthorisation"]);
    const waiting = async () =>
      (
        await c.t.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM appointment_requests WHERE status = 'processing'",
        )
      )[0]!.n;
    expect(await waiting()).toBe(patients.length);
    // More passes while access is missing raise nothing more.
    await Promise.all([processDueRequests(c.rebook.sync), processDueRequests(b)]);

    // Access is granted again (seconds later): the waiting requests are worked at once, not minutes later.
    const regrant = await grantThroughConsentPage(c.rebook.app, `/api/pkb/connections/${c.connectionId}/authorize`, {
      headers: c.admin,
    });
    expect(regrant.status).toBe(200);
    await c.rebook.poller.runNow(); // the pass the grant started (or one straight after it)
    await c.rebook.poller.runNow();
    expect(await waiting()).toBe(0);
    await settle();
    expect(hook.alerts.map((a) => a.event)).toEqual([
      "pkb_connection_needs_reauthorisation",
      "pkb_connection_reauthorised",
    ]);
    expect(hook.alerts.every((a) => a.connectionId === c.connectionId)).toBe(true);
    expect(JSON.stringify(hook.alerts)).not.toMatch(/token/i);
  }, 120_000);

  it("does not end the new session when a call made with the old token is refused after the new grant", async () => {
    const hook = await startWebhook(cleanups);
    const c = await connectedRebook(cleanups, { env: { ALERT_WEBHOOK_URL: hook.url } });
    // A call is on its way with the current token; PKB holds it a while before answering.
    await c.emu.control("PUT", "faults", { latencyMs: 3_000, paths: ["/json/v1/users/"] });
    const inFlight = c.rebook.sync.rest.user(c.connectionId, c.patientPkbId);
    // Meanwhile PKB revokes the session and the clinician grants access again.
    await c.emu.control("POST", "sessions/revoke", { username: "jack.brown" });
    const regrant = await grantThroughConsentPage(c.rebook.app, `/api/pkb/connections/${c.connectionId}/authorize`, {
      headers: c.admin,
    });
    expect(regrant.status).toBe(200);
    await c.emu.control("DELETE", "faults");
    // The old token is refused (API_SESSION_INVALID): the call is made again with the new one, nothing is ended.
    await expect(inFlight).resolves.toMatchObject({ id: c.patientPkbId });
    expect((await getConnection(c.t.db, c.connectionId))?.status).toBe("active");
    await settle();
    expect(hook.alerts).toEqual([]);
  }, 120_000);
});
