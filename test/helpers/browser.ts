// Browser tests: Debian's chromium driven by playwright-core (never a downloaded browser), a real Rebook server on a
// free port with the built web app, a real store (PGlite) and the PKB sandbox emulator in-process, whose registered
// redirect URI is this Rebook's. Also: axe-core checks, screenshots, and the Content-Security-Policy watch.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { bootstrapAccounts } from "../../src/auth/bootstrap.ts";
import { createLogger } from "../../src/log.ts";
import { createTeamExclusive } from "../../src/store/teams.ts";
import { appendRule } from "../../src/store/routing-rules.ts";
import type { Role, User } from "../../src/store/people.ts";
import { buildTestApp, type TestApp } from "./app.ts";
import { createStaff, type AuthHeaders } from "./auth.ts";
import { engines, type TestDb } from "./db.ts";
import type { BuildSandboxOptions } from "../../sandbox/src/server.ts";
import { grantThroughConsentPage, startEmulator, type Emulator } from "./emulator.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SCREENSHOTS = path.join(repo, "test-results/screenshots");
export const CHROMIUM = "/usr/bin/chromium";
export const PASSWORD = "correct-horse-battery-staple";

/** The newest modification time under `dir` (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds web/dist when it is missing or older than web/src (CI builds it before the tests). */
export function ensureWebBuilt(): void {
  const index = path.join(repo, "web/dist/index.html");
  const stale =
    !existsSync(index) ||
    statSync(index).mtimeMs <
      Math.max(newest(path.join(repo, "web/src")), statSync(path.join(repo, "web/index.html")).mtimeMs);
  if (stale) {
    execFileSync(
      process.execPath,
      [
        path.join(repo, "node_modules/vite/bin/vite.js"),
        "build",
        "--config",
        "web/vite.config.ts",
        "--logLevel",
        "error",
      ],
      {
        cwd: repo,
        stdio: "inherit",
        // Vitest sets NODE_ENV=test, which Vite would keep: React's development build (StrictMode then runs every
        // effect twice, e.g. loading and auditing the worklist twice). The tests drive the production build.
        // eslint-disable-next-line no-restricted-properties -- the build's environment, not the app's configuration
        env: { ...process.env, NODE_ENV: "production" },
      },
    );
  }
}

/** A free TCP port on 127.0.0.1 (Rebook's PUBLIC_URL must be known before it starts, for PKB's redirect URI). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Launches Debian's chromium headless. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      // A UK browser: date fields read day/month/year, as trust staff see them.
      "--lang=en-GB",
    ],
  });
}

/** People of a stack: their accounts (all with PASSWORD). */
export interface Staff {
  adminEmail: string;
  lead: User;
  clerk: User;
  otherClerk: User;
}

/** Rebook on a free port with the emulator, two teams, a routing rule and staff in each. */
export interface Stack {
  url: string;
  emu: Emulator;
  rebook: TestApp;
  t: TestDb;
  teams: { appointments: string; cancellations: string };
  staff: Staff;
  browser: Browser;
  /** A fresh browser context (own cookies) with CSP violations and page errors collected. */
  /** Connects Rebook to the emulator as the admin (Grant Access by API) and collects its requests; the admin's headers. */
  connectAndSync(): Promise<AuthHeaders>;
  newPage(opts?: {
    width?: number;
    height?: number;
  }): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
  stop(): Promise<void>;
}

