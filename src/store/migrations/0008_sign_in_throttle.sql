-- Sign-in throttling that concurrency cannot beat: one counter row per (scope, account, address), incremented and
-- checked in a single statement before the password is checked. The account is a keyed hash of the normalised email
-- (what someone typed is never stored: it may be a password typed in the wrong field). login_attempts, which kept the
-- typed emails and was read and written in separate statements, goes.

-- Secrets Rebook generates for itself on first use (e.g. the key of the account hashes), shared by every instance.
CREATE TABLE app_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE login_throttle (
  -- account_address: one account from one address; account: one account from addresses it has not signed in from;
  -- address: one address at accounts never signed in from there.
  scope text NOT NULL CHECK (scope IN ('account_address', 'account', 'address')),
  account text NOT NULL DEFAULT '',
  address text NOT NULL DEFAULT '',
  -- Failures since the count was last forgotten (LOGIN_THROTTLE_WINDOW_MINUTES after the last one) or reset.
  failures integer NOT NULL DEFAULT 0,
  last_failure_at timestamptz,
  -- No attempt is checked before this (the delay that doubles with each failure beyond the limit).
  blocked_until timestamptz,
  -- account_address only: the last successful sign-in from this address (it is then the user's own).
  last_success_at timestamptz,
  PRIMARY KEY (scope, account, address)
);
CREATE INDEX login_throttle_account ON login_throttle (account) WHERE account <> '';

DROP TABLE login_attempts;
