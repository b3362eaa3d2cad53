// Db.readSnapshot, the read behind the CSV exports, on both engines: one SELECT read in chunks as of one moment, and
// everything it holds given back however it ends (read to the end, stopped early, failed). On PostgreSQL it holds up
// no writer, and the reads holding connections at once are bounded so downloads cannot take the whole pool.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, heldSnapshotReads, type TestDb } from "../helpers/db.ts";

describe.each(engines)("readSnapshot on $name", (engine) => {
  let t: TestDb;

  beforeAll(async () => {
    t = await engine.open();
    await t.db.query("CREATE TABLE snap (id int PRIMARY KEY, v text NOT NULL)");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const fill = async (n: number) => {
    await t.db.query("DELETE FROM snap");
    await t.db.query("INSERT INTO snap SELECT g, 'v' || g FROM generate_series(1, $1::int) g", [n]);
  };

  it("reads the rows in chunks of the size asked, with parameters, and then holds nothing", async () => {
    await fill(7);
    const chunks: number[][] = [];
    for await (const rows of t.db.readSnapshot<{ id: number }>("SELECT id FROM snap WHERE id > $1 ORDER BY id", [1], {
      chunk: 2,
    }))
      chunks.push(rows.map((r) => r.id));
    expect(chunks).toEqual([
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
    expect(await heldSnapshotReads(t.db)).toBe(0);
  });

  it("shows the rows as they were at its first chunk: later inserts, updates and deletes are not seen", async () => {
    await fill(6);
    const read = t.db.readSnapshot<{ id: number; v: string }>("SELECT id, v FROM snap ORDER BY id", [], { chunk: 2 });
    const first = await read.next();
    expect(first.value).toEqual([
      { id: 1, v: "v1" },
      { id: 2, v: "v2" },
    ]);
    expect(await heldSnapshotReads(t.db)).toBe(1);
    // Writers are not held up by the read (each of these would wait for a lock if it were).
    await t.db.query("UPDATE snap SET v = 'changed' WHERE id IN (1, 4)");
    await t.db.query("DELETE FROM snap WHERE id = 5");
    await t.db.query("INSERT INTO snap VALUES (0, 'new'), (9, 'new')");
    const rest: { id: number; v: string }[] = [];
    for await (const rows of read) rest.push(...rows);
    expect(rest).toEqual([3, 4, 5, 6].map((id) => ({ id, v: `v${id}` })));
    expect(await heldSnapshotReads(t.db)).toBe(0);
  });

  it("gives back what it holds when the consumer stops early, or before it ever starts", async () => {
    await fill(6);
    const read = t.db.readSnapshot("SELECT id FROM snap ORDER BY id", [], { chunk: 2 });
    await read.next();
    expect(await heldSnapshotReads(t.db)).toBe(1);
    await read.return(undefined);
    expect(await heldSnapshotReads(t.db)).toBe(0);
    // Never started: nothing was taken.
    await t.db.readSnapshot("SELECT id FROM snap", [], { chunk: 2 }).return(undefined);
    expect(await heldSnapshotReads(t.db)).toBe(0);
  });

  it("fails with the statement's error mid-way and gives back what it holds; the store reads on", async () => {
    await fill(6);
    const read = t.db.readSnapshot<{ x: number }>("SELECT 1 / (id - 4) AS x FROM snap ORDER BY id", [], { chunk: 2 });
    // PostgreSQL runs the statement as it fetches: the chunk that reaches row 4 fails. PGlite runs it whole at the
    // start: the first chunk does.
    if (engine.name === "postgres") expect((await read.next()).value).toHaveLength(2);
    await expect(read.next()).rejects.toThrow(/division by zero/);
    expect(await heldSnapshotReads(t.db)).toBe(0);
    const [{ n }] = (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM snap")) as [{ n: number }];
    expect(n).toBe(6);
  });

  it("refuses a chunk that is not a positive whole number", async () => {
    await expect(t.db.readSnapshot("SELECT 1", [], { chunk: 0 }).next()).rejects.toThrow(/positive integer/);
    expect(await heldSnapshotReads(t.db)).toBe(0);
  });
});

// How many reads hold the store at once, per engine: on PostgreSQL a quarter of the pool's connections, the rest of the
// pool serving everything else; on PGlite one cursor at a time, other statements running between its FETCHes.
const atOnce = [
  {
    ...engines[0], // one connection: one snapshot read at a time
    rule: "lets one read hold a cursor at a time; the next waits its turn, and other statements still run",
    others: [1],
  },
  {
    ...engines[1], // a pool of 5: one snapshot read at a time, the others run at once meanwhile
    rule: "lets a quarter of the pool's connections hold reads; the next read waits its turn, and the pool serves the rest",
    others: [1, 2, 3],
  },
];

describe.each(atOnce)("readSnapshot on $name: how many at once", (engine) => {
  let t: TestDb;

  beforeAll(async () => {
    t = await engine.open();
    await t.db.query("CREATE TABLE snap (id int PRIMARY KEY)");
    await t.db.query("INSERT INTO snap SELECT generate_series(1, 4)");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it(engine.rule, async () => {
    const first = t.db.readSnapshot("SELECT id FROM snap ORDER BY id", [], { chunk: 1 });
    await first.next();
    const second = t.db.readSnapshot("SELECT id FROM snap ORDER BY id", [], { chunk: 1 });
    let secondStarted = false;
    const secondChunk = second.next().then((r) => {
      secondStarted = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(secondStarted).toBe(false);
    // Everything else still runs meanwhile.
    const others = await Promise.all(engine.others.map((i) => t.db.query("SELECT $1::int AS i", [i])));
    expect(others).toEqual(engine.others.map((i) => [{ i }]));
    expect(await heldSnapshotReads(t.db)).toBe(1);
    await first.return(undefined);
    expect((await secondChunk).value).toEqual([{ id: 1 }]);
    await second.return(undefined);
    await expect.poll(() => heldSnapshotReads(t.db)).toBe(0);
  });
});
