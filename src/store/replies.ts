// Reply templates (one per outcome, admin-written) and the facts a reply is filled with.
import type { ReplyFacts } from "../domain/reply.ts";
import type { Outcome, PersonOutcome } from "../requests/vocabulary.ts";
import type { Queryable } from "./db.ts";

/** A reply template: the outcome it answers, its text with {placeholders}, and who changed it last. */
export interface ReplyTemplate {
  outcome: PersonOutcome;
  body: string;
  updatedAt: Date;
  updatedBy: string | null;
}

/** Every reply template, by outcome. */
export async function listReplyTemplates(db: Queryable): Promise<ReplyTemplate[]> {
  const rows = await db.query<{ outcome: PersonOutcome; body: string; updated_at: Date; updated_by: string | null }>(
    `SELECT t.outcome, t.body, t.updated_at, u.display_name AS updated_by FROM reply_templates t
     LEFT JOIN users u ON u.id = t.updated_by ORDER BY t.outcome`,
  );
  return rows.map((r) => ({ outcome: r.outcome, body: r.body, updatedAt: r.updated_at, updatedBy: r.updated_by }));
}

/** The template for `outcome`, or null when there is none. */
export async function replyTemplate(db: Queryable, outcome: Outcome): Promise<string | null> {
  const [r] = await db.query<{ body: string }>("SELECT body FROM reply_templates WHERE outcome = $1", [outcome]);
  return r?.body ?? null;
}

/** Writes the template for `outcome`; returns the text it replaced (null when new). Call inside a transaction. */
export async function saveReplyTemplate(
  tx: Queryable,
  p: { outcome: PersonOutcome; body: string; userId: string },
): Promise<string | null> {
  const [before] = await tx.query<{ body: string }>("SELECT body FROM reply_templates WHERE outcome = $1 FOR UPDATE", [
    p.outcome,
  ]);
  await tx.query(
    `INSERT INTO reply_templates (outcome, body, updated_by) VALUES ($1, $2, $3)
     ON CONFLICT (outcome) DO UPDATE SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [p.outcome, p.body, p.userId],
  );
  return before?.body ?? null;
}

/** What a request's reply needs: its outcome, PKB confirmation, conversation, answered mark, and the filling facts. */
export interface ReplySource {
  outcome: Outcome | null;
  pkbState: "not_needed" | "awaiting" | "confirmed" | "not_confirmed";
  conversationId: string;
  answered: { at: Date; by: string | null } | null;
  facts: ReplyFacts;
}

/** Reads a request's reply source (call after the access check). Null when there is no such request. */
export async function readReplySource(db: Queryable, requestId: string): Promise<ReplySource | null> {
  const [r] = await db.query<{
    outcome: Outcome | null;
    outcome_details: { newStart?: string } | null;
    pkb_state: ReplySource["pkbState"] | null;
    conversation_id: string;
    patient_answered_at: Date | null;
    answered_by: string | null;
    first_name: string | null;
    appointment_start: Date | null;
    requested_start: Date | null;
    appointment_location: string | null;
    team_name: string | null;
  }>(
    `SELECT r.outcome, r.outcome_details, pc.state AS pkb_state, r.conversation_id, r.patient_answered_at,
       u.display_name AS answered_by, p.first_name, r.appointment_start, r.requested_start, r.appointment_location,
       t.name AS team_name
     FROM appointment_requests r
     LEFT JOIN pkb_confirmations pc ON pc.request_id = r.id
     LEFT JOIN patients p ON p.pkb_user_id = r.patient_pkb_id
     LEFT JOIN teams t ON t.id = r.team_id
     LEFT JOIN users u ON u.id = r.patient_answered_by
     WHERE r.id = $1`,
    [requestId],
  );
  if (!r) return null;
  const newStart =
    r.outcome === "rebooked" && r.outcome_details?.newStart ? new Date(r.outcome_details.newStart) : null;
  return {
    outcome: r.outcome,
    pkbState: r.pkb_state ?? "not_needed",
    conversationId: r.conversation_id,
    answered: r.patient_answered_at ? { at: r.patient_answered_at, by: r.answered_by } : null,
    facts: {
      firstName: r.first_name,
      oldStart: r.appointment_start ?? r.requested_start,
      newStart,
      location: r.appointment_location,
      team: r.team_name,
    },
  };
}
