// A patient's requests are written in the order they came (src/sync/patient-order.ts): a result waits for the
// patient's earlier requests in flight, never for later ones or other patients'.
import { describe, expect, it } from "vitest";
import { PatientOrder } from "../../src/sync/patient-order.ts";

const at = (minute: number): Date => new Date(Date.UTC(2026, 10, 30, 9, minute));
/** Whether `p` has settled after the microtasks and timers queued so far have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, 0));
  return done;
}

describe("a patient's requests in the order they came", () => {
  it("holds a later request's turn until every earlier one of the patient has ended, in any finishing order", async () => {
    const order = new PatientOrder();
    const first = order.enter("p1", at(1), "b");
    const second = order.enter("p1", at(2), "a");
    const third = order.enter("p1", at(3), "c");
    // The first has no earlier request: its turn is at once.
    expect(await settled(first.turn())).toBe(true);
    // The third's PKB calls finished first: it waits for both earlier ones.
    const thirdTurn = third.turn();
    const secondTurn = second.turn();
    expect(await settled(thirdTurn)).toBe(false);
    expect(await settled(secondTurn)).toBe(false);
    first.leave();
    expect(await settled(secondTurn)).toBe(true);
    expect(await settled(thirdTurn)).toBe(false);
    second.leave();
    expect(await settled(thirdTurn)).toBe(true);
    third.leave();
    expect(order.size).toBe(0);
  });

  it("orders requests received at the same moment by id, and waits for an earlier one that starts later", async () => {
    const order = new PatientOrder();
    const later = order.enter("p1", at(5), "r-2");
    const same = order.enter("p1", at(5), "r-1");
    const later2 = later.turn();
    expect(await settled(later2)).toBe(false); // r-1 came at the same moment and sorts first
    expect(await settled(same.turn())).toBe(true);
    // An earlier request of the patient started while the later one was waiting: it is waited for too.
    const earlier = order.enter("p1", at(4), "r-0");
    same.leave();
    expect(await settled(later2)).toBe(false);
    earlier.leave();
    expect(await settled(later2)).toBe(true);
    later.leave();
  });

  it("never holds other patients' requests, and a request that left (retried, failed) frees the ones after it", async () => {
    const order = new PatientOrder();
    const mine = order.enter("p1", at(1), "a");
    const theirs = order.enter("p2", at(2), "b");
    expect(await settled(theirs.turn())).toBe(true);
    const mineLater = order.enter("p1", at(3), "c");
    const waiting = mineLater.turn();
    expect(await settled(waiting)).toBe(false);
    mine.leave();
    mine.leave(); // idempotent
    expect(await settled(waiting)).toBe(true);
    mineLater.leave();
    theirs.leave();
    expect(order.size).toBe(0);
  });

  it("holds the turns of requests started after one that is still being read, until it is placed or skipped", async () => {
    const order = new PatientOrder();
    const reading = order.arrive(); // started first, its read not back yet: its patient is unknown
    const other = order.arrive(); // started second
    const mineLater = order.enter("p1", at(3), "c");
    const waiting = mineLater.turn();
    expect(await settled(waiting)).toBe(false);
    // Placed under another patient: the later request of p1 no longer waits for it. The second is still unread.
    const first = reading.place("p2", at(1), "a");
    expect(await settled(first.turn())).toBe(true); // it started before every other one
    expect(await settled(waiting)).toBe(false);
    const second = other.place("p1", at(2), "b"); // an earlier request of p1: it is waited for now
    expect(await settled(waiting)).toBe(false);
    second.leave();
    expect(await settled(waiting)).toBe(true);
    // A request not read yet holds only the requests started after it.
    const unread = order.arrive();
    expect(await settled(mineLater.turn())).toBe(true); // started before it
    const z = order.enter("p1", at(0), "z");
    const zTurn = z.turn();
    expect(await settled(zTurn)).toBe(false); // started after it
    unread.skip();
    unread.skip(); // idempotent
    expect(await settled(zTurn)).toBe(true);
    expect(() => unread.place("p1", at(9), "y")).toThrow(/already/);
    first.leave();
    mineLater.leave();
    z.leave();
    expect(order.size).toBe(0);
  });
});
