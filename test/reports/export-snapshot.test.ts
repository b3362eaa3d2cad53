// The row-level export (rows.csv) is one view of the requests as of one moment, on both engines: a change while it
// streams — a repeat folded into its open request, which moves the open one's received time back past the rows already
// sent, a request received meanwhile, an outcome recorded — neither doubles, drops nor adds a row, nor changes one.
// A download the client abandons ends the export's read at once (on PostgreSQL its transaction and connection), and so
// does one whose client stops reading without going, once it has not read for the stall limit. The audit log's export shows the entries of the moment it began, none written meanwhile.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportRowsPage, streamReportRows, type ReportRow } from "../../src/reports/rows.ts";
import { systemCommandIn } from "../../src/requests/command.ts";
import { listAudit, recordAudit, streamAuditEntries, type AuditExportEntry } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/db.ts";
import { foldRepeatInto } from "../../src/store/settle.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createStaff, sessionHeaders } from "../helpers/auth.ts";
import { engines, heldSnapshotReads, type TestDb } from "../helpers/db.ts";
import { clearRequests, parseCsv, seedRequest } from "./fixtures.ts";

const Z = "Europe/London";
const MARCH = { from: "2025-03-01", to: "2025-03-31", zone: Z };
const NOW = new Date("2025-03-20T12:00:00Z");

/** Requests received an hour apart from 09:00 UTC on 1 March 2025; their ids, oldest first. */
async function seedHours(db: Db, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const receivedAt = new Date(Date.UTC(2025, 2, 1, 9 + i)).toISOString();
    ids.push(
      await seedRequest(db, {
        receivedAt,
        type: "change",
        teamId: null,
        specialty: null,
        status: "open",
        matchState: "auto_linked",
      }),
    );
  }
  return ids;
}

/** Every row of March as it stands now, in the export's order. */
async function rowsNow(db: Db): Promise<ReportRow[]> {
  return (await reportRowsPage(db, MARCH, { now: NOW, cursor: null, limit: 1000 })).items;
}

