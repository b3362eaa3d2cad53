// The history's words for what Rebook did, where they carry more than the event's name. Runs in both zones.
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../web/src/api/types.ts";
import { describeEvent } from "../../web/src/detail/history-words.ts";

const event = (type: HistoryEvent["type"], data: Record<string, unknown>): HistoryEvent => ({
  id: 1,
  at: "2026-12-02T10:00:00.000Z",
  type,
  data,
  actor: null,
});

describe("the link's history row", () => {
  it("says what PKB showed of the appointment when the match's answer was the first look", () => {
    const linked = event("appointment_linked", {
      externalId: "112513674a",
      settledAtLink: { pkbStatus: "pending", start: "2026-12-04T08:15:00.000Z", passed: false },
    });
    expect(describeEvent(linked, new Map())).toBe(
      "Appointment matched automatically: 112513674a; PKB then showed it as pending, starting Fri 4 Dec 2026, 08:15",
    );
    // In summer time the UK clock is an hour ahead of UTC.
    const summer = event("appointment_linked", {
      externalId: "A1",
      settledAtLink: { pkbStatus: "booked", start: "2027-06-01T08:15:00.000Z", passed: true },
    });
    expect(describeEvent(summer, new Map())).toBe(
      "Appointment matched automatically: A1; PKB then showed it as booked, starting Tue 1 Jun 2027, 09:15",
    );
  });

  it("says nothing of PKB when the link was read back at once or chosen by hand", () => {
    expect(describeEvent(event("appointment_linked", { externalId: "A1" }), new Map())).toBe(
      "Appointment matched automatically: A1",
    );
    expect(describeEvent(event("appointment_linked", { manual: true, externalId: "A1" }), new Map())).toBe(
      "Appointment chosen by hand: A1",
    );
  });

  it("keeps the row readable when what PKB showed is partial or not what the server writes", () => {
    const linked = (settledAtLink: unknown) =>
      describeEvent(event("appointment_linked", { externalId: "A1", settledAtLink }), new Map());
    expect(linked({ pkbStatus: "pending" })).toBe(
      "Appointment matched automatically: A1; PKB then showed it as pending",
    );
    // A start that is not a date is left out rather than breaking the whole history table.
    expect(linked({ pkbStatus: "pending", start: "not a date" })).toBe(
      "Appointment matched automatically: A1; PKB then showed it as pending",
    );
    // Without PKB's status there is nothing to say of what PKB showed.
    expect(linked({ start: "2026-12-04T08:15:00.000Z" })).toBe("Appointment matched automatically: A1");
    expect(linked("pending")).toBe("Appointment matched automatically: A1");
    expect(linked(null)).toBe("Appointment matched automatically: A1");
  });
});

