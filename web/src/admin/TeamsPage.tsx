// Teams and their members: capacity (most open requests at once), availability and who leads. Admins create and
// change teams; team leads manage the members of the teams they lead.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError, del, get, patch, post, put } from "../api/client.ts";
import { invalidateDirectory } from "../api/directory.ts";
import type { StaffUser, Team, TeamMember } from "../api/types.ts";
import { useMe } from "../auth/AuthContext.tsx";
import { canManageTeam, isAdmin } from "../auth/permissions.ts";
import { useAnnouncer } from "../components/Announcer.tsx";
import { ErrorSummary, FieldError, Loading, PageHeading, Tag, useTitle } from "../components/ui.tsx";
import { roleText } from "../format.ts";
import { HoursEditor } from "./HoursEditor.tsx";

function MemberRow({
  team,
  m,
  editable,
  onSave,
  onRemove,
}: {
  team: Team;
  m: TeamMember;
  editable: boolean;
  onSave: (m: TeamMember, change: { capacity: number | null; available: boolean; isLead: boolean }) => Promise<void>;
  onRemove: (m: TeamMember) => Promise<void>;
}) {
  const [capacity, setCapacity] = useState(m.capacity === null ? "" : String(m.capacity));
  const [error, setError] = useState<string | null>(null);
  const id = `cap-${team.id}-${m.userId}`;
  const saveCapacity = () => {
    const v = capacity.trim();
    if (v === (m.capacity === null ? "" : String(m.capacity))) return;
    if (v && (!/^\d+$/.test(v) || Number(v) > 100000)) {
      setError("Enter a whole number, or leave empty for no limit");
      return;
    }
    setError(null);
    void onSave(m, { capacity: v ? Number(v) : null, available: m.available, isLead: m.isLead });
  };
  return (
    <tr className="nhsuk-table__row">
      <th className="nhsuk-table__header" scope="row">
        {m.displayName}
        <br />
        <span className="app-secondary">{m.email}</span>
      </th>
      <td className="nhsuk-table__cell">{m.isLead ? <Tag colour="blue">Lead</Tag> : "Member"}</td>
      <td className="nhsuk-table__cell">
        {m.available ? <Tag colour="green">Available</Tag> : <Tag colour="grey">Away</Tag>}
      </td>
      <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{m.openCount}</td>
      <td className="nhsuk-table__cell">
        {editable ? (
          <div className={`nhsuk-form-group nhsuk-u-margin-bottom-0${error ? " nhsuk-form-group--error" : ""}`}>
            <label className="nhsuk-label nhsuk-u-visually-hidden" htmlFor={id}>
              Most open requests at once for {m.displayName} (empty: no limit)
            </label>
            <FieldError id={`${id}-error`}>{error}</FieldError>
            <input
              className="nhsuk-input nhsuk-input--width-4"
              id={id}
              inputMode="numeric"
              value={capacity}
              placeholder="No limit"
              onChange={(e) => setCapacity(e.target.value)}
              onBlur={saveCapacity}
              onKeyDown={(e) => e.key === "Enter" && saveCapacity()}
            />
          </div>
        ) : m.capacity === null ? (
          "No limit"
        ) : (
          m.capacity
        )}
      </td>
      {editable ? (
        <td className="nhsuk-table__cell">
          <div className="app-small-buttons nhsuk-u-margin-bottom-0">
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
              onClick={() => void onSave(m, { capacity: m.capacity, available: !m.available, isLead: m.isLead })}
            >
              {m.available ? "Mark as away" : "Mark as available"}
              <span className="nhsuk-u-visually-hidden">: {m.displayName}</span>
            </button>
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
              onClick={() => void onSave(m, { capacity: m.capacity, available: m.available, isLead: !m.isLead })}
            >
              {m.isLead ? "Remove as lead" : "Make lead"}
              <span className="nhsuk-u-visually-hidden">: {m.displayName}</span>
            </button>
            <button
              type="button"
              className="nhsuk-button nhsuk-button--warning nhsuk-button--small"
              onClick={() => void onRemove(m)}
            >
              Remove
              <span className="nhsuk-u-visually-hidden">
                {" "}
                {m.displayName} from {team.name}
              </span>
            </button>
          </div>
        </td>
      ) : null}
    </tr>
  );
}

