// groupLoader: calls made in one turn go together; calls made while a batch is in flight wait for it and go together
// in the next; an Error in a key's place fails that call alone, and a batch that throws fails each of its calls.
import { describe, expect, it } from "vitest";
import { groupLoader } from "../../src/store/group-loader.ts";

describe("groupLoader", () => {
  it("gathers the calls made while a batch is in flight into the next batch", async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const loader = groupLoader<number, number>(async (keys) => {
      batches.push([...keys]);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return keys.map((k) => k * 10);
    });
    const first = [loader.load(1), loader.load(2)];
    await new Promise((r) => setTimeout(r, 20)); // the first batch is in flight, held
    const later = [loader.load(3), loader.load(4)];
    await new Promise((r) => setTimeout(r, 20));
    const more = loader.load(5);
    expect(batches).toEqual([[1, 2]]); // nothing more goes while the first is in flight
    release();
    expect(await Promise.all([...first, ...later, more])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it("keeps batches to the largest size asked", async () => {
    const sizes: number[] = [];
    const loader = groupLoader<number, number>(async (keys) => {
      sizes.push(keys.length);
      return keys;
    }, 3);
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((k) => loader.load(k)));
    expect(sizes).toEqual([3, 3, 1]);
  });

  it("fails only the call whose answer is an Error, and every call of a batch that throws", async () => {
    const loader = groupLoader<number, number>(async (keys) => {
      if (keys.includes(99)) throw new Error("the store refused");
      return keys.map((k) => (k === 2 ? new Error("no such row") : k));
    });
    const [one, two] = await Promise.allSettled([loader.load(1), loader.load(2)]);
    expect(one).toEqual({ status: "fulfilled", value: 1 });
    expect(two).toMatchObject({ status: "rejected", reason: { message: "no such row" } });
    const batch = await Promise.allSettled([loader.load(3), loader.load(99)]);
    expect(batch.map((b) => b.status)).toEqual(["rejected", "rejected"]);
    // The loader goes on after a failed batch.
    expect(await loader.load(4)).toBe(4);
  });
});
