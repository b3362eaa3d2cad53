// Checks the container image without a Docker daemon: assembles, stage by stage, the same files the Dockerfile copies
// (from a build context filtered by .dockerignore exactly as Docker filters it), runs the stages' `npm ci` and
// `npm run` steps, then checks the runtime stage — no tests, benchmarks, sandbox emulator, data or secrets; no
// development dependencies; the web app built — and starts it with the image's own CMD and environment against a fresh
// PostgreSQL database, checks it with the image's HEALTHCHECK command, and stops it with the image's STOPSIGNAL.
// What it cannot do (pull base images, run other RUN steps, switch user) it prints as NOT RUN.
//
// Usage: node --import tsx scripts/image-files.ts [--keep]   (DATABASE_ADMIN_URL: a PostgreSQL to create a database in)
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createRequire } from "node:module";
import type { Ignore } from "@balena/dockerignore";
import pg from "pg";

// A CommonJS module whose types declare an ES default export: load it as what it is.
const dockerignore = createRequire(import.meta.url)("@balena/dockerignore") as () => Ignore;

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const keep = process.argv.includes("--keep");
// eslint-disable-next-line no-restricted-properties -- a developer tool, not the app: it chooses its own PostgreSQL
const adminUrl = process.env.DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
async function readDockerfile(): Promise<Instruction[]> {
  const text = await fs.readFile(path.join(root, "Dockerfile"), "utf8");
  const out: Instruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!pending && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    const m = /^(\w+)\s+(.*)$/.exec(full);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
  }
  return out;
}

/** Every file of the build context that .dockerignore lets through, as context-relative POSIX paths. */
async function buildContext(): Promise<Set<string>> {
  const rules = (await fs.readFile(path.join(root, ".dockerignore"), "utf8")).split("\n");
  const ig = dockerignore().add(rules);
  const negations = rules.map((r) => r.trim()).filter((r) => r.startsWith("!"));
  const files = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        // Skip a directory Docker would skip whole (ignored, and no negation reaches inside it).
        if (ig.ignores(`${rel}/`) && !negations.some((n) => n.slice(1).replace(/^\//, "").startsWith(`${rel}/`)))
          continue;
        await walk(rel);
      } else if (!ig.ignores(rel)) files.add(rel);
    }
  };
  await walk("");
  return files;
}

/** Splits a JSON-array or shell-form instruction argument into words. */
function words(args: string): string[] {
  if (args.startsWith("[")) return JSON.parse(args) as string[];
  return args.split(/\s+/).filter(Boolean);
}

async function copyTree(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.cp(from, to, { recursive: true, verbatimSymlinks: true });
}

interface Stage {
  name: string;
  dir: string;
  workdir: string;
  env: Record<string, string>;
  user: string | null;
  cmd: string[] | null;
  healthcheck: string[] | null;
  stopSignal: NodeJS.Signals;
}

const notRun: string[] = [];
const problems: string[] = [];

