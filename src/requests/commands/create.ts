// The pipeline's step 1 on requests: a new request from a PKB message, and follow-up messages filed on a request. Run
// inside ingest's batch transaction (src/sync/ingest.ts); it announces new requests once the batch has committed.
import type { Queryable } from "../../store/db.ts";
import {
  appendEvents,
  insertRequest,
  insertRequests,
  lockRequestStates,
  type NewRequest,
} from "../../store/requests.ts";
import { systemCommandIn, WriteBatch } from "../command.ts";
import { reactToEvent } from "../processors.ts";
import type { EventType } from "../vocabulary.ts";

/**
 * Creates the request for a message, due for the pipeline now, with its `received` event (and `subject_unparseable`
 * with the reason when one is given); null when the message already has a request (ingesting twice is harmless).
 */
export async function createFromMessage(
  tx: Queryable,
  r: NewRequest & { unparseableReason?: string | null },
): Promise<string | null> {
  const id = await insertRequest(tx, r);
  if (!id) return null;
  await systemCommandIn(tx, id, async (w) => {
    await w.event("received", { parseStatus: r.parseStatus, type: r.type });
    if (r.unparseableReason) await w.event("subject_unparseable", { reason: r.unparseableReason });
  });
  return id;
}

/**
 * Creates the requests for many messages at once, as createFromMessage does for one: one insert of the requests, one
 * of their `received` (and `subject_unparseable`) history rows, then the processors react to each row. A new request
 * has nothing to load or check: the system creates it. Returns the new request's id per message id.
 */
export async function createFromMessages(
  tx: Queryable,
  rs: readonly (NewRequest & { unparseableReason?: string | null })[],
  claimMs = 0,
): Promise<Map<string, string>> {
  const ids = await insertRequests(tx, rs, claimMs);
  const events: { requestId: string; actorUserId: null; type: EventType; data: Record<string, unknown> }[] = [];
  for (const r of rs) {
    const requestId = ids.get(r.pkbMessageId);
    if (!requestId) continue;
    events.push({ requestId, actorUserId: null, type: "received", data: { parseStatus: r.parseStatus, type: r.type } });
    if (r.unparseableReason)
      events.push({ requestId, actorUserId: null, type: "subject_unparseable", data: { reason: r.unparseableReason } });
  }
  await appendEvents(tx, events);
  for (const e of events) await reactToEvent(tx, e);
  return ids;
}

/** Files follow-up messages on a request: one `follow_up_received` event each, with its PKB message id and facts. */
export async function recordFollowUps(
  tx: Queryable,
  requestId: string,
  messages: readonly { pkbMessageId: string; fromPatient?: boolean }[],
): Promise<void> {
  await recordFollowUpsMany(tx, new Map([[requestId, messages]]));
}

/**
 * Files the follow-up messages of many requests: the requests locked in one statement (in id order), every
 * `follow_up_received` event in one insert (requests in the order given, each one's messages in theirs), then the
 * processors' reactions. A request that no longer exists is left out.
 */
export async function recordFollowUpsMany(
  tx: Queryable,
  byRequest: ReadonlyMap<string, readonly { pkbMessageId: string; fromPatient?: boolean }[]>,
): Promise<void> {
  const ids = [...byRequest].filter(([, messages]) => messages.length > 0).map(([id]) => id);
  if (ids.length === 0) return;
  const states = await lockRequestStates(tx, ids);
  const batch = new WriteBatch(tx);
  for (const id of ids) {
    const state = states.get(id);
    if (!state) continue;
    const w = batch.writer(state);
    for (const m of byRequest.get(id)!) {
      await w.event("follow_up_received", {
        pkbMessageId: m.pkbMessageId,
        ...(m.fromPatient !== undefined ? { fromPatient: m.fromPatient } : {}),
      });
    }
  }
  await batch.flush();
}
