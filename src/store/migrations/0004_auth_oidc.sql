-- Single sign-on in progress: the PKCE verifier, nonce and state of each OpenID Connect sign-in started, bound to the
-- browser that started it (only the sha256 of the random value in its short-lived cookie is stored).
CREATE TABLE oidc_logins (
  state text PRIMARY KEY,
  browser_hash text NOT NULL,
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  -- The in-app path to go to afterwards.
  return_to text NOT NULL DEFAULT '/',
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX oidc_logins_expiry ON oidc_logins (expires_at);

-- Sign-in attempts are looked at by time when old ones are cleared.
CREATE INDEX login_attempts_at ON login_attempts (at);
