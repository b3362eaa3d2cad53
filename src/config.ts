// The one place Rebook reads its environment. Every setting is parsed and checked here, every problem is reported at
// once, and the rest of the code receives a typed, frozen Config.
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";

const port = z.coerce
  .number({ message: "must be a number" })
  .int("must be a whole number")
  .min(0, "must be 0..65535")
  .max(65535, "must be 0..65535");

const url = z.url({ message: "must be an absolute http(s) URL" }).refine((u) => /^https?:\/\//.test(u), {
  message: "must be an absolute http(s) URL",
});

const positiveSeconds = z.coerce.number({ message: "must be a number" }).positive("must be greater than 0");

/** Base64 of exactly 32 random bytes (AES-256 key). */
const encryptionKey = z.string().refine((v) => Buffer.from(v, "base64").length === 32, {
  message: "must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)",
});

/** Comma-separated base64 32-byte keys (the previous token encryption keys, still readable). */
const encryptionKeyList = z
  .string()
  .trim()
  .transform((v, ctx): string[] => {
    const keys = v
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean);
    if (keys.every((k) => Buffer.from(k, "base64").length === 32)) return keys;
    ctx.addIssue({ code: "custom", message: "must be 32-byte base64 keys separated by commas" });
    return z.NEVER;
  });

/** "1.2.3.4" or "10.0.0.0/8" (IPv4 or IPv6). */
const isAddressOrCidr = (v: string): boolean => {
  const [addr, bits, ...rest] = v.split("/");
  if (rest.length || !addr || !isIP(addr)) return false;
  if (bits === undefined) return true;
  const max = isIP(addr) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
};

