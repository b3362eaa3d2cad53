// A tested restore: fills a fresh PostgreSQL database through Rebook's own store code (users, a PKB connection with
// encrypted tokens, requests with history and notes, audit entries), backs it up with `pg_dump --format=custom`,
// restores it into another fresh database with `pg_restore`, and checks the copy: every table's rows identical,
// migrations complete with matching checksums, sequences carried on (new ids follow the old), and the tokens readable
// with the same TOKEN_ENCRYPTION_KEY — and unreadable without it (the key is backed up separately, never in the dump).
//
// Usage: node --import tsx scripts/backup-restore.ts   (PostgreSQL at 127.0.0.1:5432, or DATABASE_ADMIN_URL; pg_dump
// and pg_restore on PATH, the same major version as the server or newer)
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { recordAudit } from "../src/store/audit.ts";
import { createConnection, readTokens, saveTokens } from "../src/store/connections.ts";
import { TokenCipher } from "../src/store/crypto.ts";
import { openPostgres, type Db } from "../src/store/db.ts";
import { insertMessageIfNew } from "../src/store/messages.ts";
import { migrate, readMigrations } from "../src/store/migrate.ts";
import { createTeam, createUser } from "../src/store/people.ts";
import { appendEvent, insertRequest } from "../src/store/requests.ts";

const run = promisify(execFile);
// eslint-disable-next-line no-restricted-properties -- a developer tool, not the app: it chooses its own PostgreSQL
const adminUrl = process.env.DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const failures: string[] = [];
const check = (ok: boolean, what: string): void => {
  process.stdout.write(`  ${ok ? "ok  " : "FAIL"} ${what}\n`);
  if (!ok) failures.push(what);
};

const dbUrl = (name: string): string => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
};

async function seed(db: Db, cipher: TokenCipher): Promise<string> {
  const user = await createUser(db, { email: "clerk@trust.test", displayName: "A Clerk", role: "clerk" });
  const team = await createTeam(db, { name: "Appointments" });
  const conn = await createConnection(db, { label: "Outpatients", createdBy: user.id });
  await saveTokens(
    db,
    cipher,
    conn.id,
    { accessToken: "access-ABC", refreshToken: "refresh-XYZ", accessExpiresAt: new Date(), scope: "CLINICIAN" },
    { pkbUserId: "pkb-1", pkbUserName: "Dr Who" },
  );
  for (let i = 0; i < 25; i++) {
    const messageId = `msg-${i}`;
    await insertMessageIfNew(
      db,
      {
        pkbMessageId: messageId,
        conversationId: `conv-${i}`,
        subject: `Request to cancel appointment: Monday 6 October 2025 9:30am - Clinic ${i}`,
        content: `Note ${i}: ünïcödé, "quotes", newline\nhere`,
        sentAt: new Date(Date.UTC(2025, 8, 1 + i, 9, 30)),
        senderId: `p-${i}`,
        patientPkbId: `p-${i}`,
        messageStatus: "UNREAD",
        raw: { id: messageId, nested: { list: [1, 2, 3] } },
      },
      conn.id,
    );
    const id = await db.transaction((tx) =>
      insertRequest(tx, {
        pkbMessageId: messageId,
        conversationId: `conv-${i}`,
        receivedAt: new Date(Date.UTC(2025, 8, 1 + i, 9, 30)),
        type: "cancel",
        parseStatus: "parsed",
        requestedStart: new Date(Date.UTC(2025, 9, 6, 8, 30)),
        requestedSubject: `Clinic ${i}`,
        patientNote: "",
        pkbTeamName: null,
        patientPkbId: `p-${i}`,
      }),
    );
    await db.query("UPDATE appointment_requests SET team_id = $2, status = 'open' WHERE id = $1", [id, team.id]);
    await appendEvent(db, { requestId: id!, actorUserId: user.id, type: "assigned", data: { to: user.id } });
    await db.query("INSERT INTO request_notes (request_id, author_user_id, body) VALUES ($1, $2, $3)", [
      id,
      user.id,
      `Called the patient (${i})`,
    ]);
    await recordAudit(db, { actorUserId: user.id, actorLabel: "A Clerk", action: "request.viewed", requestId: id });
  }
  await recordAudit(db, {
    actorUserId: user.id,
    actorLabel: "A Clerk",
    action: "requests.listed",
    details: { shown: 1, requestIds: [randomUUID()] },
  });
  return conn.id;
}

