-- Saved worklist views (issue 10, "Density and flow"): a name and the worklist's filters and sort, personal (one
-- person's) or for a team (made by its team leads or an admin), shown with their counts in the navigation.
CREATE TABLE saved_views (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  -- Exactly one of: the person it belongs to (personal), or the team it is shared with.
  owner_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  team_id uuid REFERENCES teams (id) ON DELETE CASCADE,
  -- The /api/requests query of the view (filters and sort; never a cursor or a limit).
  query text NOT NULL CHECK (length(query) <= 1000),
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((owner_user_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX saved_views_personal_name ON saved_views (owner_user_id, lower(name)) WHERE owner_user_id IS NOT NULL;
CREATE UNIQUE INDEX saved_views_team_name ON saved_views (team_id, lower(name)) WHERE team_id IS NOT NULL;

-- The views' counts are count(*) queries over the work still to do: by team and deadline ("Overdue") and by team and
-- match state ("To choose"); "My open" uses appointment_requests_assignee (assigned_user_id, status).
CREATE INDEX appointment_requests_open_deadline ON appointment_requests (team_id, deadline_at)
  WHERE status IN ('open', 'in_progress');
CREATE INDEX appointment_requests_open_match ON appointment_requests (team_id, match_state)
  WHERE status IN ('open', 'in_progress');
