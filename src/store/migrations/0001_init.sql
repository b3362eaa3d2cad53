-- Rebook's first schema: what the pipeline needs from PKB connection to routed request.
-- Every instant is timestamptz (UTC); UK wall-clock text is kept only as evidence, never as a time.

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'team_lead', 'clerk', 'viewer')),
  password_hash text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE teams (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  auto_assign boolean NOT NULL DEFAULT false,
  -- The round-robin pointer: the member who was assigned last.
  last_assigned_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX teams_name_key ON teams (lower(name));
-- At most one default team.
CREATE UNIQUE INDEX teams_one_default ON teams (is_default) WHERE is_default;

CREATE TABLE team_members (
  team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  is_lead boolean NOT NULL DEFAULT false,
  -- Most open requests this person may hold at once; null = no cap.
  capacity integer CHECK (capacity IS NULL OR capacity >= 0),
  available boolean NOT NULL DEFAULT true,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

-- One row per clinician who granted access. Tokens are AES-256-GCM envelopes (see src/store/crypto.ts).
CREATE TABLE pkb_connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  label text NOT NULL,
  status text NOT NULL CHECK (status IN ('awaiting_grant', 'active', 'needs_reauth', 'disabled')),
  pkb_user_id text,
  pkb_user_name text,
  scope text,
  access_token_enc bytea,
  refresh_token_enc bytea,
  access_expires_at timestamptz,
  -- Bumped on every token write: a refresher that read version N must not overwrite N+1.
  token_version integer NOT NULL DEFAULT 0,
  granted_at timestamptz,
  -- Messages are fetched from this instant (minus an overlap window) on the next poll.
  messages_cursor timestamptz,
  last_sync_started_at timestamptz,
  last_sync_finished_at timestamptz,
  last_sync_error text,
  needs_reauth_since timestamptz,
  needs_reauth_reason text,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- A PKB user granted through two rows would be one connection twice.
CREATE UNIQUE INDEX pkb_connections_user ON pkb_connections (pkb_user_id) WHERE pkb_user_id IS NOT NULL;

-- Pending OAuth authorisations: the random state sent to PKB, checked once on return.
CREATE TABLE oauth_states (
  state text PRIMARY KEY,
  connection_id uuid REFERENCES pkb_connections (id) ON DELETE CASCADE,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- Client-credentials tokens (the Aggregated FHIR API), encrypted like user tokens.
CREATE TABLE system_tokens (
  name text PRIMARY KEY,
  access_token_enc bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every PKB message exactly as received, whatever it is. A message seen through two connections is one row.
CREATE TABLE pkb_messages (
  pkb_message_id text PRIMARY KEY,
  conversation_id text NOT NULL,
  subject text NOT NULL,
  content text NOT NULL,
  sent_at timestamptz NOT NULL,
  sender_id text,
  patient_pkb_id text,
  message_status text,
  raw jsonb NOT NULL,
  -- request | follow_up | unrelated (set when the pipeline has classified it; null = not yet)
  kind text CHECK (kind IN ('request', 'follow_up', 'unrelated')),
  request_id uuid,
  first_seen_connection_id uuid REFERENCES pkb_connections (id) ON DELETE SET NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pkb_messages_conversation ON pkb_messages (conversation_id, sent_at);
CREATE INDEX pkb_messages_unclassified ON pkb_messages (sent_at) WHERE kind IS NULL;

-- Patients as PKB describes them, cached with the time they were fetched.
CREATE TABLE patients (
  pkb_user_id text PRIMARY KEY,
  nhs_number text CHECK (nhs_number IS NULL OR nhs_number ~ '^[0-9]{10}$'),
  title text,
  first_name text,
  last_name text,
  dob date,
  gender text,
  email text,
  phone text,
  raw jsonb NOT NULL,
  fetched_at timestamptz NOT NULL
);
CREATE INDEX patients_nhs_number ON patients (nhs_number);

CREATE TABLE routing_rules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  position integer NOT NULL,
  name text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  -- Validated by the domain's rule schema: {type?, specialtyCodes?, locations?, appointmentTypes?, pkbTeams?,
  -- keywords?, matchStates?}
  conditions jsonb NOT NULL DEFAULT '{}'::jsonb,
  team_id uuid NOT NULL REFERENCES teams (id) ON DELETE RESTRICT,
  assign_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  priority text CHECK (priority IS NULL OR priority IN ('low', 'normal', 'high', 'urgent')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX routing_rules_position ON routing_rules (position);

-- One appointment change/cancel request: the request message, what was parsed, who the patient is, which appointment
-- it is about, where it was routed and where it stands.
CREATE TABLE appointment_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  pkb_message_id text NOT NULL UNIQUE REFERENCES pkb_messages (pkb_message_id),
  conversation_id text NOT NULL,
  received_at timestamptz NOT NULL,
  -- change | cancel; null while the subject could not be parsed (parse_status = 'unparseable').
  type text CHECK (type IN ('change', 'cancel')),
  parse_status text NOT NULL CHECK (parse_status IN ('parsed', 'unparseable')),
  -- The appointment's start as the subject gave it (UK wall clock, converted to an instant) and its subject text.
  requested_start timestamptz,
  requested_subject text,
  patient_note text NOT NULL DEFAULT '',
  pkb_team_name text,
  patient_pkb_id text,
  nhs_number text,
  patient_state text NOT NULL DEFAULT 'pending' CHECK (patient_state IN ('pending', 'identified', 'not_identified')),
  match_state text NOT NULL DEFAULT 'pending'
    CHECK (match_state IN ('pending', 'auto_linked', 'review', 'manual', 'no_candidates', 'not_applicable')),
  match_confidence numeric(5, 4),
  match_evidence jsonb NOT NULL DEFAULT '[]'::jsonb,
  candidates jsonb NOT NULL DEFAULT '[]'::jsonb,
  appointment_fhir_id text,
  appointment_external_id text,
  appointment_specialty_code text,
  appointment_specialty_display text,
  appointment_type text,
  appointment_start timestamptz,
  appointment_location text,
  appointment_status text,
  team_id uuid REFERENCES teams (id) ON DELETE SET NULL,
  assigned_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  routing_rule_id uuid REFERENCES routing_rules (id) ON DELETE SET NULL,
  priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  -- Workflow: processing (pipeline still working) → open → in_progress → done; error when the pipeline gave up.
  status text NOT NULL DEFAULT 'processing'
    CHECK (status IN ('processing', 'open', 'in_progress', 'done', 'error')),
  outcome text CHECK (outcome IS NULL OR outcome IN ('rebooked', 'cancelled', 'rejected', 'needs_patient_contact')),
  error_reason text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appointment_requests_worklist ON appointment_requests (status, received_at DESC, id);
CREATE INDEX appointment_requests_team ON appointment_requests (team_id, status, received_at DESC);
CREATE INDEX appointment_requests_assignee ON appointment_requests (assigned_user_id, status);
CREATE INDEX appointment_requests_nhs ON appointment_requests (nhs_number);
CREATE INDEX appointment_requests_external_id ON appointment_requests (appointment_external_id);
CREATE INDEX appointment_requests_specialty ON appointment_requests (appointment_specialty_code, received_at);
CREATE INDEX appointment_requests_due ON appointment_requests (next_attempt_at) WHERE status IN ('processing', 'error');

ALTER TABLE pkb_messages
  ADD CONSTRAINT pkb_messages_request FOREIGN KEY (request_id) REFERENCES appointment_requests (id) ON DELETE SET NULL;

-- The history of every request: each state change writes one row in the same transaction. Reports and the PKB
-- confirmation read from here.
CREATE TABLE request_events (
  id bigserial PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES appointment_requests (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  -- null = the system (the pipeline or a job)
  actor_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  type text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX request_events_request ON request_events (request_id, at, id);
CREATE INDEX request_events_type_at ON request_events (type, at);

-- Time-limited leases so only one instance does a piece of long-running work (e.g. polls a connection).
CREATE TABLE leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Who saw or changed what: every view of a patient's request is written here.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  -- How the actor is shown when there is no user (e.g. "local API", "system").
  actor_label text NOT NULL,
  action text NOT NULL,
  request_id uuid REFERENCES appointment_requests (id) ON DELETE SET NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip text
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_request ON audit_log (request_id, at DESC);

-- One row per poll of one connection: what it fetched and how it ended.
CREATE TABLE sync_runs (
  id bigserial PRIMARY KEY,
  connection_id uuid NOT NULL REFERENCES pkb_connections (id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  since_param text,
  fetched integer NOT NULL DEFAULT 0,
  new_messages integer NOT NULL DEFAULT 0,
  new_requests integer NOT NULL DEFAULT 0,
  follow_ups integer NOT NULL DEFAULT 0,
  unrelated integer NOT NULL DEFAULT 0,
  error text
);
CREATE INDEX sync_runs_connection ON sync_runs (connection_id, started_at DESC);
