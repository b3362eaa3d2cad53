// The audit log's details in words an admin reads (often in an information-governance enquiry), never the stored
// key/value text ("offered: true", "filedAs: unrelated"). Every key a writer writes has its words (AuditDetails,
// src/audit-details.ts, is what recordAudit takes; the words are a mapping over it, so a new key fails the web
// typecheck, and SAMPLES below fails the root typecheck); keys and actions the log kept from an older Rebook still read.
import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, type AuditAction } from "../../src/audit-actions.ts";
import { checkAuditDetails, type AuditDetails } from "../../src/audit-details.ts";
import { auditDetailsWords, type AuditNames } from "../../web/src/admin/audit-details.ts";

const CARA = "0b5e5a8e-3c1f-4d7a-9a51-0d6f7e1c2a01";
const LEE = "1c6f6b9f-4d2a-4e8b-8b62-1e7a8f2d3b02";
const APPOINTMENTS = "2d7a7caa-5e3b-4f9c-9c73-2f8b9a3e4c03";
const CANCELLATIONS = "3e8b8dbb-6f4c-4a0d-8d84-3a9cab4f5d04";
const ENTRY = "5d1c0f2a-7a5d-4b1e-9e95-4bad0c5a6e05";
const REQUEST = "6e2d1a3b-8b6e-4c2f-af06-5cbe1d6b7f06";
/** Why a message was set aside, as the poll records it (src/sync/error-queue.ts reasonOf). */
const HELD_FOR = "storage refused this message (SQLSTATE P0001)";

const names: AuditNames = {
  people: new Map([
    [CARA, "Cara Clerk"],
    [LEE, "Lee Lead"],
  ]),
  teams: new Map([
    [APPOINTMENTS, "Appointments"],
    [CANCELLATIONS, "Cancellations"],
  ]),
};

const words = (action: string, details: Record<string, unknown>) => auditDetailsWords(action, details, names);

