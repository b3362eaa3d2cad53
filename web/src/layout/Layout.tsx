// The page frame every signed-in page shares: skip link, NHS header with the service name, account and navigation,
// the re-authorisation banner for admins (a "new requests are not arriving" banner for everyone else), main content and
// footer. Focus moves to the new page's h1 on navigation.
import { useEffect, useRef, type ReactNode } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { useAuth, useMe } from "../auth/AuthContext.tsx";
import { ReminderBanner } from "./ReminderBanner.tsx";
import { canReadReports, isAdmin, seesAdmin } from "../auth/permissions.ts";
import { roleText } from "../format.ts";
import { ConfirmationBanner } from "./ConfirmationBanner.tsx";
import { CollectionBanner, CollectionProvider } from "./Collection.tsx";
import { ReauthBanner } from "./ReauthBanner.tsx";

export function NhsLogo() {
  return (
    <svg
      className="nhsuk-header__logo"
      xmlns="http://www.w3.org/2000/svg"
      viewBox="0 0 200 80"
      height="40"
      width="100"
      focusable="false"
      aria-hidden="true"
    >
      <path
        fill="currentcolor"
        d="M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z"
      />
    </svg>
  );
}

export function SkipLink() {
  return (
    <a
      className="nhsuk-skip-link"
      href="#maincontent"
      onClick={(e) => {
        e.preventDefault();
        document.getElementById("maincontent")?.focus();
      }}
    >
      Skip to main content
    </a>
  );
}

export function Footer({ wide }: { wide?: boolean }) {
  return (
    <footer className="nhsuk-footer" role="contentinfo">
      <div className={`nhsuk-width-container${wide ? " app-width-container" : ""}`}>
        <div className="nhsuk-footer__meta">
          <h2 className="nhsuk-u-visually-hidden">Support links</h2>
          <ul className="nhsuk-footer__list">
            <li className="nhsuk-footer__list-item">
              <a className="nhsuk-footer__list-item-link" href="/status">
                Service status
              </a>
            </li>
            <li className="nhsuk-footer__list-item">
              <a className="nhsuk-footer__list-item-link" href="/api/docs">
                API documentation
              </a>
            </li>
          </ul>
          <p className="nhsuk-body-s">
            Rebook: appointment change and cancel requests from Patients Know Best.
            {wide ? (
              <>
                {" "}
                Press <kbd>?</kbd> on the worklist for keyboard shortcuts.
              </>
            ) : null}
          </p>
        </div>
      </div>
    </footer>
  );
}

interface NavItem {
  to: string;
  label: string;
  show: boolean;
}

/** The header for signed-out pages: logo and service name only. */
export function PlainHeader() {
  return (
    <header className="nhsuk-header" role="banner">
      <div className="nhsuk-header__container nhsuk-width-container">
        <div className="nhsuk-header__service">
          <a className="nhsuk-header__service-logo" href="/" aria-label="NHS Rebook homepage">
            <NhsLogo />
            <span className="nhsuk-header__service-name">Rebook</span>
          </a>
        </div>
      </div>
    </header>
  );
}

function Header() {
  const me = useMe();
  const { signOut } = useAuth();
  const navigate = useNavigate();
  const items: NavItem[] = [
    { to: "/requests", label: "Worklist", show: true },
    { to: "/reports", label: "Reports", show: canReadReports(me) },
    { to: "/admin", label: "Administration", show: seesAdmin(me) },
  ];
  return (
    <header className="nhsuk-header" role="banner">
      <div className="nhsuk-header__container nhsuk-width-container app-width-container">
        <div className="nhsuk-header__service">
          <Link className="nhsuk-header__service-logo" to="/requests" aria-label="NHS Rebook homepage">
            <NhsLogo />
            <span className="nhsuk-header__service-name">Rebook</span>
          </Link>
        </div>
        <nav className="nhsuk-header__account" aria-label="Account">
          <ul className="nhsuk-header__account-list">
            <li className="nhsuk-header__account-item" data-testid="signed-in-as">
              <span className="nhsuk-u-visually-hidden">Signed in as </span>
              {me.displayName} <span className="app-header__role">({roleText[me.role]})</span>
            </li>
            <li className="nhsuk-header__account-item">
              <button
                type="button"
                className="nhsuk-header__account-button"
                onClick={() => {
                  void signOut().then(() => navigate("/sign-in", { replace: true }));
                }}
              >
                Sign out
              </button>
            </li>
          </ul>
        </nav>
      </div>
      <nav className="nhsuk-header__navigation" aria-label="Menu">
        <div className="nhsuk-header__navigation-container nhsuk-width-container app-width-container">
          <ul className="nhsuk-header__navigation-list">
            {items
              .filter((i) => i.show)
              .map((i) => (
                <li key={i.to} className="nhsuk-header__navigation-item">
                  <NavLink className="nhsuk-header__navigation-link" to={i.to}>
                    {({ isActive }) =>
                      isActive ? (
                        <strong className="nhsuk-header__navigation-item-current-fallback">{i.label}</strong>
                      ) : (
                        i.label
                      )
                    }
                  </NavLink>
                </li>
              ))}
          </ul>
        </div>
      </nav>
    </header>
  );
}

/** Moves focus to the new page's heading after in-app navigation (not on first load), like a full page load would. */
function useFocusOnNavigate(): void {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const t = window.setTimeout(() => {
      const h = document.querySelector<HTMLElement>("main h1");
      (h ?? document.getElementById("maincontent"))?.focus({ preventScroll: false });
    }, 0);
    return () => window.clearTimeout(t);
  }, [pathname]);
}

export function Layout({ children }: { children?: ReactNode }) {
  const me = useMe();
  useFocusOnNavigate();
  return (
    <CollectionProvider>
      <SkipLink />
      <Header />
      {isAdmin(me) ? <ReauthBanner /> : null}
      {/* Team leads (and admins): their teams' requests PKB does not show. */}
      {seesAdmin(me) ? <ConfirmationBanner /> : null}
      <CollectionBanner admin={isAdmin(me)} />
      <ReminderBanner />
      <div className="nhsuk-width-container app-width-container">
        <main className="nhsuk-main-wrapper nhsuk-main-wrapper--s" id="maincontent" tabIndex={-1}>
          {children ?? <Outlet />}
        </main>
      </div>
      <Footer wide />
    </CollectionProvider>
  );
}