/**
 * Which reverse proxies' X-Forwarded-For to believe: "false" (none: the connecting address is the client), a number of
 * proxy hops, or a comma-separated list of proxy addresses and CIDR ranges.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): false | number | string => {
    if (v === "" || v === "false") return false;
    if (/^\d+$/.test(v)) return Number(v);
    const list = v.split(",").map((x) => x.trim());
    if (list.every(isAddressOrCidr)) return list.join(",");
    ctx.addIssue({
      code: "custom",
      message: 'must be "false", a number of proxy hops, or proxy addresses/CIDR ranges separated by commas',
    });
    return z.NEVER;
  });

/** Documented environment variables: name, default and meaning. docs/configuration.md's table mirrors this. */
export const settings = {
  NODE_ENV: {
    schema: z.enum(["development", "production", "test"]),
    default: "development",
    doc: "production makes TOKEN_ENCRYPTION_KEY mandatory",
  },
  HOST: { schema: z.string().min(1), default: "127.0.0.1", doc: "Address Rebook's HTTP server listens on" },
  PORT: { schema: port, default: "3000", doc: "Port Rebook's HTTP server listens on" },
  TRUST_PROXY: {
    schema: trustProxy,
    default: "false",
    doc: "Behind a reverse proxy or load balancer: its addresses/CIDR ranges (comma-separated) or number of hops, so sign-in throttling and the audit log see the client's address (X-Forwarded-For); false trusts none",
  },
  PUBLIC_URL: {
    schema: url.optional(),
    default: undefined,
    doc: "Rebook's external URL (used for the OAuth redirect URI); default http://localhost:PORT",
  },
  LOG_LEVEL: {
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    default: "info",
    doc: "pino log level",
  },
  DATABASE_URL: {
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
      .optional(),
    default: undefined,
    doc: "PostgreSQL connection URL; when unset Rebook uses the embedded PGlite store in DATA_DIR",
  },
  DATA_DIR: {
    schema: z.string().min(1),
    default: "./data",
    doc: "Directory for the embedded store (and the development encryption key)",
  },
  TOKEN_ENCRYPTION_KEY: {
    schema: encryptionKey.optional(),
    default: undefined,
    doc: "Key that encrypts PKB tokens at rest (base64, 32 bytes). Required in production; in development one is generated into DATA_DIR",
  },
  TOKEN_ENCRYPTION_KEY_PREVIOUS: {
    schema: encryptionKeyList.optional(),
    default: undefined,
    doc: "Earlier TOKEN_ENCRYPTION_KEY values (base64, comma-separated) still accepted for reading during a key rotation; `rebook rotate-keys` re-encrypts everything with the current key, after which they can be removed",
  },
  PKB_BASE_URL: {
    schema: url.optional(),
    default: undefined,
    doc: "PKB web/REST/OAuth base URL, e.g. https://sandbox.patientsknowbest.com. Unset: Rebook starts the sandbox emulator and uses it",
  },
  PKB_CLIENT_ID: { schema: z.string().min(1), default: "rebook-sandbox", doc: "OAuth client id PKB issued" },
  PKB_CLIENT_SECRET: { schema: z.string().min(1), default: "sandbox-secret", doc: "OAuth client secret PKB issued" },
  PKB_CLIENT_AUTH: {
    schema: z.enum(["basic", "post"]),
    default: "basic",
    doc: "How the client secret is sent to apiToken.action: HTTP Basic or form client_secret",
  },
  PKB_SCOPE: { schema: z.enum(["CLINICIAN", "TEAMCOORD", "PATIENT"]), default: "CLINICIAN", doc: "OAuth scope" },
  PKB_FHIR_BASE_URL: {
    schema: url.optional(),
    default: undefined,
    doc: "Aggregated FHIR API base URL, e.g. https://aggregated-fhir.sandbox.patientsknowbest.com/fhir",
  },
  PKB_FHIR_TOKEN_URL: {
    schema: url.optional(),
    default: undefined,
    doc: "Client-credentials token URL for the Aggregated FHIR API (PKB's Keycloak realm)",
  },
  PKB_FHIR_CLIENT_ID: { schema: z.string().min(1), default: "rebook-fhir", doc: "Aggregated FHIR client id" },
  PKB_FHIR_CLIENT_SECRET: {
    schema: z.string().min(1),
    default: "sandbox-fhir-secret",
    doc: "Aggregated FHIR client secret",
  },
  PKB_TIMEOUT_SECONDS: { schema: positiveSeconds, default: "30", doc: "Timeout of each call to PKB" },
  TOKEN_REFRESH_AHEAD_SECONDS: {
    schema: z.coerce.number().int().min(0, "must be 0 or more"),
    default: "60",
    doc: "Refresh a PKB access token this long before it expires",
  },
  SYNC_INTERVAL_SECONDS: {
    schema: z.coerce.number().min(0, "must be 0 or more"),
    default: "60",
    doc: "How often the server polls PKB for new messages; 0 turns the poll loop off (use `npm run sync`)",
  },
  SYNC_OVERLAP_HOURS: {
    schema: z.coerce.number().min(0, "must be 0 or more"),
    default: "24",
    doc: "Each poll re-reads messages this far before the newest one already seen (PKB's date parameter is coarse)",
  },
  SYNC_INITIAL_LOOKBACK_DAYS: {
    schema: z.coerce.number().int().min(1, "must be at least 1"),
    default: "365",
    doc: "How far back the first poll of a new connection reads",
  },
  PIPELINE_CONCURRENCY: {
    schema: z.coerce.number().int().min(1, "must be at least 1").max(64, "must be at most 64"),
    default: "32",
    doc: "Requests worked at once (a pool keeps this many in flight) while identifying patients and appointments",
  },
  PIPELINE_MAX_ATTEMPTS: {
    schema: z.coerce.number().int().min(1, "must be at least 1"),
    default: "6",
    doc: "Attempts at a request's PKB look-ups before it is put in the error state",
  },
  MATCH_AUTO_LINK_THRESHOLD: {
    schema: z.coerce.number().min(0, "must be 0..1").max(1, "must be 0..1"),
    default: "0.8",
    doc: "Match confidence (0..1) at or above which a request is linked to an appointment without review",
  },
  PATIENT_CACHE_HOURS: {
    schema: z.coerce.number().min(0, "must be 0 or more"),
    default: "24",
    doc: "How long a patient's PKB details are reused before being fetched again",
  },
  ALERT_WEBHOOK_URL: {
    schema: url.optional(),
    default: undefined,
    doc: "Optional URL that receives a JSON POST when a PKB connection needs re-authorisation",
  },
  SESSION_IDLE_MINUTES: {
    schema: z.coerce.number().positive("must be greater than 0"),
    default: "30",
    doc: "A staff session ends after this long without use",
  },
  SESSION_ABSOLUTE_HOURS: {
    schema: z.coerce.number().positive("must be greater than 0"),
    default: "12",
    doc: "A staff session ends this long after sign-in, however active",
  },
  REQUEST_SLA_HOURS: {
    schema: z.coerce.number().positive("must be greater than 0"),
    default: "72",
    doc: "A request is due this long after it was received",
  },
  REQUEST_SLA_WORKING_HOURS: {
    schema: z.coerce.number().positive("must be greater than 0"),
    default: "16",
    doc: "For a team with working hours set: a request is due once this much of the team's working time has passed since it was received (bank holidays and closed days do not count)",
  },
  BANK_HOLIDAYS: {
    schema: z.enum(["england-and-wales", "scotland", "northern-ireland"]),
    default: "england-and-wales",
    doc: "Whose UK bank holidays working-hours deadlines skip: england-and-wales, scotland or northern-ireland",
  },
  PKB_CONVERSATION_URL: {
    schema: z
      .string()
      .regex(/^https?:\/\/\S+$/, "must be an http(s) URL")
      .refine((v) => v.includes("{conversationId}"), "must contain {conversationId}")
      .optional(),
    default: undefined,
    doc: "Address of a patient's conversation in PKB's web app, with {conversationId} where the conversation's id goes (the request page links to it to write the reply). Unset: the link opens PKB's web app (PKB_BASE_URL) and staff find the conversation",
  },
  APPOINTMENT_LEAD_HOURS: {
    schema: z.coerce.number().min(0, "must be 0 or more"),
    default: "48",
    doc: "A request is due this long before its linked appointment starts, when that is earlier",
  },
  DUE_SOON_HOURS: {
    schema: z.coerce.number().min(0, "must be 0 or more"),
    default: "24",
    doc: "A request within this long of its deadline is due soon",
  },
  CONFIRM_CHECK_SECONDS: {
    schema: positiveSeconds,
    default: "300",
    doc: "After an outcome (rebooked or cancelled), the wait before Rebook first checks that PKB shows it; the wait then doubles after each check",
  },
  CONFIRM_MAX_INTERVAL_SECONDS: {
    schema: positiveSeconds,
    default: "3600",
    doc: "The longest wait between two PKB confirmation checks (also the rate of checks after CONFIRM_WITHIN_HOURS)",
  },
  CONFIRM_WITHIN_HOURS: {
    schema: positiveSeconds,
    default: "24",
    doc: "An outcome PKB does not show within this long is not confirmed in PKB (badge, banner, alert)",
  },
  CONFIRM_CHECK_FOR_HOURS: {
    schema: positiveSeconds,
    default: "168",
    doc: "Rebook keeps checking for a late confirmation until this long after the outcome, then stops",
  },
  PKB_RECHECK_MINUTES: {
    schema: positiveSeconds,
    default: "60",
    doc: "While a request is open, Rebook re-reads its appointment from PKB this often to settle what PKB already shows (cancelled, moved, passed)",
  },
  EVENTS_HEARTBEAT_SECONDS: {
    schema: positiveSeconds,
    default: "25",
    doc: "Live-update streams send a heartbeat and re-check the session this often",
  },
  LOGIN_MAX_FAILURES_PER_ACCOUNT: {
    schema: z.coerce.number().int().min(1, "must be at least 1"),
    default: "5",
    doc: "Failed sign-ins for one account from one address before each further attempt from there waits (LOGIN_FIRST_DELAY_SECONDS, doubling with each failure); a successful sign-in starts the count again",
  },
  LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES: {
    schema: z.coerce.number().int().min(1, "must be at least 1"),
    default: "20",
    doc: "Failed sign-ins for one account from all addresses before attempts from addresses it has not signed in from wait too (guessing from many places); its user is not slowed where they signed in before",
  },
  LOGIN_MAX_FAILURES_PER_IP: {
    schema: z.coerce.number().int().min(1, "must be at least 1"),
    default: "30",
    doc: "Failed sign-ins from one address, at accounts never signed in from there, before such attempts from it wait (a spray); people who signed in from that address before (colleagues behind the same proxy) are not slowed",
  },
  LOGIN_FIRST_DELAY_SECONDS: {
    schema: positiveSeconds,
    default: "1",
    doc: "The wait after a limit is reached; it doubles with each further failure (429 with Retry-After)",
  },
  LOGIN_MAX_DELAY_MINUTES: {
    schema: z.coerce.number().positive("must be greater than 0"),
    default: "15",
    doc: "The longest wait between sign-in attempts, however many failures",
  },
  LOGIN_THROTTLE_WINDOW_MINUTES: {
    schema: z.coerce.number().positive("must be greater than 0"),
    default: "60",
    doc: "A count of failures is forgotten this long after its last failure (longer than LOGIN_MAX_DELAY_MINUTES)",
  },
  LOGIN_KNOWN_ADDRESS_DAYS: {
    schema: z.coerce.number().positive("must be greater than 0"),
    default: "90",
    doc: "An address a user signed in from within this many days is theirs: guessing elsewhere, or at other accounts from it, does not slow them there",
  },
  INITIAL_ADMIN_EMAIL: {
    schema: z.email({ message: "must be an email address" }).optional(),
    default: undefined,
    doc: "With INITIAL_ADMIN_PASSWORD: creates this admin at start-up when there are no users yet",
  },
  INITIAL_ADMIN_PASSWORD: {
    schema: z.string().min(12, "must be at least 12 characters").max(1024).optional(),
    default: undefined,
    doc: "The first admin's password (at least 12 characters), used only when there are no users yet",
  },
  REBOOK_ADMIN_PASSWORD: {
    schema: z.string().min(12, "must be at least 12 characters").max(1024).optional(),
    default: undefined,
    doc: "Password for `rebook create-admin` (else it asks on the terminal)",
  },
  OIDC_ISSUER_URL: {
    schema: url.optional(),
    default: undefined,
    doc: "OpenID Connect issuer for single sign-on (NHS CIS2, Azure AD…); https unless localhost. Unset: no single sign-on",
  },
  OIDC_CLIENT_ID: { schema: z.string().min(1).optional(), default: undefined, doc: "Client id registered with it" },
  OIDC_CLIENT_SECRET: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: "Its client secret (client_secret_post); unset for a public client (PKCE only)",
  },
  OIDC_DISPLAY_NAME: {
    schema: z.string().trim().min(1).max(100),
    default: "Single sign-on",
    doc: 'Text of the sign-in button, e.g. "NHS Care Identity"',
  },
  OIDC_SCOPES: { schema: z.string().trim().min(1), default: "openid profile email", doc: "Scopes requested" },
  OIDC_AUTO_PROVISION_ROLE: {
    schema: z.enum(["admin", "team_lead", "clerk", "viewer"]).optional(),
    default: undefined,
    doc: "Role given to a person who signs in with single sign-on and has no user yet. Unset: only existing users",
  },
  SANDBOX_PORT: {
    schema: port,
    default: "4010",
    doc: "Port of the embedded sandbox emulator (when PKB_BASE_URL is unset)",
  },
  SANDBOX_SEED: {
    schema: z.coerce.number().int("must be a whole number"),
    default: "1",
    doc: "Seed of the emulator's synthetic data",
  },
  SANDBOX_SIZE: {
    schema: z.coerce.number().int("must be a whole number").min(1).max(100_000),
    default: "200",
    doc: "Number of change/cancel requests the emulator generates",
  },
  METRICS_TOKEN: {
    schema: z.string().min(16, "must be at least 16 characters").optional(),
    default: undefined,
    doc: "Bearer token Prometheus must send to read /metrics. With METRICS_ALLOW both must pass; with neither, /metrics answers only direct loopback requests",
  },
  METRICS_ALLOW: {
    schema: z
      .string()
      .trim()
      .refine((v) => v.split(",").every((x) => isAddressOrCidr(x.trim())), {
        message: "must be addresses or CIDR ranges separated by commas",
      })
      .transform((v) => v.split(",").map((x) => x.trim()))
      .optional(),
    default: undefined,
    doc: "Addresses/CIDR ranges (comma-separated) allowed to read /metrics (the client address as TRUST_PROXY resolves it)",
  },
  RETENTION_REQUEST_YEARS: {
    schema: z.coerce.number().int("must be a whole number").min(1, "must be at least 1"),
    default: "8",
    doc: "Closed (done) requests with no activity for this long are deleted with their history and notes, and their messages emptied. Open requests are never purged",
  },
  RETENTION_AUDIT_DAYS: {
    schema: z.coerce.number().int("must be a whole number").min(30, "must be at least 30"),
    default: "2922",
    doc: "Audit entries (other than worklist views) older than this are deleted (2922 days = 8 years)",
  },
  RETENTION_WORKLIST_VIEW_DAYS: {
    schema: z.coerce.number().int("must be a whole number").min(30, "must be at least 30"),
    default: "731",
    doc: "Audit entries of worklist views (requests.listed) older than this are deleted (731 days = 2 years)",
  },
  RETENTION_SYNC_RUN_DAYS: {
    schema: z.coerce.number().int("must be a whole number").min(1, "must be at least 1"),
    default: "90",
    doc: "Poll history (sync_runs: counts and errors, no patient data) older than this is deleted",
  },
  RETENTION_INTERVAL_HOURS: {
    schema: z.coerce.number().min(0, "must be 0 or more"),
    default: "24",
    doc: "How often the retention job runs (one instance at a time, under a lease); 0 turns it off (use `rebook purge`)",
  },
  RETENTION_BATCH_SIZE: {
    schema: z.coerce.number().int().min(1, "must be at least 1").max(10_000, "must be at most 10000"),
    default: "1000",
    doc: "Rows deleted per statement (each batch is its own short transaction)",
  },
  SHUTDOWN_GRACE_SECONDS: { schema: positiveSeconds, default: "10", doc: "Time allowed for a graceful stop" },
} as const;

