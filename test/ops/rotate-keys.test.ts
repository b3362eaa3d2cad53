// Rotating TOKEN_ENCRYPTION_KEY: with the new key current and the old one in TOKEN_ENCRYPTION_KEY_PREVIOUS, everything
// stays readable; `rotateKeys` re-seals every token with the new key (after which the old key can go), reports what it
// cannot read without touching it, and never overwrites a refresh that another instance commits meanwhile. The
// `rebook rotate-keys` command is run as a real process too.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createConnection, readTokens, saveTokens, type TokenPair } from "../../src/store/connections.ts";
import { TokenCipher } from "../../src/store/crypto.ts";
import type { Db } from "../../src/store/db.ts";
import { rotateKeys } from "../../src/store/rotate-keys.ts";
import { engines, type TestDb } from "../helpers/db.ts";

const pair = (n: number): TokenPair => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  accessExpiresAt: new Date(Date.now() + 600_000),
  scope: "CLINICIAN",
});

async function sealedWith(db: Db, cipher: TokenCipher, n: number): Promise<string> {
  const c = await createConnection(db, { label: `Clinic ${n}`, createdBy: null });
  await saveTokens(db, cipher, c.id, pair(n), { pkbUserId: `user-${n}`, pkbUserName: `User ${n}` });
  return c.id;
}

async function systemToken(db: Db, cipher: TokenCipher): Promise<void> {
  await db.query("INSERT INTO system_tokens (name, access_token_enc, expires_at) VALUES ($1, $2, now())", [
    "aggregated_fhir",
    cipher.encrypt("system-token", "system_tokens:aggregated_fhir"),
  ]);
}

describe.each(engines)("key rotation on $name", (engine) => {
  let t: TestDb | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  it("re-seals every token with the new key, after which the old key is no longer needed", async () => {
    t = await engine.open();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const old = new TokenCipher(oldKey);
    const ids = [await sealedWith(t.db, old, 1), await sealedWith(t.db, old, 2)];
    await systemToken(t.db, old);
    const [before] = await t.db.query<{ v: number }>("SELECT token_version AS v FROM pkb_connections WHERE id = $1", [
      ids[0],
    ]);

    const rotating = new TokenCipher(newKey, [oldKey]);
    expect(await readTokens(t.db, rotating, ids[0]!)).toMatchObject({ accessToken: "access-1" });
    await expect(readTokens(t.db, new TokenCipher(newKey), ids[0]!)).rejects.toThrow(/not configured/);

    const report = await rotateKeys(t.db, rotating);
    expect(report).toMatchObject({ keyId: rotating.currentKeyId, resealed: 5, alreadyCurrent: 0, failed: [] });

    const onlyNew = new TokenCipher(newKey);
    expect(await readTokens(t.db, onlyNew, ids[0]!)).toMatchObject({
      accessToken: "access-1",
      refreshToken: "refresh-1",
    });
    expect(await readTokens(t.db, onlyNew, ids[1]!)).toMatchObject({ refreshToken: "refresh-2" });
    const [sys] = await t.db.query<{ e: Uint8Array }>("SELECT access_token_enc AS e FROM system_tokens");
    expect(onlyNew.decrypt(sys!.e, "system_tokens:aggregated_fhir")).toBe("system-token");
    const [after] = await t.db.query<{ v: number }>("SELECT token_version AS v FROM pkb_connections WHERE id = $1", [
      ids[0],
    ]);
    expect(after!.v).toBe(before!.v); // the tokens did not change, only their sealing

    expect(await rotateKeys(t.db, onlyNew)).toMatchObject({ resealed: 0, alreadyCurrent: 5, failed: [] });
    const audit = await t.db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_log WHERE action = 'tokens.rekeyed' ORDER BY id",
    );
    expect(audit.map((a) => a.details)).toEqual([
      { keyId: rotating.currentKeyId, resealed: 5, alreadyCurrent: 0, failed: 0 },
      { keyId: rotating.currentKeyId, resealed: 0, alreadyCurrent: 5, failed: 0 },
    ]);
  });

  it("reports a token no configured key can open, leaves it as it was, and re-seals the rest", async () => {
    t = await engine.open();
    const lostKey = randomBytes(32);
    const oldKey = randomBytes(32);
    const lost = await sealedWith(t.db, new TokenCipher(lostKey), 1);
    const kept = await sealedWith(t.db, new TokenCipher(oldKey), 2);
    const [before] = await t.db.query<{ a: Uint8Array }>(
      "SELECT access_token_enc AS a FROM pkb_connections WHERE id = $1",
      [lost],
    );
    const report = await rotateKeys(t.db, new TokenCipher(randomBytes(32), [oldKey]));
    expect(report.resealed).toBe(2);
    expect(report.failed.map((f) => [f.id, f.field])).toEqual([
      [lost, "access_token_enc"],
      [lost, "refresh_token_enc"],
    ]);
    expect(report.failed[0]!.reason).toMatch(/not configured/);
    expect(JSON.stringify(report)).not.toContain("access-1");
    const [after] = await t.db.query<{ a: Uint8Array }>(
      "SELECT access_token_enc AS a FROM pkb_connections WHERE id = $1",
      [lost],
    );
    expect(Buffer.from(after!.a).equals(Buffer.from(before!.a))).toBe(true);
    expect(kept).toBeTruthy();
  });
});

