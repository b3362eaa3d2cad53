// Encryption at rest for PKB tokens: AES-256-GCM with a random 96-bit nonce per value and the owning row's identity as
// additional authenticated data, so a ciphertext copied onto another row or field fails to decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Encrypts and decrypts short secrets with one 32-byte key. */
export class TokenCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("Token encryption key must be 32 bytes");
  }

  /** Returns version(1) ‖ nonce(12) ‖ tag(16) ‖ ciphertext; `context` names the row and field (e.g. "conn:<id>:refresh"). */
  encrypt(plaintext: string, context: string): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_VERSION]), nonce, cipher.getAuthTag(), body]);
  }

  /** Reverses encrypt(); throws when the key, the context or the bytes are wrong. */
  decrypt(envelope: Uint8Array, context: string): string {
    const buf = Buffer.from(envelope);
    if (buf.length < 1 + NONCE_BYTES + TAG_BYTES || buf[0] !== FORMAT_VERSION) {
      throw new Error("Not a Rebook token envelope");
    }
    const nonce = buf.subarray(1, 1 + NONCE_BYTES);
    const tag = buf.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.key, nonce);
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(buf.subarray(1 + NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  }
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
