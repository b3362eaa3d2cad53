// A plain, accessible status page shown at / until the staff web app replaces it.
import { createHash } from "node:crypto";
import type { Config } from "../config.ts";
import { formatUkDateTime } from "../domain/uk-time.ts";
import type { Connection } from "../store/connections.ts";

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

// The pages' styles are inline (one self-contained response each); the Content-Security-Policy allows exactly these.
const STATUS_CSS = `body{font-family:Arial,sans-serif;margin:0;color:#212b32;background:#f0f4f5;line-height:1.5}
header{background:#005eb8;color:#fff;padding:16px 24px}header h1{margin:0}
main{max-width:1000px;margin:24px auto;padding:0 24px}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:24px}
th,td{text-align:left;padding:8px 12px;border-bottom:1px solid #d8dde0;vertical-align:top}
.panel{background:#fff;padding:16px 24px;margin-bottom:24px;border-left:4px solid #005eb8}
.banner{background:#fff;border:4px solid #d5281b;padding:8px 24px;margin-bottom:24px}
.button{display:inline-block;background:#007f3b;color:#fff;padding:8px 16px;border:0;border-radius:4px;font-size:1rem;text-decoration:none;cursor:pointer;box-shadow:0 4px 0 #00401e}
.button:focus,a:focus{outline:4px solid #ffeb3b}
.tag{padding:2px 8px;border:2px solid;border-radius:2px}.tag-active{color:#00401e}.tag-needs_reauth{color:#6b140e}
.hint{color:#4c6272}.error{color:#d5281b}
label{display:block;font-weight:bold;margin-bottom:4px}input{font-size:1rem;padding:6px;border:2px solid #4c6272;margin-bottom:12px;width:100%;max-width:28em;box-sizing:border-box}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px}dt{font-weight:bold}dd{margin:0}
`;
// The grant result page looks like the web app (the NHS design system's header, confirmation panel and warning
// callout), though it is served on its own: PKB's redirect lands here, before the web app is loaded.
const GRANT_CSS = `body{font-family:Arial,sans-serif;margin:0;color:#212b32;background:#f0f4f5;font-size:19px;line-height:1.47}
.header{background:#005eb8;color:#fff;padding:20px 32px;display:flex;align-items:center;gap:16px}
.logo{background:#fff;color:#005eb8;font-weight:bold;font-style:italic;font-size:28px;padding:0 8px;letter-spacing:-1px}
.service{font-size:19px}
main{max-width:960px;margin:40px auto;padding:0 32px}
.panel{background:#007f3b;color:#fff;padding:32px 40px;margin-bottom:32px;text-align:center}
.panel h1{font-size:48px;margin:0 0 16px}.panel p{margin:0}
.warning{background:#fff;border:1px solid #d8dde0;border-left:8px solid #d5281b;padding:24px 32px;margin-bottom:32px}
.warning h1{font-size:32px;margin:0 0 16px}
a{color:#005eb8}a:focus{background:#ffeb3b;color:#212b32;outline:4px solid transparent;box-shadow:0 -2px #ffeb3b,0 4px #212b32;text-decoration:none}
.button{display:inline-block;background:#007f3b;color:#fff;padding:12px 16px;border-radius:4px;box-shadow:0 4px 0 #00401e;text-decoration:none;font-weight:600}`;
const styleHash = (css: string): string => `'sha256-${createHash("sha256").update(css).digest("base64")}'`;

/** The Content-Security-Policy of the server-rendered pages: their own inline styles, forms to Rebook, nothing else. */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src ${styleHash(STATUS_CSS)} ${styleHash(GRANT_CSS)}`,
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const statusText: Record<Connection["status"], string> = {
  awaiting_grant: "Waiting for a clinician to grant access",
  active: "Connected",
  needs_reauth: "Needs re-authorisation",
  disabled: "Disabled",
};

// "2 connected", "1 needs re-authorisation".
const statusWords: Record<Connection["status"], string> = {
  awaiting_grant: "waiting for access to be granted",
  active: "connected",
  needs_reauth: "needs re-authorisation",
  disabled: "disabled",
};

/** Pipeline totals shown on the status page (counts only: the page is not signed in, so it shows no patient data). */
export interface StatusCounts {
  byStatus: Record<string, number>;
  byMatch: Record<string, number>;
}

const when = (d: Date | null): string => (d ? esc(formatUkDateTime(d)) : "Never");

/** Renders the status page HTML. */
export function statusPage(p: {
  config: Config;
  engine: string;
  connections: Connection[];
  counts: StatusCounts;
  /** Each connection's label, id, PKB user and errors (for a signed-in admin); else only how many are in each state. */
  detailed?: boolean;
  /** The signed-in admin's CSRF token: the connect form is shown only with one. */
  csrfToken?: string | null;
}): string {
  const rows = p.connections
    .map((c) => {
      const action =
        c.status === "active"
          ? ""
          : `<a class="button" href="/api/pkb/connections/${esc(c.id)}/authorize">${
              c.status === "needs_reauth" ? "Re-authorise" : "Grant access"
            }<span class="visually-hidden"> for ${esc(c.label)}</span></a>`;
      const detail = c.status === "needs_reauth" && c.needsReauthReason ? ` (${esc(c.needsReauthReason)})` : "";
      const error =
        c.lastSyncError && c.status === "active"
          ? `<br><span class="error">Last error: ${esc(c.lastSyncError)}</span>`
          : "";
      return `<tr><td>${esc(c.label)}${c.pkbUserName ? `<br><span class="hint">${esc(c.pkbUserName)}</span>` : ""}</td>
