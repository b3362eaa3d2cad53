// A Rebook app connected to the PKB emulator through the real Grant Access flow, on either engine: the starting point of
// the resilience tests (poison messages, takeover, revocation). Everything it starts is stopped by `cleanup()`.
import { expect } from "vitest";
import { buildTestApp, type AuthHeaders, type TestApp } from "./app.ts";
import { engines, type TestDb } from "./db.ts";
import { grantThroughConsentPage, startEmulator, type Emulator } from "./emulator.ts";

/** A connected Rebook and what it runs on. */
export interface Connected {
  emu: Emulator;
  t: TestDb;
  rebook: TestApp;
  admin: AuthHeaders;
  connectionId: string;
  /** A patient of the emulator's world (for free messages). */
  patientPkbId: string;
}

/** Midnight UTC today: requests added "now" through the control API need appointments more than 72 h ahead. */
export function today(): Date {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** Starts the emulator, a store and Rebook, grants access and waits for the first pass. Registers its own cleanups. */
export async function connectedRebook(
  cleanups: (() => Promise<void>)[],
  opts: {
    engine?: (typeof engines)[number];
    emulator?: Parameters<typeof startEmulator>[0];
    env?: Record<string, string>;
    /** Called with the app before Grant Access (whose pass then runs): to watch what the first pass does. */
    beforeGrant?: (rebook: TestApp, t: TestDb) => Promise<void> | void;
  } = {},
): Promise<Connected> {
  const emu = await startEmulator({ size: 20, anchor: today(), ...opts.emulator });
  cleanups.push(() => emu.stop());
  const t = await (opts.engine ?? engines[0]).open();
  cleanups.push(() => t.dispose());
  const rebook = await buildTestApp(t.db, { ...emu.env, SYNC_INITIAL_LOOKBACK_DAYS: "1000", ...opts.env });
  cleanups.push(async () => {
    await rebook.poller.stop();
    await rebook.app.close();
  });
  await opts.beforeGrant?.(rebook, t);
  const admin = await rebook.signIn("admin");
  const created = await rebook.app.inject({
    method: "POST",
    url: "/api/pkb/connections",
    headers: admin,
    payload: { label: "Team" },
  });
  const { connection } = created.json<{ connection: { id: string; authorizePath: string } }>();
  const granted = await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers: admin });
  expect(granted.status).toBe(200);
  await rebook.poller.runNow(); // the pass Grant Access started
  const truth = await emu.control<{ entries: { patientPkbId: string; nhsNumber: string | null }[] }>(
    "GET",
    "ground-truth",
  );
  const patientPkbId = truth.entries.find((e) => e.nhsNumber)!.patientPkbId;
  return { emu, t, rebook, admin, connectionId: connection.id, patientPkbId };
}
