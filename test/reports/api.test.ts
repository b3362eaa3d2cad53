// The report API's edges: who may read it, parameter validation with clear 400s, the OpenAPI document, the CSV
// downloads' headers and encoding, and the audit entry of a row-level export. CSV cell encoding as a unit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvCell, csvDocument, csvLine } from "../../src/reports/csv.ts";
import { listAudit } from "../../src/store/audit.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";
import { parseCsv, signedIn } from "./fixtures.ts";

const ENDPOINTS = ["volume", "backlog", "timings", "outcomes", "summary", "rows"];
const RANGE = "from=2025-03-01&to=2025-03-31";

describe("CSV cells", () => {
  it("quotes per RFC 4180 and defuses formulas in text, not numbers", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi", twice')).toBe('"say ""hi"", twice"');
    expect(csvCell("two\r\nlines")).toBe('"two\r\nlines"');
    expect(csvCell("=1+2")).toBe("'=1+2");
    expect(csvCell("+44 20")).toBe("'+44 20");
    expect(csvCell("-x")).toBe("'-x");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tcmd")).toBe("'\tcmd");
    expect(csvCell('=A1,"b"')).toBe(`"'=A1,""b"""`);
    expect(csvCell(-3.5)).toBe("-3.5");
    expect(csvCell(0)).toBe("0");
    expect(csvCell(null)).toBe("");
    expect(csvCell(true)).toBe("true");
    expect(csvCell(new Date("2025-10-26T01:30:00Z"))).toBe("2025-10-26T01:30:00.000Z");
    expect(csvLine(["a", 1, null])).toBe("a,1,\r\n");
  });

  it("writes documents that parse back to the same fields", () => {
    const fields = ["héllo – ünïcode", 'a "quoted", text', "line\nbreak", "=danger", ""];
    const doc = csvDocument({ header: ["a", "b", "c", "d", "e"], rows: [fields] });
    expect(doc.startsWith("\uFEFFa,b,c,d,e\r\n")).toBe(true);
    expect(parseCsv(doc)).toEqual([
      ["a", "b", "c", "d", "e"],
      [...fields.slice(0, 3), "'=danger", ""],
    ]);
  });
});

describe.each(engines)("report API on $name", (engine) => {
  let t: TestDb;
  let rebook: TestApp;

  beforeAll(async () => {
    t = await engine.open();
    rebook = await buildTestApp(t.db);
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("needs a signed-in user who may read reports: 401 without, 403 for a clerk, 200 for the others", async () => {
    for (const name of ENDPOINTS) {
      const anonymous = await rebook.app.inject({ method: "GET", url: `/api/reports/${name}?${RANGE}` });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toEqual({ error: { code: "unauthenticated", message: "Sign in to continue" } });
    }
    const clerk = await signedIn(t.db, rebook.app, "clerk", rebook.config.session);
    for (const name of ENDPOINTS) {
      const res = await clerk.get(`/api/reports/${name}.csv?${RANGE}`);
      expect(res.status).toBe(403);
    }
    for (const role of ["viewer", "team_lead", "admin"] as const) {
      const reader = await signedIn(t.db, rebook.app, role, rebook.config.session);
      for (const name of ENDPOINTS) {
        expect((await reader.get(`/api/reports/${name}?${RANGE}`)).status).toBe(200);
        expect((await reader.get(`/api/reports/${name}.csv?${RANGE}`)).status).toBe(200);
      }
    }
  });

  it("rejects bad parameters with a 400 that says what is wrong", async () => {
    const { get } = await signedIn(t.db, rebook.app, "viewer", rebook.config.session);
    const bad = async (query: string, path = "volume"): Promise<string> => {
      const res = await get(`/api/reports/${path}?${query}`);
      expect(res.status, query).toBe(400);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("fst_err_validation");
      return body.error.message;
    };
    expect(await bad("from=2025-03-02&to=2025-03-01")).toMatch(/to.*must not be before from \(2025-03-02\)/);
    expect(await bad("from=2024-01-01&to=2026-01-01")).toMatch(/shorter than 2 years/);
    expect(await bad("from=2025-02-29&to=2025-03-01")).toMatch(/from/);
    expect(await bad("from=2025-03-01")).toMatch(/to/);
    expect(await bad(`${RANGE}&bucket=year`)).toMatch(/bucket/);
    expect(await bad(`${RANGE}&type=move`)).toMatch(/type/);
    expect(await bad(`${RANGE}&team_id=alpha`)).toMatch(/team_id/);
    expect(await bad(`${RANGE}&limit=0`, "rows")).toMatch(/limit/);
    expect(await bad(`${RANGE}&bucket=year`, "volume.csv")).toMatch(/bucket/);
    const cursor = await get(`/api/reports/rows?${RANGE}&cursor=bm9wZQ`);
    expect(cursor.status).toBe(400);
    // Exactly two years less a day is allowed.
    expect((await get("/api/reports/volume?from=2024-01-01&to=2025-12-31&bucket=month")).status).toBe(200);
  });

  it("documents every report under the Reports tag", async () => {
    const doc = (await rebook.app.inject({ method: "GET", url: "/api/openapi.json" })).json<{
      paths: Record<string, { get?: { tags?: string[] } }>;
    }>();
    for (const name of ENDPOINTS) {
      for (const path of [`/api/reports/${name}`, `/api/reports/${name}.csv`]) {
        expect(doc.paths[path]?.get?.tags, path).toEqual(["Reports"]);
      }
    }
  });

  it("sends CSV as a UTF-8 download named after the report and range, and audits a row-level export", async () => {
    const viewer = await signedIn(t.db, rebook.app, "viewer", rebook.config.session);
    const res = await viewer.get(`/api/reports/backlog.csv?${RANGE}&bucket=week`);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toBe(
      'attachment; filename="rebook-backlog-2025-03-01-to-2025-03-31.csv"',
    );
    expect(res.body.charCodeAt(0)).toBe(0xfeff);
    expect(parseCsv(res.body)[0]).toEqual([
      "bucket",
      "bucket_from",
      "bucket_to",
      "bucket_start_utc",
      "bucket_start_local",
      "bucket_end_utc",
      "bucket_end_local",
      "at_utc",
      "at_local",
      "open",
    ]);
    const rows = await viewer.get(`/api/reports/rows.csv?${RANGE}&type=cancel`);
    expect(parseCsv(rows.body)).toHaveLength(1);
    const audit = await listAudit(t.db, { action: "report.rows_exported", cursor: null, limit: 100 });
    const mine = audit.items.filter((a) => a.actorUserId === viewer.userId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      actorUserId: viewer.userId,
      requestId: null,
      details: { from: "2025-03-01", to: "2025-03-31", type: "cancel", teamId: null, specialtyCode: null },
    });
  });
});
