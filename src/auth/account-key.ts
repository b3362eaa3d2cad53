// The keyed hash that stands for a typed email wherever Rebook must refer to it without keeping it: the sign-in
// throttle's counters and the sign-in log. HMAC-SHA256 under a random key Rebook generates once and keeps in the store
// (app_secrets), so every instance computes the same hash and the logs alone cannot be reversed by hashing guesses.
import { createHmac, randomBytes } from "node:crypto";
import type { Queryable } from "../store/db.ts";

const SECRET_NAME = "account_hash_key";
const keys = new WeakMap<object, Promise<Buffer>>();

async function loadKey(db: Queryable): Promise<Buffer> {
  await db.query("INSERT INTO app_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [
    SECRET_NAME,
    randomBytes(32).toString("base64"),
  ]);
  const [row] = await db.query<{ value: string }>("SELECT value FROM app_secrets WHERE name = $1", [SECRET_NAME]);
  return Buffer.from(row!.value, "base64");
}

/** Emails are compared without case and surrounding spaces. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** Hashes emails as typed: `full` (64 hex) for the store, `short` (its first 16 hex) for logs. */
export interface AccountHasher {
  full(email: string): string;
  short(email: string): string;
}

/** The hasher for `db`'s key (read, or created on first use; cached per store). */
export async function accountHasher(db: Queryable): Promise<AccountHasher> {
  let key = keys.get(db);
  if (!key) {
    key = loadKey(db);
    keys.set(db, key);
    key.catch(() => keys.delete(db));
  }
  const k = await key;
  const full = (email: string): string => createHmac("sha256", k).update(normaliseEmail(email)).digest("hex");
  return { full, short: (email) => full(email).slice(0, 16) };
}
