// Reading one request as a person: the access check comes first (404 for a request they may not see, as if it did not
// exist), and only then is patient data read; every view is audited.
import type { SessionUser } from "../auth/permissions.ts";
import { notFound } from "../errors.ts";
import { recordAudit } from "../store/audit.ts";
import type { Db } from "../store/db.ts";
import { selectNotes, type Note } from "../store/notes.ts";
import { getRequestDetail, type RequestDetail } from "../store/request-queries.ts";
import type { RequestState } from "../store/requests.ts";
import { loadWithAccess, type Access, type ActionContext } from "./command.ts";

/** One request in full for someone who may see it (else 404); audited as request.viewed. */
export async function viewRequest(db: Db, props: ActionContext & { requestId: string }): Promise<RequestDetail> {
  await loadWithAccess(db, props.requestId, props.actor, "view", { lock: false });
  const detail = await getRequestDetail(db, props.requestId);
  if (!detail) throw notFound("Request");
  await recordAudit(db, {
    actorUserId: props.actor.id,
    actorLabel: props.actor.displayName,
    action: "request.viewed",
    requestId: detail.id,
    ip: props.ip ?? null,
  });
  return detail;
}

/** A request's notes, oldest first, for someone who may see the request (else 404); audited as request.notes_viewed. */
export async function viewNotes(db: Db, props: ActionContext & { requestId: string }): Promise<Note[]> {
  return db.transaction(async (tx) => {
    const r = await loadWithAccess(tx, props.requestId, props.actor, "view", { lock: false });
    const notes = await selectNotes(tx, r.id);
    await recordAudit(tx, {
      actorUserId: props.actor.id,
      actorLabel: props.actor.displayName,
      action: "request.notes_viewed",
      requestId: r.id,
      details: {},
      ip: props.ip ?? null,
    });
    return notes;
  });
}

/** A request's workflow facts (no patient data) for someone with `need` access to it (presence, for instance). */
export async function requestFacts(db: Db, actor: SessionUser, requestId: string, need: Access): Promise<RequestState> {
  return loadWithAccess(db, requestId, actor, need, { lock: false });
}