describe.each(engines)("the row-level export on $name", (engine) => {
  let t: TestDb;

  beforeAll(async () => {
    t = await engine.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("shows every row once, as it was when the export began, whatever changes while it streams", async () => {
    await clearRequests(t.db);
    const ids = await seedHours(t.db, 8);
    const atStart = await rowsNow(t.db);
    expect(atStart.map((r) => r.id)).toEqual(ids);

    const stream = streamReportRows(t.db, MARCH, { now: NOW, chunk: 2 });
    const seen: ReportRow[] = [];
    for (let i = 0; i < 2; i++) {
      const chunk = await stream.next();
      if (!chunk.done) seen.push(...chunk.value);
    }
    expect(seen.map((r) => r.id)).toEqual(ids.slice(0, 4));

    // While it streams: the request received at 10:00 (sent already) turns out to be a repeat of the open one received
    // at 15:00 (not sent yet) and is folded into it, as the pipeline does (src/requests/commands/pipeline.ts): the open
    // one now counts from 10:00, behind the rows already sent, and the repeat's row goes.
    const [repeat, open] = [ids[1]!, ids[6]!];
    await t.db.transaction(async (tx) => {
      await systemCommandIn(tx, open, (w) => w.update({ received_at: atStart[1]!.receivedAt }));
      await foldRepeatInto(tx, repeat, open);
    });
    // A request received meanwhile (a message of 13:30 collected late), and an outcome recorded on one not yet sent.
    await seedRequest(t.db, {
      receivedAt: "2025-03-01T13:30:00Z",
      type: "cancel",
      teamId: null,
      specialty: null,
      status: "open",
      matchState: "auto_linked",
    });
    await t.db.query("UPDATE appointment_requests SET status = 'done', outcome = 'cancelled' WHERE id = $1", [ids[5]]);

    for await (const chunk of stream) seen.push(...chunk);
    // Every row of the moment it began, each once, in its place and with the values it had then.
    expect(seen.map((r) => r.id)).toEqual(ids);
    expect(seen).toEqual(atStart);
    // The store did change: the next export shows the fold, the new request and the outcome.
    const after = await rowsNow(t.db);
    expect(after.map((r) => r.id)).not.toContain(repeat);
    expect(after).toHaveLength(8);
  });
});

/**
 * A store whose exports read `chunk` rows at a time with a pause after each, so a download is still streaming when
 * the test lets go of it; each chunk is sent `copies` times, so that a download can be bigger than the socket buffers
 * between server and client hold. `ended` says how the last export's read ended: "all" (read to the end) or "early".
 */
function slowExports(db: Db, chunk: number, copies = 1): { db: Db; ended: () => "all" | "early" | null } {
  let ended: "all" | "early" | null = null;
  return {
    ended: () => ended,
    db: {
      ...db,
      async *readSnapshot<T>(sql: string, params: readonly unknown[]): AsyncGenerator<T[]> {
        ended = null;
        let all = false;
        try {
          for await (const rows of db.readSnapshot<T>(sql, params, { chunk })) {
            for (let i = 0; i < copies; i++) yield rows;
            await new Promise((r) => setTimeout(r, 50));
          }
          all = true;
        } finally {
          ended = all ? "all" : "early";
        }
      },
    },
  };
}

/** An app listening on a free port, on a new store of `engine` whose exports are slowExports(chunk, copies). */
interface ListeningExportApp {
  /** The store itself (not slowed). */
  db: Db;
  /** How the last export's read ended (slowExports). */
  ended: () => "all" | "early" | null;
  /** March's rows.csv. */
  rowsUrl: string;
  /** A viewer's session. */
  headers: Record<string, string>;
  /** Closes the app, then the store. */
  close(): Promise<void>;
}

/** Opens a store on `engine` and an app on it, listening; `exportStallMs` shortens the stall limit (10 minutes). */
async function listeningExportApp(
  engine: (typeof engines)[number],
  exports: { chunk: number; copies?: number; exportStallMs?: number },
): Promise<ListeningExportApp> {
  const t = await engine.open();
  let rebook: TestApp | undefined;
  const close = async () => {
    await rebook?.app.close();
    await t.dispose();
  };
  try {
    const slow = slowExports(t.db, exports.chunk, exports.copies);
    rebook = await buildTestApp(slow.db, {}, { exportStallMs: exports.exportStallMs });
    await rebook.app.listen({ host: "127.0.0.1", port: 0 });
    const address = rebook.app.server.address();
    const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const viewer = await createStaff(t.db, "viewer");
    return {
      db: t.db,
      ended: slow.ended,
      rowsUrl: `${base}/api/reports/rows.csv?from=${MARCH.from}&to=${MARCH.to}`,
      headers: await sessionHeaders(t.db, viewer.id, rebook.config.session),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Starts a download and takes its first bytes, then stops reading, the connection left open. Errors after that (the
 * test's own destroy, the server cutting the download) are what the test is about, so they are not thrown.
 */
async function startDownload(
  url: string,
  headers: Record<string, string>,
): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
  const req = http.get(url, { headers });
  req.on("error", () => undefined);
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once("response", resolve);
    req.once("error", reject);
  });
  await new Promise((resolve) => res.once("data", resolve));
  res.pause();
  res.on("error", () => undefined);
  return { req, res };
}

/** A whole download: its body. */
function download(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    http
      .get(url, { headers }, (r) => {
        let body = "";
        r.setEncoding("utf8");
        r.on("data", (d: string) => (body += d));
        r.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

describe.each(engines)("an abandoned rows.csv download on $name", (engine) => {
  let x: ListeningExportApp;

  beforeAll(async () => {
    x = await listeningExportApp(engine, { chunk: 2 });
  });
  afterAll(async () => {
    await x?.close();
  });

  it("ends the export's read (transaction, connection, cursor) when the client goes, and the next export runs", async () => {
    await clearRequests(x.db);
    const ids = await seedHours(x.db, 20);
    expect(await heldSnapshotReads(x.db)).toBe(0);

    // Start a download, take its first bytes, then drop the connection.
    const { req, res } = await startDownload(x.rowsUrl, x.headers);
    expect(res.statusCode).toBe(200);
    // Mid-stream the export holds its one view of the store: a transaction on PostgreSQL, a cursor on PGlite.
    expect(await heldSnapshotReads(x.db)).toBe(1);
    req.destroy();

    await expect.poll(() => x.ended(), { timeout: 5_000 }).toBe("early");
    await expect.poll(() => heldSnapshotReads(x.db), { timeout: 5_000 }).toBe(0);

    // The next download has the store to itself again and gets every row.
    const whole = await download(x.rowsUrl, x.headers);
    expect(x.ended()).toBe("all");
    expect(
      parseCsv(whole)
        .slice(1)
        .map((r) => r[0]),
    ).toEqual(ids);
  });
});

describe.each(engines)("a stalled rows.csv download on $name", (engine) => {
  let x: ListeningExportApp;
  // Each row sent this many times: some MB, more than the socket buffers hold, so the server has to wait for the client.
  const COPIES = 2_000;

  beforeAll(async () => {
    // The stall limit (10 minutes in service) made short.
    x = await listeningExportApp(engine, { chunk: 2, copies: COPIES, exportStallMs: 500 });
  });
  afterAll(async () => {
    await x?.close();
  });

  it("ends the download and its read when the client stops reading but stays connected, and the next export runs", async () => {
    await clearRequests(x.db);
    const ids = await seedHours(x.db, 20);

    // Start a download, take its first bytes, then stop reading, the connection left open (a laptop asleep).
    const { res } = await startDownload(x.rowsUrl, x.headers);
    expect(res.statusCode).toBe(200);
    const cut = new Promise((resolve) => res.once("close", resolve));
    // Mid-stream the export holds its one view of the store: a transaction on PostgreSQL, a cursor on PGlite.
    expect(await heldSnapshotReads(x.db)).toBe(1);

    // The server ends it once the client has not read for the stall limit, and gives back what the read held.
    await expect.poll(() => x.ended(), { timeout: 5_000 }).toBe("early");
    await expect.poll(() => heldSnapshotReads(x.db), { timeout: 5_000 }).toBe(0);
    // The client, reading again, finds the download cut short.
    res.resume();
    await cut;
    expect(res.complete).toBe(false);

    // The next download runs and gets every row.
    const whole = await download(x.rowsUrl, x.headers);
    expect(x.ended()).toBe("all");
    const sent = parseCsv(whole)
      .slice(1)
      .map((r) => r[0]);
    expect(sent).toHaveLength(ids.length * COPIES);
    expect([...new Set(sent)]).toEqual(ids);
  });
});

describe.each(engines)("the audit log's export on $name", (engine) => {
  let t: TestDb;

  beforeAll(async () => {
    t = await engine.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("shows every entry of the moment it began once, and none written meanwhile, whatever its time", async () => {
    await t.db.query(
      `INSERT INTO audit_log (at, actor_user_id, actor_label, action, details)
       SELECT now() - make_interval(mins => g), NULL, 'System', 'test.bulk', jsonb_build_object('n', g)
       FROM generate_series(1, 7) g`,
    );
    const atStart = (await listAudit(t.db, { limit: 100 })).items.map(({ request: _, ...own }) => own);
    expect(atStart).toHaveLength(7);

    const stream = streamAuditEntries(t.db, {}, { chunk: 2 });
    const first = await stream.next();
    const seen: AuditExportEntry[] = first.done ? [] : [...first.value];
    expect(seen.map((e) => e.id)).toEqual(atStart.slice(0, 2).map((e) => e.id));
    // Written while it streams: an entry of now, and one dated before the entries not sent yet, as an entry of a
    // transaction that began before the export and committed after it carries (its `at` is the transaction's start).
    await recordAudit(t.db, { actorUserId: null, actorLabel: "Ada", action: "user.signed_in" });
    await t.db.query(
      `INSERT INTO audit_log (at, actor_user_id, actor_label, action, details)
       VALUES (now() - interval '3 minutes 30 seconds', NULL, 'Late', 'test.bulk', '{}')`,
    );
    // And the oldest entry goes, as retention deletes entries: PostgreSQL's snapshot still shows it; PGlite's pages,
    // read as they come, do not (docs/sign-in.md).
    const oldest = atStart.at(-1)!;
    await t.db.query("DELETE FROM audit_log WHERE id = $1", [oldest.id]);
    for await (const chunk of stream) seen.push(...chunk);
    expect(seen).toEqual(engine.name === "postgres" ? atStart : atStart.slice(0, -1));
  });
});