type Settings = typeof settings;
type Raw = { [K in keyof Settings]: z.output<Settings[K]["schema"]> };

/** Rebook's parsed configuration. URLs have no trailing slash. */
export interface Config {
  env: "development" | "production" | "test";
  host: string;
  port: number;
  publicUrl: string;
  /** Fastify's trustProxy: false, a hop count, or proxy addresses/CIDR ranges (comma-separated). */
  trustProxy: false | number | string;
  logLevel: Raw["LOG_LEVEL"];
  database: { kind: "pglite"; dataDir: string } | { kind: "postgres"; url: string };
  dataDir: string;
  /** 32-byte key, or null in development (the caller then uses a generated key kept in DATA_DIR). */
  tokenEncryptionKey: Buffer | null;
  /** Earlier keys, still accepted for reading (key rotation). */
  previousTokenEncryptionKeys: Buffer[];
  pkb: {
    /** True when no PKB URL was configured: Rebook starts the sandbox emulator itself. */
    useSandbox: boolean;
    baseUrl: string;
    clientId: string;
    clientSecret: string;
    clientAuth: "basic" | "post";
    scope: "CLINICIAN" | "TEAMCOORD" | "PATIENT";
    fhirBaseUrl: string;
    fhirTokenUrl: string;
    fhirClientId: string;
    fhirClientSecret: string;
    timeoutMs: number;
    refreshAheadMs: number;
  };
  sync: {
    intervalMs: number;
    overlapMs: number;
    initialLookbackDays: number;
    concurrency: number;
    maxAttempts: number;
    autoLinkThreshold: number;
    patientCacheMs: number;
  };
  alertWebhookUrl: string | null;
  session: { idleMs: number; absoluteMs: number; secureCookie: boolean };
  auth: {
    /** Sign-in throttling (see src/auth/throttle.ts). */
    throttle: {
      maxPerAccountAddress: number;
      maxPerAccount: number;
      maxPerAddress: number;
      firstDelayMs: number;
      maxDelayMs: number;
      windowMs: number;
      knownAddressMs: number;
    };
    /** Created at start-up when there are no users. */
    initialAdmin: { email: string; password: string } | null;
    /** REBOOK_ADMIN_PASSWORD, for the create-admin command. */
    adminPassword: string | null;
    /** Single sign-on, or null when not configured. */
    oidc: {
      issuerUrl: string;
      clientId: string;
      clientSecret: string | null;
      displayName: string;
      scopes: string;
      autoProvisionRole: "admin" | "team_lead" | "clerk" | "viewer" | null;
    } | null;
  };
  /** Deadline rules, in milliseconds (see src/domain/deadline.ts). */
  workflow: {
    requestSlaMs: number;
    /** The SLA in a team's working time (for teams with working hours). */
    workingSlaMs: number;
    appointmentLeadMs: number;
    dueSoonMs: number;
    /** Whose bank holidays working time skips. */
    holidayRegion: "england-and-wales" | "scotland" | "northern-ireland";
  };
  /** Answering the patient in PKB: the conversation link, {conversationId} filled in (see src/requests/reply-channel.ts). */
  replies: { conversationUrl: string };
  /** PKB confirmation schedule, in milliseconds (see src/domain/pkb-confirmation.ts). */
  confirmation: { firstCheckMs: number; maxIntervalMs: number; withinMs: number; checkForMs: number };
  /** Settling what PKB already shows (docs/settling.md): how often an open request's appointment is re-read, ms. */
  settle: { recheckMs: number };
  events: { heartbeatMs: number };
  sandbox: { port: number; seed: number; size: number };
  /** Who may read /metrics: a bearer token and/or an address allow-list; neither = direct loopback requests only. */
  metrics: { token: string | null; allow: string[] | null };
  /** Retention periods and the purge job (see src/jobs/retention.ts). */
  retention: {
    requestYears: number;
    auditDays: number;
    worklistViewDays: number;
    syncRunDays: number;
    intervalMs: number;
    batchSize: number;
  };
  shutdownGraceMs: number;
}