/** One entry of each action with every key its writer can write: a key added to AuditDetails must be added here. */
const SAMPLES: { [A in AuditAction]: Required<AuditDetails[A]> } = {
  "request.viewed": {},
  "requests.listed": { shown: 2, search: "smith", requestIds: [REQUEST, ENTRY] },
  "request.notes_viewed": {},
  "request.claimed": { takeOverFrom: CARA },
  "request.assigned": { userId: LEE, override: { holderId: CARA }, bulk: true },
  "request.unassigned": { previousUserId: CARA, override: { holderId: CARA }, bulk: true },
  "request.transferred": {
    fromTeamId: APPOINTMENTS,
    toTeamId: CANCELLATIONS,
    reason: "Wrong team",
    override: { holderId: CARA },
    bulk: true,
  },
  "request.status_changed": {
    from: "open",
    to: "in_progress",
    reason: "Back to work",
    override: { holderId: CARA },
    bulk: true,
  },
  "request.outcome_recorded": { outcome: "rebooked", inPast: true, override: { holderId: CARA }, bulk: true },
  "request.manually_matched": { fhirId: "appt-77", override: { holderId: CARA }, bulk: true },
  "request.rematched": { decision: "review", candidates: 3, override: { holderId: CARA }, bulk: true },
  "request.note_added": { noteId: 4, override: { holderId: CARA }, bulk: true },
  "request.snoozed": { until: "2026-12-04T09:00:00.000Z", override: { holderId: CARA }, bulk: true },
  "request.snooze_ended": { override: { holderId: CARA }, bulk: true },
  "request.reply_prepared": { offered: true },
  "request.patient_answered": { outcome: "cancelled", channel: "copy_and_open_pkb" },
  "request.retried": {},
  "view.created": {
    viewId: ENTRY,
    name: "Overdue",
    scope: "team",
    teamId: APPOINTMENTS,
    query: "due=overdue&sort=deadline&status=open,in_progress",
  },
  "view.updated": {
    viewId: ENTRY,
    name: "Overdue",
    previousName: "Late",
    query: "due=overdue&sort=deadline&status=open,in_progress",
    previousQuery: "sort=deadline&status=open,in_progress",
  },
  "view.deleted": { viewId: ENTRY, name: "Overdue", scope: "personal", teamId: null },
  "user.signed_in": { method: "password" },
  "user.signed_out": {},
  "user.password_changed": {},
  "user.sign_in_unlocked": { userId: CARA, lifted: true },
  "team.hours_changed": { teamId: APPOINTMENTS, from: "Around the clock", to: "Mon–Fri 08:00–18:00", recomputed: 4 },
  "reply_template.changed": {
    outcome: "rebooked",
    before: "Dear {firstName},\n\nOld",
    after: "Dear {firstName},\n\nNew",
  },
  "pkb.connection_granted": { connectionId: ENTRY, label: "Appointments team", pkbUserName: "Dr Jack Brown" },
  "pkb.connection_reauthorised": {
    connectionId: ENTRY,
    label: "Appointments team",
    pkbUserName: "Dr Jack Brown",
    previousStatus: "needs_reauth",
    startedFor: { connectionId: REQUEST, label: "Second try" },
  },
  "pkb.connection_grant_failed": {
    connectionId: ENTRY,
    label: "Appointments team",
    reason: "not_your_grant",
    pkbError: "invalid_grant",
    startedBy: CARA,
  },
  "pkb.connection_removed": { connectionId: ENTRY, label: "Appointments team" },
  "error_queue.viewed": { entryId: ENTRY, pkbMessageId: "4821" },
  "error_queue.replayed": { entryId: ENTRY, pkbMessageId: "4821", heldFor: HELD_FOR, filedAs: "unrelated" },
  "error_queue.replay_failed": {
    entryId: ENTRY,
    pkbMessageId: "4821",
    heldFor: HELD_FOR,
    reason: "the message cannot be read",
  },
  "error_queue.discarded": { entryId: ENTRY, pkbMessageId: null, heldFor: HELD_FOR, reason: "A test message" },
  "report.rows_exported": { from: "2026-11-01", to: "2026-11-30", teamId: null, specialtyCode: "none", type: "cancel" },
  "audit.viewed": { requestIds: [REQUEST, ENTRY], search: "smith" },
  "audit.exported": { filter: { action: "request.viewed", patient: "smith", requestId: REQUEST } },
  "retention.purged": {
    class: "requests",
    rows: 12,
    olderThan: "2018-12-03T00:00:00.000Z",
    requests: 12,
    events: 140,
    notes: 3,
    messagesEmptied: 12,
    patientsRemoved: 5,
    receivedFrom: "2018-01-01T10:00:00.000Z",
    receivedTo: "2018-02-03T10:00:00.000Z",
    sentFrom: "2018-01-01T10:00:00.000Z",
    sentTo: "2018-02-03T10:00:00.000Z",
    fromId: 1,
    toId: 5000,
  },
  "tokens.rekeyed": { keyId: "k2", resealed: 3, alreadyCurrent: 2, failed: 0 },
};