export function TeamsPage() {
  const me = useMe();
  const admin = isAdmin(me);
  useTitle("Teams");
  const { announce } = useAnnouncer();
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [users, setUsers] = useState<StaffUser[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [newTeam, setNewTeam] = useState("");
  const [newTeamError, setNewTeamError] = useState<string | null>(null);
  const [adding, setAdding] = useState<Record<string, string>>({});

  const load = useCallback(async () => {
    const [t, u] = await Promise.all([get<Team[]>("/api/teams"), get<StaffUser[]>("/api/users").catch(() => [])]);
    setTeams(t);
    setUsers(u);
    invalidateDirectory();
  }, []);
  useEffect(() => {
    load().catch((err: unknown) => setError(err instanceof ApiError ? err.message : "Teams could not be loaded."));
  }, [load]);

  const act = async (fn: () => Promise<unknown>, message: string) => {
    setError(null);
    try {
      await fn();
      await load();
      setNotice(message);
      announce(message);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "That could not be done.");
    }
  };

  const createTeam = (e: FormEvent) => {
    e.preventDefault();
    if (!newTeam.trim()) {
      setNewTeamError("Enter the team's name");
      return;
    }
    setNewTeamError(null);
    void act(() => post("/api/teams", { name: newTeam.trim() }), `Team ${newTeam.trim()} created.`).then(() =>
      setNewTeam(""),
    );
  };

  if (!teams) return error ? <ErrorSummary problems={[{ text: error }]} /> : <Loading what="Loading teams" />;
  const shown = admin ? teams : teams.filter((t) => me.leadTeamIds.includes(t.id));

  return (
    <>
      <PageHeading>Teams</PageHeading>
      <p className="nhsuk-body">
        Routing rules send requests to teams. Auto-assign shares a team's new requests between its available members, up
        to each person's limit.
      </p>
      {error ? <ErrorSummary problems={[{ text: error }]} /> : null}
      {notice ? (
        <div className="app-notice app-notice--ok" role="status">
          <p className="nhsuk-body nhsuk-u-margin-bottom-0">{notice}</p>
        </div>
      ) : null}
      {shown.map((t) => {
        const editable = canManageTeam(me, t.id);
        const candidates = users.filter((u) => u.active && !t.members.some((m) => m.userId === u.id));
        return (
          <section key={t.id} className="app-card app-section" aria-labelledby={`team-${t.id}`} data-testid="team">
            <h2 className="nhsuk-heading-m" id={`team-${t.id}`}>
              {t.name} {t.isDefault ? <Tag colour="blue">Default team</Tag> : null}
            </h2>
            {t.description ? <p className="nhsuk-body">{t.description}</p> : null}
            <p className="nhsuk-body">
              {t.openCount} open or in-progress requests. Auto-assign is <strong>{t.autoAssign ? "on" : "off"}</strong>.
            </p>
            <HoursEditor
              key={JSON.stringify(t.workingHours)}
              team={t}
              editable={admin}
              onSaved={async (message) => {
                await load();
                setNotice(message);
                announce(message);
              }}
            />
            {admin ? (
              <div className="app-small-buttons">
                <button
                  type="button"
                  className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                  onClick={() =>
                    void act(
                      () => patch(`/api/teams/${t.id}`, { autoAssign: !t.autoAssign }),
                      `Auto-assign ${t.autoAssign ? "switched off" : "switched on"} for ${t.name}.`,
                    )
                  }
                >
                  {t.autoAssign ? "Switch auto-assign off" : "Switch auto-assign on"}
                  <span className="nhsuk-u-visually-hidden"> for {t.name}</span>
                </button>
                {!t.isDefault ? (
                  <button
                    type="button"
                    className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                    onClick={() =>
                      void act(
                        () => patch(`/api/teams/${t.id}`, { isDefault: true }),
                        `${t.name} is now the default team.`,
                      )
                    }
                  >
                    Make default team<span className="nhsuk-u-visually-hidden">: {t.name}</span>
                  </button>
                ) : null}
              </div>
            ) : null}
            {t.members.length ? (
              <div className="app-table-scroll" role="region" aria-label={`Members of ${t.name}`} tabIndex={0}>
                <table className="nhsuk-table app-worklist">
                  <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Members of {t.name}</caption>
                  <thead className="nhsuk-table__head">
                    <tr className="nhsuk-table__row">
                      <th className="nhsuk-table__header" scope="col">
                        Person
                      </th>
                      <th className="nhsuk-table__header" scope="col">
                        Role in team
                      </th>
                      <th className="nhsuk-table__header" scope="col">
                        Availability
                      </th>
                      <th className="nhsuk-table__header nhsuk-table__header--numeric" scope="col">
                        Open requests
                      </th>
                      <th className="nhsuk-table__header" scope="col">
                        Limit
                      </th>
                      {editable ? (
                        <th className="nhsuk-table__header" scope="col">
                          <span className="nhsuk-u-visually-hidden">Actions</span>
                        </th>
                      ) : null}
                    </tr>
                  </thead>
                  <tbody className="nhsuk-table__body">
                    {t.members.map((m) => (
                      <MemberRow
                        key={`${m.userId}-${m.capacity}`}
                        team={t}
                        m={m}
                        editable={editable}
                        onSave={(mm, change) =>
                          act(
                            () => put(`/api/teams/${t.id}/members/${mm.userId}`, change),
                            `${mm.displayName} updated.`,
                          )
                        }
                        onRemove={(mm) =>
                          act(
                            () => del(`/api/teams/${t.id}/members/${mm.userId}`),
                            `${mm.displayName} removed from ${t.name}.`,
                          )
                        }
                      />
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="nhsuk-body app-muted">No members yet.</p>
            )}
            {editable && candidates.length ? (
              <form
                className="app-bulk__form app-bulk__form--level"
                onSubmit={(e) => {
                  e.preventDefault();
                  const userId = adding[t.id];
                  const u = users.find((x) => x.id === userId);
                  if (userId && u)
                    void act(
                      () =>
                        put(`/api/teams/${t.id}/members/${userId}`, { capacity: null, available: true, isLead: false }),
                      `${u.displayName} added to ${t.name}.`,
                    );
                }}
              >
                <label className="nhsuk-label" htmlFor={`add-${t.id}`}>
                  Add a person to {t.name}
                </label>
                <select
                  className="nhsuk-select"
                  id={`add-${t.id}`}
                  value={adding[t.id] ?? ""}
                  onChange={(e) => setAdding({ ...adding, [t.id]: e.target.value })}
                >
                  <option value="">Choose a person</option>
                  {candidates.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.displayName} ({roleText[u.role]})
                    </option>
                  ))}
                </select>
                <button
                  type="submit"
                  className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0"
                  disabled={!adding[t.id]}
                >
                  Add
                </button>
              </form>
            ) : null}
          </section>
        );
      })}
      {admin ? (
        <form className="app-panel" noValidate onSubmit={createTeam}>
          <h2 className="nhsuk-heading-m">Create a team</h2>
          <div className={`nhsuk-form-group${newTeamError ? " nhsuk-form-group--error" : ""}`}>
            <label className="nhsuk-label" htmlFor="new-team">
              Team name
            </label>
            <FieldError id="new-team-error">{newTeamError}</FieldError>
            <input
              className="nhsuk-input nhsuk-input--width-20"
              id="new-team"
              maxLength={100}
              value={newTeam}
              onChange={(e) => setNewTeam(e.target.value)}
            />
          </div>
          <button className="nhsuk-button" type="submit">
            Create team
          </button>
        </form>
      ) : null}
    </>
  );
}