/** Raised when the environment is invalid; `problems` lists every one, one line each. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const trimSlash = (u: string): string => u.replace(/\/+$/, "");

/** Parses an environment (normally process.env) into a Config, or throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(settings)) {
    const given = env[name];
    const value = given === undefined || given === "" ? setting.default : given;
    const parsed = setting.schema.safeParse(value);
    if (parsed.success) raw[name] = parsed.data;
    else
      problems.push(`${name}: ${parsed.error.issues.map((i) => i.message).join("; ")} (got ${JSON.stringify(given)})`);
  }
  const r = raw as Raw;
  if (problems.length === 0) {
    if (r.TOKEN_ENCRYPTION_KEY_PREVIOUS?.length && !r.TOKEN_ENCRYPTION_KEY) {
      problems.push("TOKEN_ENCRYPTION_KEY_PREVIOUS: needs TOKEN_ENCRYPTION_KEY (the new key) as well");
    }
    if (r.NODE_ENV === "production" && !r.TOKEN_ENCRYPTION_KEY) {
      problems.push(
        "TOKEN_ENCRYPTION_KEY: required when NODE_ENV=production (generate one with: openssl rand -base64 32)",
      );
    }
    const pkbSet = [r.PKB_BASE_URL, r.PKB_FHIR_BASE_URL, r.PKB_FHIR_TOKEN_URL].filter(Boolean).length;
    if (pkbSet > 0 && pkbSet < 3) {
      problems.push(
        "PKB_BASE_URL, PKB_FHIR_BASE_URL and PKB_FHIR_TOKEN_URL: set all three to use a real PKB, or none to use the sandbox",
      );
    }
    if (Boolean(r.INITIAL_ADMIN_EMAIL) !== Boolean(r.INITIAL_ADMIN_PASSWORD)) {
      problems.push("INITIAL_ADMIN_EMAIL and INITIAL_ADMIN_PASSWORD: set both, or neither");
    }
    if (r.LOGIN_THROTTLE_WINDOW_MINUTES <= r.LOGIN_MAX_DELAY_MINUTES) {
      problems.push(
        "LOGIN_THROTTLE_WINDOW_MINUTES: must be longer than LOGIN_MAX_DELAY_MINUTES (else waiting out the longest delay would forget the failures)",
      );
    }
    if (r.OIDC_ISSUER_URL && !r.OIDC_CLIENT_ID) problems.push("OIDC_CLIENT_ID: required with OIDC_ISSUER_URL");
    if (
      r.OIDC_ISSUER_URL?.startsWith("http://") &&
      !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(r.OIDC_ISSUER_URL)
    ) {
      problems.push("OIDC_ISSUER_URL: must be https (plain http only for localhost)");
    }
    if (r.NODE_ENV === "production" && !r.PKB_BASE_URL) {
      problems.push("PKB_BASE_URL: required when NODE_ENV=production (the sandbox emulator is for development only)");
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const useSandbox = !r.PKB_BASE_URL;
  const sandboxUrl = `http://127.0.0.1:${r.SANDBOX_PORT}`;
  const dataDir = path.resolve(r.DATA_DIR);
  return Object.freeze({
    env: r.NODE_ENV,
    host: r.HOST,
    port: r.PORT,
    publicUrl: trimSlash(r.PUBLIC_URL ?? `http://localhost:${r.PORT}`),
    trustProxy: r.TRUST_PROXY,
    logLevel: r.LOG_LEVEL,
    database: r.DATABASE_URL
      ? { kind: "postgres" as const, url: r.DATABASE_URL }
      : { kind: "pglite" as const, dataDir: path.join(dataDir, "pglite") },
    dataDir,
    tokenEncryptionKey: r.TOKEN_ENCRYPTION_KEY ? Buffer.from(r.TOKEN_ENCRYPTION_KEY, "base64") : null,
    previousTokenEncryptionKeys: (r.TOKEN_ENCRYPTION_KEY_PREVIOUS ?? []).map((k) => Buffer.from(k, "base64")),
    pkb: {
      useSandbox,
      baseUrl: trimSlash(r.PKB_BASE_URL ?? sandboxUrl),
      clientId: r.PKB_CLIENT_ID,
      clientSecret: r.PKB_CLIENT_SECRET,
      clientAuth: r.PKB_CLIENT_AUTH,
      scope: r.PKB_SCOPE,
      fhirBaseUrl: trimSlash(r.PKB_FHIR_BASE_URL ?? `${sandboxUrl}/aggregated/fhir`),
      fhirTokenUrl: r.PKB_FHIR_TOKEN_URL ?? `${sandboxUrl}/iam/auth/realms/pkb/protocol/openid-connect/token`,
      fhirClientId: r.PKB_FHIR_CLIENT_ID,
      fhirClientSecret: r.PKB_FHIR_CLIENT_SECRET,
      timeoutMs: r.PKB_TIMEOUT_SECONDS * 1000,
      refreshAheadMs: r.TOKEN_REFRESH_AHEAD_SECONDS * 1000,
    },
    sync: {
      intervalMs: r.SYNC_INTERVAL_SECONDS * 1000,
      overlapMs: r.SYNC_OVERLAP_HOURS * 3_600_000,
      initialLookbackDays: r.SYNC_INITIAL_LOOKBACK_DAYS,
      concurrency: r.PIPELINE_CONCURRENCY,
      maxAttempts: r.PIPELINE_MAX_ATTEMPTS,
      autoLinkThreshold: r.MATCH_AUTO_LINK_THRESHOLD,
      patientCacheMs: r.PATIENT_CACHE_HOURS * 3_600_000,
    },
    alertWebhookUrl: r.ALERT_WEBHOOK_URL ?? null,
    session: {
      idleMs: r.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: r.SESSION_ABSOLUTE_HOURS * 3_600_000,
      secureCookie: (r.PUBLIC_URL ?? "").startsWith("https://"),
    },
    workflow: {
      requestSlaMs: r.REQUEST_SLA_HOURS * 3_600_000,
      workingSlaMs: r.REQUEST_SLA_WORKING_HOURS * 3_600_000,
      holidayRegion: r.BANK_HOLIDAYS,
      appointmentLeadMs: r.APPOINTMENT_LEAD_HOURS * 3_600_000,
      dueSoonMs: r.DUE_SOON_HOURS * 3_600_000,
    },
    replies: { conversationUrl: r.PKB_CONVERSATION_URL ?? `${trimSlash(r.PKB_BASE_URL ?? sandboxUrl)}/` },
    confirmation: {
      firstCheckMs: r.CONFIRM_CHECK_SECONDS * 1000,
      maxIntervalMs: r.CONFIRM_MAX_INTERVAL_SECONDS * 1000,
      withinMs: r.CONFIRM_WITHIN_HOURS * 3_600_000,
      checkForMs: r.CONFIRM_CHECK_FOR_HOURS * 3_600_000,
    },
    settle: { recheckMs: r.PKB_RECHECK_MINUTES * 60_000 },
    events: { heartbeatMs: r.EVENTS_HEARTBEAT_SECONDS * 1000 },
    auth: {
      throttle: {
        maxPerAccountAddress: r.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        maxPerAccount: r.LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES,
        maxPerAddress: r.LOGIN_MAX_FAILURES_PER_IP,
        firstDelayMs: r.LOGIN_FIRST_DELAY_SECONDS * 1000,
        maxDelayMs: r.LOGIN_MAX_DELAY_MINUTES * 60_000,
        windowMs: r.LOGIN_THROTTLE_WINDOW_MINUTES * 60_000,
        knownAddressMs: r.LOGIN_KNOWN_ADDRESS_DAYS * 86_400_000,
      },
      initialAdmin:
        r.INITIAL_ADMIN_EMAIL && r.INITIAL_ADMIN_PASSWORD
          ? { email: r.INITIAL_ADMIN_EMAIL, password: r.INITIAL_ADMIN_PASSWORD }
          : null,
      adminPassword: r.REBOOK_ADMIN_PASSWORD ?? null,
      oidc:
        r.OIDC_ISSUER_URL && r.OIDC_CLIENT_ID
          ? {
              issuerUrl: r.OIDC_ISSUER_URL,
              clientId: r.OIDC_CLIENT_ID,
              clientSecret: r.OIDC_CLIENT_SECRET ?? null,
              displayName: r.OIDC_DISPLAY_NAME,
              scopes: r.OIDC_SCOPES,
              autoProvisionRole: r.OIDC_AUTO_PROVISION_ROLE ?? null,
            }
          : null,
    },
    sandbox: { port: r.SANDBOX_PORT, seed: r.SANDBOX_SEED, size: r.SANDBOX_SIZE },
    metrics: { token: r.METRICS_TOKEN ?? null, allow: r.METRICS_ALLOW ?? null },
    retention: {
      requestYears: r.RETENTION_REQUEST_YEARS,
      auditDays: r.RETENTION_AUDIT_DAYS,
      worklistViewDays: r.RETENTION_WORKLIST_VIEW_DAYS,
      syncRunDays: r.RETENTION_SYNC_RUN_DAYS,
      intervalMs: r.RETENTION_INTERVAL_HOURS * 3_600_000,
      batchSize: r.RETENTION_BATCH_SIZE,
    },
    shutdownGraceMs: r.SHUTDOWN_GRACE_SECONDS * 1000,
  });
}

/** The OAuth redirect URI Rebook registers with PKB. */
export function oauthRedirectUri(config: Config): string {
  return `${config.publicUrl}/api/pkb/oauth/callback`;
}

