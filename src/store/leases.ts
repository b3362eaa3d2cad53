// Time-limited leases: only the holder of a lease does the work it names (e.g. polling one PKB connection), and a
// crashed holder's lease lapses by itself.
import type { Queryable } from "./db.ts";

/** Takes or renews the lease `name` for `holder` for ttlMs; returns false when another holder has a live lease. */
export async function acquireLease(db: Queryable, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000))
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
     RETURNING name`,
    [name, holder, ttlMs],
  );
  return rows.length === 1;
}

/** Gives the lease up if `holder` has it. */
export async function releaseLease(db: Queryable, name: string, holder: string): Promise<void> {
  await db.query("DELETE FROM leases WHERE name = $1 AND holder = $2", [name, holder]);
}
