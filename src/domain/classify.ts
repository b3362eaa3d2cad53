// What a PKB message is to Rebook: a new appointment request, a follow-up in a request's conversation, or unrelated.
import { isReplySubject, parseRequestSubject } from "./subject.ts";

export type MessageKind = "request" | "follow_up" | "unrelated";

/**
 * Classifies a message. A request subject that is not a reply starts a request (even if its date cannot be read: a
 * person then looks at it, and even in a conversation that has one: it may be about another appointment); any other
 * message in a conversation that already has a request is a follow-up of its latest request.
 */
export function classifyMessage(subject: string, conversationHasRequest: boolean): MessageKind {
  const parsed = parseRequestSubject(subject);
  const looksLikeRequest = parsed.ok || !parsed.notRequest;
  if (looksLikeRequest && !isReplySubject(subject)) return "request";
  return conversationHasRequest ? "follow_up" : "unrelated";
}
