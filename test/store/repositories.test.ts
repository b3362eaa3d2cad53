import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advanceCursor,
  createConnection,
  getConnection,
  markNeedsReauth,
  readTokens,
  saveTokens,
} from "../../src/store/connections.ts";
import { TokenCipher } from "../../src/store/crypto.ts";
import { acquireLease, releaseLease } from "../../src/store/leases.ts";
import { insertMessageIfNew, insertMessagesIfNew, listConversation } from "../../src/store/messages.ts";
import { createTeam, createUser, listMembers, upsertMember } from "../../src/store/people.ts";
import { systemCommandIn } from "../../src/requests/command.ts";
import { createFromMessage } from "../../src/requests/commands/create.ts";
import { getPatient, upsertPatients } from "../../src/store/patients.ts";
import { appendEvents, listEvents, type NewRequest } from "../../src/store/requests.ts";
import { engines, type TestDb } from "../helpers/db.ts";

const cipher = new TokenCipher(randomBytes(32));

function message(overrides: Partial<{ id: string; conversationId: string; sentAt: Date }> = {}) {
  const id = overrides.id ?? String(100000000 + Math.floor(Math.random() * 1e8));
  return {
    pkbMessageId: id,
    conversationId: overrides.conversationId ?? randomUUID(),
    subject: "Request to change appointment: Sunday 14 September 2025 12:00am - Emergency",
    content: "Could we move it please?",
    sentAt: overrides.sentAt ?? new Date("2025-09-02T12:12:01.459Z"),
    senderId: "3054563",
    patientPkbId: "3054563",
    messageStatus: "UNREAD",
    raw: { id, note: "as received" },
  };
}

function newRequest(pkbMessageId: string, conversationId: string): NewRequest {
  return {
    pkbMessageId,
    conversationId,
    receivedAt: new Date("2025-09-02T12:12:01.459Z"),
    type: "change",
    parseStatus: "parsed",
    requestedStart: new Date("2025-09-13T23:00:00.000Z"),
    requestedSubject: "Emergency",
    patientNote: "Could we move it please?",
    pkbTeamName: "Appointment Management Team",
    patientPkbId: "3054563",
  };
}

async function seedRequest(t: TestDb): Promise<string> {
  const m = message();
  await insertMessageIfNew(t.db, m, null);
  const id = await t.db.transaction((tx) => createFromMessage(tx, newRequest(m.pkbMessageId, m.conversationId)));
  return id!;
}

