// A small, fast, seeded PRNG (sfc32 seeded through splitmix32) with the helpers the generator needs.
// Never Math.random: the same seed always yields the same sequence on every platform.

/** Mixes a 32-bit state into a well-distributed 32-bit value (splitmix32 step); pure, no state. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Returns `s` after making V8 store it as one flat string (reading a character flattens a concatenation in place).
 * Built strings are otherwise kept as trees of their parts, about six times larger; 100k-request datasets need this.
 */
export function flatten(s: string): string {
  s.charCodeAt(0);
  return s;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex(byte: number): string {
  return HEX[byte & 0xff] ?? "00";
}

/** Seeded PRNG: `next()` is uniform in [0, 1); every helper draws only from this stream. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds from any safe integer (and an optional stream number, so sub-generators are independent). */
  constructor(seed: number, stream = 0) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
    this.a = splitmix32(lo ^ 0x5bd1e995);
    this.b = splitmix32(hi ^ this.a);
    this.c = splitmix32(stream ^ this.b);
    this.d = splitmix32(this.c ^ 0x27d4eb2f);
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("Rng.pick: empty array");
    return item;
  }

  /** An element chosen with probability proportional to its weight (weights > 0). */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    const last = items[items.length - 1];
    if (last === undefined) throw new Error("Rng.weighted: empty array");
    return last[0];
  }

  /** `length` random decimal digits (the first may be 0). */
  digits(length: number): string {
    let s = "";
    for (let i = 0; i < length; i++) s += String(this.u32() % 10);
    return flatten(s);
  }

  /** An RFC 4122 version-4 uuid (lowercase hex) drawn from this stream. */
  uuid(): string {
    const a = this.u32();
    const b = (this.u32() & 0xffff0fff) | 0x00004000;
    const c = (this.u32() & 0x3fffffff) | 0x80000000;
    const d = this.u32();
    return flatten(
      hex(a >>> 24) +
        hex(a >>> 16) +
        hex(a >>> 8) +
        hex(a) +
        "-" +
        hex(b >>> 24) +
        hex(b >>> 16) +
        "-" +
        hex(b >>> 8) +
        hex(b) +
        "-" +
        hex(c >>> 24) +
        hex(c >>> 16) +
        "-" +
        hex(c >>> 8) +
        hex(c) +
        hex(d >>> 24) +
        hex(d >>> 16) +
        hex(d >>> 8) +
        hex(d),
    );
  }
}
