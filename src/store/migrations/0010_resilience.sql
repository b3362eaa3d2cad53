-- Failures that must not stop the service: poison messages, dead pollers, revocations.

-- When some text of a PKB message could not be stored as is (U+0000, a lone surrogate), subject, content and raw hold
-- it made storable (U+FFFD in place of each such character) and this column the exact message as PKB sent it, as JSON
-- text (where those characters are escapes such as \u0000). Null when the message was stored as received.
ALTER TABLE pkb_messages ADD COLUMN raw_original text;

-- The error queue: PKB messages that could not be stored or filed, set aside so the rest of a poll flows on. An admin
-- replays one (after the cause is fixed) or discards it with a reason; both are audited. One entry per message.
CREATE TABLE message_errors (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- PKB's message id (as JSON text when the id itself cannot be stored as text); null when the message had none.
  message_key text UNIQUE,
  conversation_id text,
  connection_id uuid REFERENCES pkb_connections (id) ON DELETE SET NULL,
  -- JSON text: {"conversation": the conversation without its messages, "message": the message as received}.
  original text NOT NULL,
  reason text NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replayed', 'discarded')),
  attempts integer NOT NULL DEFAULT 1,
  first_failed_at timestamptz NOT NULL DEFAULT now(),
  last_failed_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  resolved_by uuid REFERENCES users (id) ON DELETE SET NULL,
  resolution_note text
);
CREATE INDEX message_errors_status ON message_errors (status, first_failed_at DESC);

-- How each poll ended: ok, failed (error says why), stopped (shutdown), abandoned (its instance died; closed by the
-- instance that took over or at start-up). Null while it runs.
ALTER TABLE sync_runs ADD COLUMN outcome text CHECK (outcome IN ('ok', 'failed', 'stopped', 'abandoned'));
UPDATE sync_runs SET outcome = CASE WHEN error IS NOT NULL THEN 'failed' ELSE 'ok' END WHERE finished_at IS NOT NULL;
CREATE INDEX sync_runs_running ON sync_runs (connection_id) WHERE finished_at IS NULL;

-- Set while a request waits because no PKB connection had access; a new grant makes those requests due at once.
ALTER TABLE appointment_requests ADD COLUMN access_wait_since timestamptz;
CREATE INDEX appointment_requests_access_wait ON appointment_requests (access_wait_since)
  WHERE access_wait_since IS NOT NULL;

-- Incidents people are told about (e.g. a connection needing re-authorisation): at most one open incident per kind and
-- connection, so an event raised by several calls or instances at once alerts once, and once more when resolved.
-- The alert is delivered from here (an outbox): opened_alerted_at / resolved_alerted_at are set once it went out.
CREATE TABLE incidents (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('needs_reauthorisation', 'sync_failing')),
  connection_id uuid REFERENCES pkb_connections (id) ON DELETE CASCADE,
  reason text NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  resolution text,
  opened_alerted_at timestamptz,
  resolved_alerted_at timestamptz,
  delivery_attempts integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX incidents_one_open ON incidents (kind, connection_id) WHERE resolved_at IS NULL;
CREATE INDEX incidents_undelivered ON incidents (id)
  WHERE opened_alerted_at IS NULL OR (resolved_at IS NOT NULL AND resolved_alerted_at IS NULL);