describe("the appointment passed rows", () => {
  it("word a mark, and a later correction of why, each as written", () => {
    const shows = "The appointment (Wed 4 Jun 10:30) had already started when the request was received";
    expect(describeEvent(event("appointment_passed", { before: "received", shows }), new Map())).toBe(
      `Marked as appointment passed: ${shows}`,
    );
    const corrected =
      "The request now counts from an earlier message (received Mon 2 Jun 10:00), before the appointment " +
      "(Wed 4 Jun 10:30) started: it passed before anyone recorded an outcome, not before the request was received";
    expect(
      describeEvent(
        event("appointment_passed", { before: "action", correctedFrom: "received", shows: corrected }),
        new Map(),
      ),
    ).toBe(`Appointment passed, reason corrected: ${corrected}`);
    // Without the server's words: what the mark says now.
    expect(describeEvent(event("appointment_passed", { before: "received" }), new Map())).toBe(
      "Marked as appointment passed before the request was received",
    );
    expect(describeEvent(event("appointment_passed", { before: "action", correctedFrom: "received" }), new Map())).toBe(
      "Appointment passed, reason corrected: passed before action",
    );
  });

  it("word a correction as PKB shows the appointment moved across the request's receipt, and a mark cleared", () => {
    const moved =
      "PKB shows the appointment moved to Thu 5 Jun 10:30, from Mon 2 Jun 10:30, after the request was received " +
      "(Wed 4 Jun 09:00): it passed before anyone recorded an outcome, not before the request was received";
    expect(
      describeEvent(
        event("appointment_passed", { before: "action", correctedFrom: "received", movedFrom: "x", shows: moved }),
        new Map(),
      ),
    ).toBe(`Appointment passed, reason corrected: ${moved}`);
    expect(describeEvent(event("appointment_passed", { before: "received", correctedFrom: "action" }), new Map())).toBe(
      "Appointment passed, reason corrected: passed before the request was received",
    );
    const ahead =
      "PKB shows it moved to Tue 14 Oct 10:30, from Wed 1 Oct 09:00: it has not started yet, so the request is " +
      "deadline work again";
    expect(describeEvent(event("appointment_passed_cleared", { shows: ahead }), new Map())).toBe(
      `Appointment no longer passed: ${ahead}`,
    );
    expect(describeEvent(event("appointment_passed_cleared", {}), new Map())).toBe(
      "Appointment no longer passed: PKB shows it has not started yet, so the request is deadline work again",
    );
    // PKB shows the appointment cancelled, or no longer lists it: no longer booked.
    const cancelled =
      "PKB shows the appointment (Wed 1 Oct 09:00) cancelled: it is no longer booked, so the request is deadline " +
      "work again";
    expect(
      describeEvent(event("appointment_passed_cleared", { pkbShows: "cancelled", shows: cancelled }), new Map()),
    ).toBe(`Appointment no longer passed: ${cancelled}`);
    expect(describeEvent(event("appointment_passed_cleared", { pkbShows: "cancelled" }), new Map())).toBe(
      "Appointment no longer passed: PKB shows it cancelled, so the request is deadline work again",
    );
    expect(describeEvent(event("appointment_passed_cleared", { pkbShows: "not_listed" }), new Map())).toBe(
      "Appointment no longer passed: PKB no longer lists it, so the request is deadline work again",
    );
    // A person linked another appointment: the flag and the mark were about the one linked before.
    const relinked = { relinked: true, previousFhirId: "a", fhirId: "b" };
    expect(
      describeEvent(
        event("pkb_flag_cleared", {
          ...relinked,
          shows: "another appointment was linked, and the flag was about the one linked before",
        }),
        new Map(),
      ),
    ).toBe("Flag cleared: another appointment was linked, and the flag was about the one linked before");
    expect(
      describeEvent(
        event("appointment_passed_cleared", {
          ...relinked,
          shows: "another appointment was linked, and the mark was about the one linked before",
        }),
        new Map(),
      ),
    ).toBe(
      "Appointment no longer passed: another appointment was linked, and the mark was about the one linked before",
    );
    expect(describeEvent(event("appointment_passed_cleared", relinked), new Map())).toBe(
      "Appointment no longer passed: another appointment was linked",
    );
    expect(describeEvent(event("pkb_flag_cleared", relinked), new Map())).toBe(
      "Flag cleared: another appointment was linked",
    );
  });
});

describe("a start PKB shows moved", () => {
  it("says where to and from, as written; without the server's words, from its times on the UK clock", () => {
    const shows = "PKB shows this appointment moved to Tue 14 Oct 10:30, from Tue 14 Oct 09:30";
    expect(describeEvent(event("appointment_moved", { shows }), new Map())).toBe(`Appointment start updated: ${shows}`);
    // Summer time: the UK clock is an hour ahead of UTC; winter: the same.
    expect(
      describeEvent(
        event("appointment_moved", { from: "2027-06-01T08:15:00.000Z", to: "2027-12-01T08:15:00.000Z" }),
        new Map(),
      ),
    ).toBe("Appointment start updated: PKB shows it moved to Wed 1 Dec 2027, 08:15, from Tue 1 Jun 2027, 09:15");
    expect(describeEvent(event("appointment_moved", { from: "not a date" }), new Map())).toBe(
      "Appointment start updated",
    );
  });
});
