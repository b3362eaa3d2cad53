// The staff web app: routes, auth gate and providers. Administration and Reports load on demand (their own chunks).
import "nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css";
import "./app.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, Navigate, RouterProvider, useLocation, type RouteObject } from "react-router";
import { EventsProvider } from "./api/events.tsx";
import { AuthProvider, useAuth } from "./auth/AuthContext.tsx";
import { AnnouncerProvider } from "./components/Announcer.tsx";
import { Loading } from "./components/ui.tsx";
import { Layout } from "./layout/Layout.tsx";
import { NotFound } from "./pages/NotFound.tsx";
import { RequestPage } from "./detail/RequestPage.tsx";
import { SignIn } from "./pages/SignIn.tsx";
import { Worklist } from "./worklist/Worklist.tsx";

/** Signed-in pages: waits for /me, sends the signed-out to sign in (remembering where they were). */
function RequireAuth() {
  const { user, reason, refresh } = useAuth();
  const location = useLocation();
  if (user === undefined) {
    return (
      <div className="nhsuk-width-container">
        <main className="nhsuk-main-wrapper" id="maincontent">
          <Loading what="Loading Rebook" />
        </main>
      </div>
    );
  }
  if (user === null) {
    const returnTo = `${location.pathname}${location.search}`;
    const q = new URLSearchParams({ returnTo });
    if (reason === "expired") q.set("reason", "expired");
    return <Navigate to={`/sign-in?${q.toString()}`} replace />;
  }
  return (
    <EventsProvider myUserId={user.id} onSessionEnded={() => void refresh()}>
      <Layout />
    </EventsProvider>
  );
}

const routes: RouteObject[] = [
  { path: "/sign-in", element: <SignIn /> },
  {
    element: <RequireAuth />,
    // Shown while a lazily loaded page (Administration, Reports) arrives on a first visit straight to it.
    hydrateFallbackElement: <Loading what="Loading Rebook" />,
    children: [
      { index: true, element: <Navigate to="/requests" replace /> },
      { path: "requests", element: <Worklist /> },
      { path: "requests/:id", element: <RequestPage /> },
      {
        path: "admin/*",
        lazy: async () => ({ Component: (await import("./admin/AdminRoutes.tsx")).AdminRoutes }),
      },
      {
        // Its own chunk too (the chart library is only needed here).
        path: "reports",
        lazy: async () => ({ Component: (await import("./reports/ReportsPage.tsx")).ReportsPage }),
      },
      { path: "*", element: <NotFound /> },
    ],
  },
];

const router = createBrowserRouter(routes);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AnnouncerProvider>
      <AuthProvider>
        <RouterProvider router={router} />
      </AuthProvider>
    </AnnouncerProvider>
  </StrictMode>,
);
