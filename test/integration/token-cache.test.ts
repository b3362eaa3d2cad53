// The pipeline's access tokens are kept in memory between PKB calls (issue 11: a statement and a decryption per PKB
// call were spent reading the connection's row), without weakening the single-use refresh rule: a token PKB refuses
// is dropped, and another instance's refresh is then picked up from the store instead of refreshing again.
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, oauthRedirectUri } from "../../src/config.ts";
import { PkbOAuth } from "../../src/pkb/oauth.ts";
import { PkbRest } from "../../src/pkb/rest.ts";
import { UserTokens } from "../../src/pkb/tokens.ts";
import { getConnection } from "../../src/store/connections.ts";
import type { Db } from "../../src/store/db.ts";
import { connectedRebook } from "../helpers/connected.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The store, counting the statements that read a connection's row. */
function countingReads(db: Db): { db: Db; reads: () => number } {
  let reads = 0;
  const counted = Object.create(db, {
    query: {
      value: (sql: string, params?: unknown[]) => {
        if (/FROM pkb_connections WHERE id = \$1/.test(sql)) reads++;
        return db.query(sql, params);
      },
    },
  }) as Db;
  return { db: counted, reads: () => reads };
}

describe("access tokens in memory", () => {
  it("reads the connection's tokens once for many calls, and after a refusal uses another instance's refresh", async () => {
    const { emu, t, rebook, connectionId: id } = await connectedRebook(cleanups, { emulator: { size: 5 } });

    // Instance A: its own token keeper over the same store.
    const config = loadConfig({ ...emu.env });
    const counted = countingReads(t.db);
    const a = new UserTokens(counted.db, rebook.sync.cipher, new PkbOAuth(config.pkb, oauthRedirectUri(config)), {
      refreshAheadMs: 0,
    });
    const first = await a.accessToken(id);
    for (let i = 0; i < 9; i++) expect(await a.accessToken(id)).toBe(first);
    expect(counted.reads()).toBe(1);

    // Instance B refreshes (its token was refused): the pair in the store changes, the refresh token is spent.
    const versionBefore = (await getConnection(t.db, id))!.tokenVersion;
    const second = await rebook.sync.userTokens.accessToken(id, first);
    expect(second).not.toBe(first);
    expect((await getConnection(t.db, id))!.tokenVersion).toBe(versionBefore + 1);

    // A still holds the old token until PKB refuses it; then it takes B's from the store and does not refresh again
    // (a second refresh with the spent refresh token would end the PKB session).
    expect(await a.accessToken(id)).toBe(first);
    expect(await a.accessToken(id, first)).toBe(second);
    expect((await getConnection(t.db, id))!.tokenVersion).toBe(versionBefore + 1);

    // Through the REST client, a call with a token PKB no longer takes is replayed with the current one.
    const rest = new PkbRest(config.pkb.baseUrl, a, { timeoutMs: 5_000 });
    await rest.messagesAfter(id, "2099-01-01");
    expect((await getConnection(t.db, id))?.status).toBe("active");
    const sessions = await emu.control<{ status: string }[]>("GET", "sessions");
    expect(sessions.filter((s) => s.status !== "active")).toEqual([]);
  }, 60_000);
});
