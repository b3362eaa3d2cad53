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

  /**
   * `rebook create-admin` on a pseudo-terminal (script(1)), as a person at a terminal runs it: what it shows, typing,
   * and its exit. Waits fail after 20 s and end the session, rather than at the suite's time limit.
   */
  const terminal = (email: string, name: string) => {
    const command = `${process.execPath} --import tsx src/cli.ts create-admin --email ${email} --name "${name}"`;
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: root, env: baseEnv() });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    // Killing script(1) closes the terminal: the command under it is hung up.
    const end = () => child.kill("SIGKILL");
    return {
      output: () => output,
      type: (text: string) => child.stdin.write(text),
      /** Resolves once `text` has appeared `times` times in the terminal's output (polled every 5 ms). */
      seen: (text: string, times = 1) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            end();
            reject(new Error(`no "${text}" in: ${output}`));
          }, 20_000);
          const check = () => {
            if (output.split(text).length - 1 >= times) {
              clearTimeout(timer);
              resolve();
            } else setTimeout(check, 5);
          };
          check();
        }),
      /** The exit code, or "still waiting" if it has not exited within 20 s (the session is then ended). */
      exit: async (): Promise<number | null | "still waiting"> => {
        let timer: NodeJS.Timeout | undefined;
        const code = await Promise.race([
          exited,
          new Promise<"still waiting">((r) => (timer = setTimeout(() => r("still waiting"), 20_000))),
        ]);
        clearTimeout(timer);
        if (code === "still waiting") end();
        return code;
      },
    };
  };

  it("keeps answers typed ahead of their question, echoing none of it", async () => {
    const typed = "typed ahead of the prompts";
    const tty = terminal("ahead.admin@trust.nhs.uk", "Ahead");
    // Both answers typed the moment the first question shows, as one paste with Windows line ends.
    await tty.seen("Password for the new admin");
    tty.type(`${typed}\r\n${typed}\r\n`);
    expect(await tty.exit(), tty.output()).toBe(0);
    expect(tty.output()).toContain("Created admin ahead.admin@trust.nhs.uk");
    expect(tty.output()).not.toContain(typed);
    expect((await login("ahead.admin@trust.nhs.uk", typed)).statusCode).toBe(200);
  });

  it("asks twice without echo, and after a refused answer drops what was typed ahead and asks again", async () => {
    const typed = "typed after the refusal";
    const ahead = "typed ahead of the refusal";
    const tty = terminal("tty.admin@trust.nhs.uk", "TTY Admin");
    await tty.seen("Password for the new admin");
    // A short first answer and, typed ahead, a valid pair: as passwd(1) does, the type-ahead goes with the refusal
    // (it was typed before the person saw it). Kept, it would have become the password.
    tty.type(`too short\r${ahead}\r${ahead}\r`);
    await tty.seen("Choose a password of at least 12 characters");
    await tty.seen("Password for the new admin", 2);
    tty.type(`${typed}\r`);
    await tty.seen("The same password again");
    tty.type(`${typed}\r`);
    expect(await tty.exit(), tty.output()).toBe(0);
    expect(tty.output()).toContain("Created admin tty.admin@trust.nhs.uk");
    for (const secret of [typed, ahead, "too short"]) expect(tty.output()).not.toContain(secret);
    expect((await login("tty.admin@trust.nhs.uk", typed)).statusCode).toBe(200);
    expect((await login("tty.admin@trust.nhs.uk", ahead)).statusCode).toBe(401);
  });

  it("stops on Ctrl-C, or Ctrl-D on an empty line, creating no one and showing nothing typed", async () => {
    for (const [email, keys] of [
      ["ctrlc@trust.nhs.uk", "half a pass\u0003"],
      ["ctrld@trust.nhs.uk", "\u0004"],
    ] as const) {
      const tty = terminal(email, "Stopped");
      await tty.seen("Password for the new admin");
      tty.type(keys);
      expect(await tty.exit(), tty.output()).toBe(130);
      expect(tty.output()).toContain("Cancelled");
      expect(tty.output()).not.toContain("half a pass");
      expect(await t.db.query("SELECT 1 FROM users WHERE email = $1", [email])).toEqual([]);
    }
  });
});
