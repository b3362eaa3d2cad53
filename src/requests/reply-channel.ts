// How a reply reaches the patient. PKB has no API to send a message (see /work/shared/pkb-api.md), so the only channel
// today is "copy and open PKB": staff copy the filled-in reply and paste it into the patient's conversation in PKB's
// web app. A PKB messaging API, if one appears, plugs in as another ReplyChannel whose send() delivers it.

/** What the request page offers to send a reply. */
export type ReplyDelivery =
  | { kind: "copy_and_open"; sends: false; openUrl: string; instructions: string }
  | { kind: "api"; sends: true; instructions: string };

/** A way to get a reply to the patient of a PKB conversation. */
export interface ReplyChannel {
  /** Stable name, recorded in the history with "patient answered". */
  readonly name: string;
  /** How staff send the reply for this conversation. */
  delivery(conversationId: string): ReplyDelivery;
  /** Sends the reply, for a channel that can (else it throws: the person sends it in PKB). */
  send?(p: { conversationId: string; text: string }): Promise<{ sentAt: Date }>;
}

/** Copy to the clipboard and open the conversation in PKB (PKB_CONVERSATION_URL, {conversationId} filled in). */
export class CopyAndOpenPkb implements ReplyChannel {
  readonly name = "copy_and_open_pkb";
  constructor(private readonly urlTemplate: string) {}

  delivery(conversationId: string): ReplyDelivery {
    return {
      kind: "copy_and_open",
      sends: false,
      openUrl: this.urlTemplate.replaceAll("{conversationId}", encodeURIComponent(conversationId)),
      instructions:
        "Copy the reply, open the conversation in PKB, paste it and send it there; then record that the patient was answered.",
    };
  }
}
