// The sandbox's sign-in + consent page and its error page: plain, accessible HTML (labels, one form, an alert
// region for errors), listing the demo users so a person can try the flow by hand.

import type { SandboxPatient, SandboxStaff } from "../model.ts";
import { escapeHtml as e } from "../util.ts";

/** What the consent page shows. */
export interface ConsentPageInput {
  requestId: string;
  clientId: string;
  scope: string | null;
  error?: string;
  username?: string;
  staff: readonly SandboxStaff[];
  patients: readonly SandboxPatient[];
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin-top:.75rem;font-weight:600}input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}
button{font-size:1rem;padding:.5rem 1rem;margin:1rem .5rem 0 0}.error{border:2px solid #b00;padding:.5rem;color:#b00}
code{background:#eee;padding:0 .2rem}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body>
</html>
`;
}

/** The sign-in and consent form; posts back to /apiAuthorize.action. */
export function renderConsentPage(input: ConsentPageInput): string {
  const error = input.error ? `<p class="error" role="alert">${e(input.error)}</p>` : "";
  const staff = input.staff
    .slice(0, 12)
    .map(
      (s) =>
        `<li><code>${e(s.username)}</code> — ${e(`${s.firstName} ${s.lastName}`)}, ${e(s.jobTitle)}, ${e(s.teamName)}${s.receivesAppointmentRequests ? " (receives appointment requests)" : ""}</li>`,
    )
    .join("\n");
  const patients = input.patients
    .slice(0, 3)
    .map((p) => `<li><code>${e(p.email)}</code> — ${e(`${p.firstName} ${p.lastName}`)}</li>`)
    .join("\n");
  return layout(
    "Patients Know Best sandbox — grant access",
    `<h1>Patients Know Best sandbox</h1>
<p>The application <strong>${e(input.clientId)}</strong> asks for access to your PKB record${
      input.scope ? ` with scope <strong>${e(input.scope)}</strong>` : ""
    }.</p>
${error}
<form method="post" action="/apiAuthorize.action">
<input type="hidden" name="request" value="${e(input.requestId)}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" value="${e(input.username ?? "")}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit" name="decision" value="grant">Grant access</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
<h2>Demo users</h2>
<p>Every sandbox user's password is <code>sandbox</code>.</p>
<h3>Staff (scope CLINICIAN or TEAMCOORD)</h3>
<ul>
${staff}
</ul>
<h3>Patients (scope PATIENT; sign in with the email address)</h3>
<ul>
${patients}
</ul>`,
  );
}

/** An error page for requests that must not be redirected (bad client_id or redirect_uri, stale form). */
export function renderErrorPage(message: string): string {
  return layout(
    "Patients Know Best sandbox — error",
    `<h1>Cannot continue</h1>
<p class="error" role="alert">${e(message)}</p>`,
  );
}