<td><strong class="tag tag-${c.status}">${esc(statusText[c.status])}</strong>${detail}${error}</td>
<td>${when(c.lastSyncFinishedAt)}</td><td>${action}</td></tr>`;
    })
    .join("");
  const broken = p.connections.filter((c) => c.status === "needs_reauth");
  const who = p.detailed
    ? broken.map((c) => esc(c.label)).join(", ")
    : broken.length === 1
      ? "One PKB connection"
      : `${broken.length} PKB connections`;
  const banner = broken.length
    ? `<div class="banner" role="alert"><h2>PKB connection needs re-authorisation</h2><p>${who}: PKB ended the session, so new requests are not being collected. A clinician must grant access again; nothing is lost meanwhile.</p></div>`
    : "";
  // Without sign-in: how many connections are in each state, nothing that names or identifies one.
  const tally = (Object.keys(statusText) as Connection["status"][])
    .map((s) => [s, p.connections.filter((c) => c.status === s).length] as const)
    .filter(([, k]) => k > 0)
    .map(([s, k]) => `<li>${k} ${esc(statusWords[s])}</li>`)
    .join("");
  const summary = `<ul class="panel">${tally}</ul><p class="hint">Sign in as an admin to see each connection.</p>`;
  const store = p.engine === "pglite" ? "Embedded store (PGlite)" : "PostgreSQL server";
  const pkb = p.config.pkb.useSandbox
    ? `PKB sandbox emulator at ${p.config.pkb.baseUrl} (demo clinician: jack.brown, password sandbox)`
    : `PKB at ${p.config.pkb.baseUrl}`;
  const n = (r: Record<string, number>, k: string): number => r[k] ?? 0;
  const c = p.counts;
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rebook – status</title>
<style>${STATUS_CSS}</style>
</head>
<body>
<header><h1>Rebook</h1><p>Appointment change and cancel requests from Patients Know Best</p></header>
<main>
${banner}
<h2>PKB connections</h2>
${
  p.connections.length === 0
    ? "<p>Rebook is not connected to PKB yet. A clinician who receives the appointment requests in PKB grants access once.</p>"
    : !p.detailed
      ? summary
      : `<table><caption class="visually-hidden">PKB connections</caption><thead><tr><th scope="col">Connection</th><th scope="col">Status</th><th scope="col">Last sync</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>${rows}</tbody></table>`
}
${
  p.csrfToken
    ? `<form method="post" action="/connect" class="panel">
<h3>Connect to PKB</h3>
<input type="hidden" name="_csrf" value="${esc(p.csrfToken)}">
<label for="label">Name for this connection</label>
<input id="label" name="label" required maxlength="200" value="Appointment management team">
<div><button class="button" type="submit">Grant access in PKB</button></div>
</form>`
    : `<p class="panel"><a href="/sign-in">Sign in to Rebook</a> as an admin to connect it to PKB.</p>`
}
<h2>Requests</h2>
<dl class="panel">
<dt>Being identified and matched</dt><dd>${n(c.byStatus, "processing")}</dd>
<dt>Open</dt><dd>${n(c.byStatus, "open")}</dd>
<dt>In progress</dt><dd>${n(c.byStatus, "in_progress")}</dd>
<dt>Done</dt><dd>${n(c.byStatus, "done")}</dd>
<dt>In error</dt><dd>${n(c.byStatus, "error")}</dd>
<dt>Linked to their appointment automatically</dt><dd>${n(c.byMatch, "auto_linked")}</dd>
<dt>Needing a person to choose the appointment</dt><dd>${n(c.byMatch, "review") + n(c.byMatch, "no_candidates")}</dd>
<dt>Patient not identified (no valid NHS number in PKB)</dt><dd>${n(c.byMatch, "not_applicable")}</dd>
</dl>
<h2>System</h2>
<ul class="panel"><li>${esc(store)}</li><li>${esc(pkb)}</li><li><a href="/health">Health (JSON)</a></li><li><a href="/api/docs">API documentation</a></li></ul>
</main>
</body>
</html>`;
}

/** The page the admin's browser lands on after PKB's Grant Access. */
export function grantResultPage(
  p: { ok: true; label: string; who: string | null } | { ok: false; message: string },
): string {
  const title = p.ok ? "Access granted" : "Access not granted";
  const body = p.ok
    ? `<p>Rebook is now connected to PKB as <strong>${esc(p.who ?? p.label)}</strong>. New requests will appear within a minute.</p>`
    : `<p>${esc(p.message)}</p>`;
  const box = p.ok
    ? `<div class="panel"><h1>${title}</h1>${body}</div>`
    : `<div class="warning" role="alert"><h1>${title}</h1>${body}</div>`;
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Rebook</title>
<style>${GRANT_CSS}</style>
</head><body><header class="header"><span class="logo" aria-hidden="true">NHS</span><span class="service">Rebook</span></header><main>${box}<p><a class="button" href="/admin/connections">Go to PKB connections</a></p><p><a href="/requests">Go to the worklist</a></p></main></body></html>`;
}
