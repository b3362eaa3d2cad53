-- Staff sign-in: server-side sessions (only a hash of the cookie's token is stored), sign-in attempts for throttling,
-- and single sign-on identities.

CREATE TABLE sessions (
  -- sha256 of the random token in the cookie: a stolen database does not yield usable cookies.
  id text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- Absolute end, whatever the activity.
  expires_at timestamptz NOT NULL,
  auth_method text NOT NULL CHECK (auth_method IN ('password', 'oidc')),
  ip text,
  user_agent text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE login_attempts (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  email text NOT NULL,
  ip text,
  success boolean NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (lower(email), at DESC);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at DESC);

ALTER TABLE users ADD COLUMN oidc_issuer text;
ALTER TABLE users ADD COLUMN oidc_subject text;
ALTER TABLE users ADD COLUMN last_sign_in_at timestamptz;
CREATE UNIQUE INDEX users_oidc ON users (oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL;
