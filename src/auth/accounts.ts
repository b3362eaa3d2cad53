// Local accounts: sign-in with email and password (throttled, see throttle.ts), password changes, and the admin
// account the CLI and the start-up settings create. Use cases take the executor first, like the store's repositories.
import { AppError } from "../errors.ts";
import type { Db, Queryable } from "../store/db.ts";
import type { Role, User } from "../store/people.ts";
import { accountHasher, normaliseEmail } from "./account-key.ts";
import { checkNewPassword, hashPassword, verifyPassword } from "./passwords.ts";
import { attemptSucceeded, reserveAttempt, type ThrottlePolicy } from "./throttle.ts";

export { normaliseEmail };
export type { ThrottlePolicy };

/** The outcome of a password sign-in, with the keyed hash of the typed email (`accountRef`) to log in its place. */
export type SignInOutcome = { accountRef: string } & (
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid_credentials" | "account_disabled"; userId: string | null }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number; userId: null }
);

/**
 * Checks an email and password. Unknown emails, accounts without a password (single sign-on only) and wrong passwords
 * all answer `invalid_credentials` after the same argon2 work; a switched-off account is reported only to someone who
 * knows its password. Every attempt is counted by the throttle before the password is checked (see throttle.ts).
 */
export async function signInWithPassword(
  db: Db,
  p: { email: string; password: string; ip: string | null; policy: ThrottlePolicy },
): Promise<SignInOutcome> {
  const hasher = await accountHasher(db);
  const account = hasher.full(p.email);
  const accountRef = hasher.short(p.email);
  const reserved = await reserveAttempt(db, { account, address: p.ip ?? "", policy: p.policy });
  if (!reserved.ok) {
    return { ok: false, reason: "throttled", retryAfterSeconds: reserved.retryAfterSeconds, userId: null, accountRef };
  }
  const [user] = await db.query<{ id: string; password_hash: string | null; active: boolean }>(
    "SELECT id, password_hash, active FROM users WHERE lower(email) = $1",
    [normaliseEmail(p.email)],
  );
  const matches = await verifyPassword(user?.password_hash ?? null, p.password);
  if (matches && user?.active) {
    await attemptSucceeded(db, reserved.reservation, p.policy);
    await db.query("DELETE FROM sessions WHERE expires_at < now()"); // housekeeping: ended sessions
    return { ok: true, userId: user.id, accountRef };
  }
  const reason = matches && user && !user.active ? "account_disabled" : "invalid_credentials";
  return { ok: false, reason, userId: user?.id ?? null, accountRef };
}

/** Sets a user's password (checked for length). */
export async function setPassword(db: Queryable, userId: string, password: string): Promise<void> {
  checkNewPassword(password);
  const hash = await hashPassword(password);
  await db.query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1", [userId, hash]);
}

/**
 * Changes a signed-in user's own password after checking the current one (counted by the sign-in throttle, so
 * guessing through a stolen session is slowed like sign-in), then ends their other sessions.
 */
export async function changeOwnPassword(
  db: Db,
  p: {
    userId: string;
    email: string;
    current: string;
    next: string;
    keepSessionId: string;
    ip: string | null;
    policy: ThrottlePolicy;
  },
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  const [row] = await db.query<{ password_hash: string | null }>("SELECT password_hash FROM users WHERE id = $1", [
    p.userId,
  ]);
  if (!row?.password_hash) {
    throw new AppError("no_local_password", "You sign in with single sign-on: change your password there", 400);
  }
  const account = (await accountHasher(db)).full(p.email);
  const reserved = await reserveAttempt(db, { account, address: p.ip ?? "", policy: p.policy });
  if (!reserved.ok) return { ok: false, retryAfterSeconds: reserved.retryAfterSeconds };
  if (!(await verifyPassword(row.password_hash, p.current))) {
    throw new AppError("wrong_password", "Your current password is not right", 400);
  }
  await attemptSucceeded(db, reserved.reservation, p.policy);
  checkNewPassword(p.next);
  if (p.next === p.current)
    throw new AppError("weak_password", "Choose a password different from the current one", 400);
  await setPassword(db, p.userId, p.next);
  await db.query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2", [p.userId, p.keepSessionId]);
  return { ok: true };
}

/**
 * Creates an admin with a password. When the email is already taken: with `update`, that user becomes an active admin
 * with this password (and their sessions end); without, 409 `conflict`.
 */
export async function createAdmin(
  db: Queryable,
  p: { email: string; displayName: string; password: string; update?: boolean },
): Promise<{ user: User; created: boolean }> {
  checkNewPassword(p.password);
  const hash = await hashPassword(p.password);
  const [existing] = await db.query<{ id: string }>("SELECT id FROM users WHERE lower(email) = $1", [
    normaliseEmail(p.email),
  ]);
  if (existing && !p.update) {
    throw new AppError("conflict", `A user with the email ${p.email} already exists`, 409);
  }
  const [row] = existing
    ? await db.query<UserRow>(
        `UPDATE users SET role = 'admin', active = true, password_hash = $2, display_name = $3, updated_at = now()
         WHERE id = $1 RETURNING id, email, display_name, role, active`,
        [existing.id, hash, p.displayName],
      )
    : await db.query<UserRow>(
        `INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, $2, 'admin', $3)
         RETURNING id, email, display_name, role, active`,
        [p.email.trim(), p.displayName, hash],
      );
  if (existing) await db.query("DELETE FROM sessions WHERE user_id = $1", [existing.id]);
  return { user: toUser(row!), created: !existing };
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  active: boolean;
}
const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  role: r.role,
  active: r.active,
});

/**
 * Changes a user's name, role or whether they are active; a change of role or a switch-off ends their sessions (so
 * the change takes effect at once). Returns null when there is no such user.
 */
export async function updateUserAccount(
  db: Queryable,
  id: string,
  patch: { displayName?: string; role?: Role; active?: boolean },
): Promise<User | null> {
  const [before] = await db.query<UserRow>("SELECT id, email, display_name, role, active FROM users WHERE id = $1", [
    id,
  ]);
  if (!before) return null;
  const [row] = await db.query<UserRow>(
    `UPDATE users SET display_name = COALESCE($2, display_name), role = COALESCE($3, role),
       active = COALESCE($4, active), updated_at = now()
     WHERE id = $1 RETURNING id, email, display_name, role, active`,
    [id, patch.displayName ?? null, patch.role ?? null, patch.active ?? null],
  );
  if (row!.role !== before.role || (before.active && !row!.active)) {
    await db.query("DELETE FROM sessions WHERE user_id = $1", [id]);
  }
  return toUser(row!);
}

/** How many users exist (0 means Rebook has not been set up yet). */
export async function userCount(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM users");
  return row!.n;
}