/** Each table's row count and a digest of its rows in a stable order. */
async function fingerprint(db: Db): Promise<Map<string, string>> {
  const tables = await db.query<{ t: string }>(
    "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  const out = new Map<string, string>();
  for (const { t } of tables) {
    const [r] = await db.query<{ n: number; d: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS d FROM "${t}" x`,
    );
    out.set(t, `${r!.n} rows ${r!.d ?? "-"}`);
  }
  return out;
}

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString("hex");
  const [source, restored] = [`rebook_backup_src_${suffix}`, `rebook_backup_dst_${suffix}`];
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-backup-"));
  const dump = path.join(work, "rebook.dump");
  const key = randomBytes(32);
  const cipher = new TokenCipher(key);
  let src: Db | null = null;
  let dst: Db | null = null;
  try {
    await admin.query(`CREATE DATABASE ${source}`);
    src = await openPostgres(dbUrl(source));
    await migrate(src);
    const connectionId = await seed(src, cipher);
    const before = await fingerprint(src);
    process.stdout.write(`== backup: pg_dump --format=custom ${source}\n`);
    await run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", `--file=${dump}`, dbUrl(source)]);
    const size = (await fs.stat(dump)).size;
    check(size > 0, `dump written (${size} bytes)`);

    process.stdout.write(`== restore: pg_restore into the fresh database ${restored}\n`);
    await admin.query(`CREATE DATABASE ${restored}`);
    await run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", `--dbname=${dbUrl(restored)}`, dump]);
    dst = await openPostgres(dbUrl(restored));
    const after = await fingerprint(dst);
    const differing = [...before.keys()].filter((t) => before.get(t) !== after.get(t));
    check(
      differing.length === 0 && after.size === before.size,
      `all ${before.size} tables identical (${[...before].reduce((n, [, v]) => n + Number(v.split(" ")[0]), 0)} rows)${differing.length ? `; differ: ${differing.join(", ")}` : ""}`,
    );
    const applied = await migrate(dst);
    check(applied.length === 0, `migrations complete, checksums match (${(await readMigrations()).length} applied)`);
    const tokens = await readTokens(dst, cipher, connectionId);
    check(tokens?.refreshToken === "refresh-XYZ", "tokens readable with the same TOKEN_ENCRYPTION_KEY");
    const wrongKey = await readTokens(dst, new TokenCipher(randomBytes(32)), connectionId).then(
      () => false,
      () => true,
    );
    check(wrongKey, "tokens unreadable without that key (back the key up separately)");
    const [maxId] = await dst.query<{ m: number }>("SELECT max(id)::int AS m FROM audit_log");
    // Any action will do (the copy is dropped): only the new entry's id is checked.
    await recordAudit(dst, { actorUserId: null, actorLabel: "restore check", action: "audit.viewed" });
    const [newId] = await dst.query<{ m: number }>("SELECT max(id)::int AS m FROM audit_log");
    check(newId!.m === maxId!.m + 1, `sequences carried on (next audit id ${newId!.m} after ${maxId!.m})`);
  } finally {
    await src?.close();
    await dst?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${source} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`);
    await admin.end();
    await fs.rm(work, { recursive: true, force: true });
  }
  if (failures.length) {
    process.stdout.write(`backup and restore: ${failures.length} check(s) failed\n`);
    process.exit(1);
  }
  process.stdout.write("backup and restore: ok\n");
}

await main();
