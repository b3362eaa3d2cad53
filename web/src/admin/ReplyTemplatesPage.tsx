// Reply templates: the text Rebook fills in to answer the patient, one per outcome, with {placeholders}. Admins change
// them (each change is in the audit log); the request page fills the one for the request's outcome.
import { useCallback, useEffect, useState } from "react";
import { ApiError, get, put } from "../api/client.ts";
import { useAnnouncer } from "../components/Announcer.tsx";
import { ErrorSummary, Loading, PageHeading, useTitle } from "../components/ui.tsx";
import { outcomeText } from "../format.ts";

interface Template {
  outcome: keyof typeof outcomeText;
  body: string;
  updatedAt: string;
  updatedBy: string | null;
}
interface Templates {
  templates: Template[];
  placeholders: { name: string; description: string }[];
}

function TemplateForm({ t, onSaved }: { t: Template; onSaved: (message: string) => Promise<void> }) {
  const [body, setBody] = useState(t.body);
  const [error, setError] = useState<string | null>(null);
  const id = `template-${t.outcome}`;
  const save = async () => {
    setError(null);
    try {
      await put(`/api/reply-templates/${t.outcome}`, { body });
      await onSaved(`Reply for "${outcomeText[t.outcome]}" saved.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The reply could not be saved.");
    }
  };
  return (
    <form
      className="app-card app-section"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className={`nhsuk-form-group${error ? " nhsuk-form-group--error" : ""}`}>
        <label className="nhsuk-label nhsuk-label--s" htmlFor={id}>
          Reply when the outcome is “{outcomeText[t.outcome]}”
        </label>
        <div className="nhsuk-hint" id={`${id}-hint`}>
          Last changed {new Date(t.updatedAt).toLocaleString("en-GB", { timeZone: "Europe/London" })}
          {t.updatedBy ? ` by ${t.updatedBy}` : ""}
        </div>
        {error ? (
          <span className="nhsuk-error-message" id={`${id}-error`}>
            <span className="nhsuk-u-visually-hidden">Error:</span> {error}
          </span>
        ) : null}
        <textarea
          className={`nhsuk-textarea${error ? " nhsuk-textarea--error" : ""}`}
          id={id}
          rows={8}
          aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`}
          value={body}
          onChange={(e) => setBody(e.target.value)}
        />
      </div>
      <button className="nhsuk-button nhsuk-u-margin-bottom-0" type="submit">
        Save reply<span className="nhsuk-u-visually-hidden"> for {outcomeText[t.outcome]}</span>
      </button>
    </form>
  );
}

export function ReplyTemplatesPage() {
  useTitle("Reply templates");
  const { announce } = useAnnouncer();
  const [data, setData] = useState<Templates | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = useCallback(() => get<Templates>("/api/reply-templates").then(setData), []);
  useEffect(() => {
    load().catch((err: unknown) => setError(err instanceof ApiError ? err.message : "Replies could not be loaded."));
  }, [load]);
  if (!data) return error ? <ErrorSummary problems={[{ text: error }]} /> : <Loading what="Loading reply templates" />;
  return (
    <>
      <PageHeading>Reply templates</PageHeading>
      <p className="nhsuk-body">
        PKB has no way for Rebook to send a message, so staff answer the patient in PKB: the request page fills in the
        reply for the request&apos;s outcome, copies it and opens the conversation. These placeholders are filled in:
      </p>
      <ul className="nhsuk-list nhsuk-list--bullet">
        {data.placeholders.map((p) => (
          <li key={p.name}>
            <code>{`{${p.name}}`}</code>: {p.description}
          </li>
        ))}
      </ul>
      {notice ? (
        <div className="app-notice app-notice--ok" role="status">
          <p className="nhsuk-body nhsuk-u-margin-bottom-0">{notice}</p>
        </div>
      ) : null}
      {data.templates.map((t) => (
        <TemplateForm
          key={`${t.outcome}-${t.updatedAt}`}
          t={t}
          onSaved={async (message) => {
            await load();
            setNotice(message);
            announce(message);
          }}
        />
      ))}
    </>
  );
}
