// A strict reader of Prometheus's text exposition format (version 0.0.4) for tests: every line must be a HELP or TYPE
// comment or a sample, every sample must belong to a declared family, and label values are unescaped. (The npm parser
// tried first, parse-prometheus-text-format, drops the labels of histograms, which these tests need.)

/** One sample line: its full name (e.g. x_bucket), labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: HELP, TYPE and its samples. */
export interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  samples: Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (\\S+)(?: -?\\d+)?$`);
const SUFFIXES: Record<Family["type"], string[]> = {
  counter: [""],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

const unescape = (v: string): string => v.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));

/** Parses an exposition; throws with the line number on anything malformed. */
export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line === "") return;
    let m = /^# HELP (\S+) (.*)$/.exec(line);
    if (m) {
      const [, name, help] = m;
      if (!new RegExp(`^${NAME}$`).test(name!)) throw new Error(`bad metric name at ${where}`);
      families.set(name!, { name: name!, help: help!, type: "untyped", samples: [] });
      return;
    }
    m = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      const f = families.get(m[1]!);
      if (!f) throw new Error(`TYPE before HELP at ${where}`);
      f.type = m[2] as Family["type"];
      return;
    }
    if (line.startsWith("#")) throw new Error(`unknown comment at ${where}`);
    m = SAMPLE.exec(line);
    if (!m) throw new Error(`malformed sample at ${where}`);
    const name = m[1]!;
    const value = m[m.length - 1] === "+Inf" ? Infinity : Number(m[m.length - 1]);
    if (Number.isNaN(value) && m[m.length - 1] !== "NaN") throw new Error(`bad value at ${where}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(new RegExp(LABEL, "g"))) labels[l[1]!] = unescape(l[2]!);
    const family = [...families.values()].find((f) => SUFFIXES[f.type].some((s) => f.name + s === name));
    if (!family) throw new Error(`sample of an undeclared family at ${where}`);
    family.samples.push({ name, labels, value });
  });
  return families;
}