describe("the audit log's details in words", () => {
  it("says what a request's reply, an error queue replay, an outcome and a sign-in were, in plain words", () => {
    expect(words("request.reply_prepared", { offered: true })).toEqual(["Reply ready to send to the patient"]);
    expect(words("request.reply_prepared", { offered: false })).toEqual([
      "No reply ready to send: no outcome yet, or PKB did not show the change yet",
    ]);
    // The error queue's own words for what a replay filed the message as (web/src/admin/error-queue-words.ts).
    expect(words("error_queue.replayed", { entryId: ENTRY, filedAs: "unrelated" })).toEqual([
      "Stored as a message that is not a change or cancel request: no request was made",
      "Error queue entry 5d1c0f2a",
    ]);
    expect(words("error_queue.replayed", { entryId: ENTRY, filedAs: null })).toEqual([
      "It was already stored (PKB sent it again): nothing more to file",
      "Error queue entry 5d1c0f2a",
    ]);
    expect(words("request.outcome_recorded", SAMPLES["request.outcome_recorded"])).toEqual([
      "Outcome: Rebooked",
      "Confirmed as a change made in the past",
      "While Cara Clerk held it",
      "In a bulk change",
    ]);
    // Under the action's own words, "Signed in".
    expect(words("user.signed_in", { method: "password" })).toEqual(["With a password"]);
    expect(words("user.signed_in", { method: "oidc" })).toEqual(["With single sign-on"]);
  });

  it("says which error queue message was opened, replayed or discarded, why it was set aside, and whether it is stored now", () => {
    const message = { entryId: ENTRY, pkbMessageId: "4821", heldFor: HELD_FOR };
    // Never the entry's id, which the error queue page does not show: PKB's id of the message, as that page lists it.
    expect(words("error_queue.viewed", { entryId: ENTRY, pkbMessageId: "4821" })).toEqual(["PKB message 4821"]);
    expect(words("error_queue.replayed", { ...message, filedAs: "request" })).toEqual([
      "PKB message 4821: stored now",
      "Why it was set aside: storage refused this message (SQLSTATE P0001)",
      "Filed as a new request on the worklist",
    ]);
    expect(words("error_queue.replayed", { ...message, filedAs: null })).toEqual([
      "PKB message 4821: stored now",
      "Why it was set aside: storage refused this message (SQLSTATE P0001)",
      "It was already stored (PKB sent it again): nothing more to file",
    ]);
    expect(words("error_queue.replay_failed", { ...message, reason: HELD_FOR })).toEqual([
      "PKB message 4821: still not stored; it waits in the error queue",
      "Why it was set aside: storage refused this message (SQLSTATE P0001)",
      "Still could not be filed, for the same reason",
    ]);
    expect(
      words("error_queue.replay_failed", { ...message, reason: "unexpected message shape (timestamp: Required)" }),
    ).toEqual([
      "PKB message 4821: still not stored; it waits in the error queue",
      "Why it was set aside: storage refused this message (SQLSTATE P0001)",
      "Still could not be filed: unexpected message shape (timestamp: Required)",
    ]);
    expect(words("error_queue.discarded", { ...message, reason: "Test message\nfrom PKB support" })).toEqual([
      "PKB message 4821: never stored or worked on",
      "Why it was set aside: storage refused this message (SQLSTATE P0001)",
      "Why it was discarded: “Test message from PKB support”",
    ]);
    // A message without a PKB id: the entry's id (in the CSV export) is all there is to find it by.
    expect(words("error_queue.discarded", { ...message, pkbMessageId: null, reason: "Unreadable" })).toEqual([
      "A PKB message without an id: never stored or worked on",
      "Why it was set aside: storage refused this message (SQLSTATE P0001)",
      "Why it was discarded: “Unreadable”",
      "Error queue entry 5d1c0f2a",
    ]);
    // An entry an older Rebook wrote names the entry only.
    expect(words("error_queue.discarded", { entryId: ENTRY, reason: "A test message" })).toEqual([
      "Why it was discarded: “A test message”",
      "Error queue entry 5d1c0f2a",
    ]);
  });

  it("names people and teams, and says so when one is not listed", () => {
    expect(
      words("request.transferred", { fromTeamId: APPOINTMENTS, toTeamId: CANCELLATIONS, reason: "Wrong team" }),
    ).toEqual(["From Appointments to Cancellations", "Reason: Wrong team"]);
    expect(words("request.transferred", { fromTeamId: null, toTeamId: CANCELLATIONS, reason: "Wrong team" })).toEqual([
      "From no team to Cancellations",
      "Reason: Wrong team",
    ]);
    expect(words("request.claimed", { takeOverFrom: CARA })).toEqual(["Taken over from Cara Clerk"]);
    expect(words("request.claimed", {})).toEqual([]);
    expect(words("request.assigned", { userId: LEE })).toEqual(["Assigned to Lee Lead"]);
    expect(words("request.assigned", { userId: "9a8b7c6d-0000-4000-8000-000000000000" })).toEqual([
      "Assigned to a person not listed (id 9a8b7c6d)",
    ]);
    expect(words("request.unassigned", { previousUserId: CARA })).toEqual(["Was with Cara Clerk"]);
    expect(words("request.status_changed", { from: "open", to: "in_progress", reason: "Back to work" })).toEqual([
      "From Open to In progress",
      "Reason: Back to work",
    ]);
    expect(words("user.sign_in_unlocked", { userId: CARA, lifted: false })).toEqual([
      "For Cara Clerk",
      "There was no delay to lift",
    ]);
  });

  it("puts the system's jobs and the admin's exports into words", () => {
    expect(words("retention.purged", SAMPLES["retention.purged"]).slice(0, 4)).toEqual([
      "12 closed requests deleted",
      "Older than 3 December 2018",
      "With 140 history events, 3 notes, 12 messages emptied and 5 patients' cached details",
      "Received 1 January 2018 to 3 February 2018",
    ]);
    expect(
      words("retention.purged", {
        class: "audit",
        rows: 5000,
        olderThan: "2018-12-03T00:00:00.000Z",
        fromId: 1,
        toId: 5000,
      }),
    ).toEqual(["5,000 audit entries deleted", "Older than 3 December 2018", "Entries 1 to 5,000"]);
    expect(words("tokens.rekeyed", SAMPLES["tokens.rekeyed"])).toEqual([
      "3 tokens re-encrypted",
      "2 already under the current key",
      "None failed",
      "Current key: k2",
    ]);
    expect(words("report.rows_exported", SAMPLES["report.rows_exported"])).toEqual([
      "Requests received 1 November 2026 to 30 November 2026",
      "Requests without a specialty",
      "Cancel requests only",
    ]);
    expect(words("audit.exported", { filter: {} })).toEqual(["The whole log"]);
    expect(words("audit.exported", SAMPLES["audit.exported"])).toEqual([
      "Filtered to Request viewed, patient “smith”, request 6e2d1a3b",
    ]);
    expect(words("audit.viewed", SAMPLES["audit.viewed"])).toEqual([
      "Entries about 2 requests shown",
      "Searched for patient “smith”",
    ]);
    // How many a worklist showed is in the next column ("2 in a list"); the search is said here.
    expect(words("requests.listed", SAMPLES["requests.listed"])).toEqual(["Searched for “smith”"]);
  });

  it("says who connected Rebook to PKB, as which PKB user, who re-authorised it after it broke, and a refusal", () => {
    expect(words("pkb.connection_granted", SAMPLES["pkb.connection_granted"])).toEqual([
      "Connection “Appointments team”",
      "Granted in PKB by Dr Jack Brown",
    ]);
    expect(
      words("pkb.connection_reauthorised", {
        connectionId: ENTRY,
        label: "Appointments team",
        pkbUserName: "Dr Jack Brown",
        previousStatus: "needs_reauth",
      }),
    ).toEqual([
      "Connection “Appointments team”",
      "Re-authorised in PKB by Dr Jack Brown",
      "It had lost access to PKB: it needed re-authorisation",
    ]);
    expect(words("pkb.connection_reauthorised", SAMPLES["pkb.connection_reauthorised"]).slice(2)).toEqual([
      "It had lost access to PKB: it needed re-authorisation",
      "Grant Access was started for connection “Second try”; the PKB user already had this connection, so it was re-authorised instead",
    ]);
    expect(
      words("pkb.connection_granted", { connectionId: ENTRY, label: "Appointments team", pkbUserName: null }),
    ).toEqual(["Connection “Appointments team”", "PKB did not say which of its users granted access"]);
    // Refused in PKB (Deny): PKB's code says nothing more than the reason.
    expect(
      words("pkb.connection_grant_failed", {
        connectionId: ENTRY,
        label: "Appointments team",
        reason: "access_denied",
        pkbError: "access_denied",
      }),
    ).toEqual(["Connection “Appointments team”", "Access was refused in PKB"]);
    expect(
      words("pkb.connection_grant_failed", {
        connectionId: ENTRY,
        label: null,
        reason: "grant_failed",
        pkbError: "invalid_grant",
      }),
    ).toEqual([
      "Connection 5d1c0f2a",
      "PKB did not grant access",
      "PKB said the sign-in had expired or was already used",
    ]);
    expect(words("pkb.connection_grant_failed", SAMPLES["pkb.connection_grant_failed"]).slice(1)).toEqual([
      "Not granted: the link back from PKB was followed by someone other than the person who started it",
      "PKB said the sign-in had expired or was already used",
      "Started by Cara Clerk",
    ]);
  });

  it("says what a saved view was, with its filters in the worklist's words", () => {
    expect(words("view.created", SAMPLES["view.created"])).toEqual([
      "View “Overdue”",
      "A team view, shared with Appointments",
      "Filters: Open or in progress, overdue; most urgent first",
    ]);
    expect(words("view.updated", SAMPLES["view.updated"])).toEqual([
      "View “Overdue”",
      "Renamed from “Late”",
      "Filters: Open or in progress, overdue; most urgent first",
      "Filters before: Open or in progress; most urgent first",
    ]);
    expect(words("view.deleted", SAMPLES["view.deleted"])).toEqual(["View “Overdue”", "A personal view"]);
  });

  it("reads keys, values and actions an older Rebook wrote, as readable words", () => {
    // A key this Rebook does not write, on an action it does.
    expect(words("request.outcome_recorded", { outcome: "rebooked", legacyNote: "moved by phone" })).toEqual([
      "Outcome: Rebooked",
      "Legacy note: moved by phone",
    ]);
    // A value of a kind the words do not expect.
    expect(words("request.reply_prepared", { offered: "maybe" })).toEqual(["Offered: maybe"]);
    expect(words("request.outcome_recorded", { outcome: "deferred" })).toEqual(["Outcome: deferred"]);
    // An action no longer written: its keys as stored, in alphabetical order (PostgreSQL's jsonb keeps no order).
    expect(
      words("backup.restored", {
        fileName: "rebook.dump",
        rows_read: 3,
        verified: true,
        skipped: null,
        parts: ["a", "b"],
        by: { name: "Ann" },
      }),
    ).toEqual([
      "By: name Ann",
      "File name: rebook.dump",
      "Parts: a, b",
      "Rows read: 3",
      "Skipped: none",
      "Verified: yes",
    ]);
  });

  it("has words for every key of every action, with no code, id or stored value left showing", () => {
    for (const action of AUDIT_ACTIONS) {
      const text = words(action, SAMPLES[action]).join("\n");
      for (const key of Object.keys(SAMPLES[action])) {
        // Never "offered: true"; and a key that is a code (camelCase) never shows at all.
        expect(text, `${action}: ${key}`).not.toMatch(new RegExp(`(^|, )${key}: `, "m"));
        if (/[A-Z]/.test(key)) expect(text, `${action}: ${key}`).not.toContain(key);
      }
      expect(text, action).not.toMatch(/undefined|null|\[object|true|false|[a-z]+_[a-z]+|[0-9a-f]{8}-[0-9a-f]{4}/);
    }
  });

  it("words the details recordAudit takes: every sample, with every key of its action, passes its run-time check", () => {
    for (const action of AUDIT_ACTIONS) expect(() => checkAuditDetails(action, SAMPLES[action]), action).not.toThrow();
  });
});
