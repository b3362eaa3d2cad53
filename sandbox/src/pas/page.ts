// The sandbox PAS page (HTML, for demos): find a patient, see their appointments as PKB holds them with any PAS
// actions still on their way, cancel or move one, and set the feed's switches. Plain, accessible HTML in the style
// of the consent page: labels on every field, a caption on each table, an alert/status region for the result.

import { DateTime } from "luxon";
import type { SandboxAppointment, SandboxPatient } from "../model.ts";
import { escapeHtml as e } from "../util.ts";
import type { PasAction, PasFeedSettings } from "./feed.ts";

/** Appointments are shown and entered as UK wall-clock times. */
export const PAS_ZONE = "Europe/London";

/** What the page shows. */
export interface PasPageInput {
  /** Base path of the page's forms (e.g. "/_sandbox/pas"). */
  base: string;
  query: string;
  patient: SandboxPatient | null;
  appointments: readonly SandboxAppointment[];
  /** Actions of the patient shown (or the latest ones when no patient is chosen), oldest first. */
  actions: readonly PasAction[];
  /** A few patients with requests in PKB (pending appointments), for quick links. */
  suggestions: readonly { patient: SandboxPatient; appointment: SandboxAppointment }[];
  feed: PasFeedSettings;
  notice?: { kind: "ok" | "error"; text: string } | undefined;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
label{font-weight:600;margin-right:.25rem}input,select{font-size:1rem;padding:.3rem}
button{font-size:1rem;padding:.35rem .8rem;margin:.25rem .25rem .25rem 0}.error{border:2px solid #b00;padding:.5rem;color:#b00}
.ok{border:2px solid #060;padding:.5rem;color:#060}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border-bottom:1px solid #bbb;text-align:left;padding:.35rem;vertical-align:top}caption{text-align:left;font-weight:600}
form.inline{display:inline-block;margin:0 .5rem .25rem 0}code{background:#eee;padding:0 .2rem}`;

/** "Mon 12 Oct 2026 16:00" in UK time for a UTC ISO instant. */
export function ukText(iso: string): string {
  return DateTime.fromISO(iso, { zone: "utc" }).setZone(PAS_ZONE).toFormat("ccc d LLL yyyy HH:mm");
}

/** The value of a datetime-local input holding `iso` in UK time ("2026-10-12T16:00"). */
function ukInputValue(iso: string): string {
  return DateTime.fromISO(iso, { zone: "utc" }).setZone(PAS_ZONE).toFormat("yyyy-LL-dd'T'HH:mm");
}

function actionText(a: PasAction): string {
  const what = a.action === "cancel" ? "Cancel" : `Move to ${a.newStart ? ukText(a.newStart) : "?"}`;
  const state =
    a.state === "queued"
      ? `on its way to PKB (due ${ukText(a.dueAt)})`
      : a.state === "applied"
        ? `in PKB since ${a.appliedAt ? ukText(a.appliedAt) : "?"}`
        : a.state === "dropped"
          ? "lost by the feed: PKB will never show it"
          : `failed: ${a.reason ?? ""}`;
  return `${what} (${a.delivery}) — ${state}`;
}

function appointmentRow(input: PasPageInput, a: SandboxAppointment): string {
  const pending = input.actions.filter((x) => x.appointmentId === a.id && x.state === "queued");
  const label = `${a.appointmentType} on ${ukText(a.start)}`;
  const hidden = `<input type="hidden" name="appointmentId" value="${e(a.id)}">`;
  const actions =
    a.status === "cancelled"
      ? "—"
      : `<form class="inline" method="post" action="${e(input.base)}/actions">${hidden}
<input type="hidden" name="action" value="cancel">
<label for="c-${e(a.id)}">Feed as</label><select id="c-${e(a.id)}" name="delivery">
<option value="cancelled">status cancelled</option><option value="removed">removed from PKB</option></select>
<button type="submit" aria-label="Cancel ${e(label)}">Cancel</button></form>
<form class="inline" method="post" action="${e(input.base)}/actions">${hidden}
<input type="hidden" name="action" value="move">
<label for="m-${e(a.id)}">New start (UK)</label>
<input id="m-${e(a.id)}" name="start" type="datetime-local" required value="${e(ukInputValue(a.start))}">
<label for="d-${e(a.id)}">Feed as</label><select id="d-${e(a.id)}" name="delivery">
<option value="same-identifier">same identifier</option><option value="new-appointment">new appointment</option></select>
<button type="submit" aria-label="Move ${e(label)}">Move</button></form>`;
  return `<tr><td>${e(ukText(a.start))}</td><td>${e(a.appointmentType)}</td><td>${e(a.specialtyDisplay)}</td>
<td><code>${e(a.externalId)}</code></td><td>${e(a.status)}${pending.map((x) => `<br>${e(actionText(x))}`).join("")}</td>
<td>${actions}</td></tr>`;
}

function actionsTable(actions: readonly PasAction[], caption: string): string {
  if (actions.length === 0) return `<p>No PAS actions recorded yet.</p>`;
  const rows = actions
    .slice(-20)
    .reverse()
    .map(
      (a) =>
        `<tr><td>${e(a.id)}</td><td>${e(ukText(a.recordedAt))}</td><td><code>${e(a.externalId)}</code></td><td>${e(actionText(a))}</td></tr>`,
    )
    .join("\n");
  return `<table><caption>${e(caption)}</caption>
<thead><tr><th scope="col">Action</th><th scope="col">Recorded (UK)</th><th scope="col">External id</th><th scope="col">What and where</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

/** The whole PAS page. */
export function renderPasPage(input: PasPageInput): string {
  const notice = input.notice
    ? `<p class="${input.notice.kind}" role="${input.notice.kind === "error" ? "alert" : "status"}">${e(input.notice.text)}</p>`
    : "";
  const p = input.patient;
  const patientPart = p
    ? `<h2>${e(`${p.title} ${p.firstName} ${p.lastName}`.trim())}</h2>
<p>PKB id <code>${e(p.pkbId)}</code>, NHS number <code>${e(p.nhsNumber ?? "none")}</code></p>
<table><caption>Appointments as PKB shows them now</caption>
<thead><tr><th scope="col">Start (UK)</th><th scope="col">Type</th><th scope="col">Specialty</th><th scope="col">External id</th><th scope="col">Status in PKB</th><th scope="col">PAS action</th></tr></thead>
<tbody>${input.appointments.map((a) => appointmentRow(input, a)).join("\n")}</tbody></table>
${actionsTable(input.actions, "This patient's PAS actions (latest first)")}`
    : `${input.query ? `<p>No patient found for <code>${e(input.query)}</code>.</p>` : ""}
<h2>Patients with a request in PKB</h2>
<ul>${input.suggestions
        .map(
          (s) =>
            `<li><a href="${e(input.base)}?patient=${encodeURIComponent(s.patient.pkbId)}">${e(`${s.patient.firstName} ${s.patient.lastName}`)}</a> — ${e(s.appointment.appointmentType)} on ${e(ukText(s.appointment.start))}</li>`,
        )
        .join("\n")}</ul>
${actionsTable(input.actions, "Latest PAS actions (latest first)")}`;
  const f = input.feed;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trust PAS (sandbox)</title><style>${STYLE}</style></head>
<body><main>
<h1>Trust PAS (sandbox)</h1>
<p>The trust's patient administration system. What a clerk does here reaches PKB only through the feed below, so
Rebook sees it in the Aggregated FHIR API after the delay — or never, when the feed loses it.</p>
${notice}
<form method="get" action="${e(input.base)}">
<label for="patient">Patient (PKB id, NHS number or email)</label>
<input id="patient" name="patient" value="${e(input.query)}">
<button type="submit">Find</button>
</form>
${patientPart}
<h2>Feed to PKB</h2>
<form method="post" action="${e(input.base)}/feed">
<p><label for="delay">Delay (seconds)</label><input id="delay" name="delaySeconds" type="number" min="0" step="1" value="${f.delaySeconds}">
<label for="drop">Share lost (0–1)</label><input id="drop" name="dropRate" type="number" min="0" max="1" step="0.05" value="${f.dropRate}">
<label for="stopped">Feed stopped</label><input id="stopped" name="stopped" type="checkbox" value="true"${f.stopped ? " checked" : ""}>
<button type="submit">Save feed settings</button></p>
</form>
</main></body>
</html>
`;
}
