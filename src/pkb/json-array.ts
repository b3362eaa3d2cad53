// The elements of a JSON array read as its bytes arrive (GET messages: one array of conversations, as long as the
// backlog). Each element's bytes are found by a scan that follows only strings and nesting, then parsed whole by
// JSON.parse. A streaming tokenizer (@streamparser/json, used before) built every token as an object and was the
// largest single source of garbage in a pass (12% of what the pipeline allocated; docs/performance.md, "Less of
// Rebook's CPU per request"). Only one element's bytes are ever held, so a backlog of any size is never held whole.

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Thrown for bytes that are not one JSON array of JSON values; its message never quotes them. */
export class JsonArrayError extends Error {
  override name = "JsonArrayError";
}

/**
 * Splits a JSON array arriving in chunks into its elements: `write(chunk)` returns the elements completed by the chunk,
 * parsed; `end()` throws when the array was not closed. Whatever follows the array's closing bracket is ignored, and
 * so is every chunk written after it (`ended`).
 */
export class JsonArrayElements {
  // ignoreBOM: a byte-order mark inside the array is not JSON, and is left for JSON.parse to refuse.
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private state: "before" | "between" | "element" | "ended" = "before";
  /** Nesting inside the current element (0: the element itself is a string, number, … or just closed). */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The current element's bytes from earlier chunks. */
  private parts: Uint8Array[] = [];
  /** Whether an element has been read (so "[1,]" and "[,1]" are errors). */
  private expectElement = false;

  get ended(): boolean {
    return this.state === "ended";
  }

  write(chunk: Uint8Array): unknown[] {
    const out: unknown[] = [];
    let start = -1; // where the current element starts in this chunk (-1: before this chunk, or none)
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.state) {
        case "ended":
          return out;
        case "before":
          if (isSpace(b)) continue;
          if (b !== OPEN_BRACKET) throw new JsonArrayError("not a JSON array");
          this.state = "between";
          this.expectElement = false;
          continue;
        case "between":
          if (isSpace(b)) continue;
          if (b === CLOSE_BRACKET && !this.expectElement) {
            this.state = "ended";
            continue;
          }
          if (b === COMMA || b === CLOSE_BRACKET) throw new JsonArrayError(`unexpected "${String.fromCharCode(b)}"`);
          this.state = "element";
          this.depth = 0;
          start = i;
          i--; // the element's first byte is scanned as part of it
          continue;
        case "element":
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (b === BACKSLASH) this.escaped = true;
            else if (b === QUOTE) this.inString = false;
            continue;
          }
          if (b === QUOTE) this.inString = true;
          else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
          else if (this.depth > 0 && (b === CLOSE_BRACE || b === CLOSE_BRACKET)) this.depth--;
          else if (this.depth === 0 && (b === COMMA || b === CLOSE_BRACKET)) {
            out.push(this.finish(chunk.subarray(start < 0 ? 0 : start, i)));
            start = -1;
            if (b === COMMA) {
              this.state = "between";
              this.expectElement = true;
            } else this.state = "ended";
          }
          continue;
      }
    }
    if (this.state === "element") this.parts.push(chunk.slice(start < 0 ? 0 : start));
    return out;
  }

  /** Throws unless the array was closed. */
  end(): void {
    if (this.state !== "ended") throw new JsonArrayError("the JSON array ended before its closing bracket");
  }

  private finish(tail: Uint8Array): unknown {
    const bytes = this.parts.length === 0 ? tail : concat([...this.parts, tail]);
    this.parts = [];
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      throw new JsonArrayError("an element of the array is not valid UTF-8");
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON.parse's message: it quotes the text, which is patient data.
      throw new JsonArrayError("an element of the array is not valid JSON");
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
