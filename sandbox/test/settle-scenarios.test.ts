// The generator's settle scenarios (SANDBOX_SETTLE_SCENARIOS): cancel requests whose appointment PKB has since shown
// cancelled, change requests whose appointment it has since moved, and patients who asked again about the same
// appointment — and a world without them is exactly the world it was.
import { describe, expect, it } from "vitest";
import { generate } from "../src/generator/index.ts";

const ANCHOR = new Date("2025-11-20T00:00:00.000Z");
const HOUR = 3_600_000;

describe("settle scenarios in the generated world", () => {
  const plain = generate({ seed: 11, size: 120, anchor: ANCHOR });
  const world = generate({ seed: 11, size: 120, anchor: ANCHOR, settleScenarios: 3 });
  const requests = world.groundTruth.filter((g) => g.kind === "change" || g.kind === "cancel");
  const appointment = (id: string | null) => world.appointments.find((a) => a.id === id)!;
  const messageOf = (id: string) => world.messages.find((m) => m.id === id)!;

  it("leaves the world as it was when there are none", () => {
    expect(generate({ seed: 11, size: 120, anchor: ANCHOR, settleScenarios: 0 })).toEqual(plain);
  });

  it("has cancel requests whose appointment PKB shows cancelled since the request, a while before the anchor", () => {
    const cancelled = requests.filter(
      (g) => g.kind === "cancel" && appointment(g.appointmentId).status === "cancelled",
    );
    expect(cancelled.length).toBeGreaterThanOrEqual(3);
    for (const g of cancelled) {
      const a = appointment(g.appointmentId);
      expect(Date.parse(a.start)).toBeGreaterThan(ANCHOR.getTime() + 5 * 24 * HOUR);
      expect(Date.parse(a.lastUpdated)).toBeGreaterThan(messageOf(g.messageId).timestamp);
      expect(Date.parse(a.lastUpdated)).toBeLessThanOrEqual(ANCHOR.getTime());
    }
  });

  it("has change requests whose appointment PKB shows two hours from what the message says", () => {
    const before = new Map(plain.appointments.map((a) => [a.id, a.start]));
    const moved = requests.filter(
      (g) => g.kind === "change" && before.get(g.appointmentId!) !== appointment(g.appointmentId).start,
    );
    expect(moved).toHaveLength(3);
    for (const g of moved) {
      const was = Date.parse(before.get(g.appointmentId!)!);
      expect(Math.abs(Date.parse(appointment(g.appointmentId).start) - was)).toBe(2 * HOUR);
      expect(appointment(g.appointmentId).status).toBe("booked");
    }
  });

  it("has patients who asked again about the same appointment, later, in a new conversation (a cancel after a change)", () => {
    const byAppointment = new Map<string, typeof requests>();
    for (const g of requests) byAppointment.set(g.appointmentId!, [...(byAppointment.get(g.appointmentId!) ?? []), g]);
    const repeated = [...byAppointment.values()].filter((list) => list.length > 1);
    expect(repeated).toHaveLength(3);
    for (const [first, second] of repeated) {
      const a = messageOf(first!.messageId);
      const b = messageOf(second!.messageId);
      expect(b.conversationId).not.toBe(a.conversationId);
      expect(b.timestamp).toBeGreaterThan(a.timestamp);
      expect(b.timestamp).toBeLessThanOrEqual(ANCHOR.getTime());
    }
    expect(repeated.some(([x, y]) => x!.kind === "change" && y!.kind === "cancel")).toBe(true);
  });
});
