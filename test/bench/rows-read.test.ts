// The bench's "rows read/request" (bench/postgres.ts): the rows a pass's pool read are all counted, though a server
// process reports its counts at most once a second and as it ends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshPostgres, rowsRead } from "../../bench/postgres.ts";

describe("rows PostgreSQL read, as the bench counts them", { timeout: 60_000 }, () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  beforeAll(async () => {
    pg = await freshPostgres({ max: 4 });
    await pg.db.query("CREATE TABLE t (id int PRIMARY KEY, v text)");
    await pg.db.query("INSERT INTO t SELECT i, 'x' FROM generate_series(1, 1000) i");
  });
  afterAll(async () => {
    await pg?.drop();
  });

  it("counts every row a pool read by scans and through indexes, once its processes have ended", async () => {
    const before = await rowsRead(pg.db);
    // Four connections at once, each reading the table whole (1,000 rows) and one row by its key: just now, so
    // none of them has reported its counts yet (a process reports at most once a second, or as it ends).
    await Promise.all(
      [1, 2, 3, 4].map(async (i) => {
        await pg.db.transaction(async (tx) => {
          await tx.query("SELECT count(v) FROM t");
          await tx.query("SELECT v FROM t WHERE id = $1", [i]);
        });
      }),
    );
    const db = await pg.reopen();
    expect((await rowsRead(db)) - before).toBe(4 * 1_000 + 4);
  });
});
