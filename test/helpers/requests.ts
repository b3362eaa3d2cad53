// Appointment requests made directly in the store for API tests: a message and its request, owned by a team, in a
// given status, optionally assigned.
import { randomUUID } from "node:crypto";
import type { Db } from "../../src/store/db.ts";
import { insertMessageIfNew } from "../../src/store/messages.ts";
import { createFromMessage } from "../../src/requests/commands/create.ts";
import type { RequestStatus } from "../../src/requests/vocabulary.ts";

/** Creates a request (with its message) and returns its id. */
export async function seedRequest(
  db: Db,
  r: { teamId: string | null; status?: RequestStatus; assignedUserId?: string | null; nhsNumber?: string | null },
): Promise<string> {
  const messageId = randomUUID();
  const conversationId = randomUUID();
  const receivedAt = new Date();
  await insertMessageIfNew(
    db,
    {
      pkbMessageId: messageId,
      conversationId,
      subject: "Request to cancel appointment: Monday 6 October 2025 9:30am - Eye clinic",
      content: "",
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
      type: "cancel",
      parseStatus: "parsed",
      requestedStart: null,
      requestedSubject: "Eye clinic",
      patientNote: "",
      pkbTeamName: null,
      patientPkbId: null,
    }),
  );
  await db.query(
    `UPDATE appointment_requests SET team_id = $2, status = $3, assigned_user_id = $4, nhs_number = $5,
       next_attempt_at = NULL WHERE id = $1`,
    [id, r.teamId, r.status ?? "open", r.assignedUserId ?? null, r.nhsNumber ?? null],
  );
  return id!;
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
  const conversationId = `conv-${messageId}`;
  const receivedAt = r.receivedAt ?? new Date();
  await insertMessageIfNew(
    db,
    {
      pkbMessageId: messageId,
      conversationId,
      subject: `Request to ${type} appointment`,
      content: "",
      sentAt: receivedAt,
      senderId: r.patientPkbId,
      patientPkbId: r.patientPkbId,
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
      type,
      parseStatus: "parsed",
      requestedStart: r.requestedStart,
      requestedSubject: r.requestedSubject ?? "Eye clinic",
      patientNote: "",
      pkbTeamName: null,
      patientPkbId: r.patientPkbId,
    }),
  );
  await db.query("UPDATE pkb_messages SET kind = 'request', request_id = $2 WHERE pkb_message_id = $1", [
    messageId,
    id,
  ]);
  return { id: id!, receivedAt };
}
