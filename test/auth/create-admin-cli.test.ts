// `rebook create-admin`, run as a real process against a real PostgreSQL database: the password from
// REBOOK_ADMIN_PASSWORD or typed on a terminal (a pseudo-terminal here) without echo, a clear refusal for a taken email
// (and --update), for no password without a terminal, and for bad arguments. The admin then signs in over HTTP.
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { engines, type TestDb } from "../helpers/db.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

// Each test starts Rebook's CLI (TypeScript through tsx) once or more: give them room on a busy machine.
describe("rebook create-admin", { timeout: 120_000 }, () => {
  let t: TestDb;
  let rebook: TestApp;
  // eslint-disable-next-line no-restricted-properties -- the child gets a minimal environment of the test's choosing
  const baseEnv = () => ({ PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", DATABASE_URL: t.url! });

  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, ["--import", "tsx", "src/cli.ts", "create-admin", ...args], {
      cwd: root,
      env: { ...baseEnv(), ...env },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const login = (email: string, password: string) =>
    rebook.app.inject({ method: "POST", url: "/api/auth/login", payload: { email, password } });

  beforeAll(async () => {
    t = await engines[1].open();
    rebook = await buildTestApp(t.db);
  });
  afterAll(async () => {
    await rebook?.app.close();
    await t?.dispose();
  });

  it("creates an admin with the password from REBOOK_ADMIN_PASSWORD, who can then sign in", async () => {
    const res = await cli(["--email", "it.admin@trust.nhs.uk", "--name", "IT Admin"], {
      REBOOK_ADMIN_PASSWORD: "first admin passphrase",
    });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("Created admin it.admin@trust.nhs.uk (IT Admin)");
    const [row] = await t.db.query<{ role: string; password_hash: string; active: boolean }>(
      "SELECT role, password_hash, active FROM users WHERE email = 'it.admin@trust.nhs.uk'",
    );
    expect(row).toMatchObject({ role: "admin", active: true });
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    const signedIn = await login("it.admin@trust.nhs.uk", "first admin passphrase");
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json()).toMatchObject({ user: { role: "admin", displayName: "IT Admin" } });
  });

  it("refuses a taken email unless --update, which resets the password and makes the user an active admin", async () => {
    const taken = await cli(["--email", "IT.Admin@trust.nhs.uk", "--name", "Again"], {
      REBOOK_ADMIN_PASSWORD: "another passphrase",
    });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("already exists");
    expect(taken.stderr).toContain("--update");
    await t.db.query("UPDATE users SET active = false, role = 'viewer' WHERE email = 'it.admin@trust.nhs.uk'");
    const updated = await cli(["--email", "it.admin@trust.nhs.uk", "--name", "IT Admin", "--update"], {
      REBOOK_ADMIN_PASSWORD: "another passphrase",
    });
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain("Updated admin");
    expect((await login("it.admin@trust.nhs.uk", "first admin passphrase")).statusCode).toBe(401);
    const ok = await login("it.admin@trust.nhs.uk", "another passphrase");
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ user: { role: "admin" } });
  });

  it("says what is missing: no password and no terminal, a short password, a bad email", async () => {
    const [noPassword, short, badEmail] = await Promise.all([
      cli(["--email", "x@trust.nhs.uk", "--name", "X"]),
      cli(["--email", "x@trust.nhs.uk", "--name", "X"], { REBOOK_ADMIN_PASSWORD: "short" }),
      cli(["--email", "not-an-email", "--name", "X"], { REBOOK_ADMIN_PASSWORD: "long enough passphrase" }),
    ]);
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toContain("Set REBOOK_ADMIN_PASSWORD");
    expect(short.code).toBe(78);
    expect(short.stderr).toContain("REBOOK_ADMIN_PASSWORD: must be at least 12 characters");
    expect(badEmail.code).toBe(64);
    expect(badEmail.stderr).toContain("Give a valid --email");
    const users = await t.db.query("SELECT 1 FROM users WHERE email = 'x@trust.nhs.uk'");
    expect(users).toEqual([]);
  });

  it("asks for the password on a terminal, twice, without echoing it", async () => {
    const typed = "typed on the terminal";
    const command = `${process.execPath} --import tsx src/cli.ts create-admin --email tty.admin@trust.nhs.uk --name "TTY Admin"`;
    // script(1) gives the command a pseudo-terminal, as a person at a terminal would have.
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: root, env: baseEnv() });
    let output = "";
    /** Resolves once `text` has appeared `times` times in the terminal's output. */
    const seen = (text: string, times = 1) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" in: ${output}`)), 20_000);
        const check = () => {
          if (output.split(text).length - 1 >= times) {
            clearTimeout(timer);
            resolve();
          } else setTimeout(check, 50);
        };
        check();
      });
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    await seen("Password for the new admin");
    child.stdin.write("too short\r");
    await seen("Choose a password of at least 12 characters");
    await seen("Password for the new admin", 2);
    child.stdin.write(`${typed}\r`);
    await seen("The same password again");
    child.stdin.write(`${typed}\r`);
    expect(await exited).toBe(0);
    expect(output).toContain("Created admin tty.admin@trust.nhs.uk");
    expect(output).not.toContain(typed);
    expect((await login("tty.admin@trust.nhs.uk", typed)).statusCode).toBe(200);
  });

  it("keeps what is typed ahead, all answers at once, and echoes none of it", async () => {
    const typed = "typed ahead of the prompts";
    const command = `${process.execPath} --import tsx src/cli.ts create-admin --email ahead.admin@trust.nhs.uk --name "Ahead"`;
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: root, env: baseEnv() });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    // Typed the moment the first prompt shows, before the retry and the second prompt: a person who knows the questions.
    await new Promise<void>((resolve) => {
      const check = () => (output.includes("Password for the new admin") ? resolve() : setTimeout(check, 5));
      check();
    });
    child.stdin.write(`too short\r${typed}\r${typed}\r`);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("still waiting"), 20_000))]);
    child.kill();
    expect(code, output).toBe(0);
    expect(output).toContain("Choose a password of at least 12 characters");
    expect(output).toContain("Created admin ahead.admin@trust.nhs.uk");
    expect(output).not.toContain(typed);
    expect(output).not.toContain("too short");
    expect((await login("ahead.admin@trust.nhs.uk", typed)).statusCode).toBe(200);
  });

  it("stops on Ctrl-C at the prompt, creating no one and showing nothing typed", async () => {
    const command = `${process.execPath} --import tsx src/cli.ts create-admin --email ctrlc@trust.nhs.uk --name "C"`;
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: root, env: baseEnv() });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    await new Promise<void>((resolve) => {
      const check = () => (output.includes("Password for the new admin") ? resolve() : setTimeout(check, 5));
      check();
    });
    child.stdin.write("half a pass\u0003");
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("still waiting"), 20_000))]);
    child.kill();
    expect(code, output).toBe(1);
    expect(output).toContain("cancelled");
    expect(output).not.toContain("half a pass");
    expect(await t.db.query("SELECT 1 FROM users WHERE email = 'ctrlc@trust.nhs.uk'")).toEqual([]);
  });
});
