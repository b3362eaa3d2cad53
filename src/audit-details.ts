// The details each audit action writes, defined once, as a strict zod object per action: AuditDetails (what
// recordAudit and the commands' audit take) is inferred from them, and recordAudit checks every entry against them at
// run time, so the type and the check cannot drift. The check is what stops a key the action does not name: the type
// stops one only in an object literal, never one a spread brings ({ ...about }) nor any key when the action is a
// variable. The web app imports only the types (import type: no zod in the browser bundle; test/boundaries.test.ts).
import { z } from "zod";
import type { AuditAction } from "./audit-actions.ts";

/** How a person's write to a request was made when not the usual way: over someone else's hold, or in bulk. */
const how = {
  override: z.strictObject({ holderId: z.string() }).optional(),
  bulk: z.literal(true).optional(),
};
const howOnly = z.strictObject(how);
/** An action's keys and how its write was made. */
const withHow = <S extends z.ZodRawShape>(shape: S) => z.strictObject({ ...shape, ...how });

/** An action that writes no details. */
const none = z.strictObject({});

const id = z.string();
const text = z.string();
const count = z.number();
/**
 * A request's status, outcome, match state, message kind or request type: one of the request vocabulary's
 * (src/requests/vocabulary.ts; checked as text here, as the type says).
 */
const word = z.string();

/**
 * The details each action writes, key by key. The audit page words every key (web/src/admin/audit-details.ts, a
 * mapping over AuditDetails: a key added here without words fails the web app's typecheck). Ids are UUIDs; instants ISO
 * 8601 (UTC). Older rows may hold keys no longer written: the page words those as they are.
 */