/** Runs the Dockerfile's stages in temporary directories; returns the last (runtime) stage. */
async function assemble(work: string, context: Set<string>): Promise<Stage> {
  const stages: Stage[] = [];
  const args: Record<string, string> = {};
  let stage: Stage | null = null;
  const hostPath = (s: Stage, p: string): string => path.join(s.dir, path.posix.resolve(s.workdir, p));
  for (const { op, args: a } of await readDockerfile()) {
    if (op === "ARG" && !stage) {
      const [k, v] = a.split("=");
      args[k!] = v ?? "";
      continue;
    }
    if (op === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(a)!;
      const image = m[1]!.replace(/\$\{(\w+)\}/g, (_, k: string) => args[k] ?? "");
      const name = m[2] ?? `stage${stages.length}`;
      stage = {
        name,
        dir: path.join(work, name),
        workdir: "/",
        env: {},
        user: null,
        cmd: null,
        healthcheck: null,
        stopSignal: "SIGTERM",
      };
      stages.push(stage);
      notRun.push(`pull base image ${image} (stage ${name}): this machine's Node ${process.version} stands in`);
      continue;
    }
    if (!stage) throw new Error(`${op} before FROM`);
    const s: Stage = stage;
    switch (op) {
      case "WORKDIR":
        s.workdir = path.posix.resolve(s.workdir, a);
        await fs.mkdir(hostPath(s, "."), { recursive: true });
        break;
      case "ENV":
        for (const m of a.matchAll(/(\w+)=("[^"]*"|\S+)/g)) s.env[m[1]!] = m[2]!.replace(/^"|"$/g, "");
        break;
      case "COPY": {
        const w = words(a);
        const from = w.find((x) => x.startsWith("--from="))?.slice("--from=".length);
        const paths = w.filter((x) => !x.startsWith("--"));
        const dest = paths.pop()!;
        for (const src of paths) {
          if (from) {
            const other = stages.find((x) => x.name === from);
            if (!other) throw new Error(`COPY --from=${from}: no such stage`);
            const target = dest.endsWith("/") ? path.posix.join(dest, path.posix.basename(src)) : dest;
            await copyTree(path.join(other.dir, src), hostPath(s, target));
            continue;
          }
          const prefix = src.replace(/^\.\//, "").replace(/\/$/, "");
          const matched = [...context].filter((f) => f === prefix || f.startsWith(`${prefix}/`));
          if (matched.length === 0) problems.push(`COPY ${src}: nothing in the build context (check .dockerignore)`);
          for (const f of matched) {
            const target =
              f === prefix
                ? dest.endsWith("/")
                  ? path.posix.join(dest, path.posix.basename(f))
                  : dest
                : path.posix.join(dest, f.slice(prefix.length + 1));
            await copyTree(path.join(root, f), hostPath(s, target));
          }
        }
        break;
      }
      case "RUN":
        for (const step of a.split("&&").map((x) => x.trim())) {
          if (/^npm (ci|run) /.test(step)) {
            process.stdout.write(`  [${s.name}] ${step}\n`);
            const [cmd, ...rest] = step.split(/\s+/);
            await run(cmd!, rest, {
              cwd: hostPath(s, "."),
              env: { ...process.env, ...s.env }, // eslint-disable-line no-restricted-properties
              maxBuffer: 64 * 1024 * 1024,
            });
          } else notRun.push(`RUN ${step} (stage ${s.name})`);
        }
        break;
      case "USER":
        s.user = a;
        notRun.push(`USER ${a}: the check runs as ${os.userInfo().username}`);
        break;
      case "CMD":
        s.cmd = words(a);
        break;
      case "HEALTHCHECK": {
        const m = /CMD\s+(.*)$/.exec(a);
        s.healthcheck = m ? words(m[1]!) : null;
        break;
      }
      case "STOPSIGNAL":
        s.stopSignal = a as NodeJS.Signals;
        break;
      case "EXPOSE":
      case "ARG":
        break;
      default:
        notRun.push(`${op} ${a}`);
    }
  }
  return stages[stages.length - 1]!;
}

/** Files of the runtime stage outside node_modules, relative to its WORKDIR. */
async function appFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (p !== "node_modules") await walk(p);
      } else out.push(p);
    }
  };
  await walk("");
  return out.sort();
}

