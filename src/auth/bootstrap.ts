// The first accounts, made at start-up only while there are no users at all: the admin named by INITIAL_ADMIN_EMAIL
// and INITIAL_ADMIN_PASSWORD; or, only against the sandbox emulator outside production, demo accounts in two demo
// teams so that `npm ci && npm start` can be signed in to straight away. Never with a real PKB.
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Db, Queryable } from "../store/db.ts";
import { upsertMember, type Role } from "../store/people.ts";
import { appendRule } from "../store/routing-rules.ts";
import { createAdmin, userCount } from "./accounts.ts";
import { hashPassword } from "./passwords.ts";

/** The one password of every demo account (documented in the README; sandbox only). */
export const DEMO_PASSWORD = "sandbox-demo-password";

/** The demo accounts: email, name, role, and their team memberships (by demo team name). */
export const DEMO_ACCOUNTS: readonly {
  email: string;
  displayName: string;
  role: Role;
  teams: readonly { team: string; isLead?: boolean }[];
}[] = [
  { email: "admin@rebook.test", displayName: "Ada Admin", role: "admin", teams: [] },
  {
    email: "lead@rebook.test",
    displayName: "Leo Lead",
    role: "team_lead",
    teams: [{ team: "Appointments", isLead: true }],
  },
  { email: "clerk@rebook.test", displayName: "Cara Clerk", role: "clerk", teams: [{ team: "Appointments" }] },
  {
    email: "cancellations.clerk@rebook.test",
    displayName: "Colin Clerk",
    role: "clerk",
    teams: [{ team: "Cancellations" }],
  },
  { email: "viewer@rebook.test", displayName: "Vic Viewer", role: "viewer", teams: [{ team: "Appointments" }] },
];

// Held while bootstrapping, so two instances starting together create the accounts once ("rebook-auth" in ASCII).
const BOOTSTRAP_LOCK_KEY = 0x72622d61757468;

/** Whether start-up may create the demo accounts: only against the sandbox emulator and never in production. */
export const demoAccountsAllowed = (config: Config): boolean => config.pkb.useSandbox && config.env !== "production";

async function teamIdByName(tx: Queryable, name: string, props: { isDefault: boolean; description: string }) {
  const [found] = await tx.query<{ id: string }>("SELECT id FROM teams WHERE lower(name) = lower($1)", [name]);
  if (found) return found.id;
  const [hasDefault] = await tx.query("SELECT 1 FROM teams WHERE is_default");
  const [row] = await tx.query<{ id: string }>(
    "INSERT INTO teams (name, description, is_default) VALUES ($1, $2, $3) RETURNING id",
    [name, props.description, props.isDefault && !hasDefault],
  );
  return row!.id;
}

/** Creates the demo teams (Appointments, the default; Cancellations, with a rule sending cancellations to it). */
async function createDemoAccounts(tx: Queryable): Promise<void> {
  const teams = new Map<string, string>([
    [
      "Appointments",
      await teamIdByName(tx, "Appointments", { isDefault: true, description: "Demo team: every request by default" }),
    ],
    [
      "Cancellations",
      await teamIdByName(tx, "Cancellations", { isDefault: false, description: "Demo team: cancellations" }),
    ],
  ]);
  const hash = await hashPassword(DEMO_PASSWORD);
  for (const a of DEMO_ACCOUNTS) {
    const [user] = await tx.query<{ id: string }>(
      "INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING id",
      [a.email, a.displayName, a.role, hash],
    );
    for (const m of a.teams) {
      await upsertMember(tx, {
        teamId: teams.get(m.team)!,
        userId: user!.id,
        isLead: m.isLead ?? false,
        capacity: null,
        available: true,
      });
    }
  }
  const [rules] = await tx.query("SELECT 1 FROM routing_rules LIMIT 1");
  if (!rules) {
    await appendRule(tx, {
      name: "Cancellations to the Cancellations team",
      enabled: true,
      conditions: { types: ["cancel"] },
      teamId: teams.get("Cancellations")!,
      assignUserId: null,
      priority: null,
    });
  }
}

/**
 * Creates the first accounts when there are no users: the configured initial admin, else (sandbox, not production)
 * the demo accounts. Returns what it did.
 */
export async function bootstrapAccounts(
  db: Db,
  config: Config,
  logger: Logger,
): Promise<"initial_admin" | "demo_accounts" | "none"> {
  const outcome = await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [BOOTSTRAP_LOCK_KEY]);
    if ((await userCount(tx)) > 0) return "none" as const;
    if (config.auth.initialAdmin) {
      await createAdmin(tx, {
        email: config.auth.initialAdmin.email,
        displayName: "Administrator",
        password: config.auth.initialAdmin.password,
      });
      return "initial_admin" as const;
    }
    if (demoAccountsAllowed(config)) {
      await createDemoAccounts(tx);
      return "demo_accounts" as const;
    }
    return "none" as const;
  });
  if (outcome === "initial_admin") logger.info({ email: config.auth.initialAdmin?.email }, "initial admin created");
  if (outcome === "demo_accounts") {
    logger.warn(
      { emails: DEMO_ACCOUNTS.map((a) => a.email) },
      "sandbox demo accounts created (password in the README); never used with a real PKB",
    );
  }
  if (outcome === "none" && (await userCount(db)) === 0) {
    logger.warn("no users yet: create the first admin with `rebook create-admin --email … --name …`");
  }
  return outcome;
}
