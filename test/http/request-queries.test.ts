// The API's read-side queries on both engines: keyset paging visits every row exactly once in order (property-tested
// with duplicate sort keys), filters and search, the audit log, reorder and unique-violation detection, and the
// worklist's total counted up to its cap.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAudit, recordAudit } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/db.ts";
import { insertMessageIfNew } from "../../src/store/messages.ts";
import { upsertPatient } from "../../src/store/patients.ts";
import { createTeam, createUser } from "../../src/store/people.ts";
import { uniqueViolation } from "../../src/store/pg-errors.ts";
import {
  COUNT_CAP,
  countRequests,
  listRequests,
  listSpecialties,
  type RequestFilter,
  type RequestSort,
} from "../../src/store/request-queries.ts";
import { createFromMessage } from "../../src/requests/commands/create.ts";
import type { RequestStatus } from "../../src/requests/vocabulary.ts";
import { appendRule } from "../../src/store/routing-rules.ts";
import { listRuleViews, reorderRules } from "../../src/store/routing-rules-admin.ts";
import { engines, type TestDb } from "../helpers/db.ts";

interface Seeded {
  id: string;
  /** received_at in microseconds since the epoch (the store keeps microseconds). */
  receivedUs: number;
  status: RequestStatus;
  appointmentStart: Date | null;
  teamId: string | null;
}

const STATUSES: RequestStatus[] = ["processing", "open", "in_progress", "done", "error"];
// Few distinct instants, so many rows share a sort key (and one pair differs only in microseconds).
const INSTANTS = ["2025-09-01T08:00:00.000Z", "2025-09-01T08:00:00.001Z", "2025-09-02T12:00:00.000Z"];

/** A message and its request, with the given workflow fields set directly. */
async function seed(
  db: Db,
  r: { receivedAt: Date; status?: RequestStatus; patientPkbId?: string; nhsNumber?: string; externalId?: string },
): Promise<string> {
  const messageId = randomUUID();
  const conversationId = randomUUID();
  await insertMessageIfNew(
    db,
    {
      pkbMessageId: messageId,
      conversationId,
      subject: "Request to cancel appointment: Monday 6 October 2025 9:30am - Eye clinic",
      content: "",
      sentAt: r.receivedAt,
      senderId: r.patientPkbId ?? null,
      patientPkbId: r.patientPkbId ?? null,
      messageStatus: null,
      raw: {},
    },
    null,
  );
  const id = await db.transaction((tx) =>
    createFromMessage(tx, {
      pkbMessageId: messageId,
      conversationId,
      receivedAt: r.receivedAt,
      type: "cancel",
      parseStatus: "parsed",
      requestedStart: null,
      requestedSubject: "Eye clinic",
      patientNote: "",
      pkbTeamName: null,
      patientPkbId: r.patientPkbId ?? null,
    }),
  );
  await db.query(
    "UPDATE appointment_requests SET status = $2, nhs_number = $3, appointment_external_id = $4 WHERE id = $1",
    [id, r.status ?? "open", r.nhsNumber ?? null, r.externalId ?? null],
  );
  return id!;
}

const cmp = (a: number, b: number): number => a - b;
const byId = (a: Seeded, b: Seeded): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function expectedOrder(rows: Seeded[], sort: RequestSort): string[] {
  const sorted = [...rows].sort((a, b) => {
    // Ties go by id ascending when newest first, descending when oldest first (the indexes' order).
    if (sort === "received_desc") return cmp(b.receivedUs, a.receivedUs) || byId(a, b);
    if (sort === "received_asc") return cmp(a.receivedUs, b.receivedUs) || byId(b, a);
    const as = a.appointmentStart?.getTime() ?? Infinity;
    const bs = b.appointmentStart?.getTime() ?? Infinity;
    return (as === bs ? 0 : as < bs ? -1 : 1) || byId(a, b);
  });
  return sorted.map((r) => r.id);
}

