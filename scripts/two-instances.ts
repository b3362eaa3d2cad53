// Runs what compose.yaml describes, without Docker: two Rebook instances (production mode) on one fresh PostgreSQL
// database, behind Caddy with deploy/Caddyfile (its upstream names and port swapped for local ones), and checks that
// one port serves both, a session made through one instance works on the other, /metrics is not reachable through the
// proxy, and the service keeps answering when one instance is killed (kill -9).
//
// Usage: node --import tsx scripts/two-instances.ts   (needs `caddy` on PATH and PostgreSQL at 127.0.0.1:5432, or
// DATABASE_ADMIN_URL)
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

const root = path.resolve(import.meta.dirname, "..");
// eslint-disable-next-line no-restricted-properties -- a developer tool, not the app: it chooses its own PostgreSQL
const adminUrl = process.env.DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const children: ChildProcess[] = [];
const failures: string[] = [];

const check = (ok: boolean, what: string): void => {
  process.stdout.write(`  ${ok ? "ok  " : "FAIL"} ${what}\n`);
  if (!ok) failures.push(what);
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function start(cmd: string, args: string[], env: Record<string, string>, name: string): ChildProcess {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  child.once("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGKILL" && signal !== "SIGTERM")
      process.stdout.write(`${name} exited ${code}:\n${out}`);
  });
  children.push(child);
  return child;
}

async function waitFor(url: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** How many requests the instance on `port` has served for `route` (its own /metrics, read over loopback). */
async function served(port: number, route: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let n = 0;
  for (const line of text.split("\n"))
    if (line.startsWith("rebook_http_request_duration_seconds_count{") && line.includes(`route="${route}"`))
      n += Number(line.split(" ").pop());
  return n;
}

async function main(): Promise<void> {
  const dbName = `rebook_two_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-two-"));
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    const [p1, p2, proxyPort] = [await freePort(), await freePort(), await freePort()];
    const password = randomBytes(12).toString("base64url");
    const env = (port: number): Record<string, string> => ({
      PATH: process.env.PATH ?? "", // eslint-disable-line no-restricted-properties
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: url.toString(),
      TOKEN_ENCRYPTION_KEY: "q1Qm0r9oZ0tLr8m0q9fJm3nq2y3yH2m8Q0V3uQ4k9mA=",
      PKB_BASE_URL: "http://127.0.0.1:9",
      PKB_FHIR_BASE_URL: "http://127.0.0.1:9/fhir",
      PKB_FHIR_TOKEN_URL: "http://127.0.0.1:9/token",
      PUBLIC_URL: `http://localhost:${proxyPort}`,
      TRUST_PROXY: "1",
      SYNC_INTERVAL_SECONDS: "0",
      INITIAL_ADMIN_EMAIL: "ops@rebook.test",
      INITIAL_ADMIN_PASSWORD: password,
      LOG_LEVEL: "warn",
    });
    process.stdout.write(`== two instances (:${p1}, :${p2}) on database ${dbName}, Caddy on :${proxyPort}\n`);
    const one = start(process.execPath, ["--import", "tsx", "src/cli.ts", "start"], env(p1), "rebook-1");
    start(process.execPath, ["--import", "tsx", "src/cli.ts", "start"], env(p2), "rebook-2");
    await Promise.all([waitFor(`http://127.0.0.1:${p1}/health`), waitFor(`http://127.0.0.1:${p2}/health`)]);

    const caddyfile = (await fs.readFile(path.join(root, "deploy/Caddyfile"), "utf8"))
      .replace(":8080 {", `:${proxyPort} {`)
      .replace("rebook-1:3000 rebook-2:3000", `127.0.0.1:${p1} 127.0.0.1:${p2}`);
    check(caddyfile.includes(`127.0.0.1:${p1} 127.0.0.1:${p2}`), "deploy/Caddyfile names the two upstreams");
    const config = path.join(work, "Caddyfile");
    await fs.writeFile(config, caddyfile);
    start("caddy", ["run", "--adapter", "caddyfile", "--config", config], { PATH: env(p1).PATH!, HOME: work }, "caddy");
    const base = `http://127.0.0.1:${proxyPort}`;
    await waitFor(`${base}/health`);

    check((await fetch(`${base}/metrics`)).status === 404, "GET /metrics through the proxy: 404");
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ops@rebook.test", password }),
    });
    check(login.status === 200, `sign-in through the proxy: ${login.status}`);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const me = async (): Promise<number> => (await fetch(`${base}/api/auth/me`, { headers: { cookie } })).status;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await me());
    check(
      statuses.every((s) => s === 200),
      `12 requests with that session through the proxy: ${[...new Set(statuses)].join(",")}`,
    );
    const [n1, n2] = [await served(p1, "/api/auth/me"), await served(p2, "/api/auth/me")];
    check(n1 > 0 && n2 > 0, `both instances served them (${n1} and ${n2}), one session for both`);

    one.kill("SIGKILL");
    const after: number[] = [];
    for (let i = 0; i < 12; i++) after.push(await me());
    check(
      after.every((s) => s === 200),
      `after kill -9 of one instance, 12 more requests: ${[...new Set(after)].join(",")}`,
    );
  } finally {
    const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
    const exits = running.map((c) => new Promise((r) => c.once("exit", r)));
    for (const c of running) c.kill("SIGTERM");
    await Promise.all(exits);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await fs.rm(work, { recursive: true, force: true });
  }
  if (failures.length) {
    process.stdout.write(`two instances: ${failures.length} check(s) failed\n`);
    process.exit(1);
  }
  process.stdout.write("two instances: ok\n");
}

await main();
