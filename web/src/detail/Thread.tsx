// The patient's messages about this request, oldest first, follow-ups included.
import type { RequestDetail } from "../api/types.ts";
import { Tag } from "../components/ui.tsx";
import { proposalPassed, proposalText, ukDateTime } from "../format.ts";

export function Thread({ request }: { request: RequestDetail }) {
  const messages = [...request.messages].sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  return (
    <section aria-labelledby="thread-heading" className="app-section">
      <h2 className="nhsuk-heading-m" id="thread-heading">
        Messages from the patient
      </h2>
      {messages.length === 0 ? <p className="nhsuk-body">No messages are stored for this request.</p> : null}
      <ol className="app-thread" data-testid="thread">
        {messages.map((m) => {
          const fromPatient = !m.senderId || m.senderId === request.patient.pkbUserId;
          return (
            <li key={m.id} className={`app-thread__message${fromPatient ? "" : " app-thread__message--staff"}`}>
              <p className="app-thread__meta">
                <strong>
                  <bdi>{fromPatient ? (request.patient.name ?? "The patient") : "PKB staff"}</bdi>
                </strong>
                {" · "}
                <time dateTime={m.sentAt}>{ukDateTime(m.sentAt)}</time>{" "}
                {m.isRequest ? (
                  <Tag colour="blue">Request</Tag>
                ) : m.kind === "follow_up" ? (
                  <Tag colour="grey">Follow-up</Tag>
                ) : null}
              </p>
              <p className="app-thread__subject">
                <bdi>{m.subject}</bdi>
              </p>
              {m.content.trim() ? (
                <p className="app-thread__content" dir="auto">
                  {m.content}
                </p>
              ) : null}
              {fromPatient && m.proposals?.length ? (
                <div className="app-proposals" data-testid="proposals">
                  <p className="app-proposals__title">The patient suggests</p>
                  <ul className="nhsuk-list nhsuk-u-margin-bottom-0">
                    {m.proposals.map((p, i) => (
                      <li key={i}>
                        <strong>{proposalText(p)}</strong>
                        {proposalPassed(p) ? ", now passed" : ""}{" "}
                        <span className="app-secondary">
                          (“<bdi>{p.text}</bdi>”)
                        </span>
                      </li>
                    ))}
                  </ul>
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
