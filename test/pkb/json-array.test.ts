// The GET messages answer split into its elements as it arrives: whatever the chunks, the elements are JSON.parse's.
import { describe, expect, it } from "vitest";
import { JsonArrayElements, JsonArrayError } from "../../src/pkb/json-array.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Feeds `body` in the given chunks; returns every element and whether the array ended. */
function read(chunks: Uint8Array[]): { elements: unknown[]; ended: boolean } {
  const parser = new JsonArrayElements();
  const elements: unknown[] = [];
  for (const c of chunks) elements.push(...parser.write(c));
  return { elements, ended: parser.ended };
}

/** Every way of cutting `body` into two chunks, and into chunks of 1, 2 and 3 bytes. */
function cuts(body: Uint8Array): Uint8Array[][] {
  const ways: Uint8Array[][] = [];
  for (let at = 0; at <= body.length; at++) ways.push([body.subarray(0, at), body.subarray(at)]);
  for (const size of [1, 2, 3]) {
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < body.length; at += size) chunks.push(body.subarray(at, at + size));
    ways.push(chunks);
  }
  return ways;
}

const SAMPLE = [
  {
    id: "c1",
    messages: [
      {
        id: 101,
        subject: 'Request to change appointment: Sunday 14 September 2025 12:00am - "Emergency" [1]',
        content: 'Can we do {Monday}, or [Tuesday]? \\ back\\slash, "quoted", comma, bracket ] brace }',
        timestamp: 1757804400000,
      },
    ],
  },
  { id: "c2", messages: [], note: "Zoë Łucja 🙂 — café", nested: [[1, [2, [3]]], { a: { b: [] } }] },
  "a string, with [brackets] and {braces}",
  12.5e3,
  -0,
  true,
  null,
  [],
  {},
];

describe("the elements of a JSON array read in chunks", () => {
  it("gives JSON.parse's elements however the bytes are cut, multi-byte characters and escapes included", () => {
    const body = bytes(` \n[ ${SAMPLE.map((e) => JSON.stringify(e)).join(" ,\n ")} ]\n `);
    const expected = JSON.parse(new TextDecoder().decode(body)) as unknown[];
    for (const chunks of cuts(body)) {
      const { elements, ended } = read(chunks);
      expect(elements).toEqual(expected);
      expect(ended).toBe(true);
    }
  });

  it("reads an empty array, and ignores what follows the array", () => {
    expect(read([bytes("[]")])).toEqual({ elements: [], ended: true });
    expect(read([bytes(" [ \t\r\n] ")])).toEqual({ elements: [], ended: true });
    expect(read([bytes('[{"a":1}]'), bytes(' {"b":2}')])).toEqual({ elements: [{ a: 1 }], ended: true });
  });

  it("gives each element as soon as its bytes are complete", () => {
    const parser = new JsonArrayElements();
    expect(parser.write(bytes('[{"a":1},{"b"'))).toEqual([{ a: 1 }]);
    expect(parser.write(bytes(":2}"))).toEqual([]);
    expect(parser.write(bytes(","))).toEqual([{ b: 2 }]);
    expect(parser.ended).toBe(false);
    expect(parser.write(bytes("3]"))).toEqual([3]);
    expect(parser.ended).toBe(true);
    expect(() => parser.end()).not.toThrow();
  });

  it("refuses what is not one array of JSON values, without quoting it", () => {
    const fails = (body: string) => {
      const parser = new JsonArrayElements();
      try {
        parser.write(bytes(body));
        parser.end();
      } catch (err) {
        expect(err).toBeInstanceOf(JsonArrayError);
        expect((err as Error).message).not.toContain("Smith");
        return;
      }
      throw new Error(`accepted ${body}`);
    };
    fails('{"a":1}');
    fails('[{"name":"Smith"},]');
    fails('[,{"name":"Smith"}]');
    fails('[{"name":"Smith"},,{"b":1}]');
    fails('[{"name":Smith}]');
    fails('[{"name":"Smith"} {"b":1}]');
    fails('[{"name":"Smith"}'); // cut off: end() refuses it
    fails('[{"name":"Smith"');
    fails("[");
    fails("");
  });

  it("refuses a byte-order mark inside the array (it is not JSON)", () => {
    const bom = [0xef, 0xbb, 0xbf];
    expect(() => new JsonArrayElements().write(new Uint8Array([...bytes("[1,"), ...bom, ...bytes("2]")]))).toThrow(
      JsonArrayError,
    );
  });

  it("refuses an element that is not UTF-8", () => {
    const parser = new JsonArrayElements();
    const body = new Uint8Array([...bytes('["Smith'), 0xc3, 0x28, ...bytes('"]')]);
    expect(() => parser.write(body)).toThrow(JsonArrayError);
  });
});
