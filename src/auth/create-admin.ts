// `rebook create-admin --email E --name N`: the first admin (or a way back in for a locked-out one, with --update).
// The password comes from REBOOK_ADMIN_PASSWORD or is asked for on the terminal without echo, twice.
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { openStore } from "../main.ts";
import { createAdmin } from "./accounts.ts";
import { checkNewPassword } from "./passwords.ts";

/** The person stopped at a question (Ctrl-C, or Ctrl-D on an empty line), or the terminal went away. */
export class Cancelled extends Error {
  constructor() {
    super("Cancelled");
  }
}

/** Escape sequences (arrow and function keys, Alt+key): never part of an answer. */
// eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what this removes
const ESCAPE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|O[ -~]|[ -~])?/g;

/**
 * Lines typed on the terminal, not shown. The terminal is in raw mode (no echo) from before the first question until
 * `close()`, so nothing typed is echoed between questions, and answers typed ahead of their question are kept in order
 * until `discardTypeAhead()` (after a refused answer, as passwd(1) does).
 */
class HiddenInput {
  private readonly stdin = process.stdin;
  private readonly lines: string[] = [];
  private partial = "";
  private afterReturn = false;
  private cancelled = false;
  private waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | null = null;
  private readonly onData = (chunk: string): void => {
    for (const ch of chunk.replace(ESCAPE, "")) {
      // A paste may end its lines with \r\n: one line, not two.
      if (ch === "\n" && this.afterReturn) {
        this.afterReturn = false;
        continue;
      }
      this.afterReturn = ch === "\r";
      if (ch === "\u0003" || (ch === "\u0004" && this.partial === "")) {
        this.cancelled = true; // Ctrl-C, or Ctrl-D on an empty line
        break;
      } else if (ch === "\r" || ch === "\n" || ch === "\u0004") {
        this.lines.push(this.partial);
        this.partial = "";
      } else if (ch === "\u007f" || ch === "\b") {
        this.partial = Array.from(this.partial).slice(0, -1).join(""); // a whole character, not half of one
      } else if (ch >= " ") {
        this.partial += ch; // other control characters (Ctrl-Z, Ctrl-U, tab…) are not part of an answer
      }
    }
    this.deliver();
  };
  private readonly onEnd = (): void => {
    this.cancelled = true;
    this.deliver();
  };

  constructor() {
    this.stdin.setRawMode(true);
    this.stdin.setEncoding("utf8");
    this.stdin.on("data", this.onData);
    // The terminal went away (hung up, closed, or a read error): nothing more will be typed.
    this.stdin.once("end", this.onEnd);
    this.stdin.once("close", this.onEnd);
    this.stdin.once("error", this.onEnd);
    this.stdin.resume();
  }

  /** Shows `question` and resolves with the next line typed (or typed ahead); rejects with Cancelled. */
  ask(question: string): Promise<string> {
    if (this.waiting) throw new Error("one question at a time");
    process.stderr.write(question);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.deliver();
    });
  }

  /** Forgets what was typed ahead: it was typed before the person saw why their answer was refused. */
  discardTypeAhead(): void {
    this.lines.length = 0;
    this.partial = "";
  }

  /** Gives the terminal back as it was. */
  close(): void {
    this.stdin.off("data", this.onData);
    this.stdin.off("end", this.onEnd);
    this.stdin.off("close", this.onEnd);
    this.stdin.off("error", this.onEnd);
    this.stdin.setRawMode(false);
    this.stdin.pause();
  }

  private deliver(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    if (this.cancelled) {
      this.waiting = null;
      process.stderr.write("\n");
      waiting.reject(new Cancelled());
    } else if (this.lines.length > 0) {
      this.waiting = null;
      process.stderr.write("\n"); // Enter is not echoed either: the next output starts on its own line
      waiting.resolve(this.lines.shift()!);
    }
  }
}

/** The password for the new admin: REBOOK_ADMIN_PASSWORD, else asked for twice on a terminal. */
async function adminPassword(config: Config): Promise<string> {
  if (config.auth.adminPassword) return config.auth.adminPassword;
  if (!process.stdin.isTTY) {
    throw new Error("Set REBOOK_ADMIN_PASSWORD (at least 12 characters), or run this on a terminal to be asked");
  }
  const input = new HiddenInput();
  try {
    for (;;) {
      const first = await input.ask("Password for the new admin (at least 12 characters): ");
      try {
        checkNewPassword(first);
      } catch (err) {
        input.discardTypeAhead();
        process.stderr.write(`${(err as Error).message}\n`);
        continue;
      }
      if ((await input.ask("The same password again: ")) === first) return first;
      input.discardTypeAhead();
      process.stderr.write("The passwords are not the same. Try again.\n");
    }
  } finally {
    input.close();
  }
}

/** Creates the admin (or, with `update`, makes an existing user an active admin with this password). */
export async function runCreateAdmin(
  config: Config,
  logger: Logger,
  opts: { email: string; name: string; update: boolean },
): Promise<void> {
  const password = await adminPassword(config);
  const db = await openStore(config, logger);
  try {
    const { user, created } = await db.transaction((tx) =>
      createAdmin(tx, { email: opts.email, displayName: opts.name, password, update: opts.update }),
    );
    process.stdout.write(
      `${created ? "Created" : "Updated"} admin ${user.email} (${user.displayName}). Sign in at ${config.publicUrl}\n`,
    );
  } catch (err) {
    if (err instanceof AppError && err.code === "conflict") {
      throw new Error(`${err.message}. Add --update to make them an admin with this password.`, { cause: err });
    }
    if (err instanceof AppError) throw new Error(err.message, { cause: err });
    throw err;
  } finally {
    await db.close();
  }
}
