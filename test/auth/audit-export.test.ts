// The audit log export: CSV cells quoted properly and never read as formulas by a spreadsheet, and the whole log
// (across pages, newest first, filtered) over HTTP for an admin, the export itself audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvCell, csvLine } from "../../src/http/csv.ts";
import { recordAudit } from "../../src/store/audit.ts";
import { buildTestApp, type AuthHeaders, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

/** RFC 4180 parsing, to read back what was written. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell || row.length) throw new Error("the last line has no CRLF");
  return rows;
}

describe("CSV cells", () => {
  it("neutralises formulas and quotes what needs quoting", () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell("+44 7700 900000")).toBe("'+44 7700 900000");
    expect(csvCell("-1+2")).toBe("'-1+2");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tcmd")).toBe("'\tcmd");
    expect(csvCell("Smith, John")).toBe('"Smith, John"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell(" padded ")).toBe('" padded "');
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(new Date("2025-09-14T00:00:00Z"))).toBe("2025-09-14T00:00:00.000Z");
    expect(csvCell({ a: "x,y" })).toBe('"{""a"":""x,y""}"');
    expect(csvLine(["a", "b,c", null])).toBe('a,"b,c",\r\n');
    expect(parseCsv(csvLine(["=1+1", 'say "hi"', "x\r\ny"]))).toEqual([["'=1+1", 'say "hi"', "x\r\ny"]]);
  });
});

describe("audit log export", () => {
  let t: TestDb;
  let rebook: TestApp;
  let admin: AuthHeaders;

  beforeAll(async () => {
    t = await engines[1].open();
    rebook = await buildTestApp(t.db);
    admin = await rebook.signIn("admin", { displayName: "Ada Admin" });
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("exports every entry newest first as safe CSV, across pages, and audits the export", async () => {
    // 1,100 older entries (more than one page), then two with hostile text.
    await t.db.query(
      `INSERT INTO audit_log (at, actor_user_id, actor_label, action, details, ip)
       SELECT now() - make_interval(mins => g), NULL, 'System', 'test.bulk', jsonb_build_object('n', g), NULL
       FROM generate_series(1, 1100) g`,
    );
    await recordAudit(t.db, {
      actorUserId: null,
      actorLabel: '=HYPERLINK("http://evil.example","click")',
      action: "error_queue.discarded",
      details: {
        entryId: "5d1c0f2a-7a5d-4b1e-9e95-4bad0c5a6e05",
        pkbMessageId: "4821",
        heldFor: "storage refused this message (SQLSTATE P0001)",
        reason: "a, b\nc",
      },
      ip: "10.0.0.9",
    });
    const res = await rebook.app.inject({ method: "GET", url: "/api/audit/export.csv", headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toMatch(/^attachment; filename="rebook-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.body.startsWith("\uFEFF")).toBe(true);
    const rows = parseCsv(res.body.slice(1));
    expect(rows[0]).toEqual(["at", "actor_user_id", "actor", "action", "request_id", "ip", "details"]);
    const data = rows.slice(1);
    const [{ n }] = (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log")) as [{ n: number }];
    expect(data).toHaveLength(n);
    const times = data.map((r) => Date.parse(r[0]!));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const hostile = data.find((r) => r[3] === "error_queue.discarded")!;
    expect(hostile[2]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(JSON.parse(hostile[6]!)).toEqual({
      entryId: "5d1c0f2a-7a5d-4b1e-9e95-4bad0c5a6e05",
      pkbMessageId: "4821",
      heldFor: "storage refused this message (SQLSTATE P0001)",
      reason: "a, b\nc",
    });
    expect(hostile[5]).toBe("10.0.0.9");
    for (const r of data) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

    const filtered = await rebook.app.inject({
      method: "GET",
      url: "/api/audit/export.csv?action=error_queue.discarded",
      headers: admin,
    });
    expect(
      parseCsv(filtered.body.slice(1))
        .slice(1)
        .map((r) => r[3]),
    ).toEqual(["error_queue.discarded"]);
    const exports = await t.db.query<{ actor_label: string }>(
      "SELECT actor_label FROM audit_log WHERE action = 'audit.exported'",
    );
    expect(exports).toEqual([{ actor_label: "Ada Admin" }, { actor_label: "Ada Admin" }]);
  });
});
