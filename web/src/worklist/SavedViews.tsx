// Saved views in the worklist's navigation, each with its count ("My open 3", "Overdue 12"): the person's own, then
// their teams'. Counts come from GET /api/views and are refreshed when the events stream says a request changed.
// "Save as a view" keeps the current filters and sort (personal, or for a team by its leads and admins); a view the
// person may change can be updated with the current filters, renamed or deleted.
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { ApiError, del, get, patch, post } from "../api/client.ts";
import { useEvents } from "../api/events.tsx";
import type { Me, SavedView, Team } from "../api/types.ts";
import { canAssignOthers } from "../auth/permissions.ts";
import { useAnnouncer } from "../components/Announcer.tsx";
import { FieldError } from "../components/ui.tsx";
import { viewFromQuery, viewQuery, writeView, type WorklistView } from "./view.ts";

/** Counts are refreshed this long after the last change the stream reported (a burst is one refresh). */
const REFRESH_MS = 1000;

/** The saved views, reloaded on request changes; `reload` after a change of the views themselves. */
function useSavedViews(): { views: SavedView[] | null; reload: () => void } {
  const [views, setViews] = useState<SavedView[] | null>(null);
  const { subscribe, epoch } = useEvents();
  const timer = useRef<number | undefined>(undefined);
  const reload = useCallback(() => {
    get<SavedView[]>("/api/views")
      .then(setViews)
      .catch(() => undefined);
  }, []);
  useEffect(() => reload(), [reload, epoch]);
  useEffect(
    () =>
      subscribe(() => {
        window.clearTimeout(timer.current);
        timer.current = window.setTimeout(reload, REFRESH_MS);
      }),
    [subscribe, reload],
  );
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return { views, reload };
}

/** The worklist address of a saved view. */
export const savedViewHref = (v: SavedView, per: number): string => {
  const s = writeView(viewFromQuery(v.query, { per, saved: v.id })).toString();
  return `/requests${s ? `?${s}` : ""}`;
};

type Mode =
  { kind: "closed" } | { kind: "save" } | { kind: "rename"; view: SavedView } | { kind: "delete"; view: SavedView };