export const AUDIT_DETAILS = {
  "request.viewed": none,
  /** `shown` requests, the ids of those shown, and the search typed, if any. */
  "requests.listed": z.strictObject({ shown: count, search: text.optional(), requestIds: z.array(id) }),
  "request.notes_viewed": none,
  /** `takeOverFrom`: the person who held it, when taken over. */
  "request.claimed": z.strictObject({ takeOverFrom: id.optional() }),
  "request.assigned": withHow({ userId: id }),
  "request.unassigned": withHow({ previousUserId: id.nullable() }),
  "request.transferred": withHow({ fromTeamId: id.nullable(), toTeamId: id, reason: text }),
  /** Statuses (RequestStatus). */
  "request.status_changed": withHow({ from: word, to: word, reason: text.optional() }),
  /** An Outcome; `inPast` when a rebooking into the past was confirmed. */
  "request.outcome_recorded": withHow({ outcome: word, inPast: z.literal(true).optional() }),
  /** PKB's id of the appointment chosen. */
  "request.manually_matched": withHow({ fhirId: id }),
  /** `decision`: the MatchState PKB's search led to. */
  "request.rematched": withHow({ decision: word, candidates: count }),
  "request.note_added": withHow({ noteId: count }),
  "request.snoozed": withHow({ until: text }),
  "request.snooze_ended": howOnly,
  "request.reply_prepared": z.strictObject({ offered: z.boolean() }),
  /** The request's Outcome and the reply channel's name (src/requests/reply-channel.ts). */
  "request.patient_answered": z.strictObject({ outcome: word.nullable(), channel: text }),
  "request.retried": none,
  /** `query`: the /api/requests query the view keeps (its filters and sort). */
  "view.created": z.strictObject({
    viewId: id,
    name: text,
    scope: z.enum(["personal", "team"]),
    teamId: id.nullable(),
    query: text,
  }),
  "view.updated": z.strictObject({
    viewId: id,
    name: text,
    previousName: text.optional(),
    query: text.optional(),
    previousQuery: text.optional(),
  }),
  "view.deleted": z.strictObject({
    viewId: id,
    name: text,
    scope: z.enum(["personal", "team"]),
    teamId: id.nullable(),
  }),
  "user.signed_in": z.strictObject({ method: z.enum(["password", "oidc"]) }),
  "user.signed_out": none,
  "user.password_changed": none,
  /** `lifted`: whether there was a delay to lift. */
  "user.sign_in_unlocked": z.strictObject({ userId: id, lifted: z.boolean() }),
  /** The hours before and after, in words ("Mon–Fri 08:00–18:00"); `recomputed` open requests' deadlines moved. */
  "team.hours_changed": z.strictObject({ teamId: id, from: text, to: text, recomputed: count }),
  /** The PersonOutcome whose reply changed, and its text before (null: none) and after. */
  "reply_template.changed": z.strictObject({ outcome: word, before: text.nullable(), after: text }),
  /**
   * Grant Access finished for a connection never granted before: `pkbUserName`, PKB's name for the PKB user who signed
   * in and granted it (null: PKB gave none). Never a token or PKB's authorisation code.
   */
  "pkb.connection_granted": z.strictObject({ connectionId: id, label: text, pkbUserName: text.nullable() }),
  /**
   * Grant Access finished again for a connection granted before: `previousStatus`, its status before (ConnectionStatus,
   * src/store/connections.ts: "needs_reauth" after it broke); `startedFor`, the connection the person started Grant
   * Access for when PKB's user already had this one (one connection per PKB user), so this one was granted instead.
   */
  "pkb.connection_reauthorised": z.strictObject({
    connectionId: id,
    label: text,
    pkbUserName: text.nullable(),
    previousStatus: word,
    startedFor: z.strictObject({ connectionId: id, label: text }).optional(),
  }),
  /**
   * Grant Access came back without access: `reason` access_denied (refused in PKB), grant_failed (PKB sent an error or
   * refused the code) or not_your_grant (the link back was followed by an admin other than `startedBy`, who started
   * it); `pkbError`, PKB's OAuth error code, if it sent one. `label` null: the connection is gone.
   */
  "pkb.connection_grant_failed": z.strictObject({
    connectionId: id,
    label: text.nullable(),
    reason: z.enum(["access_denied", "grant_failed", "not_your_grant"]),
    pkbError: text.nullable(),
    startedBy: text.nullable().optional(),
  }),
  "pkb.connection_removed": z.strictObject({ connectionId: id, label: text.nullable() }),
  /** `pkbMessageId`: PKB's id of the message set aside (null: it had none); never the message's text. */
  "error_queue.viewed": z.strictObject({ entryId: id, pkbMessageId: id.nullable() }),
  /**
   * `heldFor`: why the message was set aside (the entry's reason before the replay); `filedAs`: the MessageKind the
   * replay filed, or null when the message was already stored. Either way the message is stored now.
   */
  "error_queue.replayed": z.strictObject({
    entryId: id,
    pkbMessageId: id.nullable(),
    heldFor: text,
    filedAs: word.nullable(),
  }),
  /** `reason`: why the replay failed; the message is still not stored. */
  "error_queue.replay_failed": z.strictObject({
    entryId: id,
    pkbMessageId: id.nullable(),
    heldFor: text,
    reason: text,
  }),
  /** `reason`: the admin's, as written. */
  "error_queue.discarded": z.strictObject({ entryId: id, pkbMessageId: id.nullable(), heldFor: text, reason: text }),
  /** UK dates (YYYY-MM-DD); a team id or "none", a specialty code or "none", a RequestType; null: any. */
  "report.rows_exported": z.strictObject({
    from: text,
    to: text,
    teamId: id.nullable(),
    specialtyCode: text.nullable(),
    type: word.nullable(),
  }),
  /** The requests whose entries the page showed, and the patient searched for, if any. */
  "audit.viewed": z.strictObject({ requestIds: z.array(id), search: text.optional() }),
  "audit.exported": z.strictObject({
    filter: z.strictObject({ requestId: id.optional(), patient: text.optional(), action: text.optional() }),
  }),
  /**
   * One batch of a retention class (src/store/retention.ts): rows removed, older than an instant; then per class the
   * requests' history, notes, messages and patients removed with them and when they were received, or the messages'
   * sent times, or the audit entries' or poll history's id range.
   */
  "retention.purged": z.strictObject({
    class: z.enum(["requests", "unrelated_messages", "worklist_views", "audit", "sync_runs"]),
    rows: count,
    olderThan: text,
    requests: count.optional(),
    events: count.optional(),
    notes: count.optional(),
    messagesEmptied: count.optional(),
    patientsRemoved: count.optional(),
    receivedFrom: text.optional(),
    receivedTo: text.optional(),
    sentFrom: text.optional(),
    sentTo: text.optional(),
    fromId: count.nullable().optional(),
    toId: count.nullable().optional(),
  }),
  "tokens.rekeyed": z.strictObject({ keyId: text, resealed: count, alreadyCurrent: count, failed: count }),
} satisfies Record<AuditAction, z.ZodObject>;

/** How a person's write to a request was made when not the usual way (`howMade`, src/requests/command.ts). */
export type AuditHow = z.infer<typeof howOnly>;

/** The details each action writes, key by key (AUDIT_DETAILS): what recordAudit and the commands' audit take. */
export type AuditDetails = { [A in AuditAction]: z.infer<(typeof AUDIT_DETAILS)[A]> };

/**
 * Throws when `details` hold a key `action` does not name, or a value not of its kind (a programming error: the
 * entry must not be written). The message names the action and the keys, never the values (they may be patient data).
 */
export function checkAuditDetails(action: AuditAction, details: unknown): void {
  const schema = (AUDIT_DETAILS as Record<string, z.ZodObject | undefined>)[action];
  if (!schema) throw new Error(`audit action ${JSON.stringify(action)} is not one of AUDIT_ACTIONS`);
  const checked = schema.safeParse(details);
  if (checked.success) return;
  const problems = checked.error.issues.map((issue) => {
    const at = issue.path.map(String).join(".");
    const keys = issue.code === "unrecognized_keys" ? issue.keys.map((k) => (at ? `${at}.${k}` : k)) : [];
    return keys.length > 0 ? `not named for the action: ${keys.join(", ")}` : `${at || "details"}: ${issue.code}`;
  });
  throw new Error(`audit details for ${action} refused (${problems.join("; ")})`);
}