describe.each(engines)("store repositories on $name", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await engine.open();
  });
  afterAll(async () => {
    await t.dispose();
  });

  describe("PKB connections", () => {
    it("keeps tokens encrypted at rest and returns them decrypted", async () => {
      const c = await createConnection(t.db, { label: "Jack Brown", createdBy: null });
      expect(c.status).toBe("awaiting_grant");
      const expires = new Date("2026-03-29T00:59:59.000Z");
      const saved = await saveTokens(
        t.db,
        cipher,
        c.id,
        {
          accessToken: "access-SECRET-1",
          refreshToken: "refresh-SECRET-1",
          accessExpiresAt: expires,
          scope: "CLINICIAN",
        },
        { pkbUserId: `u-${c.id}`, pkbUserName: "Jack Brown" },
      );
      expect(saved.status).toBe("active");
      expect(saved.hasRefreshToken).toBe(true);
      const [raw] = await t.db.query<{ a: Uint8Array; r: Uint8Array }>(
        "SELECT access_token_enc AS a, refresh_token_enc AS r FROM pkb_connections WHERE id = $1",
        [c.id],
      );
      const stored = Buffer.concat([Buffer.from(raw!.a), Buffer.from(raw!.r)]).toString("latin1");
      expect(stored).not.toContain("SECRET");
      expect(await readTokens(t.db, cipher, c.id)).toEqual({
        accessToken: "access-SECRET-1",
        refreshToken: "refresh-SECRET-1",
        accessExpiresAt: expires,
        scope: "CLINICIAN",
      });
      // A different key cannot read them.
      await expect(readTokens(t.db, new TokenCipher(randomBytes(32)), c.id)).rejects.toThrow();
    });

    it("bumps the token version on every write and drops tokens when re-authorisation is needed", async () => {
      const c = await createConnection(t.db, { label: "Team coordinator", createdBy: null });
      const pair = { accessToken: "a", refreshToken: null, accessExpiresAt: new Date(), scope: "CLINICIAN" };
      const v1 = await saveTokens(t.db, cipher, c.id, pair, { pkbUserId: `u-${c.id}`, pkbUserName: "X" });
      const v2 = await saveTokens(t.db, cipher, c.id, pair);
      expect(v2.tokenVersion).toBe(v1.tokenVersion + 1);
      expect(v2.hasRefreshToken).toBe(false);
      const broken = await markNeedsReauth(t.db, c.id, "API_SESSION_EXPIRED");
      expect(broken.status).toBe("needs_reauth");
      expect(broken.needsReauthReason).toBe("API_SESSION_EXPIRED");
      expect(await readTokens(t.db, cipher, c.id)).toBeNull();
      const regranted = await saveTokens(t.db, cipher, c.id, pair, { pkbUserId: `u-${c.id}`, pkbUserName: "X" });
      expect(regranted.status).toBe("active");
      expect(regranted.needsReauthSince).toBeNull();
    });

    it("moves the message cursor forward only", async () => {
      const c = await createConnection(t.db, { label: "Cursor", createdBy: null });
      await advanceCursor(t.db, c.id, new Date("2025-10-26T01:30:00Z"));
      await advanceCursor(t.db, c.id, new Date("2025-10-01T00:00:00Z"));
      expect((await getConnection(t.db, c.id))?.messagesCursor).toEqual(new Date("2025-10-26T01:30:00Z"));
    });
  });

  describe("messages", () => {
    it("stores a message once, however often it is seen", async () => {
      const m = message();
      expect(await insertMessageIfNew(t.db, m, null)).toBe(true);
      expect(await insertMessageIfNew(t.db, { ...m, content: "changed" }, null)).toBe(false);
      const convo = await listConversation(t.db, m.conversationId);
      expect(convo).toHaveLength(1);
      expect(convo[0]?.content).toBe("Could we move it please?");
      expect(convo[0]?.raw).toEqual(m.raw);
      expect(convo[0]?.sentAt.toISOString()).toBe("2025-09-02T12:12:01.459Z");
    });

    it("stores many messages in one statement, each once, with their exact instants", async () => {
      // A year past 9999 only on PostgreSQL: PGlite's driver writes instants as toISOString does ("+010000-…"),
      // which PostgreSQL cannot read; such a message is set aside there (ingest's savepoints), as before.
      const instants = [
        ...(engine.name === "postgres" ? ["+010000-01-01T12:00:00.123Z"] : []),
        "2025-03-30T00:59:59.999Z",
        "1971-06-01T23:30:00.001Z",
      ];
      const ms = instants.map((at) => ({ ...message({ sentAt: new Date(at) }), raw: { quoted: 'say "hi" \\ ok' } }));
      const again = { ...ms[0]!, content: "changed" };
      const stored = await insertMessagesIfNew(t.db, [...ms, again], null);
      expect([...stored].sort()).toEqual(ms.map((m) => m.pkbMessageId).sort());
      expect(await insertMessagesIfNew(t.db, ms, null)).toEqual(new Set());
      for (const [i, m] of ms.entries()) {
        const [row] = await listConversation(t.db, m.conversationId);
        expect(row?.sentAt.toISOString()).toBe(instants[i]);
        expect(row?.content).toBe("Could we move it please?");
        expect(row?.raw).toEqual({ quoted: 'say "hi" \\ ok' });
      }
    });

    it("stores a message once when two writers race", async () => {
      const m = message();
      const results = await Promise.all(Array.from({ length: 8 }, () => insertMessageIfNew(t.db, m, null)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe("requests and their history", () => {
    it("creates a request with its first event, idempotently", async () => {
      const m = message();
      await insertMessageIfNew(t.db, m, null);
      const id = await t.db.transaction((tx) => createFromMessage(tx, newRequest(m.pkbMessageId, m.conversationId)));
      expect(id).toBeTruthy();
      const again = await t.db.transaction((tx) => createFromMessage(tx, newRequest(m.pkbMessageId, m.conversationId)));
      expect(again).toBeNull();
      const events = await listEvents(t.db, id!);
      expect(events.map((e) => e.type)).toEqual(["received"]);
    });

    it("appends many events in one statement, in the order given", async () => {
      const id = await seedRequest(t);
      const data = (i: number) => ({ i, note: `"quoted" \\ ${i}`, nested: { list: [i, null] } });
      await t.db.transaction((tx) =>
        appendEvents(
          tx,
          Array.from({ length: 12 }, (_, i) => ({
            requestId: id,
            actorUserId: null,
            type: i % 2 ? ("assigned" as const) : ("routed" as const),
            ...(i === 5 ? {} : { data: data(i) }),
          })),
        ),
      );
      const events = (await listEvents(t.db, id)).slice(1); // after "received"
      expect(events.map((e) => e.type)).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 ? "assigned" : "routed")));
      expect(events.map((e) => e.data)).toEqual(Array.from({ length: 12 }, (_, i) => (i === 5 ? {} : data(i))));
      expect(events.every((e) => e.actorUserId === null)).toBe(true);
    });

    it("records each status change as an event in the same transaction", async () => {
      const id = await seedRequest(t);
      await t.db.transaction((tx) => systemCommandIn(tx, id, (w) => w.moveStatus("open")));
      await expect(
        t.db.transaction(async (tx) => {
          await systemCommandIn(tx, id, (w) => w.moveStatus("in_progress"));
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      const events = await listEvents(t.db, id);
      expect(events.map((e) => [e.type, e.data.to])).toEqual([
        ["received", undefined],
        ["status_changed", "open"],
      ]);
      const [row] = await t.db.query<{ status: string }>("SELECT status FROM appointment_requests WHERE id = $1", [id]);
      expect(row?.status).toBe("open");
    });

    it("keeps instants in UTC whatever the session time zone", async () => {
      const id = await seedRequest(t);
      const rows = await t.db.transaction(async (tx) => {
        await tx.query("SET LOCAL TIME ZONE 'Europe/London'");
        return tx.query<{ requested_start: Date; local: string }>(
          "SELECT requested_start, to_char(requested_start, 'YYYY-MM-DD HH24:MI') AS local FROM appointment_requests WHERE id = $1",
          [id],
        );
      });
      expect(rows[0]?.requested_start.toISOString()).toBe("2025-09-13T23:00:00.000Z");
      expect(rows[0]?.local).toBe("2025-09-14 00:00"); // BST midnight, as the patient saw it
    });
  });

  describe("patients", () => {
    it("stores many patients in one statement, the last of a PKB user's winning, blanks as NULL", async () => {
      const at = new Date("2025-09-02T12:12:01.459Z");
      const patient = (id: string, firstName: string | null) => ({
        pkbUserId: id,
        nhsNumber: firstName ? "9434765919" : null,
        title: null,
        firstName,
        lastName: firstName ? 'O"Brien' : null,
        dob: firstName ? "1970-02-28" : null,
        gender: null,
        email: null,
        phone: null,
        raw: { id, names: [firstName] },
        fetchedAt: at,
      });
      const a = randomUUID();
      const b = randomUUID();
      await upsertPatients(t.db, [patient(a, "Ann"), patient(b, null), patient(a, "Anne")]);
      expect(await getPatient(t.db, a)).toMatchObject({
        firstName: "Anne",
        lastName: 'O"Brien',
        nhsNumber: "9434765919",
        dob: "1970-02-28",
        raw: { id: a, names: ["Anne"] },
      });
      expect((await getPatient(t.db, a))?.fetchedAt.toISOString()).toBe(at.toISOString());
      expect(await getPatient(t.db, b)).toMatchObject({ firstName: null, lastName: null, dob: null, nhsNumber: null });
    });
  });

  describe("teams and users", () => {
    it("keeps emails unique whatever their case, and members with capacity", async () => {
      const email = `clerk-${randomUUID()}@nhs.test`;
      const u = await createUser(t.db, { email, displayName: "Clerk", role: "clerk" });
      await expect(
        createUser(t.db, { email: email.toUpperCase(), displayName: "Dup", role: "clerk" }),
      ).rejects.toThrow();
      const team = await createTeam(t.db, { name: `Ophthalmology ${randomUUID()}` });
      await upsertMember(t.db, { teamId: team.id, userId: u.id, isLead: false, capacity: 20, available: true });
      await upsertMember(t.db, { teamId: team.id, userId: u.id, isLead: true, capacity: null, available: false });
      expect(await listMembers(t.db, team.id)).toEqual([
        { teamId: team.id, userId: u.id, isLead: true, capacity: null, available: false },
      ]);
    });
  });

  describe("leases", () => {
    it("lets one holder at a time hold a lease, and lets it lapse", async () => {
      const name = `poll:${randomUUID()}`;
      expect(await acquireLease(t.db, name, "a", 60_000)).toBe(true);
      expect(await acquireLease(t.db, name, "b", 60_000)).toBe(false);
      expect(await acquireLease(t.db, name, "a", 60_000)).toBe(true); // renewal
      await releaseLease(t.db, name, "a");
      expect(await acquireLease(t.db, name, "b", 1)).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
      expect(await acquireLease(t.db, name, "c", 60_000)).toBe(true); // b's lapsed
    });
  });
});