describe("key rotation on postgres, while another instance refreshes", () => {
  let t: TestDb | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  it("waits for the refresh's row lock and keeps the refreshed tokens", async () => {
    t = await engines[1].open();
    const db = t.db;
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const id = await sealedWith(db, new TokenCipher(oldKey), 1);
    const rotating = new TokenCipher(newKey, [oldKey]);

    let locked!: () => void;
    let release!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const released = new Promise<void>((r) => (release = r));
    // What UserTokens does on another instance (already on the new configuration): lock the row, refresh, commit.
    const refresh = db.transaction(async (tx) => {
      await tx.query("SELECT id FROM pkb_connections WHERE id = $1 FOR UPDATE", [id]);
      await saveTokens(tx, rotating, id, pair(2));
      locked();
      await released;
    });
    await isLocked;
    const rotation = rotateKeys(db, rotating);
    await new Promise((r) => setTimeout(r, 300)); // the rotation is now waiting on the row lock
    release();
    await refresh;
    const report = await rotation;
    expect(report).toMatchObject({ resealed: 0, alreadyCurrent: 2, failed: [] });
    expect(await readTokens(db, new TokenCipher(newKey), id)).toMatchObject({
      accessToken: "access-2",
      refreshToken: "refresh-2",
    });
  });

  it("`rebook rotate-keys` re-seals with TOKEN_ENCRYPTION_KEY and says so; exit 1 when something is unreadable", async () => {
    t = await engines[1].open();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    await sealedWith(t.db, new TokenCipher(oldKey), 1);
    const root = path.resolve(import.meta.dirname, "../..");
    // eslint-disable-next-line no-restricted-properties -- the child gets a minimal environment of the test's choosing
    const base = { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", DATABASE_URL: t.url! };
    const cli = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, ["--import", "tsx", "src/cli.ts", "rotate-keys"], {
        cwd: root,
        env: { ...base, ...env },
      }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    const withoutOld = await cli({ TOKEN_ENCRYPTION_KEY: newKey.toString("base64") });
    expect(withoutOld.code).toBe(1);
    expect(withoutOld.stdout).toMatch(/0 re-encrypted, 0 already current, 2 unreadable/);
    const rotated = await cli({
      TOKEN_ENCRYPTION_KEY: newKey.toString("base64"),
      TOKEN_ENCRYPTION_KEY_PREVIOUS: `${randomBytes(32).toString("base64")},${oldKey.toString("base64")}`,
    });
    expect(rotated).toMatchObject({ code: 0 });
    expect(rotated.stdout).toMatch(/2 re-encrypted, 0 already current, 0 unreadable/);
    expect(rotated.stdout).toContain(new TokenCipher(newKey).currentKeyId);
  }, 120_000);
});
