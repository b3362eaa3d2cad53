// Report fixtures built with the store's own functions: a message and its request (createRequest), the request's
// later state set directly, and its history written with appendEvent at chosen instants. Plus a signed-in HTTP client
// and an RFC 4180 parser to read CSV downloads back.
import { randomUUID } from "node:crypto";
import type { SessionPolicy } from "../../src/auth/sessions.ts";
import type { App } from "../../src/http/server.ts";
import type { Db } from "../../src/store/db.ts";
import { insertMessageIfNew } from "../../src/store/messages.ts";
import type { Role } from "../../src/store/people.ts";
import { createFromMessage } from "../../src/requests/commands/create.ts";
import { appendEvent } from "../../src/store/requests.ts";
import type { EventType, RequestStatus } from "../../src/requests/vocabulary.ts";
import { createStaff, sessionHeaders } from "../helpers/auth.ts";

/** One history event of a fixture request. `actor` null = the system. */
export interface FixtureEvent {
  at: string;
  type: EventType;
  actor: string | null;
  data?: Record<string, unknown>;
}

/** A request as a report fixture describes it. Instants are ISO 8601 UTC text. */
export interface FixtureRequest {
  receivedAt: string;
  type: "change" | "cancel" | null;
  teamId: string | null;
  specialty: { code: string; name: string } | null;
  appointmentStart?: string | null;
  status: RequestStatus;
  matchState: "pending" | "auto_linked" | "review" | "manual" | "no_candidates" | "not_applicable";
  outcome?: "rebooked" | "cancelled" | "rejected" | "needs_patient_contact" | null;
  events?: FixtureEvent[];
}

/** Stores a fixture request (message, request, state, history); returns its id. */
export async function seedRequest(db: Db, r: FixtureRequest): Promise<string> {
  const messageId = randomUUID();
  const conversationId = randomUUID();
  const receivedAt = new Date(r.receivedAt);
  await insertMessageIfNew(
    db,
    {
      pkbMessageId: messageId,
      conversationId,
      subject: r.type ? `Request to ${r.type} appointment: Monday 6 October 2025 9:30am - Clinic` : "Hello",
      content: "",
      sentAt: receivedAt,
      senderId: "patient-1",
      patientPkbId: "patient-1",
      messageStatus: null,
      raw: {},
    },
    null,
  );
  const id = await db.transaction((tx) =>
    createFromMessage(tx, {
      pkbMessageId: messageId,
      conversationId,
      receivedAt,
      type: r.type,
      parseStatus: r.type ? "parsed" : "unparseable",
      requestedStart: null,
      requestedSubject: "Clinic",
      patientNote: "",
      pkbTeamName: null,
      patientPkbId: "patient-1",
    }),
  );
  if (!id) throw new Error("request not created");
  await db.query(
    `UPDATE appointment_requests SET status = $2, match_state = $3, outcome = $4, team_id = $5,
       appointment_specialty_code = $6, appointment_specialty_display = $7, appointment_start = $8,
       nhs_number = '9434765919', next_attempt_at = NULL WHERE id = $1`,
    [
      id,
      r.status,
      r.matchState,
      r.outcome ?? null,
      r.teamId,
      r.specialty?.code ?? null,
      r.specialty?.name ?? null,
      r.appointmentStart ? new Date(r.appointmentStart) : null,
    ],
  );
  for (const e of r.events ?? []) {
    await appendEvent(db, {
      requestId: id,
      actorUserId: e.actor,
      type: e.type,
      data: e.data ?? {},
      at: new Date(e.at),
    });
  }
  return id;
}

/** Removes every request and message (between property-test runs). */
export async function clearRequests(db: Db): Promise<void> {
  await db.query("DELETE FROM appointment_requests");
  await db.query("DELETE FROM pkb_messages");
}

/** A user of `role` with a session (test/helpers/auth.ts); `get` calls the app as them. */
export async function signedIn(
  db: Db,
  app: App,
  role: Role,
  policy: SessionPolicy,
): Promise<{
  userId: string;
  get: (url: string) => Promise<{ status: number; headers: Record<string, unknown>; body: string }>;
}> {
  const user = await createStaff(db, role);
  const headers = await sessionHeaders(db, user.id, policy);
  return {
    userId: user.id,
    get: async (url) => {
      const res = await app.inject({ method: "GET", url, headers });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    },
  };
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF records) into rows of fields; expects a leading BOM. */
export function parseCsv(text: string): string[][] {
  if (!text.startsWith("\uFEFF")) throw new Error("no byte-order mark");
  const s = text.slice(1);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < s.length) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      if (field !== "") throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
      i++;
    } else if (c === ",") {
      row.push(field);
      field = "";
      i++;
    } else if (c === "\r" && s[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += 2;
    } else if (c === "\n" || c === "\r") {
      throw new Error(`bare line break at ${i}`);
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error("unterminated quoted field");
  if (field !== "" || row.length > 0) throw new Error("last record has no CRLF");
  return rows;
}

/** CSV rows as objects keyed by the header row. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error("no header");
  return rows.map((r) => {
    if (r.length !== header.length) throw new Error(`row has ${r.length} fields, header ${header.length}`);
    return Object.fromEntries(header.map((h, i) => [h, r[i]!]));
  });
}
