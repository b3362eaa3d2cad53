// The pipeline's statements (and the reports' reads of raw rows) use the indexes made for them (migration pipeline_indexes) on
// PostgreSQL, and none of them reads more as the tables grow: EXPLAIN (ANALYZE, BUFFERS) at 2,000 and at 20,000
// requests (half of them due for the pipeline, with their history), after ANALYZE, reads about the same number of
// pages. Without the indexes the claim sorts every due row and the conversation look-up scans every request.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, Queryable } from "../../src/store/db.ts";
import { claimDue } from "../../src/jobs/due-work.ts";
import { countRequests, listRequests, type RequestFilter } from "../../src/store/request-queries.ts";
import { readConversationsSoFar } from "../../src/store/messages.ts";
import { SCRUB_REQUESTS_MESSAGES } from "../../src/store/retention.ts";
import { foldRepeatInto, requestsWithSameAppointment } from "../../src/store/settle.ts";
import { PIPELINE_QUEUE, requestReader } from "../../src/sync/process.ts";
import { engines, type TestDb } from "../helpers/db.ts";

/**
 * Requests first..last: up to 2,000 a third due for the pipeline, a third open (assigned in team 1 or 2), a third done;
 * beyond, half due and half done: the backlog and the history grow, the open work stays what a team can hold.
 */
async function seed(db: Queryable, first: number, last: number): Promise<void> {
  await db.query(
    `INSERT INTO pkb_messages (pkb_message_id, conversation_id, subject, content, sent_at, raw, kind)
     SELECT 'm-' || g, 'c-' || g, 'Request to change appointment', '', now() - (g || ' minutes')::interval, '{}', 'request'
     FROM generate_series($1::int, $2::int) g`,
    [first, last],
  );
  await db.query(
    `WITH t AS (SELECT array_agg(id ORDER BY name) AS ids FROM teams),
       u AS (SELECT array_agg(id ORDER BY email) AS ids FROM users),
       s AS (SELECT g, CASE WHEN g <= 2000 THEN (ARRAY['processing', 'open', 'done'])[1 + g % 3]
                            ELSE (ARRAY['processing', 'done'])[1 + g % 2] END AS status
             FROM generate_series($1::int, $2::int) g)
     INSERT INTO appointment_requests (pkb_message_id, conversation_id, received_at, type, parse_status, status,
       next_attempt_at, team_id, assigned_user_id, outcome)
     SELECT 'm-' || g, 'c-' || g, now() - (g || ' minutes')::interval, 'change', 'parsed', s.status,
       -- Requests stored by one transaction share next_attempt_at (its now()): ties the claim must order by received_at.
       CASE WHEN s.status = 'processing' THEN timestamptz '2025-01-01 00:00Z' END,
       -- Team by g / 2: beyond 2,000 the done rows (odd g) go to both teams, so each team's history grows.
       CASE WHEN s.status <> 'processing' THEN t.ids[1 + (g / 2) % 2] END,
       CASE WHEN s.status <> 'processing' THEN u.ids[1 + g % 4] END,
       CASE WHEN s.status = 'done' THEN 'rebooked' END
     FROM s, t, u`,
    [first, last],
  );
  // Every request has its patient (names varied, some with accents), specialty and appointment id, for the search;
  // beyond 2,000 they differ, so that a search finds the same few requests in a larger store.
  await db.query(
    `INSERT INTO patients (pkb_user_id, nhs_number, first_name, last_name, raw, fetched_at)
     SELECT 'p-' || g, lpad(g::text, 10, '0'),
       (ARRAY['Anna', 'Łukasz', 'Zoë', 'Mohammed', 'Siobhán'])[1 + g % 5],
       CASE WHEN g <= 2000 THEN (ARRAY['Smith', 'Wiśniewski', 'Nguyễn', 'Jones', 'Brontë', 'Ó Súilleabháin', 'Patel'])[1 + g % 7] || (g % 997)
            ELSE 'Later' || g END,
       '{}', now()
     FROM generate_series($1::int, $2::int) g`,
    [first, last],
  );
  await db.query(
    `UPDATE appointment_requests r SET patient_pkb_id = 'p-' || substr(r.pkb_message_id, 3),
       nhs_number = lpad(substr(r.pkb_message_id, 3), 10, '0'),
       appointment_external_id = CASE WHEN $2::int <= 2000 THEN 'APT-' ELSE 'REF-' END || substr(r.pkb_message_id, 3),
       appointment_specialty_display = CASE WHEN $2::int > 2000 THEN 'Neurology' ELSE (ARRAY['Cardiology', 'Dermatology', 'Ophthalmology', 'Trauma and orthopaedics',
         'Urology', 'Gastroenterology', 'Respiratory medicine'])[1 + substr(r.pkb_message_id, 3)::int % 7] || ' ' || (substr(r.pkb_message_id, 3)::int % 101) END
     WHERE substr(r.pkb_message_id, 3)::int BETWEEN $1 AND $2`,
    [first, last],
  );
  await db.query(
    `INSERT INTO request_events (request_id, at, actor_user_id, type, data)
     SELECT r.id, r.received_at + v.mins * interval '1 minute', NULL, v.type, v.data::jsonb
     FROM appointment_requests r JOIN pkb_messages m ON m.pkb_message_id = r.pkb_message_id
     CROSS JOIN LATERAL (VALUES (0, 'received', '{}', true),
       (1, 'status_changed', '{"from":"processing","to":"open"}', r.status <> 'processing'),
       (2, 'status_changed', '{"from":"open","to":"done"}', r.status = 'done')) v(mins, type, data, keep)
     WHERE v.keep AND substr(m.pkb_message_id, 3)::int BETWEEN $1 AND $2`,
    [first, last],
  );
  // VACUUM too, so the visibility map (which decides how many heap pages an index-only scan reads) does not depend on
  // whether autovacuum has run yet on a busy machine.
  await db.query("VACUUM ANALYZE");
}

