// `rebook create-admin --email E --name N`: the first admin (or a way back in for a locked-out one, with --update).
// The password comes from REBOOK_ADMIN_PASSWORD or is asked for on the terminal without echo, twice.
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { openStore } from "../main.ts";
import { createAdmin } from "./accounts.ts";
import { checkNewPassword } from "./passwords.ts";

/** Reads a line from the terminal without showing what is typed. */
export async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (): void => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          finish();
          resolve(value);
          return;
        }
        if (ch === "\u0003") {
          finish();
          reject(new Error("cancelled"));
          return;
        }
        value = ch === "\u007f" || ch === "\b" ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on("data", onData);
  });
}

/** The password for the new admin: REBOOK_ADMIN_PASSWORD, else asked for twice on a terminal. */
async function adminPassword(config: Config): Promise<string> {
  if (config.auth.adminPassword) return config.auth.adminPassword;
  if (!process.stdin.isTTY) {
    throw new Error("Set REBOOK_ADMIN_PASSWORD (at least 12 characters), or run this on a terminal to be asked");
  }
  for (;;) {
    const first = await promptHidden("Password for the new admin (at least 12 characters): ");
    try {
      checkNewPassword(first);
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      continue;
    }
    if ((await promptHidden("The same password again: ")) === first) return first;
    process.stderr.write("The passwords are not the same. Try again.\n");
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
