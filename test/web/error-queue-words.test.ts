// The error queue's Status column says what a replay filed the message as in words, never the stored code.
import { describe, expect, it } from "vitest";
import { resolutionText } from "../../web/src/admin/error-queue-words.ts";
import { MESSAGE_KINDS } from "../../src/requests/vocabulary.ts";

describe("the error queue's resolution note", () => {
  it("puts every outcome a replay records into words", () => {
    const notes = [...MESSAGE_KINDS, "already stored"];
    const texts = notes.map((note) => resolutionText({ status: "replayed", resolutionNote: note }));
    expect(texts).toEqual([
      "Filed as a new request on the worklist",
      "Filed as a follow-up to the patient's earlier request in the same PKB conversation",
      "Stored as a message that is not a change or cancel request: no request was made",
      "It was already stored (PKB sent it again): nothing more to file",
    ]);
  });

  it("shows a discard's reason as the admin wrote it, even when it reads like a code", () => {
    expect(resolutionText({ status: "discarded", resolutionNote: "unrelated" })).toBe("unrelated");
    expect(resolutionText({ status: "discarded", resolutionNote: "A test message" })).toBe("A test message");
  });

  it("has nothing to say without a note", () => {
    expect(resolutionText({ status: "open", resolutionNote: null })).toBeNull();
  });
});
