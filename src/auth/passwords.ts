// Password hashing with argon2id (@node-rs/argon2's defaults: 19 MiB, 2 passes, 1 lane — OWASP's recommended minimum).
// Only the PHC string ("$argon2id$v=19$m=…") is stored.
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { AppError } from "../errors.ts";

/** Shortest password a person may choose. */
export const MIN_PASSWORD_LENGTH = 12;
/** Longest password accepted (hashing cost is bounded; nobody types more). */
export const MAX_PASSWORD_LENGTH = 1024;

/** The argon2id PHC string of a password. */
export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// A hash of a random password, verified against when there is no account (or no password), so that the answer takes
// about as long whether or not the email is known.
let dummy: Promise<string> | null = null;
/** Computes the stand-in hash ahead of the first sign-in (call at start-up); returns it. */
export const dummyHash = (): Promise<string> => (dummy ??= hash(randomBytes(16).toString("hex")));

/** Whether `password` matches the stored hash; with a null hash, spends the same time and answers false. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) {
    await verify(await dummyHash(), password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false; // not a hash we can read
  }
}

/** 400 `weak_password` unless the password is acceptable for a new one. */
export function checkNewPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError("weak_password", `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters`, 400);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new AppError("weak_password", `Choose a password of at most ${MAX_PASSWORD_LENGTH} characters`, 400);
  }
}