/** A statement with its parameters written in as literals (EXPLAIN takes no parameters). */
function inline(sql: string, params: readonly unknown[]): string {
  const literal = (v: unknown): string => {
    if (v === null || v === undefined) return "NULL";
    if (typeof v === "number") return String(v);
    if (v instanceof Date) return `'${v.toISOString()}'`;
    if (Array.isArray(v)) return `'{${v.map((x) => String(x as string | number)).join(",")}}'`;
    if (typeof v !== "string") throw new Error(`no literal for ${typeof v}`);
    return `'${v.replace(/'/g, "''")}'`;
  };
  return sql.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]));
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Shared Hit Blocks": number;
  "Shared Read Blocks": number;
  Plans?: PlanNode[];
}
const nodes = (p: PlanNode): PlanNode[] => [p, ...(p.Plans ?? []).flatMap(nodes)];

/** EXPLAIN ANALYZE of the statement in a transaction rolled back afterwards: its plan's nodes and pages read. */
async function explain(db: Db, sql: string, params: readonly unknown[]): Promise<{ plan: PlanNode[]; pages: number }> {
  return db.withSession(async (s) => {
    await s.query("BEGIN");
    try {
      const [row] = await s.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${inline(sql, params)}`,
      );
      const top = row!["QUERY PLAN"][0].Plan;
      return { plan: nodes(top), pages: top["Shared Hit Blocks"] + top["Shared Read Blocks"] };
    } finally {
      await s.query("ROLLBACK");
    }
  });
}

/** Records the statements a function sends (inside its transactions too). */
function recording(db: Db): { db: Db; statements: { sql: string; params: readonly unknown[] }[] } {
  const statements: { sql: string; params: readonly unknown[] }[] = [];
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params = []) => {
      statements.push({ sql, params });
      return q.query(sql, params);
    },
  });
  const recorded: Db = {
    engine: db.engine,
    query: (sql, params) => wrap(db).query(sql, params),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    withSession: (fn) => db.withSession(fn),
    readSnapshot: (sql, params, opts) => {
      statements.push({ sql, params });
      return db.readSnapshot(sql, params, opts);
    },
    close: () => db.close(),
  };
  return { db: recorded, statements };
}

/** A check of a look-up by one value: the statement, with that value, must use the index. */
const lookup = (name: string, index: string, sql: string, value: string) => ({
  name,
  index,
  statement: async () => ({ sql, params: [value] }),
});

describe("pipeline and report statements on postgres", () => {
  let t: TestDb;
  let team: string;
  const checks: {
    name: string;
    index: string | null;
    /**
     * A search sorts the few rows it found (the urgency order is computed) and may read the small tables whole (teams;
     * PKB confirmations, empty in this seed); it must never scan requests or patients.
     */
    sorts?: boolean;
    /**
     * A search's bound at 20k when it is above 2 × its 2k figure. PostgreSQL picks, by a close cost, either a BitmapAnd of
     * the ids found with the open-work index (18–33 pages) or a scan of the open work filtered by those ids (78–88
     * pages), and which one varied from run to run. Both read only the open work (~670 requests here, the same at 2k
     * and 20k); reading the history would be hundreds of pages at 20k. So the bound is the open work's size in pages.
     */
    maxPages?: number;
    /** The index is read alone (an index-only scan), never the rows it points to. */
    indexOnly?: boolean;
    /** Checked at 20,000 requests only (at 2,000 a scan of the whole table is the cheaper plan). */
    largeOnly?: boolean;
    statement: () => Promise<{ sql: string; params: readonly unknown[] }>;
  }[] = [];
  const measured = new Map<string, number[]>();

  beforeAll(async () => {
    t = await engines[1].open();
    await t.db.query("INSERT INTO teams (name) VALUES ('Team 1'), ('Team 2')");
    await t.db.query(
      "INSERT INTO users (email, display_name, role) SELECT 'u' || g || '@trust.example', 'U' || g, 'clerk' FROM generate_series(1, 4) g",
    );
    [{ id: team }] = (await t.db.query<{ id: string }>("SELECT id FROM teams ORDER BY name LIMIT 1")) as [
      { id: string },
    ];
    const now = new Date();
    /** The worklist's most urgent first page with this filter: its statement, recorded from listRequests itself. */
    const worklistPage = (filter: RequestFilter) => async () => {
      const r = recording(t.db);
      await listRequests(r.db, { filter, sort: "deadline", limit: 50, urgency: { now, dueSoonMs: 4 * 3600_000 } });
      return r.statements.find((st) => /FROM appointment_requests r/.test(st.sql))!;
    };
    checks.push(
      {
        name: "the pipeline's claim (src/jobs/due-work.ts claimDue, PIPELINE_QUEUE)",
        index: "appointment_requests_claim",
        statement: async () => {
          // The real statement, recorded from the claim itself (its claim of 32 rows stays: harmless here).
          const r = recording(t.db);
          await claimDue(r.db, PIPELINE_QUEUE, { limit: 32, leaseMs: 120_000 });
          return r.statements.find((st) => /FOR UPDATE SKIP LOCKED/.test(st.sql))!;
        },
      },
      {
        name: "the pipeline's batch read of the requests it starts (src/sync/process.ts requestReader)",
        index: null,
        // The connection to use is picked per row from pkb_connections (a handful of rows), sorted: only that sorts.
        sorts: true,
        statement: async () => {
          const ids = await t.db.query<{ id: string }>(
            "SELECT id FROM appointment_requests WHERE status = 'processing' ORDER BY received_at DESC LIMIT 8",
          );
          const r = recording(t.db);
          const read = requestReader(r.db);
          await Promise.all(ids.map((x) => read(x.id)));
          return r.statements.find((st) => /= ANY\(\$1::uuid\[\]\)/.test(st.sql))!;
        },
      },
      {
        name: "which of a batch's results have another request about the same appointment (src/store/settle.ts)",
        index: null,
        statement: async () => {
          // 32 patients who have requests, as a batch of the pipeline's results would name them.
          const rows = await t.db.query<{ id: string; nhs_number: string; requested_start: Date | null }>(
            "SELECT id, nhs_number, requested_start FROM appointment_requests WHERE status = 'processing' ORDER BY received_at DESC LIMIT 32",
          );
          const r = recording(t.db);
          await requestsWithSameAppointment(
            r.db,
            rows.map((x) => ({
              requestId: x.id,
              nhsNumber: x.nhs_number,
              patientPkbId: null,
              fhirId: `fhir-${x.id}`,
              externalId: `ext-${x.id}`,
              requestedStart: x.requested_start,
              requestedSubject: "Eye clinic",
              startShared: false,
            })),
          );
          return r.statements[0]!;
        },
      },
      {
        name: "what a poll's conversations hold so far (src/store/messages.ts readConversationsSoFar)",
        index: "appointment_requests_conversation",
        sorts: true, // the few rows found, grouped by conversation
        statement: async () => {
          // A poll's batch: 100 conversations, half already known, half new.
          const ids = Array.from({ length: 100 }, (_, i) => (i % 2 ? `c-${1000 + i}` : `c-new-${i}`));
          const r = recording(t.db);
          await readConversationsSoFar(r.db, ids);
          return r.statements[0]!;
        },
      },
      {
        name: "latest request of a conversation without one (src/sync/ingest.ts)",
        index: "appointment_requests_conversation",
        statement: async () => ({
          sql: "SELECT id FROM appointment_requests WHERE conversation_id = $1 AND received_at <= $2 ORDER BY received_at DESC, id DESC LIMIT 1",
          params: ["c-none", now],
        }),
      },
      {
        name: "latest request of a conversation with one",
        index: "appointment_requests_conversation",
        statement: async () => ({
          sql: "SELECT id FROM appointment_requests WHERE conversation_id = $1 AND received_at <= $2 ORDER BY received_at DESC, id DESC LIMIT 1",
          params: ["c-1000", now],
        }),
      },
      {
        name: "follow-ups stored before their request (src/sync/ingest.ts)",
        index: "pkb_messages_conversation",
        statement: async () => ({
          sql: `UPDATE pkb_messages SET kind = 'follow_up', request_id = NULL
                WHERE conversation_id = $1 AND sent_at > $2 AND kind = 'unrelated' RETURNING pkb_message_id`,
          params: ["c-1000", new Date(0)],
        }),
      },
      // Migration 0027 dropped the single-column indexes on these: the same-appointment indexes lead with them.
      lookup(
        "a patient's requests by NHS number (the same-appointment look-ups, src/store/settle.ts)",
        "appointment_requests_same_appointment",
        "SELECT id, status FROM appointment_requests WHERE nhs_number = $1",
        "0000001234",
      ),
      lookup(
        "a patient's requests by PKB patient id (the audit's and the search's joins, retention)",
        "appointment_requests_same_appointment_pkb",
        "SELECT id, status FROM appointment_requests WHERE patient_pkb_id = $1",
        "p-1234",
      ),
      {
        name: "a clerk's requests (the worklist's assignee filter, src/store/request-queries.ts)",
        index: "appointment_requests_assignee",
        statement: async () => {
          // A clerk with few requests (each seeded clerk has a quarter of the worked ones, where a scan may be cheaper).
          const [user] = await t.db.query<{ id: string }>(
            "INSERT INTO users (email, display_name, role) VALUES ($1, 'New', 'clerk') RETURNING id",
            [`new-${randomUUID()}@trust.example`],
          );
          await t.db.query(
            `UPDATE appointment_requests SET assigned_user_id = $1
             WHERE id IN (SELECT id FROM appointment_requests WHERE status = 'open' ORDER BY received_at LIMIT 3)`,
            [user!.id],
          );
          return {
            sql: "SELECT id, status FROM appointment_requests r WHERE r.assigned_user_id = $1::uuid",
            params: [user!.id],
          };
        },
      },
      lookup(
        "requests by specialty (the worklist's and the reports' filter, src/store/request-queries.ts)",
        "appointment_requests_specialty",
        "SELECT id FROM appointment_requests r WHERE r.appointment_specialty_code = $1",
        "130",
      ),
      lookup(
        "requests about one trust appointment (src/store/settle.ts, the same appointment)",
        "appointment_requests_external_id",
        "SELECT id, status FROM appointment_requests r WHERE r.appointment_external_id = $1",
        "APT-1234",
      ),
      {
        name: "open work of a team's members, for auto-assignment (src/store/requests.ts)",
        index: "appointment_requests_team_open_assigned",
        statement: async () => ({
          sql: `SELECT assigned_user_id, count(*)::int AS n FROM appointment_requests
                WHERE team_id = $1 AND status IN ('open', 'in_progress') AND assigned_user_id IS NOT NULL
                GROUP BY assigned_user_id`,
          params: [team],
        }),
      },
      {
        // Migration 0028: the ranks (deadline state at now, priority) are computed over the team's open work read from
        // the index alone, and only the page's 51 rows are read in full.
        name: "the worklist's most urgent first page of a team (src/store/request-queries.ts listRequests)",
        index: "appointment_requests_open_deadline",
        indexOnly: true,
        sorts: true,
        // At 2,000 requests PostgreSQL rightly reads the small table whole rather than the index. At 20,000 it reads
        // the team's open work (~330 requests, as at 2k) from the index alone, then the page's 51 rows by id with their
        // patient, team and confirmation (~6 pages a row, 324 in all when written): a bound of its own.
        largeOnly: true,
        maxPages: 450,
        statement: worklistPage({ status: ["open", "in_progress"], teamIds: [team] }),
      },
      {
        // Migration 0030 left empty values out of the team's index: the open work with no team comes from the open
        // work's own index, never a scan of the history.
        name: "the worklist's open requests with no team (src/store/request-queries.ts listRequests)",
        index: null,
        sorts: true,
        largeOnly: true,
        maxPages: 450,
        statement: worklistPage({ status: ["open", "in_progress"], teamId: "none" }),
      },
      {
        // Counting stops at COUNT_CAP (10,000): a team with a long history is not counted whole on every page. The
        // team here has ~670 requests at 2k and ~5,200 at 20k, so its count reads more index entries (up to the cap's
        // worth), never the table.
        name: "a team's worklist total (src/store/request-queries.ts countRequests)",
        index: "appointment_requests_team",
        indexOnly: true,
        maxPages: 120,
        statement: async () => {
          const r = recording(t.db);
          await countRequests(r.db, { teamIds: [team] });
          return r.statements[0]!;
        },
      },
      // Each search's own look-up (src/store/request-queries.ts searchCondition): by name through the patients' indexes,
      // by the trust's appointment id, NHS number or specialty through the requests' partial indexes (migration 0030).
      ...(
        [
          ["wisniewski12", "patients_last_name_fold"],
          ["APT-1234", "appointment_requests_external_id_prefix"],
          ["943-000-1234", "appointment_requests_same_appointment"],
          ["cardiology 5", "appointment_requests_specialty_name"],
        ] as const
      ).map(([q, index]) => ({
        name: `the worklist searched for "${q}" (src/store/request-queries.ts listRequests)`,
        index,
        sorts: true,
        maxPages: 120,
        statement: worklistPage({ q, status: ["open", "in_progress"], teamIds: [team] }),
      })),
      {
        name: "retention's scrub of the purged requests' messages (src/store/retention.ts)",
        index: "pkb_messages_request_id",
        // At 2,000 a scan of the requests is the cheaper way to find a hundred of them.
        largeOnly: true,
        maxPages: 2_000,
        statement: async () => {
          const ids = await t.db.query<{ id: string }>(
            "SELECT id FROM appointment_requests WHERE status = 'done' ORDER BY received_at LIMIT 100",
          );
          return { sql: SCRUB_REQUESTS_MESSAGES, params: [ids.map((r) => r.id)] };
        },
      },
      {
        name: "deadlines still ahead, for the reports' pending figure (src/reports/summary.ts)",
        index: "appointment_requests_deadline",
        statement: async () => ({
          sql: `SELECT count(*) FROM appointment_requests r LEFT JOIN request_timings rt ON rt.request_id = r.id
                WHERE r.deadline_at >= $1 AND rt.outcome_at IS NULL AND r.received_at >= $2 AND r.received_at < $3`,
          params: [new Date(now.getTime() + 80 * 3600_000), new Date(0), now],
        }),
      },
      {
        name: "today's moves into or out of done, for the backlog (src/reports/backlog.ts)",
        index: "request_events_done_moves",
        statement: async () => ({
          sql: `SELECT coalesce(sum(report_backlog_move(e.type, e.data)), 0)
                FROM request_events e JOIN appointment_requests r ON r.id = e.request_id
                WHERE e.type = 'status_changed' AND e.at >= $1 AND e.at < $2
                  AND coalesce(e.data->>'to' = 'done', false) <> coalesce(e.data->>'from' = 'done', false)`,
          params: [new Date(now.getTime() + 3600_000), new Date(now.getTime() + 7200_000)],
        }),
      },
    );
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const measureAll = async (large: boolean): Promise<void> => {
    for (const c of checks) {
      if (c.largeOnly && !large) continue;
      const { sql, params } = await c.statement();
      const { plan, pages } = await explain(t.db, sql, params);
      if (c.index) {
        expect(
          plan.map((n) => n["Index Name"]),
          c.name,
        ).toContain(c.index);
      }
      if (c.indexOnly) {
        expect(
          plan.filter((n) => n["Index Name"] === c.index).map((n) => n["Node Type"]),
          `${c.name}: an index-only scan`,
        ).toEqual(["Index Only Scan"]);
      }
      expect(
        plan
          .filter(
            (n) =>
              (n["Node Type"] === "Sort" && !c.sorts) ||
              (n["Node Type"] === "Seq Scan" &&
                (!c.sorts || ["appointment_requests", "patients"].includes(n["Relation Name"] ?? ""))),
          )
          .map((n) => `${n["Node Type"]} ${n["Relation Name"] ?? ""}`.trim()),
        `${c.name}: no ${c.sorts ? "" : "sort, no "}sequential scan`,
      ).toEqual([]);
      measured.set(c.name, [...(measured.get(c.name) ?? []), pages]);
    }
  };

  // Loading 18,000 requests with their history (and triggers) takes a while on a busy machine: a generous limit.
  it("use their indexes with 2,000 requests", { timeout: 180_000 }, async () => {
    await seed(t.db, 1, 2_000);
    await measureAll(false);
  });

  it("use them with 20,000 and read about as many pages as with 2,000", { timeout: 180_000 }, async () => {
    await seed(t.db, 2_001, 20_000);
    await measureAll(true);
    for (const [name, [small, large]] of measured) {
      if (large === undefined) {
        // Checked at 20,000 only: against its own bound.
        expect(small, `${name}: ${small} pages at 20k`).toBeLessThanOrEqual(
          checks.find((c) => c.name === name)!.maxPages!,
        );
        continue;
      }
      const bound = Math.max(2 * small! + 6, checks.find((c) => c.name === name)?.maxPages ?? 0);
      expect(large, `${name}: ${small} pages at 2k, ${large} at 20k`).toBeLessThanOrEqual(bound);
    }
  });

  // A repeat's messages move to the open request and its row goes: the move, and the two foreign keys' ON DELETE SET
  // NULL (pkb_messages.request_id, appointment_requests.previous_request_id), each find rows by a column of their own.
  // Without their indexes (migration 0029) each read the whole table: ~320 ms a fold at 100,000 requests.
  it(
    "fold a repeat into its open request without reading the whole of the messages or the requests",
    { timeout: 180_000 },
    async () => {
      await t.db.query(
        `UPDATE pkb_messages m SET request_id = r.id FROM appointment_requests r
         WHERE r.pkb_message_id = m.pkb_message_id AND m.request_id IS NULL`,
      );
      await t.db.query("VACUUM ANALYZE pkb_messages, appointment_requests");
      const [open] = await t.db.query<{ id: string }>(
        "SELECT id FROM appointment_requests WHERE status = 'open' ORDER BY received_at DESC LIMIT 1",
      );
      const [repeat] = await t.db.query<{ id: string }>(
        "SELECT id FROM appointment_requests WHERE status = 'processing' ORDER BY received_at DESC LIMIT 1",
      );
      expect(open && repeat, "the 20,000 seeded by the tests above").toBeTruthy();
      // The fold's own scans: the counts before and after it, in its transaction (PostgreSQL 15's xact counts also
      // hold what this connection's earlier transactions did until its statistics are next flushed).
      const seqScans = async (tx: Queryable): Promise<Record<string, number>> =>
        Object.fromEntries(
          (
            await tx.query<{ relname: string; seq_scan: number }>(
              `SELECT relname, seq_scan::int FROM pg_stat_xact_user_tables
               WHERE relname IN ('pkb_messages', 'appointment_requests')`,
            )
          ).map((r) => [r.relname, r.seq_scan]),
        );
      const scans = await t.db.transaction(async (tx) => {
        const before = await seqScans(tx);
        await foldRepeatInto(tx, repeat!.id, open!.id);
        const after = await seqScans(tx);
        return Object.fromEntries(Object.entries(after).map(([rel, n]) => [rel, n - (before[rel] ?? 0)]));
      });
      expect(scans).toEqual({ appointment_requests: 0, pkb_messages: 0 });
      const moved = await t.db.query<{ request_id: string }>(
        "SELECT request_id FROM pkb_messages WHERE request_id = ANY($1::uuid[])",
        [[open!.id, repeat!.id]],
      );
      expect(moved.map((m) => m.request_id)).toEqual([open!.id, open!.id]);
    },
  );

  // Collection stores a request with no team, assignee, NHS number, appointment or specialty yet; the indexes on those
  // columns hold only the requests that have one (migration 0030), so a request not yet worked writes none of them.
  // Last: it empties the not-yet-worked requests' NHS numbers, appointments and specialties.
  // Emptying ~9,700 requests' columns runs their triggers: a generous limit on a busy machine.
  it(
    "keep no entry for a request not yet worked in the indexes of what working it finds",
    { timeout: 180_000 },
    async () => {
      const indexed = {
        appointment_requests_team: "team_id",
        appointment_requests_assignee: "assigned_user_id",
        appointment_requests_same_appointment: "nhs_number",
        appointment_requests_external_id: "appointment_external_id",
        appointment_requests_external_id_prefix: "appointment_external_id",
        appointment_requests_specialty: "appointment_specialty_code",
        appointment_requests_specialty_name: "appointment_specialty_display",
      };
      await t.db.query(
        `UPDATE appointment_requests SET nhs_number = NULL, appointment_external_id = NULL,
         appointment_specialty_display = NULL WHERE status = 'processing'`,
      );
      // VACUUM counts each index's entries (pg_class.reltuples).
      await t.db.query("VACUUM ANALYZE appointment_requests");
      const entries = Object.fromEntries(
        (
          await t.db.query<{ relname: string; n: number }>(
            "SELECT relname, reltuples::int AS n FROM pg_class WHERE relname = ANY($1::text[])",
            [Object.keys(indexed)],
          )
        ).map((r) => [r.relname, r.n]),
      );
      const expected: Record<string, number> = {};
      for (const [index, column] of Object.entries(indexed)) {
        const [row] = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM appointment_requests WHERE ${column} IS NOT NULL`,
        );
        expected[index] = row!.n;
      }
      const [processing] = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM appointment_requests WHERE status = 'processing'",
      );
      expect(processing!.n, "requests not yet worked, from the tests above").toBeGreaterThan(5_000);
      // VACUUM counts what it found, so an entry of a row version a transaction could still see would count too (none
      // here: this database is the test's alone); an index with an entry per request would hold ~9,700 more.
      for (const [index, n] of Object.entries(expected)) {
        expect(entries[index], index).toBeGreaterThanOrEqual(n);
        expect(entries[index], index).toBeLessThan(n + processing!.n / 10);
      }
    },
  );
});
