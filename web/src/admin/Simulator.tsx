// The rule simulator: replays recent past requests through the draft and shows where each would go, before saving.
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ApiError, post } from "../api/client.ts";
import type { SimulationResult } from "../api/types.ts";
import { useAnnouncer } from "../components/Announcer.tsx";
import { ErrorSummary, Warning } from "../components/ui.tsx";
import { plural, ukShort } from "../format.ts";

export function Simulator({ rules, label, id = "sim" }: { rules: () => unknown[]; label: string; id?: string }) {
  const [limit, setLimit] = useState("500");
  const [result, setResult] = useState<SimulationResult | null>(null);
  const [problems, setProblems] = useState<{ text: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const { announce } = useAnnouncer();

  const run = async (e: FormEvent) => {
    e.preventDefault();
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 10000) {
      setProblems([{ text: "Enter how many past requests to replay, from 1 to 10000" }]);
      return;
    }
    setBusy(true);
    setProblems([]);
    try {
      const r = await post<SimulationResult>("/api/routing-rules/simulate", { rules: rules(), limit: n });
      setResult(r);
      announce(`Simulation finished: ${plural(r.changed, "request")} of ${r.total} would go to a different team`);
    } catch (err) {
      const ae = err instanceof ApiError ? err : null;
      setResult(null);
      setProblems(
        ae?.problems.length
          ? ae.problems.map((p) => ({ text: `${p.path}: ${p.message}` }))
          : [{ text: ae?.message ?? "The simulation could not be run." }],
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section
      className="app-panel"
      aria-labelledby={`${id}-heading`}
      data-testid={id === "sim" ? "simulator" : `simulator-${id}`}
    >
      <h2 className="nhsuk-heading-m" id={`${id}-heading`}>
        Try {label} on past requests
      </h2>
      <p className="nhsuk-body">
        The simulator replays recent requests through {label} and shows where each would have gone. Nothing is saved or
        moved.
      </p>
      <ErrorSummary problems={problems} title="The simulation could not be run" />
      <form noValidate onSubmit={(e) => void run(e)}>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor={`${id}-limit`}>
            How many of the most recent requests to replay
          </label>
          <input
            className="nhsuk-input nhsuk-input--width-5"
            id={`${id}-limit`}
            inputMode="numeric"
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
          />
        </div>
        <button className="nhsuk-button" type="submit" disabled={busy}>
          {busy ? "Simulating…" : "Run the simulation"}
        </button>
      </form>
      <div aria-live="polite">
        {result ? (
          <div data-testid="simulation-result">
            <p className="nhsuk-body-l">
              Of the {plural(result.total, "request")} replayed, <strong>{result.changed}</strong>{" "}
              {result.changed === 1 ? "would go" : "would go"} to a different team.
            </p>
            {result.unseen.length ? (
              <div data-testid="simulation-unseen">
                <Warning heading="Some conditions match nothing Rebook has seen" level={3}>
                  <ul>
                    {result.unseen.map((u) => (
                      <li key={`${u.rule.position}-${u.condition}-${u.value}`}>
                        Rule {u.rule.position} ({u.rule.name}): {u.message}
                      </li>
                    ))}
                  </ul>
                </Warning>
              </div>
            ) : null}
            <table className="nhsuk-table">
              <caption className="nhsuk-table__caption">Requests per team</caption>
              <thead className="nhsuk-table__head">
                <tr className="nhsuk-table__row">
                  <th className="nhsuk-table__header" scope="col">
                    Team
                  </th>
                  <th className="nhsuk-table__header nhsuk-table__header--numeric" scope="col">
                    Now
                  </th>
                  <th className="nhsuk-table__header nhsuk-table__header--numeric" scope="col">
                    With {label}
                  </th>
                  <th className="nhsuk-table__header nhsuk-table__header--numeric" scope="col">
                    Difference
                  </th>
                </tr>
              </thead>
              <tbody className="nhsuk-table__body">
                {result.byTeam.map((t) => {
                  const diff = t.simulated - t.current;
                  return (
                    <tr className="nhsuk-table__row" key={t.teamId ?? "none"}>
                      <th className="nhsuk-table__header" scope="row">
                        {t.teamName}
                      </th>
                      <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{t.current}</td>
                      <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{t.simulated}</td>
                      <td className="nhsuk-table__cell nhsuk-table__cell--numeric">
                        {diff === 0 ? "No change" : `${diff > 0 ? "+" : "−"}${Math.abs(diff)}`}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {result.samples.length ? (
              <table className="nhsuk-table" data-testid="simulation-samples">
                <caption className="nhsuk-table__caption">Examples of requests that would move</caption>
                <thead className="nhsuk-table__head">
                  <tr className="nhsuk-table__row">
                    <th className="nhsuk-table__header" scope="col">
                      Request received
                    </th>
                    <th className="nhsuk-table__header" scope="col">
                      Went to
                    </th>
                    <th className="nhsuk-table__header" scope="col">
                      Would go to
                    </th>
                    <th className="nhsuk-table__header" scope="col">
                      Because of
                    </th>
                  </tr>
                </thead>
                <tbody className="nhsuk-table__body">
                  {result.samples.map((s) => (
                    <tr className="nhsuk-table__row" key={s.requestId}>
                      <td className="nhsuk-table__cell">
                        <Link to={`/requests/${s.requestId}`}>{ukShort(s.receivedAt)}</Link>
                      </td>
                      <td className="nhsuk-table__cell">{s.currentTeam?.name ?? "No team"}</td>
                      <td className="nhsuk-table__cell">
                        <strong>{s.simulatedTeam?.name ?? "No team"}</strong>
                      </td>
                      <td className="nhsuk-table__cell">
                        {s.rule ? `Rule ${s.rule.position}: ${s.rule.name}` : "The default team"}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}