/** Midnight UTC today: the emulator's world is current, so deadlines and appointments look real. */
function today(): Date {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** Starts the stack; `env` adds to (or overrides) Rebook's test environment, `emulator` to the emulator's options. */
export async function startStack(
  opts: { size?: number; env?: Record<string, string>; emulator?: BuildSandboxOptions } = {},
): Promise<Stack> {
  ensureWebBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const emu = await startEmulator({
    size: opts.size ?? 40,
    anchor: today(),
    redirectUris: [`${url}/api/pkb/oauth/callback`],
    ...opts.emulator,
  });
  const t = await engines[0].open();
  const adminEmail = "admin@trust.test";
  const rebook = await buildTestApp(t.db, {
    ...emu.env,
    PUBLIC_URL: url,
    SYNC_INITIAL_LOOKBACK_DAYS: "1000",
    INITIAL_ADMIN_EMAIL: adminEmail,
    INITIAL_ADMIN_PASSWORD: PASSWORD,
    EVENTS_HEARTBEAT_SECONDS: "5",
    ...opts.env,
  });
  await bootstrapAccounts(t.db, rebook.config, createLogger("silent"));
  const appointments = await createTeamExclusive(t.db, {
    name: "Appointments",
    description: "Every request by default",
    isDefault: true,
  });
  const cancellations = await createTeamExclusive(t.db, { name: "Cancellations", description: "Cancellations" });
  await appendRule(t.db, {
    name: "Cancellations to the Cancellations team",
    enabled: true,
    conditions: { types: ["cancel"] },
    teamId: cancellations,
    assignUserId: null,
    priority: null,
  });
  const staff = (role: Role, displayName: string, email: string, o: { teamIds?: string[]; leadTeamIds?: string[] }) =>
    createStaff(t.db, role, { displayName, email, password: PASSWORD, ...o });
  const lead = await staff("team_lead", "Leo Lead", "lead@trust.test", { leadTeamIds: [appointments] });
  const clerk = await staff("clerk", "Cara Clerk", "clerk@trust.test", { teamIds: [appointments] });
  const otherClerk = await staff("clerk", "Colin Clerk", "colin@trust.test", { teamIds: [cancellations] });
  await rebook.app.listen({ host: "127.0.0.1", port });
  const browser = await launchChromium();
  return {
    url,
    emu,
    rebook,
    t,
    teams: { appointments, cancellations },
    staff: { adminEmail, lead, clerk, otherClerk },
    browser,
    async connectAndSync() {
      const [admin] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE role = 'admin'");
      const headers = await rebook.signIn({ id: admin!.id });
      const created = await rebook.app.inject({
        method: "POST",
        url: "/api/pkb/connections",
        headers,
        payload: { label: "Appointments" },
      });
      const { connection } = created.json<{ connection: { authorizePath: string } }>();
      const granted = await grantThroughConsentPage(rebook.app, connection.authorizePath, { headers });
      if (granted.status !== 200) throw new Error(`Grant Access failed: ${granted.status}`);
      await rebook.poller.runNow();
      return headers;
    },
    async newPage(o = {}) {
      const context = await browser.newContext({
        viewport: { width: o.width ?? 1366, height: o.height ?? 900 },
        locale: "en-GB",
        timezoneId: "Europe/London",
        reducedMotion: "reduce",
      });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const problems: string[] = [];
      page.on("console", (m) => {
        if (/Content.Security.Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      return { context, page, problems };
    },
    async stop() {
      await browser.close().catch(() => undefined);
      await rebook.app.close();
      await t.dispose();
      await emu.stop();
    },
  };
}

const axeSource = readFileSync(path.join(repo, "node_modules/axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.0-2.2 A and AA, best practices) on the page; throws listing every violation. */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern. (Strings: the
  // tests' TypeScript has no DOM types.)
  if (!(await page.evaluate<boolean>("typeof window.axe !== 'undefined'")))
    await page.evaluate(`${axeSource}\n;void 0`);
  const violations = await page.evaluate<AxeViolation[]>(`(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
      resultTypes: ["violations"],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  })()`);
  if (violations.length) {
    const text = violations
      .map(
        (v) =>
          `- ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary ?? ""}`).join("\n")}`,
      )
      .join("\n");
    throw new Error(`axe found ${violations.length} violation(s) on ${label}:\n${text}`);
  }
}

/** Saves a screenshot to test-results/screenshots/<name>.png (full page). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  // A full-page capture of a tall page on a loaded 2-core machine can take longer than the default action timeout.
  await page.screenshot({ path: file, fullPage: true, timeout: 30_000 });
  return file;
}

/** Signs in through the sign-in page. */
export async function signIn(page: Page, url: string, email: string, password = PASSWORD): Promise<void> {
  if (!page.url().includes("/sign-in")) await page.goto(`${url}/sign-in`);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Account" }).waitFor();
}

/** Signs in `user` by API from inside a context (fast), so the page starts signed in. */
export async function signInByApi(context: BrowserContext, url: string, email: string): Promise<void> {
  const res = await context.request.post(`${url}/api/auth/login`, { data: { email, password: PASSWORD } });
  if (!res.ok()) throw new Error(`sign-in failed: ${res.status()} ${await res.text()}`);
}
