// The logger. Logs carry ids and counts, never patient data or secrets: the redaction list is the safety net.
import { pino, type Logger } from "pino";

export type { Logger };

/** Paths whose values are replaced by "[redacted]" wherever they appear in a log record. */
export const redactPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.access_token",
  "*.refresh_token",
  "*.accessToken",
  "*.refreshToken",
  "*.client_secret",
  "*.clientSecret",
  "*.password",
];

/** Creates the process logger at the given level. */
export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: "[redacted]" }, base: { service: "rebook" } });
}
