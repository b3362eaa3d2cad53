// Factories for workflow tests: people with real sessions (createSession, the real cookie and CSRF mechanism) and
// requests stored with the store's own functions, each test building its own teams.
import { randomUUID } from "node:crypto";
import { createSession, SESSION_COOKIE } from "../../src/auth/sessions.ts";
import type { Config } from "../../src/config.ts";
import type { Db } from "../../src/store/db.ts";
import { insertMessageIfNew } from "../../src/store/messages.ts";
import { createTeam, createUser, upsertMember, type Role, type User } from "../../src/store/people.ts";
import { createFromMessage } from "../../src/requests/commands/create.ts";
import type { RequestStatus } from "../../src/requests/vocabulary.ts";

/** A signed-in person: their user, session token and the headers a browser would send. */
export interface Person {
  user: User;
  token: string;
  headers: { cookie: string; "x-csrf-token": string };
}

/** Creates a user with `role`, makes them a member (or lead) of `teams`, and signs them in. */
export async function person(
  db: Db,
  config: Config,
  p: { role: Role; teams?: { teamId: string; lead?: boolean }[]; name?: string },
): Promise<Person> {
  const name = p.name ?? `${p.role} ${randomUUID().slice(0, 6)}`;
  const user = await createUser(db, {
    email: `${name.replace(/\W+/g, ".").toLowerCase()}.${randomUUID().slice(0, 6)}@nhs.test`,
    displayName: name,
    role: p.role,
  });
  for (const t of p.teams ?? []) {
    await upsertMember(db, {
      teamId: t.teamId,
      userId: user.id,
      isLead: t.lead ?? false,
      capacity: null,
      available: true,
    });
  }
  const session = await createSession(db, {
    userId: user.id,
    method: "password",
    ip: "127.0.0.1",
    userAgent: "vitest",
    policy: config.session,
  });
  return {
    user,
    token: session.token,
    headers: { cookie: `${SESSION_COOKIE}=${session.token}`, "x-csrf-token": session.csrfToken },
  };
}

/** A team with a unique name. */
export async function team(db: Db, name = "Team"): Promise<{ id: string; name: string }> {
  const t = await createTeam(db, { name: `${name} ${randomUUID().slice(0, 6)}` });
  return { id: t.id, name: t.name };
}

/** A stored candidate, as the pipeline writes appointment_requests.candidates. */
export interface StoredCandidate {
  fhirId: string;
  externalId: string | null;
  start: string | null;
  status: string;
  appointmentType: string | null;
  description: string | null;
  specialtyCode: string | null;
  specialtyDisplay: string | null;
  location: string | null;
  score: number;
  evidence: { factor: string; points: number; text: string }[];
}

/** A request made from a stored message (the store's own functions), then given the workflow fields asked for. */
export async function seedRequest(
  db: Db,
  p: {
    teamId?: string | null;
    status?: RequestStatus;
    receivedAt?: Date;
    appointmentStart?: Date | null;
    assignedUserId?: string | null;
    type?: "change" | "cancel";
    note?: string;
    pkbTeamName?: string | null;
    specialtyCode?: string | null;
    location?: string | null;
    appointmentType?: string | null;
    requestedSubject?: string | null;
    matchState?: string;
    candidates?: StoredCandidate[];
  } = {},
): Promise<string> {
  const messageId = randomUUID();
  const conversationId = randomUUID();
  const receivedAt = p.receivedAt ?? new Date();
  await insertMessageIfNew(
    db,
    {
      pkbMessageId: messageId,
      conversationId,
      subject: "Request to change appointment: Monday 6 October 2025 9:30am - Eye clinic",
      content: p.note ?? "",
      sentAt: receivedAt,
      senderId: null,
      patientPkbId: null,
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
      type: p.type ?? "change",
      parseStatus: "parsed",
      requestedStart: null,
      requestedSubject: p.requestedSubject ?? null,
      patientNote: p.note ?? "",
      pkbTeamName: p.pkbTeamName ?? null,
      patientPkbId: null,
    }),
  );
  const linked = p.appointmentStart !== undefined && p.appointmentStart !== null;
  await db.query(
    `UPDATE appointment_requests SET team_id = $2, status = $3, assigned_user_id = $4, appointment_start = $5,
       appointment_fhir_id = $6, appointment_specialty_code = $7, appointment_location = $8, appointment_type = $9,
       match_state = $10, candidates = $11, next_attempt_at = NULL WHERE id = $1`,
    [
      id,
      p.teamId ?? null,
      p.status ?? "open",
      p.assignedUserId ?? null,
      p.appointmentStart ?? null,
      linked ? `appt-${randomUUID().slice(0, 8)}` : null,
      p.specialtyCode ?? null,
      p.location ?? null,
      p.appointmentType ?? null,
      p.matchState ?? (linked ? "auto_linked" : "review"),
      JSON.stringify(p.candidates ?? []),
    ],
  );
  return id!;
}

/** History rows of a request, oldest first. */
export async function history(
  db: Db,
  requestId: string,
): Promise<{ type: string; actor_user_id: string | null; data: Record<string, unknown> }[]> {
  return db.query("SELECT type, actor_user_id, data FROM request_events WHERE request_id = $1 ORDER BY at, id", [
    requestId,
  ]);
}

/** Audit rows of a request, oldest first. */
export async function audits(
  db: Db,
  requestId: string,
): Promise<{ action: string; actor_user_id: string | null; details: Record<string, unknown> }[]> {
  return db.query("SELECT action, actor_user_id, details FROM audit_log WHERE request_id = $1 ORDER BY at, id", [
    requestId,
  ]);
}