export function SavedViews({
  view,
  me,
  teams,
  onOpen,
  beforeForm = null,
}: {
  view: WorklistView;
  me: Me;
  /** The teams the person sees. */
  teams: Team[];
  onOpen: (v: WorklistView) => void;
  /**
   * Shown after the views' links and tools and before the form that opens under them (the worklist's layout
   * switches): in the page in the order they are shown, so the keyboard goes down the page (WCAG 2.4.3).
   */
  beforeForm?: ReactNode;
}) {
  const { views, reload } = useSavedViews();
  const { announce } = useAnnouncer();
  const [mode, setMode] = useState<Mode>({ kind: "closed" });
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"personal" | "team">("personal");
  const leadTeams = teams.filter((t) => canAssignOthers(me, t.id));
  const [teamId, setTeamId] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const current = views?.find((v) => v.id === view.saved) ?? null;
  const query = viewQuery(view);

  useEffect(() => {
    if (mode.kind === "save" || mode.kind === "rename") nameRef.current?.focus();
  }, [mode.kind]);

  const run = async (fn: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setMode({ kind: "closed" });
      announce(done);
      reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "That could not be saved.");
    } finally {
      setBusy(false);
    }
  };

  const open = (v: SavedView) => onOpen(viewFromQuery(v.query, { per: view.per, saved: v.id }));

  return (
    <div className="app-views">
      {/* No views, no navigation: an empty landmark would be announced with nothing in it. */}
      {views && views.length > 0 ? (
        <nav aria-label="Saved views" className="app-views__nav">
          <ul className="app-views__list" data-testid="saved-views">
            {views.map((v) => {
              const here = v.id === view.saved && v.query === query;
              return (
                <li key={v.id} className="app-views__item">
                  <Link
                    className="app-views__link"
                    to={savedViewHref(v, view.per)}
                    aria-current={here ? "page" : undefined}
                    onClick={(e) => {
                      e.preventDefault();
                      open(v);
                    }}
                  >
                    {v.name}
                    {v.scope === "team" ? <span className="nhsuk-u-visually-hidden"> (team view)</span> : null}{" "}
                    <span className="app-views__count" data-testid="view-count">
                      {v.count.toLocaleString("en-GB")}
                      {v.countCapped ? "+" : ""}
                    </span>
                    <span className="nhsuk-u-visually-hidden"> {v.count === 1 ? "request" : "requests"}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      ) : null}
      <div className="app-views__tools">
        {mode.kind === "closed" ? (
          <>
            <button
              type="button"
              className="app-link-button"
              onClick={() => {
                setName("");
                setScope("personal");
                setTeamId(leadTeams[0]?.id ?? "");
                setError(null);
                setMode({ kind: "save" });
              }}
            >
              Save these filters as a view
            </button>
            {current?.mayChange ? (
              <>
                {current.query !== query ? (
                  <button
                    type="button"
                    className="app-link-button"
                    disabled={busy}
                    onClick={() =>
                      void run(
                        () => patch(`/api/views/${current.id}`, { query }),
                        `View “${current.name}” updated with these filters`,
                      )
                    }
                  >
                    Update “{current.name}” with these filters
                  </button>
                ) : null}
                <button
                  type="button"
                  className="app-link-button"
                  onClick={() => {
                    setName(current.name);
                    setError(null);
                    setMode({ kind: "rename", view: current });
                  }}
                >
                  Rename “{current.name}”
                </button>
                <button
                  type="button"
                  className="app-link-button"
                  onClick={() => setMode({ kind: "delete", view: current })}
                >
                  Delete “{current.name}”
                </button>
              </>
            ) : null}
          </>
        ) : null}
      </div>
      {beforeForm}
      {mode.kind === "save" || mode.kind === "rename" ? (
        <form
          className="app-views__form"
          aria-label={mode.kind === "save" ? "Save as a view" : "Rename the view"}
          onSubmit={(e) => {
            e.preventDefault();
            if (!name.trim()) {
              setError("Enter a name for the view");
              return;
            }
            if (mode.kind === "rename") {
              void run(
                () => patch(`/api/views/${mode.view.id}`, { name: name.trim() }),
                `View renamed to “${name.trim()}”`,
              );
              return;
            }
            void run(async () => {
              const created = await post<SavedView>("/api/views", {
                name: name.trim(),
                scope,
                ...(scope === "team" ? { teamId } : {}),
                query,
              });
              onOpen({ ...view, saved: created.id });
            }, `View “${name.trim()}” saved`);
          }}
        >
          <div className={`nhsuk-form-group${error ? " nhsuk-form-group--error" : ""}`}>
            <label className="nhsuk-label" htmlFor="view-name">
              Name of the view
            </label>
            <FieldError id="view-name-error">{error}</FieldError>
            <input
              ref={nameRef}
              className={`nhsuk-input nhsuk-input--width-20${error ? " nhsuk-input--error" : ""}`}
              id="view-name"
              maxLength={60}
              value={name}
              autoComplete="off"
              aria-describedby={error ? "view-name-error" : undefined}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          {mode.kind === "save" && leadTeams.length > 0 ? (
            <fieldset className="nhsuk-fieldset nhsuk-form-group">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Who sees it</legend>
              <div className="nhsuk-radios nhsuk-radios--inline nhsuk-radios--small">
                <div className="nhsuk-radios__item">
                  <input
                    className="nhsuk-radios__input"
                    id="view-scope-personal"
                    type="radio"
                    name="view-scope"
                    checked={scope === "personal"}
                    onChange={() => setScope("personal")}
                  />
                  <label className="nhsuk-label nhsuk-radios__label" htmlFor="view-scope-personal">
                    Only me
                  </label>
                </div>
                <div className="nhsuk-radios__item">
                  <input
                    className="nhsuk-radios__input"
                    id="view-scope-team"
                    type="radio"
                    name="view-scope"
                    checked={scope === "team"}
                    onChange={() => setScope("team")}
                  />
                  <label className="nhsuk-label nhsuk-radios__label" htmlFor="view-scope-team">
                    A team
                  </label>
                </div>
              </div>
              {scope === "team" ? (
                <div className="nhsuk-form-group nhsuk-u-margin-top-2 nhsuk-u-margin-bottom-0">
                  <label className="nhsuk-label" htmlFor="view-team">
                    Team
                  </label>
                  <select
                    className="nhsuk-select"
                    id="view-team"
                    value={teamId}
                    onChange={(e) => setTeamId(e.target.value)}
                  >
                    {leadTeams.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.name}
                      </option>
                    ))}
                  </select>
                </div>
              ) : null}
            </fieldset>
          ) : null}
          <div className="app-button-row">
            <button type="submit" className="nhsuk-button nhsuk-button--small nhsuk-u-margin-bottom-0" disabled={busy}>
              {mode.kind === "save" ? "Save view" : "Rename view"}
            </button>
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0"
              onClick={() => setMode({ kind: "closed" })}
            >
              Close without saving
            </button>
          </div>
        </form>
      ) : null}
      {mode.kind === "delete" ? (
        <div className="app-views__form" role="group" aria-labelledby="view-delete-question">
          <p className="nhsuk-body" id="view-delete-question">
            Delete the view “{mode.view.name}”
            {mode.view.scope === "team" ? ` for everyone in ${mode.view.team?.name ?? "the team"}` : ""}? The requests
            are not changed.
          </p>
          {error ? <FieldError id="view-delete-error">{error}</FieldError> : null}
          <div className="app-button-row">
            <button
              type="button"
              className="nhsuk-button nhsuk-button--warning nhsuk-button--small nhsuk-u-margin-bottom-0"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await del(`/api/views/${mode.view.id}`);
                  onOpen({ ...view, saved: "" });
                }, `View “${mode.view.name}” deleted`)
              }
            >
              Yes, delete it
            </button>
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0"
              onClick={() => setMode({ kind: "closed" })}
            >
              Keep the view
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