/** Loads the configuration of this process from its environment. */
export function loadConfigFromProcess(): Config {
  return loadConfig(process.env);
}

/**
 * The environment for the sandbox emulator child process that `npm start` runs when no PKB URL is configured: the
 * parent's environment plus the sandbox's settings, matched to Rebook's client credentials and redirect URI.
 */
export function sandboxChildEnv(config: Config, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const inherited = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  // Rebook's heap settings (`npm start`: its limit, and its young generation with PostgreSQL) are not the emulator's:
  // a large sandbox world needs more than Rebook does.
  const nodeOptions = (inherited.NODE_OPTIONS ?? "")
    .split(/\s+/)
    .filter((o) => o !== "" && !/^--max[-_](old|semi)[-_]space[-_]size(=|$)/.test(o))
    .join(" ");
  delete inherited.NODE_OPTIONS;
  return {
    ...inherited,
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    SANDBOX_HOST: "127.0.0.1",
    SANDBOX_PORT: String(config.sandbox.port),
    SANDBOX_SEED: String(config.sandbox.seed),
    SANDBOX_SIZE: String(config.sandbox.size),
    SANDBOX_CLIENT_ID: config.pkb.clientId,
    SANDBOX_CLIENT_SECRET: config.pkb.clientSecret,
    SANDBOX_FHIR_CLIENT_ID: config.pkb.fhirClientId,
    SANDBOX_FHIR_CLIENT_SECRET: config.pkb.fhirClientSecret,
    SANDBOX_REDIRECT_URIS: oauthRedirectUri(config),
    SANDBOX_LOG_LEVEL: "warn",
  };
}