async function checkContents(stage: Stage): Promise<void> {
  const app = path.join(stage.dir, stage.workdir);
  const files = await appFiles(app);
  const forbidden = [
    /^test\//,
    /^bench\//,
    /^sandbox\//,
    /^data\//,
    /^docs\//,
    /^scripts\//,
    /^\.git\//,
    /\.test\.ts$/,
    /\.tsx?$/, // the image runs the compiled dist/, not TypeScript
  ];
  for (const f of files) if (forbidden.some((r) => r.test(f))) problems.push(`the image holds ${f}`);
  const secretFile = [/(^|\/)\.env/, /\.key$/, /\.pem$/, /token-encryption/];
  for (const f of files)
    if (secretFile.some((r) => r.test(f))) problems.push(`the image holds a secret-like file ${f}`);
  const secretText =
    /-----BEGIN [A-Z ]*PRIVATE KEY-----|TOKEN_ENCRYPTION_KEY=[A-Za-z0-9+/]{40,}|postgres:\/\/[^@\s]+:[^@\s]+@/;
  for (const f of files) {
    if (f.startsWith("web/dist/") && !f.endsWith(".html") && !f.endsWith(".js")) continue;
    const text = await fs.readFile(path.join(app, f), "utf8");
    if (secretText.test(text)) problems.push(`${f} contains something that looks like a secret`);
  }
  if (!files.includes("web/dist/index.html"))
    problems.push("web/dist/index.html is missing: the web app was not built");
  for (const needed of ["package.json", "dist/cli.js", "src/store/migrations/0001_init.sql"])
    if (!files.includes(needed)) problems.push(`${needed} is missing`);
  const pkg = JSON.parse(await fs.readFile(path.join(app, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  const { stdout } = await run("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: app }).catch(
    (e: { stdout: string }) => e,
  );
  const production = new Set(stdout.split("\n").map((l) => path.relative(path.join(app, "node_modules"), l)));
  for (const dev of Object.keys(pkg.devDependencies)) {
    const installed = await fs.stat(path.join(app, "node_modules", dev)).then(
      () => true,
      () => false,
    );
    if (installed && !production.has(dev)) problems.push(`development dependency ${dev} is in the image`);
  }
  const size = (await run("du", ["-sh", path.join(app, "node_modules")])).stdout.split("\t")[0];
  process.stdout.write(
    `  runtime stage: ${files.length} application files (${files.filter((f) => f.startsWith("web/dist/")).length} in web/dist), node_modules ${size}\n` +
      `  top level: ${[...new Set(files.map((f) => f.split("/")[0]))].join(", ")}, node_modules\n`,
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** Starts the runtime stage's CMD against a new database, checks it, stops it. */
async function checkStart(stage: Stage): Promise<void> {
  if (!stage.cmd) throw new Error("the Dockerfile has no CMD");
  const app = path.join(stage.dir, stage.workdir);
  const dbName = `rebook_image_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const port = await freePort();
  // The image's environment, plus what an operator must supply; PKB is configured (production never starts the
  // sandbox) but unreachable: start-up must not need it.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "", // eslint-disable-line no-restricted-properties
    ...stage.env,
    HOST: "127.0.0.1", // the image listens on 0.0.0.0; the check stays on loopback
    PORT: String(port),
    DATA_DIR: path.join(stage.dir, "var-lib-rebook"),
    DATABASE_URL: url.toString(),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    PKB_BASE_URL: "http://127.0.0.1:9",
    PKB_FHIR_BASE_URL: "http://127.0.0.1:9/fhir",
    PKB_FHIR_TOKEN_URL: "http://127.0.0.1:9/token",
    PUBLIC_URL: `http://localhost:${port}`,
    SYNC_INTERVAL_SECONDS: "0",
    LOG_LEVEL: "warn",
  };
  process.stdout.write(`  starting: ${stage.cmd.join(" ")} (NODE_ENV=${env.NODE_ENV})\n`);
  const child = spawn(stage.cmd[0]!, stage.cmd.slice(1), { cwd: app, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  try {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output}`);
      const ok = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`no answer on /health within 90 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    if (stage.healthcheck) {
      const [cmd, ...rest] = stage.healthcheck;
      await run(cmd!, rest, { env, cwd: app }).then(
        () => process.stdout.write("  HEALTHCHECK command: healthy\n"),
        (e: Error) => problems.push(`the HEALTHCHECK command failed: ${e.message}`),
      );
    } else problems.push("the Dockerfile has no HEALTHCHECK");
    const ready = await fetch(`${base}/health/ready`);
    if (ready.status !== 200) problems.push(`GET /health/ready answered ${ready.status}: ${await ready.text()}`);
    const page = await fetch(`${base}/`);
    const html = await page.text();
    if (page.status !== 200 || !html.includes("<div id=")) problems.push(`GET / answered ${page.status}`);
    const metrics = await fetch(`${base}/metrics`);
    if (metrics.status !== 200 || !(await metrics.text()).includes("rebook_queue_depth"))
      problems.push(`GET /metrics answered ${metrics.status}`);
    const [applied] = (
      await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_database WHERE datname = $1`, [dbName])
    ).rows;
    if (applied?.n !== 1) problems.push("the database vanished");
    process.stdout.write("  GET /health, /health/ready, /, /metrics: answered\n");
  } finally {
    child.kill(stage.stopSignal);
    const code = await Promise.race([exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 20_000))]);
    if (code === "timeout") {
      child.kill("SIGKILL");
      problems.push(`the server did not stop within 20 s of ${stage.stopSignal}`);
    } else if (code !== 0) problems.push(`the server exited with ${code} on ${stage.stopSignal}:\n${output}`);
    else process.stdout.write(`  ${stage.stopSignal}: stopped cleanly\n`);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-image-"));
  try {
    process.stdout.write("== image files: build context (.dockerignore)\n");
    const context = await buildContext();
    for (const f of context)
      if (/(^|\/)(\.env|data\/)|\.key$|\.pem$|^node_modules\//.test(f)) problems.push(`build context holds ${f}`);
    process.stdout.write(`  ${context.size} files in the build context\n== image files: stages\n`);
    const final = await assemble(work, context);
    process.stdout.write("== image files: runtime stage contents\n");
    await checkContents(final);
    process.stdout.write("== image files: production start\n");
    await checkStart(final);
  } finally {
    if (keep) process.stdout.write(`  kept ${work}\n`);
    else await fs.rm(work, { recursive: true, force: true });
  }
  process.stdout.write(`NOT RUN (needs a Docker daemon):\n${notRun.map((n) => `  - ${n}`).join("\n")}\n`);
  if (problems.length) {
    process.stdout.write(`PROBLEMS:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
    process.exit(1);
  }
  process.stdout.write("image files: ok\n");
}

await main();
