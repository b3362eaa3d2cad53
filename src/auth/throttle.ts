// Sign-in throttling that slows an attacker without handing them a denial of service. Three counters per attempt:
//   account_address  one account from one address: LOGIN_MAX_FAILURES_PER_ACCOUNT free failures;
//   account          one account from addresses it has not signed in from: guessing from many places;
//   address          one address at accounts never signed in from there: a spray at many accounts.
// Beyond a counter's free failures each further attempt waits, the wait doubling with each failure up to a cap
// (429 with Retry-After), and a count is forgotten a while after its last failure. An address a user signed in from
// recently is theirs: only the first counter applies there, so neither guessing elsewhere nor a colleague's attacker
// behind the same proxy slows them. An admin can lift an account's delays.
//
// Each attempt is counted *before* the password is checked, in one statement per counter that increments and checks at
// once (INSERT … ON CONFLICT DO UPDATE … WHERE not blocked), inside one transaction, so simultaneous attempts on any
// number of instances cannot all read "under the limit". A right password then resets (or gives back) what it counted;
// a refused attempt counts nothing.
import type { Db, Queryable } from "../store/db.ts";

/** The throttle's settings (config.auth.throttle), in milliseconds. */
export interface ThrottlePolicy {
  maxPerAccountAddress: number;
  maxPerAccount: number;
  maxPerAddress: number;
  firstDelayMs: number;
  maxDelayMs: number;
  windowMs: number;
  knownAddressMs: number;
}

type Scope = "account_address" | "account" | "address";

/** An attempt that may go ahead, and what it counted (to give back when the password was right). */
export interface Reservation {
  account: string;
  address: string;
  /** The other counters this attempt incremented, with the block it set (microseconds since 1970, or null). */
  counted: { scope: Exclude<Scope, "account_address">; blockedUntil: number | null }[];
}

/** Whether an attempt may go ahead now. */
export type ReserveResult = { ok: true; reservation: Reservation } | { ok: false; retryAfterSeconds: number };

class Refused extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("throttled");
  }
}

// The count after this failure: the old one plus one, or one when the last failure was longer than the window ago.
const NEXT = `CASE WHEN t.last_failure_at IS NULL OR t.last_failure_at <= now() - make_interval(secs => $5::double precision / 1000)
  THEN 1 ELSE t.failures + 1 END`;
// The block after `n` failures: none below the free count, then the first delay, doubling, up to the longest.
const blockAfter = (n: string): string =>
  `CASE WHEN ${n} >= $4 THEN now() + make_interval(secs => LEAST($7::double precision,
     $6::double precision * power(2, ${n} - $4)) / 1000) END`;

// A block's instant to the microsecond (a JavaScript Date would lose the last three digits).
const MICROS = "(extract(epoch FROM blocked_until) * 1000000)::bigint";

/**
 * Counts one attempt on one counter unless it is blocked, in one statement; returns the block it set (microseconds
 * since 1970, exact, or null), or throws Refused with the seconds left.
 */
async function bump(
  tx: Queryable,
  c: { scope: Scope; account: string; address: string; free: number },
  policy: ThrottlePolicy,
): Promise<number | null> {
  const params = [c.scope, c.account, c.address, c.free, policy.windowMs, policy.firstDelayMs, policy.maxDelayMs];
  const [row] = await tx.query<{ blocked_until: number | null }>(
    `INSERT INTO login_throttle AS t (scope, account, address, failures, last_failure_at, blocked_until)
     VALUES ($1, $2, $3, 1, now(), ${blockAfter("1")})
     ON CONFLICT (scope, account, address) DO UPDATE
       SET failures = ${NEXT}, last_failure_at = now(), blocked_until = ${blockAfter(NEXT)}
       WHERE t.blocked_until IS NULL OR t.blocked_until <= now()
     RETURNING ${MICROS} AS blocked_until`,
    params,
  );
  if (row) return row.blocked_until;
  const [left] = await tx.query<{ wait: number }>(
    `SELECT GREATEST(1, ceil(extract(epoch FROM blocked_until - now())))::int AS wait FROM login_throttle
     WHERE scope = $1 AND account = $2 AND address = $3`,
    params.slice(0, 3),
  );
  throw new Refused(left?.wait ?? 1);
}