async function walk(db: Db, opts: { filter: RequestFilter; sort: RequestSort; limit: number }): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 500; pages++) {
    const page: Awaited<ReturnType<typeof listRequests>> = await listRequests(db, { ...opts, cursor });
    expect(page.items.length).toBeLessThanOrEqual(opts.limit);
    seen.push(...page.items.map((i) => i.id));
    if (!page.nextCursor) return seen;
    expect(page.items.length).toBe(opts.limit);
    cursor = page.nextCursor;
  }
  throw new Error("paging did not end");
}

describe.each(engines)("API queries on $name", (engine) => {
  let t: TestDb;
  const rows: Seeded[] = [];
  let teamId: string;

  beforeAll(async () => {
    t = await engine.open();
    teamId = (await createTeam(t.db, { name: "Eyes" })).id;
    for (let i = 0; i < 36; i++) {
      const receivedAt = new Date(INSTANTS[i % INSTANTS.length]!);
      const status = STATUSES[i % STATUSES.length]!;
      const id = await seed(t.db, { receivedAt, status });
      const appointmentStart = i % 4 === 0 ? null : new Date(Date.UTC(2025, 9, 6 + (i % 3), 9, 30));
      const team = i % 2 === 0 ? teamId : null;
      await t.db.query("UPDATE appointment_requests SET appointment_start = $2, team_id = $3 WHERE id = $1", [
        id,
        appointmentStart,
        team,
      ]);
      rows.push({ id, receivedUs: receivedAt.getTime() * 1000, status, appointmentStart, teamId: team });
    }
    // Two rows a microsecond apart: a millisecond cursor would lose one of them.
    const micro = await seed(t.db, { receivedAt: new Date(INSTANTS[0]!), status: "open" });
    await t.db.query(
      "UPDATE appointment_requests SET received_at = received_at + interval '1 microsecond' WHERE id = $1",
      [micro],
    );
    const us = new Date(INSTANTS[0]!).getTime() * 1000 + 1;
    rows.push({ id: micro, receivedUs: us, status: "open", appointmentStart: null, teamId: null });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("pages through every row exactly once, in order, for any page size, sort and filter", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom<RequestSort>("received_desc", "received_asc", "appointment_start"),
        fc.subarray(STATUSES),
        fc.constantFrom<"any" | "team" | "none">("any", "team", "none"),
        async (limit, sort, statuses, team) => {
          const filter: RequestFilter = {
            status: statuses.length ? statuses : undefined,
            teamId: team === "any" ? undefined : team === "team" ? teamId : "none",
          };
          const wanted = rows.filter(
            (r) =>
              (!filter.status || filter.status.includes(r.status)) &&
              (team === "any" || (team === "team" ? r.teamId === teamId : r.teamId === null)),
          );
          const seen = await walk(t.db, { filter, sort, limit });
          const expected = expectedOrder(wanted, sort);
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("rejects a cursor from another sort or one that was tampered with", async () => {
    const page = await listRequests(t.db, { sort: "received_desc", limit: 2 });
    await expect(listRequests(t.db, { sort: "received_asc", limit: 2, cursor: page.nextCursor })).rejects.toMatchObject(
      { code: "invalid_cursor", status: 400 },
    );
    const forged = Buffer.from(JSON.stringify({ s: "received_desc", k: "'; DROP TABLE x", i: "1" })).toString(
      "base64url",
    );
    await expect(listRequests(t.db, { limit: 2, cursor: forged })).rejects.toMatchObject({ code: "invalid_cursor" });
    await expect(listRequests(t.db, { limit: 2, cursor: "%%%" })).rejects.toMatchObject({ code: "invalid_cursor" });
  });

  it("searches by name prefix, NHS number with spaces and external id, and treats LIKE wildcards literally", async () => {
    const pkbId = `p-${randomUUID()}`;
    await upsertPatient(t.db, {
      pkbUserId: pkbId,
      nhsNumber: "9434765919",
      title: "Ms",
      firstName: "Ann",
      lastName: "O'Hara-Smith",
      dob: "1970-01-01",
      gender: null,
      email: null,
      phone: null,
      raw: {},
      fetchedAt: new Date(),
    });
    const id = await seed(t.db, {
      receivedAt: new Date("2025-09-03T10:00:00Z"),
      patientPkbId: pkbId,
      nhsNumber: "9434765919",
      externalId: "APT-77%1",
    });
    const search = async (q: string): Promise<string[]> =>
      (await listRequests(t.db, { filter: { q }, limit: 200 })).items.map((i) => i.id);
    expect(await search("ann")).toEqual([id]);
    expect(await search("o'hara ANN")).toEqual([id]);
    expect(await search("Ann Jones")).toEqual([]);
    expect(await search("943 476 5919")).toEqual([id]);
    expect(await search("APT-77%1")).toEqual([id]);
    expect(await search("APT-77")).toEqual([id]); // the appointment id by its prefix, any case
    expect(await search("apt-77%")).toEqual([id]);
    expect(await search("APT-78")).toEqual([]);
    expect(await search("943-476-5919")).toEqual([id]);
    expect(await search("%")).toEqual([]);
    expect(await search("_nn")).toEqual([]);
    const [item] = (await listRequests(t.db, { filter: { q: "ann" }, limit: 1 })).items;
    expect(item?.patient).toEqual({ pkbUserId: pkbId, name: "Ann O'Hara-Smith", nhsNumber: "9434765919" });
    const received = await listRequests(t.db, {
      filter: { receivedFrom: new Date("2025-09-03T10:00:00Z"), receivedTo: new Date("2025-09-03T10:00:00.001Z") },
      limit: 10,
    });
    expect(received.items.map((i) => i.id)).toEqual([id]);
  });

  it("finds names without accents or case, and a specialty by the start of its name", async () => {
    const pkbId = `p-${randomUUID()}`;
    const last = `Wiśniewski${randomUUID().slice(0, 4)}`;
    await upsertPatient(t.db, {
      pkbUserId: pkbId,
      nhsNumber: "9434765870",
      title: "Mr",
      firstName: "Łukasz",
      lastName: last,
      dob: "1970-01-01",
      gender: null,
      email: null,
      phone: null,
      raw: {},
      fetchedAt: new Date(),
    });
    const id = await seed(t.db, { receivedAt: new Date("2025-09-04T10:00:00Z"), patientPkbId: pkbId });
    const specialty = `Ophthalmology ${randomUUID().slice(0, 6)}`;
    await t.db.query("UPDATE appointment_requests SET appointment_specialty_display = $2 WHERE id = $1", [
      id,
      specialty,
    ]);
    const search = async (q: string): Promise<string[]> =>
      (await listRequests(t.db, { filter: { q }, limit: 200 })).items.map((i) => i.id);
    const ascii = last.replace("ś", "s");
    expect(await search(ascii)).toEqual([id]);
    expect(await search(ascii.toUpperCase())).toEqual([id]);
    expect(await search(`lukasz ${ascii.slice(0, 6)}`)).toEqual([id]);
    expect(await search("Łukasz")).toContain(id);
    expect(await search(`${ascii} Jan`)).toEqual([]);
    expect(await search(specialty.toLowerCase())).toEqual([id]);
    expect(await search(`ophthalmology ${specialty.slice(14, 18)}`)).toEqual([id]);
    expect(await search(`thalmology ${specialty.slice(14)}`)).toEqual([]);
  });

  it("pages the audit log newest first, filtered by request and action", async () => {
    const requestId = rows[0]!.id;
    for (let i = 0; i < 5; i++) {
      await recordAudit(t.db, { actorUserId: null, actorLabel: "local API", action: "request.viewed", requestId });
    }
    await recordAudit(t.db, { actorUserId: null, actorLabel: "local API", action: "request.note_added", requestId });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listAudit>> = await listAudit(t.db, {
        requestId,
        action: "request.viewed",
        cursor,
        limit: 2,
      });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it("reorders rules without breaking unique positions, and names unique violations by constraint", async () => {
    const team = await createTeam(t.db, { name: `Rules ${randomUUID()}` });
    const ids: string[] = [];
    for (const name of ["a", "b", "c"]) {
      ids.push(
        (
          await appendRule(t.db, {
            name,
            enabled: true,
            conditions: {},
            teamId: team.id,
            assignUserId: null,
            priority: null,
          })
        ).id,
      );
    }
    await t.db.transaction((tx) => reorderRules(tx, [ids[2]!, ids[0]!, ids[1]!]));
    expect((await listRuleViews(t.db)).map((r) => [r.name, r.position])).toEqual([
      ["c", 1],
      ["a", 2],
      ["b", 3],
    ]);
    await expect(t.db.transaction((tx) => reorderRules(tx, [ids[0]!, ids[0]!, ids[1]!]))).rejects.toMatchObject({
      code: "not_a_permutation",
    });
    const email = `dup-${randomUUID()}@nhs.test`;
    await createUser(t.db, { email, displayName: "A", role: "clerk" });
    const err: unknown = await createUser(t.db, { email: email.toUpperCase(), displayName: "B", role: "clerk" }).catch(
      (e: unknown) => e,
    );
    expect(uniqueViolation(err)).toBe("users_email_key");
    expect(uniqueViolation(new Error("duplicate key value violates unique constraint"))).toBeNull();
  });

  it("lists every specialty seen on a request by its latest name, sorted by name, with counts", async () => {
    const [a, b, c] = [
      await seed(t.db, { receivedAt: new Date("2025-01-01T10:00:00Z") }),
      await seed(t.db, { receivedAt: new Date("2025-02-01T10:00:00Z") }),
      await seed(t.db, { receivedAt: new Date("2025-02-02T10:00:00Z") }),
    ];
    const set = (id: string, code: string, display: string | null) =>
      t.db.query(
        "UPDATE appointment_requests SET appointment_specialty_code = $2, appointment_specialty_display = $3 WHERE id = $1",
        [id, code, display],
      );
    await set(a, "ZZ-OPH", "Eye clinic (old name)");
    await set(b, "ZZ-OPH", "Ophthalmology");
    await set(c, "ZZ-AAA", null);
    const mine = (await listSpecialties(t.db)).filter((s) => s.code.startsWith("ZZ-"));
    expect(mine).toEqual([
      { code: "ZZ-OPH", display: "Ophthalmology", requests: 2 },
      { code: "ZZ-AAA", display: null, requests: 1 },
    ]);
  });
});

describe.each(engines)("worklist totals on $name", (engine) => {
  let t: TestDb;

  beforeAll(async () => {
    t = await engine.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("counts up to COUNT_CAP and says when more match", { timeout: 120_000 }, async () => {
    const team = (await createTeam(t.db, { name: "Long history" })).id;
    // COUNT_CAP + 1 requests of the team, set-based: the last one open, the rest done.
    await t.db.query(
      `INSERT INTO pkb_messages (pkb_message_id, conversation_id, subject, content, sent_at, raw, kind)
       SELECT 'cap-' || g, 'cap-' || g, 'Request to cancel appointment', '', now() - (g || ' minutes')::interval, '{}', 'request'
       FROM generate_series(1, $1::int) g`,
      [COUNT_CAP + 1],
    );
    await t.db.query(
      `INSERT INTO appointment_requests (pkb_message_id, conversation_id, received_at, type, parse_status, status, team_id, outcome)
       SELECT pkb_message_id, conversation_id, sent_at, 'cancel', 'parsed',
         CASE WHEN pkb_message_id = 'cap-1' THEN 'open' ELSE 'done' END, $1::uuid,
         CASE WHEN pkb_message_id = 'cap-1' THEN NULL ELSE 'cancelled' END
       FROM pkb_messages WHERE pkb_message_id LIKE 'cap-%'`,
      [team],
    );
    expect(await countRequests(t.db, { teamIds: [team] })).toEqual({ count: COUNT_CAP, capped: true });
    expect(await countRequests(t.db, { teamIds: [team], status: ["done"] })).toEqual({
      count: COUNT_CAP,
      capped: false,
    });
    expect(await countRequests(t.db, { teamIds: [team], status: ["open"] })).toEqual({ count: 1, capped: false });
    // The page itself is unaffected: the newest 50 in order, and a cursor to more.
    const page = await listRequests(t.db, { filter: { teamIds: [team] }, limit: 50 });
    expect(page.items).toHaveLength(50);
    expect(page.nextCursor).not.toBeNull();
  });
});
