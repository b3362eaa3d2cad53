// Staff users and their roles: create (with a password, or for single sign-on only), change role, switch off, set a
// new password. A changed role, switching off or a new password signs the person out everywhere. Whose sign-in is being
// slowed by failed attempts shows in the table, with a button that lifts the delay (audited).
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError, get, patch, post } from "../api/client.ts";
import { invalidateDirectory } from "../api/directory.ts";
import type { Role, StaffUser } from "../api/types.ts";
import { useMe } from "../auth/AuthContext.tsx";
import { useAnnouncer } from "../components/Announcer.tsx";
import { ErrorSummary, FieldError, Loading, PageHeading, Tag, useTitle, type Problem } from "../components/ui.tsx";
import { roleText, ukDateTime } from "../format.ts";

/** A user whose sign-in is being slowed (GET /api/users/sign-in-delays). */
interface SignInDelay {
  userId: string;
  failures: number;
  blockedUntil: string | null;
}

const ROLES: [Role, string][] = [
  ["clerk", "Clerk: works the requests of their teams"],
  ["team_lead", "Team lead: also assigns work and manages their teams"],
  ["viewer", "Viewer: reads requests and reports, changes nothing"],
  ["admin", "Admin: everything, including PKB connections and routing"],
];

function EditUser({
  user,
  self,
  onDone,
}: {
  user: StaffUser;
  self: boolean;
  onDone: (message: string | null) => void;
}) {
  const [role, setRole] = useState<Role>(user.role);
  const [active, setActive] = useState(user.active);
  const [password, setPassword] = useState("");
  const [problems, setProblems] = useState<Problem[]>([]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password && password.length < 12) {
      setProblems([{ text: "The new password must be at least 12 characters", href: "#edit-password" }]);
      return;
    }
    const change: Record<string, unknown> = {};
    if (role !== user.role) change.role = role;
    if (active !== user.active) change.active = active;
    if (password) change.password = password;
    if (Object.keys(change).length === 0) return onDone(null);
    try {
      await patch(`/api/users/${user.id}`, change);
      onDone(`${user.displayName} updated.`);
    } catch (err) {
      setProblems([{ text: err instanceof ApiError ? err.message : "The change could not be saved." }]);
    }
  };
  return (
    <form className="app-panel" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="edit-user-heading">
      <h2 className="nhsuk-heading-m" id="edit-user-heading">
        Change {user.displayName}
      </h2>
      <ErrorSummary problems={problems} />
      <div className="nhsuk-form-group">
        <label className="nhsuk-label" htmlFor="edit-role">
          Role
        </label>
        <select
          className="nhsuk-select"
          id="edit-role"
          value={role}
          disabled={self}
          onChange={(e) => setRole(e.target.value as Role)}
        >
          {ROLES.map(([r, label]) => (
            <option key={r} value={r}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="nhsuk-form-group">
        <div className="nhsuk-checkboxes">
          <div className="nhsuk-checkboxes__item">
            <input
              className="nhsuk-checkboxes__input"
              id="edit-active"
              type="checkbox"
              checked={active}
              disabled={self}
              onChange={(e) => setActive(e.target.checked)}
            />
            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="edit-active">
              Can sign in
            </label>
          </div>
        </div>
      </div>
      <div className="nhsuk-form-group">
        <label className="nhsuk-label" htmlFor="edit-password">
          New password (optional)
        </label>
        <div className="nhsuk-hint" id="edit-password-hint">
          At least 12 characters. Give it to them in person; they can change it after signing in.
        </div>
        <input
          className="nhsuk-input nhsuk-input--width-20"
          id="edit-password"
          type="password"
          autoComplete="new-password"
          aria-describedby="edit-password-hint"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      <div className="app-button-row">
        <button className="nhsuk-button" type="submit">
          Save changes
        </button>
        <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => onDone(null)}>
          Close without saving
        </button>
      </div>
    </form>
  );
}

/** "Slowed after 6 failed sign-ins (next try after …)" and the button that lifts it. */
function SignInSlowed({ user, delay, onUnlock }: { user: StaffUser; delay: SignInDelay; onUnlock: () => void }) {
  return (
    <div className="nhsuk-u-margin-top-2" data-testid={`sign-in-delay-${user.id}`}>
      <Tag colour="orange">Sign-in slowed</Tag>
      <p className="nhsuk-body-s nhsuk-u-margin-bottom-1">
        {delay.failures} failed sign-in {delay.failures === 1 ? "attempt" : "attempts"}
        {delay.blockedUntil ? `; next try after ${ukDateTime(delay.blockedUntil)}` : ""}
      </p>
      <button
        type="button"
        className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0"
        onClick={onUnlock}
      >
        Lift sign-in delay<span className="nhsuk-u-visually-hidden"> for {user.displayName}</span>
      </button>
    </div>
  );
}

export function UsersPage() {
  const me = useMe();
  useTitle("Users");
  const { announce } = useAnnouncer();
  const [users, setUsers] = useState<StaffUser[] | null>(null);
  const [delays, setDelays] = useState<Map<string, SignInDelay>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<StaffUser | null>(null);
  const [form, setForm] = useState({ email: "", displayName: "", role: "clerk" as Role, password: "" });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  const load = useCallback(async () => {
    const [list, slowed] = await Promise.all([
      get<StaffUser[]>("/api/users"),
      get<SignInDelay[]>("/api/users/sign-in-delays"),
    ]);
    setUsers(list);
    setDelays(new Map(slowed.map((d) => [d.userId, d])));
    invalidateDirectory();
  }, []);

  const unlock = async (u: StaffUser) => {
    try {
      await post(`/api/users/${u.id}/sign-in/unlock`);
      const message = `${u.displayName} can sign in again without waiting.`;
      setNotice(message);
      announce(message);
      await load();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The sign-in delay could not be lifted.");
    }
  };
  useEffect(() => {
    load().catch((err: unknown) => setError(err instanceof ApiError ? err.message : "Users could not be loaded."));
  }, [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(form.email.trim()))
      fe.email = "Enter an email address, like name@trust.nhs.uk";
    if (!form.displayName.trim()) fe.displayName = "Enter the person's name";
    if (form.password && form.password.length < 12) fe.password = "The password must be at least 12 characters";
    setFieldErrors(fe);
    if (Object.keys(fe).length) return;
    try {
      await post("/api/users", {
        email: form.email.trim(),
        displayName: form.displayName.trim(),
        role: form.role,
        ...(form.password ? { password: form.password } : {}),
      });
      setForm({ email: "", displayName: "", role: "clerk", password: "" });
      await load();
      setNotice(`${form.displayName.trim()} can now sign in. Add them to a team on the Teams page.`);
      announce("User created");
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The user could not be created.");
    }
  };

  if (!users) return error ? <ErrorSummary problems={[{ text: error }]} /> : <Loading what="Loading users" />;
  const problems: Problem[] = [
    ...(error ? [{ text: error }] : []),
    ...Object.entries(fieldErrors).map(([k, text]) => ({ text, href: `#new-${k}` })),
  ];

  return (
    <>
      <PageHeading>Users and roles</PageHeading>
      <ErrorSummary problems={problems} />
      {notice ? (
        <div className="app-notice app-notice--ok" role="status">
          <p className="nhsuk-body nhsuk-u-margin-bottom-0">{notice}</p>
        </div>
      ) : null}
      {editing ? (
        <EditUser
          user={editing}
          self={editing.id === me.id}
          onDone={(message) => {
            setEditing(null);
            if (message) {
              setNotice(message);
              announce(message);
              void load();
            }
          }}
        />
      ) : null}
      <div className="app-table-scroll" role="region" aria-label="Users" tabIndex={0}>
        <table className="nhsuk-table app-worklist" data-testid="users">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Staff users</caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th className="nhsuk-table__header" scope="col">
                Name
              </th>
              <th className="nhsuk-table__header" scope="col">
                Email
              </th>
              <th className="nhsuk-table__header" scope="col">
                Role
              </th>
              <th className="nhsuk-table__header" scope="col">
                Sign-in
              </th>
              <th className="nhsuk-table__header" scope="col">
                <span className="nhsuk-u-visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {users.map((u) => (
              <tr className="nhsuk-table__row" key={u.id}>
                <th className="nhsuk-table__header" scope="row">
                  {u.displayName}
                  {u.id === me.id ? " (you)" : ""}
                </th>
                <td className="nhsuk-table__cell">{u.email}</td>
                <td className="nhsuk-table__cell">{roleText[u.role]}</td>
                <td className="nhsuk-table__cell">
                  {u.active ? <Tag colour="green">Active</Tag> : <Tag colour="grey">Switched off</Tag>}
                  {delays.has(u.id) ? (
                    <SignInSlowed user={u} delay={delays.get(u.id)!} onUnlock={() => void unlock(u)} />
                  ) : null}
                </td>
                <td className="nhsuk-table__cell">
                  <button
                    type="button"
                    className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0"
                    onClick={() => {
                      setEditing(u);
                      window.setTimeout(() => document.getElementById("edit-user-heading")?.scrollIntoView(), 0);
                      window.setTimeout(() => document.getElementById("edit-role")?.focus(), 0);
                    }}
                  >
                    Change<span className="nhsuk-u-visually-hidden"> {u.displayName}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="app-panel" noValidate onSubmit={(e) => void create(e)}>
        <h2 className="nhsuk-heading-m">Add a user</h2>
        {(
          [
            ["email", "Email address", "email", "off"],
            ["displayName", "Name", "text", "off"],
          ] as const
        ).map(([k, label, type, ac]) => (
          <div className={`nhsuk-form-group${fieldErrors[k] ? " nhsuk-form-group--error" : ""}`} key={k}>
            <label className="nhsuk-label" htmlFor={`new-${k}`}>
              {label}
            </label>
            <FieldError id={`new-${k}-error`}>{fieldErrors[k]}</FieldError>
            <input
              className={`nhsuk-input nhsuk-input--width-30${fieldErrors[k] ? " nhsuk-input--error" : ""}`}
              id={`new-${k}`}
              type={type}
              autoComplete={ac}
              spellCheck={false}
              value={form[k]}
              onChange={(e) => setForm({ ...form, [k]: e.target.value })}
            />
          </div>
        ))}
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="new-role">
            Role
          </label>
          <select
            className="nhsuk-select"
            id="new-role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
          >
            {ROLES.map(([r, label]) => (
              <option key={r} value={r}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className={`nhsuk-form-group${fieldErrors.password ? " nhsuk-form-group--error" : ""}`}>
          <label className="nhsuk-label" htmlFor="new-password">
            Password (optional)
          </label>
          <div className="nhsuk-hint" id="new-password-hint">
            At least 12 characters. Leave empty if they sign in with single sign-on only.
          </div>
          <FieldError id="new-password-error">{fieldErrors.password}</FieldError>
          <input
            className="nhsuk-input nhsuk-input--width-20"
            id="new-password"
            type="password"
            autoComplete="new-password"
            aria-describedby="new-password-hint"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </div>
        <button className="nhsuk-button" type="submit">
          Add user
        </button>
      </form>
    </>
  );
}
