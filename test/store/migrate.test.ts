import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openPostgres } from "../../src/store/db.ts";
import { migrate, readMigrations } from "../../src/store/migrate.ts";
import { MIGRATIONS_DIR } from "../../src/paths.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { seedRequest } from "../helpers/requests.ts";

describe.each(engines)("migrations on $name", (engine) => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it("applies every migration once and is a no-op the second time", async () => {
    t = await engine.open({ migrated: false });
    const all = (await readMigrations()).map((m) => m.version);
    expect(await migrate(t.db)).toEqual(all);
    expect(await migrate(t.db)).toEqual([]);
    const tables = await t.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        "appointment_requests",
        "patients",
        "pkb_connections",
        "pkb_messages",
        "request_events",
        "routing_rules",
        "team_members",
        "teams",
        "users",
      ]),
    );
  });

  it("stores every instant as timestamptz", async () => {
    t = await engine.open();
    const naive = await t.db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'`,
    );
    expect(naive).toEqual([]);
  });

  it("refuses to start when an applied migration was edited", async () => {
    t = await engine.open({ migrated: false });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-mig-"));
    await fs.writeFile(path.join(dir, "0001_one.sql"), "CREATE TABLE one (id int);");
    await migrate(t.db, dir);
    await fs.writeFile(path.join(dir, "0001_one.sql"), "CREATE TABLE one (id bigint);");
    await expect(migrate(t.db, dir)).rejects.toThrow(/was changed after it was applied/);
  });

  it("rolls a failing migration back whole and names it", async () => {
    t = await engine.open({ migrated: false });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-mig-"));
    await fs.writeFile(path.join(dir, "0001_ok.sql"), "CREATE TABLE ok (id int);");
    await fs.writeFile(path.join(dir, "0002_bad.sql"), "CREATE TABLE half (id int);\nSELECT * FROM no_such_table;");
    await expect(migrate(t.db, dir)).rejects.toThrow(/Migration 2 \(bad\) failed/);
    const half = await t.db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'");
    expect(half).toEqual([]);
    const applied = await t.db.query<{ version: number }>("SELECT version FROM schema_migrations");
    expect(applied.map((r) => r.version)).toEqual([1]);
  });

  it("rejects gaps in numbering", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-mig-"));
    await fs.writeFile(path.join(dir, "0001_a.sql"), "SELECT 1;");
    await fs.writeFile(path.join(dir, "0003_c.sql"), "SELECT 1;");
    await expect(readMigrations(dir)).rejects.toThrow(/without gaps/);
  });

  if (engine.name === "postgres") {
    it("migrates once when several instances start together (advisory lock)", async () => {
      t = await engine.open({ migrated: false });
      const others = await Promise.all([1, 2, 3].map(() => openPostgres(t!.url!, { max: 2 })));
      try {
        const results = await Promise.all([t.db, ...others].map((db) => migrate(db)));
        const applied = results.flat();
        // Numerically: from the tenth migration on, sort() without a comparer would put 10 before 2.
        expect(applied.sort((a, b) => a - b)).toEqual((await readMigrations()).map((m) => m.version));
      } finally {
        await Promise.all(others.map((db) => db.close()));
      }
    });

    it("a migration that cannot lock request_events fails fast and says to retry, and writers are not held behind it", async () => {
      // A long report read holds ACCESS SHARE on request_events until its transaction ends. Migration 0032 needs ACCESS
      // EXCLUSIVE; queued behind the read, it would hold up every command's insert (they queue behind the migration)
      // for as long as the read lasts.
      t = await engine.open({ migrated: false });
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-mig-"));
      for (const f of await fs.readdir(MIGRATIONS_DIR)) {
        if (f.endsWith(".sql") && f < "0032") await fs.copyFile(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
      }
      await migrate(t.db, dir);
      const requestId = await seedRequest(t.db, { teamId: null });
      await fs.copyFile(
        path.join(MIGRATIONS_DIR, "0032_appointment_moved.sql"),
        path.join(dir, "0032_appointment_moved.sql"),
      );
      const reader = new pg.Client({ connectionString: t.url! });
      const writer = new pg.Client({ connectionString: t.url! });
      await reader.connect();
      await writer.connect();
      const within = <T>(p: Promise<T>, ms: number) =>
        Promise.race([
          p.then(
            (v) => ({ settled: "resolved" as const, v }),
            (e: unknown) => ({ settled: "rejected" as const, e: e as Error }),
          ),
          new Promise<{ settled: "still waiting" }>((r) => setTimeout(() => r({ settled: "still waiting" }), ms)),
        ]);
      let migrating: Promise<number[]> | undefined;
      try {
        await reader.query("BEGIN");
        await reader.query("SELECT count(*) FROM request_events");
        const started = Date.now();
        migrating = migrate(t.db, dir);
        migrating.catch(() => undefined);
        // The migration is queued for its lock, behind the read.
        for (;;) {
          const [w] = (
            await writer.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_locks
               WHERE relation = 'request_events'::regclass AND mode = 'AccessExclusiveLock' AND NOT granted`,
            )
          ).rows;
          if (w!.n > 0 || Date.now() - started > 10_000) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        // A command's insert, while the migration waits.
        const inserted = Date.now();
        const insert = writer.query("INSERT INTO request_events (request_id, type) VALUES ($1, 'note_added')", [
          requestId,
        ]);
        const written = await within(insert, 8_000);
        expect(written.settled, "the command's insert, while a report read holds request_events").toBe("resolved");
        expect(Date.now() - inserted).toBeLessThan(8_000);
        const outcome = await within(migrating, 8_000);
        expect(outcome.settled).toBe("rejected");
        expect(Date.now() - started).toBeLessThan(8_000);
        expect(outcome.settled === "rejected" && outcome.e.message).toBe(
          "Migration 32 (appointment_moved) could not lock a table it changes within its lock timeout: another " +
            "session is using it (a long query or report). Nothing was changed; start Rebook again to retry.",
        );
      } finally {
        await reader.query("ROLLBACK");
        await migrating?.catch(() => undefined);
        await reader.end();
        await writer.end();
      }
      // Nothing was applied; once the read has ended, starting again applies it.
      expect(await migrate(t.db, dir)).toEqual([32]);
    }, 30_000);
  }
});

describe("embedded store directory", () => {
  it("is held by one process at a time and released on close", async () => {
    const { openPglite, StoreInUseError } = await import("../../src/store/db.ts");
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-lock-"));
    // A lock left by a process that is gone is taken over.
    await fs.writeFile(path.join(dir, "rebook.lock"), "999999999");
    const db = await openPglite(dir);
    // Another live process holding it (simulated with our parent's pid) keeps us out.
    await db.close();
    await fs.writeFile(path.join(dir, "rebook.lock"), String(process.ppid));
    await expect(openPglite(dir)).rejects.toBeInstanceOf(StoreInUseError);
    await fs.rm(path.join(dir, "rebook.lock"));
    const again = await openPglite(dir);
    await again.close();
    await expect(fs.stat(path.join(dir, "rebook.lock"))).rejects.toThrow();
  });

  it("is made from the template again when an earlier unpacking was cut short", async () => {
    const { openPglite } = await import("../../src/store/db.ts");
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-unpack-"));
    // What a crash part-way leaves: some of the cluster's files, the staging directory, and no PG_VERSION.
    await fs.mkdir(path.join(dir, "base"));
    await fs.writeFile(path.join(dir, "base", "half-written"), "x");
    await fs.writeFile(path.join(dir, "postgresql.conf"), "# cut short");
    await fs.mkdir(path.join(dir, ".rebook-new-cluster", "global"), { recursive: true });
    const db = await openPglite(dir);
    await migrate(db);
    await db.query("CREATE TABLE kept (n int)");
    await db.query("INSERT INTO kept VALUES (7)");
    await db.close();
    expect(await fs.readdir(dir)).not.toContain(".rebook-new-cluster");
    expect(await fs.readdir(path.join(dir, "base"))).not.toContain("half-written");
    const again = await openPglite(dir);
    expect(await again.query("SELECT n FROM kept")).toEqual([{ n: 7 }]);
    await again.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
});
