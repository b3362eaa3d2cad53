// The appointment the request is about: what the patient asked, the matched appointment with the evidence for the
// match, the other candidates (each with a one-step "This is the appointment"), and "Search PKB again".
import { useState } from "react";
import { ApiError } from "../api/client.ts";
import type { Candidate, RequestDetail } from "../api/types.ts";
import { warningsOf } from "../api/warnings.ts";
import { manualMatch, rematch } from "../api/workflow.ts";
import { whileSending, type useHeldConfirm } from "../components/HeldConfirm.tsx";
import { SummaryList, Warning } from "../components/ui.tsx";
import { confidenceText, matchText, ukDateTime } from "../format.ts";
import { MatchTag } from "../worklist/cues.tsx";

/** A candidate's trust id as shown: flagged when it had to be made storable (then it is not the PAS's exactly). */
const trustId = (c: Pick<Candidate, "externalId" | "externalIdNotExact"> | undefined): string | null =>
  c?.externalId == null
    ? null
    : c.externalIdNotExact
      ? `${c.externalId} (not exact: PKB sent characters Rebook cannot store, shown as \ufffd)`
      : c.externalId;

function EvidenceList({ items }: { items: { factor: string; points: number; text: string }[] }) {
  if (items.length === 0) return null;
  return (
    <ul className="nhsuk-list nhsuk-list--bullet app-evidence">
      {items.map((e, i) => (
        <li key={i}>
          {e.text}{" "}
          <span className="app-secondary">
            ({e.points >= 0 ? "adds" : "takes away"} {Math.abs(Math.round(e.points * 100))}%)
          </span>
        </li>
      ))}
    </ul>
  );
}

export function Match({
  request,
  canWork,
  held,
  mayOverride,
  onChanged,
}: {
  request: RequestDetail;
  canWork: boolean;
  /** Asks before writing to a request someone else holds. */
  held: ReturnType<typeof useHeldConfirm>["run"];
  mayOverride: boolean;
  /** Done: the confirmation, and what the API warned about the change. */
  onChanged: (message: string, warnings: string[]) => void;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  // Which write is on its way to PKB (not while the person is asked about a held request).
  const [sending, setSending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const a = request.appointment;
  const others = request.match.candidates.filter((c) => c.fhirId !== a?.fhirId);
  const linked = request.match.candidates.find((c) => c.fhirId === a?.fhirId);
  const workable = request.status === "open" || request.status === "in_progress";

  const run = async (key: string, fn: (override: boolean) => Promise<unknown>, message: string) => {
    setBusy(key);
    setError(null);
    try {
      const write = whileSending(fn, (on) => setSending(on ? key : null));
      const done = await held(write, { action: "Change the appointment", mayOverride });
      if (done === null) return;
      onChanged(message, warningsOf(done));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "That could not be done.");
    } finally {
      setBusy(null);
    }
  };

  const candidateLabel = (c: Candidate) =>
    `${c.startUk ?? ukDateTime(c.start)}${c.appointmentType ? `, ${c.appointmentType}` : ""}`;

  return (
    <section aria-labelledby="appointment-heading" className="app-section">
      <h2 className="nhsuk-heading-m" id="appointment-heading">
        Appointment
      </h2>
      <SummaryList
        rows={[
          ["Patient asked about", request.requested.startUk ?? ukDateTime(request.requested.start) ?? "Not readable"],
          ["Subject in the message", request.requested.subject],
          ["Match", <MatchTag state={request.matchState} key="m" />],
        ]}
      />
      {error ? (
        <p className="nhsuk-error-message" role="alert">
          <span className="nhsuk-u-visually-hidden">Error:</span> {error}
        </p>
      ) : null}
      {a ? (
        <div className="app-card" data-testid="matched-appointment">
          <h3 className="nhsuk-heading-s">Matched appointment</h3>
          <SummaryList
            rows={[
              ["Appointment ID", a.externalId ?? trustId(linked) ?? "No trust ID in PKB"],
              ["Date and time", a.start ? ukDateTime(a.start) : "Not known"],
              ["Specialty", a.specialtyDisplay ?? a.specialtyCode],
              ["Type", a.type],
              ["Location", a.location],
              ["Status in PKB", a.status],
              ["Match confidence", confidenceText(request.match.confidence)],
            ]}
          />
          {request.match.evidence.length ? (
            <>
              <h4 className="nhsuk-heading-xs">Why this appointment</h4>
              <EvidenceList items={request.match.evidence} />
            </>
          ) : null}
        </div>
      ) : request.matchState === "not_applicable" ? (
        <Warning heading="Patient not identified" level={3}>
          <p>PKB has no valid NHS number for this patient, so Rebook could not look up their appointments.</p>
        </Warning>
      ) : (
        <Warning heading={others.length ? matchText.review : "No appointment linked yet"} level={3}>
          <p>
            {others.length && others.every((c) => c.fhirIdNotExact)
              ? "None of the appointments below can be linked (PKB's ids for them hold characters Rebook cannot store). Find the appointment in the PAS and record the outcome here."
              : others.length
                ? "Choose the appointment this request is about from those below."
                : "PKB has no appointment for this patient near the date asked about. Search PKB again later."}
          </p>
        </Warning>
      )}
      {request.match.summary.length ? (
        <ul className="nhsuk-list nhsuk-body-s app-secondary">
          {request.match.summary.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ul>
      ) : null}
      {others.length ? (
        <>
          <h3 className="nhsuk-heading-s">{a ? "Other possible appointments" : "Possible appointments"}</h3>
          <ul className="nhsuk-list app-candidates" data-testid="candidates">
            {others.map((c, i) => (
              <li key={`${i}:${c.fhirId}`} className="app-card">
                <SummaryList
                  noBorder
                  rows={[
                    ["Date and time", c.startUk ?? ukDateTime(c.start)],
                    ["Appointment ID", trustId(c) ?? "No trust ID in PKB"],
                    ["Type", c.appointmentType ?? c.description],
                    ["Specialty", c.specialtyDisplay ?? c.specialtyCode],
                    ["Location", c.location],
                    ["Match confidence", confidenceText(c.score)],
                  ]}
                />
                <EvidenceList items={c.evidence} />
                {c.fhirIdNotExact ? (
                  <p className="nhsuk-body-s nhsuk-u-margin-bottom-0">
                    Rebook cannot link this appointment: PKB's id for it holds characters Rebook cannot store. Act on it
                    in the PAS and record the outcome here.
                  </p>
                ) : canWork && workable ? (
                  <button
                    type="button"
                    className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                    disabled={busy !== null}
                    onClick={() =>
                      void run(
                        c.fhirId,
                        (o) => manualMatch(request.id, c.fhirId, o),
                        c.externalIdNotExact ? "Appointment linked." : `Appointment ${c.externalId ?? ""} linked.`,
                      )
                    }
                  >
                    This is the appointment<span className="nhsuk-u-visually-hidden">: {candidateLabel(c)}</span>
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {canWork && workable && request.patient.state === "identified" ? (
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary"
          disabled={busy !== null}
          onClick={() => void run("rematch", (o) => rematch(request.id, o), "PKB searched again for the appointment.")}
        >
          {sending === "rematch" ? "Searching PKB…" : "Search PKB again"}
        </button>
      ) : null}
    </section>
  );
}
