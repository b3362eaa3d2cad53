// The emulator's configuration, parsed once from the environment with zod. The only file in sandbox/ that reads
// process.env; every problem is reported at once.

import { z } from "zod";

/** Everything the emulator needs to start; durations are in seconds. */
export interface SandboxConfig {
  host: string;
  port: number;
  seed: number;
  size: number;
  /** Settle scenarios in the generated world (SANDBOX_SETTLE_SCENARIOS). */
  settleScenarios: number;
  /** The generator's "now"; undefined lets the generator pick the start of the current UTC day. */
  anchor: Date | undefined;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  fhirClientId: string;
  fhirClientSecret: string;
  accessTokenTtl: number;
  sessionTtl: number;
  systemTokenTtl: number;
  /** Base URL used in links (no trailing slash). */
  publicUrl: string;
  /** When set, the control API under /_sandbox/ requires `Authorization: Bearer <token>`. */
  controlToken: string | undefined;
  /** pino level of the emulator's own request log. */
  logLevel: string;
  /** Seconds from a clerk's action in the sandbox PAS to its delivery into PKB (0 = at once). */
  pasDelaySeconds: number;
  /** 0..1: share of PAS actions the feed never delivers. */
  pasDropRate: number;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses "600", "600s", "10m", "8h", "8 h" or "1d" into whole seconds; null when malformed or not positive. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text);
  if (!m?.[1]) return null;
  const unit = DURATION_UNITS[(m[2] ?? "").toLowerCase() || "s"] ?? 1;
  const seconds = Math.round(Number(m[1]) * unit);
  return seconds > 0 ? seconds : null;
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const s = parseDuration(v);
      if (s === null) {
        ctx.addIssue({ code: "custom", message: `expected a positive duration like 600, 90s, 10m or 8h, got "${v}"` });
        return z.NEVER;
      }
      return s;
    });

const delay = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const s = /^\s*0+\s*[smhd]?\s*$/i.test(v) ? 0 : parseDuration(v);
      if (s === null) {
        ctx.addIssue({ code: "custom", message: `expected a duration like 0, 90s, 10m or 1h, got "${v}"` });
        return z.NEVER;
      }
      return s;
    });

const integer = (fallback: string, min: number, max: number) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const n = Number(v);
      if (!/^\s*-?\d+\s*$/.test(v) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `expected an integer in ${min}..${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const url = z
  .string()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), "expected an http(s) URL");

const envSchema = z.object({
  SANDBOX_HOST: z.string().min(1).default("127.0.0.1"),
  SANDBOX_PORT: integer("4010", 0, 65535),
  SANDBOX_SEED: integer("1", 0, Number.MAX_SAFE_INTEGER),
  SANDBOX_SIZE: integer("200", 1, 100_000),
  SANDBOX_SETTLE_SCENARIOS: integer("4", 0, 1_000),
  SANDBOX_ANCHOR: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      const d = new Date(v);
      if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime())) {
        ctx.addIssue({ code: "custom", message: `expected an ISO date or instant, got "${v}"` });
        return z.NEVER;
      }
      return d;
    }),
  SANDBOX_CLIENT_ID: z.string().min(1).default("rebook-sandbox"),
  SANDBOX_CLIENT_SECRET: z.string().min(1).default("sandbox-secret"),
  SANDBOX_REDIRECT_URIS: z
    .string()
    .default("http://localhost:3000/api/pkb/oauth/callback,http://127.0.0.1:3000/api/pkb/oauth/callback")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    )
    .pipe(z.array(url.refine((v) => !v.includes("#"), "must not contain a fragment")).min(1)),
  SANDBOX_FHIR_CLIENT_ID: z.string().min(1).default("rebook-fhir"),
  SANDBOX_FHIR_CLIENT_SECRET: z.string().min(1).default("sandbox-fhir-secret"),
  SANDBOX_ACCESS_TOKEN_TTL: duration("600"),
  SANDBOX_SESSION_TTL: duration("8h"),
  SANDBOX_SYSTEM_TOKEN_TTL: duration("3599"),
  SANDBOX_PUBLIC_URL: url.optional(),
  SANDBOX_CONTROL_TOKEN: z.string().optional(),
  SANDBOX_PAS_DELAY: delay("120"),
  SANDBOX_PAS_DROP_RATE: z
    .string()
    .default("0")
    .transform((v, ctx) => {
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
        ctx.addIssue({ code: "custom", message: `expected a number from 0 to 1, got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
  SANDBOX_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

/** Result of loadConfig: the config, or every problem found. */
export type ConfigResult = { ok: true; config: SandboxConfig } | { ok: false; errors: string[] };

/** Parses the emulator's environment (pass process.env); never throws. Empty strings count as unset. */
export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith("SANDBOX_") && v !== undefined && v !== "") cleaned[k] = v;
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`) };
  }
  const e = parsed.data;
  const linkHost = e.SANDBOX_HOST === "0.0.0.0" || e.SANDBOX_HOST === "::" ? "127.0.0.1" : e.SANDBOX_HOST;
  const hostPart = linkHost.includes(":") ? `[${linkHost}]` : linkHost;
  return {
    ok: true,
    config: {
      host: e.SANDBOX_HOST,
      port: e.SANDBOX_PORT,
      seed: e.SANDBOX_SEED,
      size: e.SANDBOX_SIZE,
      settleScenarios: e.SANDBOX_SETTLE_SCENARIOS,
      anchor: e.SANDBOX_ANCHOR,
      clientId: e.SANDBOX_CLIENT_ID,
      clientSecret: e.SANDBOX_CLIENT_SECRET,
      redirectUris: e.SANDBOX_REDIRECT_URIS,
      fhirClientId: e.SANDBOX_FHIR_CLIENT_ID,
      fhirClientSecret: e.SANDBOX_FHIR_CLIENT_SECRET,
      accessTokenTtl: e.SANDBOX_ACCESS_TOKEN_TTL,
      sessionTtl: e.SANDBOX_SESSION_TTL,
      systemTokenTtl: e.SANDBOX_SYSTEM_TOKEN_TTL,
      publicUrl: (e.SANDBOX_PUBLIC_URL ?? `http://${hostPart}:${e.SANDBOX_PORT}`).replace(/\/+$/, ""),
      controlToken: e.SANDBOX_CONTROL_TOKEN,
      logLevel: e.SANDBOX_LOG_LEVEL,
      pasDelaySeconds: e.SANDBOX_PAS_DELAY,
      pasDropRate: e.SANDBOX_PAS_DROP_RATE,
    },
  };
}

/** Reads process.env; the one place in sandbox/ that does. */
export function loadConfigFromProcess(): ConfigResult {
  return loadConfig(process.env);
}
