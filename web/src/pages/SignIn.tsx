// Sign in with a local account or the organisation's single sign-on; explains why the person is here (session ended,
// signed out, too many attempts) and returns them to where they were.
import { useEffect, useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { ApiError, get } from "../api/client.ts";
import type { AuthProviders } from "../api/types.ts";
import { useAuth } from "../auth/AuthContext.tsx";
import { safeReturnTo } from "../auth/returnTo.ts";
import { ErrorSummary, FieldError, Inset, Loading, type Problem, useTitle } from "../components/ui.tsx";
import { Footer, PlainHeader, SkipLink } from "../layout/Layout.tsx";

const ssoErrors: Record<string, string> = {
  sso_failed: "Single sign-on did not complete. Try again, or sign in with your Rebook account.",
  sso_unknown_user: "Your single sign-on account is not set up in Rebook. Ask your Rebook administrator to add you.",
  sso_inactive: "Your Rebook account is inactive. Ask your Rebook administrator.",
};

function throttleText(err: ApiError): string {
  const secs = err.retryAfterSeconds;
  if (!secs) return "Too many sign-in attempts. Wait a few minutes, then try again.";
  const mins = Math.ceil(secs / 60);
  return `Too many sign-in attempts. Try again in ${mins <= 1 ? "a minute" : `${mins} minutes`}.`;
}

export function SignIn() {
  const { user, reason, unavailable, signIn } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const returnTo = safeReturnTo(params.get("returnTo"));
  const [providers, setProviders] = useState<AuthProviders | null>(null);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problems, setProblems] = useState<Problem[]>([]);
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string }>({});
  const [busy, setBusy] = useState(false);
  useTitle("Sign in");

  useEffect(() => {
    get<AuthProviders>("/api/auth/providers", { quiet401: true })
      .then(setProviders)
      .catch(() => setProviders({ local: true, oidc: null }));
  }, []);

  if (user) return <Navigate to={returnTo} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fe: typeof fieldErrors = {};
    if (!email.trim()) fe.email = "Enter your email address";
    if (!password) fe.password = "Enter your password";
    setFieldErrors(fe);
    if (fe.email || fe.password) {
      setProblems([
        ...(fe.email ? [{ href: "#email", text: fe.email }] : []),
        ...(fe.password ? [{ href: "#password", text: fe.password }] : []),
      ]);
      return;
    }
    setBusy(true);
    try {
      await signIn(email.trim(), password);
      void navigate(returnTo, { replace: true });
    } catch (err) {
      const ae = err instanceof ApiError ? err : null;
      let text: string;
      if (ae?.status === 429 || ae?.code === "too_many_attempts" || ae?.code === "throttled") text = throttleText(ae);
      else if (ae?.status === 401 || ae?.code === "invalid_credentials")
        text = "Enter a correct email address and password";
      else if (ae?.status === 404) text = "Sign-in is not available on this Rebook server yet.";
      else text = ae?.message ?? "Sign-in failed. Try again.";
      setPassword("");
      setFieldErrors({});
      setProblems([{ href: "#email", text }]);
    } finally {
      setBusy(false);
    }
  };

  const ssoError = ssoErrors[params.get("error") ?? ""];
  const note =
    reason === "expired" || params.get("reason") === "expired"
      ? "Your session has ended, so you have been signed out. Sign in again to carry on where you were."
      : reason === "signed_out"
        ? "You have signed out."
        : null;
  const ssoHref = `/api/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`;

  return (
    <>
      <SkipLink />
      <PlainHeader />
      <div className="nhsuk-width-container">
        <main className="nhsuk-main-wrapper" id="maincontent" tabIndex={-1}>
          <div className="nhsuk-grid-row">
            <div className="nhsuk-grid-column-two-thirds">
              <ErrorSummary problems={ssoError ? [{ text: ssoError }, ...problems] : problems} />
              <h1 className="nhsuk-heading-l">Sign in to Rebook</h1>
              {note ? <Inset>{<p data-testid="signin-note">{note}</p>}</Inset> : null}
              {unavailable ? (
                <Inset>
                  <p>Sign-in is not set up on this Rebook server yet.</p>
                </Inset>
              ) : null}
              {providers === null ? <Loading what="Loading sign-in options" /> : null}
              {providers?.oidc ? (
                <>
                  <a className="nhsuk-button" href={ssoHref}>
                    Sign in with {providers.oidc.displayName}
                  </a>
                  {providers.local ? <p className="nhsuk-body">Or sign in with your Rebook account.</p> : null}
                </>
              ) : null}
              {providers?.local !== false ? (
                <form noValidate onSubmit={(e) => void submit(e)}>
                  <div className={`nhsuk-form-group${fieldErrors.email ? " nhsuk-form-group--error" : ""}`}>
                    <label className="nhsuk-label" htmlFor="email">
                      Email address
                    </label>
                    <FieldError id="email-error">{fieldErrors.email}</FieldError>
                    <input
                      className={`nhsuk-input${fieldErrors.email ? " nhsuk-input--error" : ""}`}
                      id="email"
                      name="email"
                      type="email"
                      autoComplete="username"
                      spellCheck={false}
                      value={email}
                      aria-describedby={fieldErrors.email ? "email-error" : undefined}
                      onChange={(e) => setEmail(e.target.value)}
                    />
                  </div>
                  <div className={`nhsuk-form-group${fieldErrors.password ? " nhsuk-form-group--error" : ""}`}>
                    <label className="nhsuk-label" htmlFor="password">
                      Password
                    </label>
                    <FieldError id="password-error">{fieldErrors.password}</FieldError>
                    <input
                      className={`nhsuk-input${fieldErrors.password ? " nhsuk-input--error" : ""}`}
                      id="password"
                      name="password"
                      type="password"
                      autoComplete="current-password"
                      value={password}
                      aria-describedby={fieldErrors.password ? "password-error" : undefined}
                      onChange={(e) => setPassword(e.target.value)}
                    />
                  </div>
                  <button className="nhsuk-button" type="submit" disabled={busy} aria-disabled={busy}>
                    {busy ? "Signing in…" : "Sign in"}
                  </button>
                </form>
              ) : null}
              <p className="nhsuk-body-s">
                Forgotten your password? Ask your Rebook administrator to reset it. Sessions end after a period without
                use.
              </p>
            </div>
          </div>
        </main>
      </div>
      <Footer />
    </>
  );
}