/**
 * Reserves a sign-in attempt for `account` (a keyed hash of the email) from `address`: counts it on each counter that
 * applies, all or none, or says how long to wait.
 */
export async function reserveAttempt(
  db: Db,
  p: { account: string; address: string; policy: ThrottlePolicy },
): Promise<ReserveResult> {
  const { account, address, policy } = p;
  try {
    const reservation = await db.transaction(async (tx) => {
      const [pair] = await tx.query<{ known: boolean }>(
        `SELECT COALESCE(last_success_at > now() - make_interval(secs => $3::double precision / 1000), false) AS known
         FROM login_throttle WHERE scope = 'account_address' AND account = $1 AND address = $2`,
        [account, address, policy.knownAddressMs],
      );
      // The same order on every instance (pair, account, address), so concurrent attempts never deadlock.
      await bump(tx, { scope: "account_address", account, address, free: policy.maxPerAccountAddress }, policy);
      const counted: Reservation["counted"] = [];
      if (!pair?.known) {
        counted.push({
          scope: "account",
          blockedUntil: await bump(tx, { scope: "account", account, address: "", free: policy.maxPerAccount }, policy),
        });
        counted.push({
          scope: "address",
          blockedUntil: await bump(tx, { scope: "address", account: "", address, free: policy.maxPerAddress }, policy),
        });
      }
      return { account, address, counted };
    });
    return { ok: true, reservation };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, retryAfterSeconds: err.retryAfterSeconds };
    throw err;
  }
}

/**
 * The reserved attempt had the right password: its account and address become known to each other (the count there
 * starts again), and what it counted elsewhere is given back (a block it set is lifted; others' are kept).
 */
export async function attemptSucceeded(db: Queryable, r: Reservation, policy: ThrottlePolicy): Promise<void> {
  await db.query(
    `UPDATE login_throttle SET failures = 0, blocked_until = NULL, last_success_at = now()
     WHERE scope = 'account_address' AND account = $1 AND address = $2`,
    [r.account, r.address],
  );
  for (const c of r.counted) {
    await db.query(
      `UPDATE login_throttle SET failures = GREATEST(failures - 1, 0),
         blocked_until = CASE WHEN ${MICROS} IS NOT DISTINCT FROM $4::bigint THEN NULL ELSE blocked_until END
       WHERE scope = $1 AND account = $2 AND address = $3`,
      [c.scope, c.scope === "account" ? r.account : "", c.scope === "address" ? r.address : "", c.blockedUntil],
    );
  }
  // Housekeeping: counters with nothing left to remember.
  await db.query(
    `DELETE FROM login_throttle
     WHERE (last_failure_at IS NULL OR last_failure_at < now() - make_interval(secs => $1::double precision / 1000))
       AND (last_success_at IS NULL OR last_success_at < now() - make_interval(secs => $2::double precision / 1000))
       AND (blocked_until IS NULL OR blocked_until < now())`,
    [policy.windowMs, policy.knownAddressMs],
  );
}

/** Lifts every delay and count on `account` (all addresses); true when there was one to lift. */
export async function unlockAccount(db: Queryable, account: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE login_throttle SET failures = 0, blocked_until = NULL
     WHERE account = $1 AND scope IN ('account_address', 'account') AND (failures > 0 OR blocked_until IS NOT NULL)
     RETURNING 1`,
    [account],
  );
  return rows.length > 0;
}

/** Accounts (of `accounts`) with failures counted within the window: the most on any counter, and the latest block. */
export async function accountDelays(
  db: Queryable,
  accounts: readonly string[],
  policy: ThrottlePolicy,
): Promise<{ account: string; failures: number; blockedUntil: Date | null }[]> {
  if (accounts.length === 0) return [];
  const rows = await db.query<{ account: string; failures: number; blocked_until: Date | null }>(
    `SELECT account, max(failures)::int AS failures,
       max(blocked_until) FILTER (WHERE blocked_until > now()) AS blocked_until
     FROM login_throttle
     WHERE account = ANY($1::text[]) AND scope IN ('account_address', 'account') AND failures > 0
       AND last_failure_at > now() - make_interval(secs => $2::double precision / 1000)
     GROUP BY account`,
    [accounts, policy.windowMs],
  );
  return rows.map((r) => ({ account: r.account, failures: r.failures, blockedUntil: r.blocked_until }));
}
