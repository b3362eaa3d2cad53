import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateDevKey, TokenCipher } from "../../src/store/crypto.ts";

describe("TokenCipher", () => {
  const cipher = new TokenCipher(randomBytes(32));

  it("round-trips and never produces the same bytes twice", () => {
    const a = cipher.encrypt("lJWcpd5weZhtTHsu-kQ20AfvgduoJsJy", "pkb_connections:1:access");
    const b = cipher.encrypt("lJWcpd5weZhtTHsu-kQ20AfvgduoJsJy", "pkb_connections:1:access");
    expect(a.equals(b)).toBe(false);
    expect(cipher.decrypt(a, "pkb_connections:1:access")).toBe("lJWcpd5weZhtTHsu-kQ20AfvgduoJsJy");
  });

  it("refuses a ciphertext moved to another row or field, or tampered with", () => {
    const a = cipher.encrypt("token", "pkb_connections:1:access");
    expect(() => cipher.decrypt(a, "pkb_connections:2:access")).toThrow();
    expect(() => cipher.decrypt(a, "pkb_connections:1:refresh")).toThrow();
    const tampered = Buffer.from(a);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.decrypt(tampered, "pkb_connections:1:access")).toThrow();
  });

  it("rejects keys that are not 32 bytes", () => {
    expect(() => new TokenCipher(randomBytes(16))).toThrow(/32 bytes/);
  });

  it("creates a development key once, private to its owner, and reuses it", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-key-"));
    const k1 = await loadOrCreateDevKey(dir);
    const k2 = await loadOrCreateDevKey(dir);
    expect(k1.equals(k2)).toBe(true);
    const stat = await fs.stat(path.join(dir, "token-encryption.key"));
    expect(stat.mode & 0o777).toBe(0o600);
  });
});
