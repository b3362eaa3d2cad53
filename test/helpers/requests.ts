// Appointment requests made directly in the store for tests: a message and its request, owned by a team, in a
// given status, optionally assigned; or in processing, as collection stores it.
import { randomUUID } from "node:crypto";
import type { Db } from "../../src/store/db.ts";
import { insertMessageIfNew } from "../../src/store/messages.ts";
import { createFromMessage } from "../../src/requests/commands/create.ts";
import type { RequestStatus, RequestType } from "../../src/requests/vocabulary.ts";

/** Stores a patient's message and the request made from it (in processing); returns the request's id. */
async function messageAndRequest(
  db: Db,
  m: {
    messageId: string;
    conversationId: string;
    subject: string;
    receivedAt: Date;
    type: RequestType;
    patientPkbId: string | null;
    requestedStart: Date | null;
    requestedSubject: string;
  },
): Promise<string> {
  await insertMessageIfNew(
    db,
    {
      pkbMessageId: m.messageId,
      conversationId: m.conversationId,
      subject: m.subject,
      content: "",
      sentAt: m.receivedAt,
      senderId: m.patientPkbId,
      patientPkbId: m.patientPkbId,
      messageStatus: null,
      raw: {},
    },
    null,
  );
  const id = await db.transaction((tx) =>
    createFromMessage(tx, {
      pkbMessageId: m.messageId,
      conversationId: m.conversationId,
      receivedAt: m.receivedAt,
      type: m.type,
      parseStatus: "parsed",
      requestedStart: m.requestedStart,
      requestedSubject: m.requestedSubject,
      patientNote: "",
      pkbTeamName: null,
      patientPkbId: m.patientPkbId,
    }),
  );
  return id!;
}

/** Creates a request (with its message) and returns its id. */
export async function seedRequest(
  db: Db,
  r: { teamId: string | null; status?: RequestStatus; assignedUserId?: string | null; nhsNumber?: string | null },
): Promise<string> {
  const id = await messageAndRequest(db, {
    messageId: randomUUID(),
    conversationId: randomUUID(),
    subject: "Request to cancel appointment: Monday 6 October 2025 9:30am - Eye clinic",
    receivedAt: new Date(),
    type: "cancel",
    patientPkbId: null,
    requestedStart: null,
    requestedSubject: "Eye clinic",
  });
  await db.query(
    `UPDATE appointment_requests SET team_id = $2, status = $3, assigned_user_id = $4, nhs_number = $5,
       next_attempt_at = NULL WHERE id = $1`,
    [id, r.teamId, r.status ?? "open", r.assignedUserId ?? null, r.nhsNumber ?? null],
  );
  return id;
}

/**
 * A request in processing as collection stores it (its message filed as the request, the request due for the
 * pipeline); returns its id and when it was received.
 */
export async function processingRequest(
  db: Db,
  r: {
    patientPkbId: string;
    type?: "change" | "cancel";
    messageId?: string;
    receivedAt?: Date;
    requestedStart: Date | null;
    requestedSubject?: string;
  },
): Promise<{ id: string; receivedAt: Date }> {
  const type = r.type ?? "change";
  const messageId = r.messageId ?? randomUUID();
  const receivedAt = r.receivedAt ?? new Date();
  const id = await messageAndRequest(db, {
    messageId,
    conversationId: `conv-${messageId}`,
    subject: `Request to ${type} appointment`,
    receivedAt,
    type,
    patientPkbId: r.patientPkbId,
    requestedStart: r.requestedStart,
    requestedSubject: r.requestedSubject ?? "Eye clinic",
  });
  await db.query("UPDATE pkb_messages SET kind = 'request', request_id = $2 WHERE pkb_message_id = $1", [
    messageId,
    id,
  ]);
  return { id, receivedAt };
}
