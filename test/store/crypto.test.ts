import { createCipheriv, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { keyId, loadOrCreateDevKey, TokenCipher, UnknownKeyError } from "../../src/store/crypto.ts";

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

  it("names the sealing key in the envelope; earlier keys stay readable, others are refused by id", () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sealed = new TokenCipher(oldKey).encrypt("refresh-1", "pkb_connections:1:refresh");
    expect(sealed[0]).toBe(2);
    expect(sealed.subarray(1, 9).equals(keyId(oldKey))).toBe(true);
    const rotating = new TokenCipher(newKey, [oldKey]);
    expect(rotating.decrypt(sealed, "pkb_connections:1:refresh")).toBe("refresh-1");
    expect(rotating.isCurrent(sealed)).toBe(false);
    const resealed = rotating.encrypt("refresh-1", "pkb_connections:1:refresh");
    expect(rotating.isCurrent(resealed)).toBe(true);
    expect(new TokenCipher(newKey).decrypt(resealed, "pkb_connections:1:refresh")).toBe("refresh-1");
    expect(() => new TokenCipher(newKey).decrypt(sealed, "pkb_connections:1:refresh")).toThrow(UnknownKeyError);
    expect(() => new TokenCipher(newKey).decrypt(sealed, "x")).toThrow(keyId(oldKey).toString("hex"));
  });

  it("reads envelopes written before key ids (format 1) with whichever configured key sealed them", () => {
    const oldKey = randomBytes(32);
    const nonce = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", oldKey, nonce);
    c.setAAD(Buffer.from("system_tokens:aggregated_fhir", "utf8"));
    const body = Buffer.concat([c.update("legacy-token", "utf8"), c.final()]);
    const legacy = Buffer.concat([Buffer.from([1]), nonce, c.getAuthTag(), body]);
    const rotating = new TokenCipher(randomBytes(32), [randomBytes(32), oldKey]);
    expect(rotating.decrypt(legacy, "system_tokens:aggregated_fhir")).toBe("legacy-token");
    expect(rotating.isCurrent(legacy)).toBe(false);
    expect(() => new TokenCipher(randomBytes(32)).decrypt(legacy, "system_tokens:aggregated_fhir")).toThrow();
    expect(() => rotating.decrypt(legacy, "system_tokens:other")).toThrow();
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
