// Administration (loaded on demand): teams and members, users and roles, routing rules with the simulator, PKB
// connections and sync, the error queue of PKB messages set aside, the audit log. Admins see everything; team leads
// see their own teams.
import { Navigate, NavLink, Route, Routes } from "react-router";
import { useMe } from "../auth/AuthContext.tsx";
import { isAdmin, seesAdmin } from "../auth/permissions.ts";
import { PageHeading, useTitle } from "../components/ui.tsx";
import { NotFound } from "../pages/NotFound.tsx";
import { AuditPage } from "./AuditPage.tsx";
import { ConnectionsPage } from "./ConnectionsPage.tsx";
import { ErrorQueuePage } from "./ErrorQueuePage.tsx";
import { ReplyTemplatesPage } from "./ReplyTemplatesPage.tsx";
import { RulesPage } from "./RulesPage.tsx";
import { TeamsPage } from "./TeamsPage.tsx";
import { UsersPage } from "./UsersPage.tsx";

function Forbidden() {
  useTitle("No access");
  return (
    <>
      <PageHeading>You do not have access to this page</PageHeading>
      <p className="nhsuk-body">Administration is for Rebook administrators and team leads.</p>
    </>
  );
}

const ADMIN_ONLY = ["users", "routing", "connections", "error-queue", "audit"];

export function AdminRoutes() {
  const me = useMe();
  if (!seesAdmin(me)) return <Forbidden />;
  const admin = isAdmin(me);
  const items = [
    { to: "/admin/teams", label: "Teams", show: true },
    { to: "/admin/users", label: "Users", show: admin },
    { to: "/admin/routing", label: "Routing rules", show: admin },
    { to: "/admin/replies", label: "Reply templates", show: admin },
    { to: "/admin/connections", label: "PKB connections", show: admin },
    { to: "/admin/error-queue", label: "Error queue", show: admin },
    { to: "/admin/audit", label: "Audit log", show: admin },
  ].filter((i) => i.show);
  return (
    <>
      <nav className="app-admin-nav" aria-label="Administration">
        <ul>
          {items.map((i) => (
            <li key={i.to}>
              <NavLink to={i.to}>{i.label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Routes>
        <Route index element={<Navigate to="teams" replace />} />
        <Route path="teams" element={<TeamsPage />} />
        {admin ? (
          <>
            <Route path="users" element={<UsersPage />} />
            <Route path="routing" element={<RulesPage />} />
            <Route path="replies" element={<ReplyTemplatesPage />} />
            <Route path="connections" element={<ConnectionsPage />} />
            <Route path="error-queue" element={<ErrorQueuePage />} />
            <Route path="audit" element={<AuditPage />} />
          </>
        ) : null}
        {/* Pages only admins have: "no access" for a team lead; any other address is not a page at all. */}
        {admin ? null : ADMIN_ONLY.map((p) => <Route key={p} path={p} element={<Forbidden />} />)}
        <Route path="*" element={<NotFound />} />
      </Routes>
    </>
  );
}
