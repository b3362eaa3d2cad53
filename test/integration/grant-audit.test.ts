// Connecting Rebook to PKB is audited, over HTTP to the emulator, on both engines: who granted access, when, for which
// connection and as which PKB user; who re-authorised it after it broke; and a grant refused in PKB. Never a token or
// an authorisation code in the details.
import { afterEach, describe, expect, it } from "vitest";
import { markNeedsReauth } from "../../src/store/connections.ts";
import { buildTestApp } from "../helpers/app.ts";
import { engines } from "../helpers/db.ts";
import { grantThroughConsentPage, startEmulator } from "../helpers/emulator.ts";
import { today } from "../helpers/connected.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface AuditRow {
  actor_user_id: string | null;
  actor_label: string;
  action: string;
  details: Record<string, unknown>;
  ip: string | null;
}

describe.each(engines)("Grant Access in the audit log on $name", { timeout: 60_000 }, (engine) => {
  it("records who granted, re-authorised and was refused access, as which PKB user, without tokens", async () => {
    const emu = await startEmulator({ size: 5, anchor: today() });
    cleanups.push(() => emu.stop());
    const t = await engine.open();
    cleanups.push(() => t.dispose());
    const rebook = await buildTestApp(t.db, emu.env);
    cleanups.push(async () => {
      await rebook.poller.stop();
      await rebook.app.close();
    });
    const ada = await rebook.createStaff("admin", { displayName: "Ada Admin" });
    const ben = await rebook.createStaff("admin", { displayName: "Ben Admin" });
    const adaHeaders = await rebook.signIn(ada);
    const benHeaders = await rebook.signIn(ben);
    const grantAudit = async () =>
      t.db.query<AuditRow>(
        "SELECT actor_user_id, actor_label, action, details, ip FROM audit_log WHERE action LIKE 'pkb.%' ORDER BY id",
      );

    // Ada starts a new connection and grants access in PKB as jack.brown.
    const created = await rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: adaHeaders,
      payload: { label: "Appointments team" },
    });
    const { connection } = created.json<{ connection: { id: string; authorizePath: string } }>();
    expect((await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: adaHeaders })).status).toBe(
      200,
    );
    const [{ pkb_user_name: pkbUserName }] = (await t.db.query<{ pkb_user_name: string }>(
      "SELECT pkb_user_name FROM pkb_connections WHERE id = $1",
      [connection.id],
    )) as [{ pkb_user_name: string }];
    expect(pkbUserName).toBeTruthy();
    expect(await grantAudit()).toEqual([
      {
        actor_user_id: ada.id,
        actor_label: "Ada Admin",
        action: "pkb.connection_granted",
        details: { connectionId: connection.id, label: "Appointments team", pkbUserName },
        ip: expect.any(String),
      },
    ]);

    // PKB ends the session; Ben re-authorises the connection from its Re-authorise link.
    await markNeedsReauth(t.db, connection.id, "PKB ended the session");
    expect((await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: benHeaders })).status).toBe(
      200,
    );
    expect((await grantAudit()).slice(1)).toEqual([
      {
        actor_user_id: ben.id,
        actor_label: "Ben Admin",
        action: "pkb.connection_reauthorised",
        details: {
          connectionId: connection.id,
          label: "Appointments team",
          pkbUserName,
          previousStatus: "needs_reauth",
        },
        ip: expect.any(String),
      },
    ]);

    // Ada starts a new connection but signs in to PKB as the same PKB user: that user's connection is re-authorised
    // (one connection per PKB user), and the entry says which connection she started.
    const again = await rebook.app.inject({
      method: "POST",
      url: "/api/pkb/connections",
      headers: adaHeaders,
      payload: { label: "Second try" },
    });
    const second = again.json<{ connection: { id: string; authorizePath: string } }>().connection;
    expect((await grantThroughConsentPage(rebook.app, second.authorizePath, { headers: adaHeaders })).status).toBe(200);
    expect((await grantAudit()).slice(2)).toEqual([
      {
        actor_user_id: ada.id,
        actor_label: "Ada Admin",
        action: "pkb.connection_reauthorised",
        details: {
          connectionId: connection.id,
          label: "Appointments team",
          pkbUserName,
          previousStatus: "active",
          startedFor: { connectionId: second.id, label: "Second try" },
        },
        ip: expect.any(String),
      },
    ]);

    // Ben presses Deny in PKB: nothing is granted, and the log says he was refused.
    const denied = await grantThroughConsentPage(rebook.app, connection.authorizePath, {
      headers: benHeaders,
      decision: "deny",
    });
    expect(denied.status).toBe(400);
    expect((await grantAudit()).slice(3)).toEqual([
      {
        actor_user_id: ben.id,
        actor_label: "Ben Admin",
        action: "pkb.connection_grant_failed",
        details: {
          connectionId: connection.id,
          label: "Appointments team",
          reason: "access_denied",
          pkbError: "access_denied",
        },
        ip: expect.any(String),
      },
    ]);

    // No token, code or state anywhere in the log.
    const text = JSON.stringify(await grantAudit());
    expect(text).not.toMatch(/token|code"|state"/i);
  });
});
