// Encryption at rest for PKB tokens: AES-256-GCM with a random 96-bit nonce per value and the owning row's identity as
// additional authenticated data, so a ciphertext copied onto another row or field fails to decrypt.
//
// Key rotation: each envelope names the key that sealed it (an 8-byte fingerprint, never the key), values are always
// sealed with the current key, and earlier keys stay readable until `rebook rotate-keys` has re-sealed everything.
// Envelopes written before key ids existed (format 1) are tried against every configured key.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

const LEGACY_FORMAT = 1; // version(1) ‖ nonce(12) ‖ tag(16) ‖ ciphertext
const FORMAT = 2; // version(1) ‖ key id(8) ‖ nonce(12) ‖ tag(16) ‖ ciphertext
const KEY_ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A key's public fingerprint: the first 8 bytes of SHA-256 over a label and the key. */
export function keyId(key: Buffer): Buffer {
  return createHash("sha256").update("rebook token key id\0").update(key).digest().subarray(0, KEY_ID_BYTES);
}

/** The envelope was sealed with a key Rebook was not given (its id says which). */
export class UnknownKeyError extends Error {
  constructor(readonly keyIdHex: string) {
    super(
      `Token sealed with key ${keyIdHex}, which is not configured (add it to TOKEN_ENCRYPTION_KEY_PREVIOUS to read it)`,
    );
    this.name = "UnknownKeyError";
  }
}

/** Encrypts with the current key; decrypts with the current key or any previous one. */
export class TokenCipher {
  private readonly keys: { id: Buffer; key: Buffer }[];

  /** `key` seals every new value; `previous` keys are only read (during a rotation). All are 32 bytes. */
  constructor(key: Buffer, previous: readonly Buffer[] = []) {
    for (const k of [key, ...previous]) if (k.length !== 32) throw new Error("Token encryption key must be 32 bytes");
    this.keys = [key, ...previous.filter((p) => !p.equals(key))].map((k) => ({ id: keyId(k), key: k }));
  }

  /** The current key's id (hex), as shown by `rebook rotate-keys`. */
  get currentKeyId(): string {
    return this.keys[0]!.id.toString("hex");
  }

  /** Returns a format-2 envelope sealed with the current key; `context` names the row and field (e.g. "conn:<id>:refresh"). */
  encrypt(plaintext: string, context: string): Buffer {
    const { id, key } = this.keys[0]!;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT]), id, nonce, cipher.getAuthTag(), body]);
  }

  /** Reverses encrypt() (either format); throws when no configured key opens it, or the context or bytes are wrong. */
  decrypt(envelope: Uint8Array, context: string): string {
    const buf = Buffer.from(envelope);
    if (buf[0] === FORMAT && buf.length >= 1 + KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES) {
      const id = buf.subarray(1, 1 + KEY_ID_BYTES);
      const entry = this.keys.find((k) => k.id.equals(id));
      if (!entry) throw new UnknownKeyError(id.toString("hex"));
      return open(entry.key, buf.subarray(1 + KEY_ID_BYTES), context);
    }
    if (buf[0] === LEGACY_FORMAT && buf.length >= 1 + NONCE_BYTES + TAG_BYTES) {
      // No key id: GCM's tag tells the right key from a wrong one, so trying each is safe.
      let failure: unknown;
      for (const { key } of this.keys) {
        try {
          return open(key, buf.subarray(1), context);
        } catch (err) {
          failure = err;
        }
      }
      throw failure;
    }
    throw new Error("Not a Rebook token envelope");
  }

  /** True when the envelope is already sealed with the current key in the current format. */
  isCurrent(envelope: Uint8Array): boolean {
    const buf = Buffer.from(envelope);
    return buf[0] === FORMAT && buf.subarray(1, 1 + KEY_ID_BYTES).equals(this.keys[0]!.id);
  }
}

/** Opens nonce ‖ tag ‖ ciphertext with `key`. */
function open(key: Buffer, sealed: Buffer, context: string): string {
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
}

/** The cipher for a configuration: TOKEN_ENCRYPTION_KEY (or the development key) plus the previous keys. */
export async function cipherFor(config: {
  tokenEncryptionKey: Buffer | null;
  previousTokenEncryptionKeys: Buffer[];
  dataDir: string;
}): Promise<TokenCipher> {
  const key = config.tokenEncryptionKey ?? (await loadOrCreateDevKey(config.dataDir));
  return new TokenCipher(key, config.previousTokenEncryptionKeys);
}

/**
 * Development only: reads the key kept in dataDir/token-encryption.key, creating it (mode 0600) on first use, so
 * tokens stay readable across restarts without configuration. Production requires TOKEN_ENCRYPTION_KEY.
 */
export async function loadOrCreateDevKey(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, "token-encryption.key");
  try {
    const key = Buffer.from((await fs.readFile(file, "utf8")).trim(), "base64");
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    await fs.mkdir(dataDir, { recursive: true });
    const key = randomBytes(32);
    await fs.writeFile(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    return key;
  }
}
