-- Reports: a per-request rollup of the two timings reports aggregate, kept from the request_events history (the
-- source of truth) by triggers, so a year of requests is read as one indexed join instead of two history look-ups per
-- request; and a partial index for the backlog's walk through the moves into and out of done.

-- first_action_at: the first history event made by a person (actor_user_id set).
-- outcome_at: the first outcome_recorded event or status change to done, whichever came first.
-- A request with neither has no row.
CREATE TABLE request_timings (
  request_id uuid PRIMARY KEY REFERENCES appointment_requests (id) ON DELETE CASCADE,
  first_action_at timestamptz,
  outcome_at timestamptz
);

-- Whether an event counts as the outcome (the same test as in the functions below).
CREATE FUNCTION request_event_is_outcome(type text, data jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT type = 'outcome_recorded' OR (type = 'status_changed' AND data->>'to' = 'done')
$$;

-- A new event can only make a timing earlier: upsert with LEAST (which skips nulls).
CREATE FUNCTION request_events_timings_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO request_timings (request_id, first_action_at, outcome_at)
  VALUES (
    NEW.request_id,
    CASE WHEN NEW.actor_user_id IS NOT NULL THEN NEW.at END,
    CASE WHEN request_event_is_outcome(NEW.type, NEW.data) THEN NEW.at END
  )
  ON CONFLICT (request_id) DO UPDATE SET
    first_action_at = LEAST(request_timings.first_action_at, EXCLUDED.first_action_at),
    outcome_at = LEAST(request_timings.outcome_at, EXCLUDED.outcome_at);
  RETURN NULL;
END
$$;

-- History is append-only, but an actor is unset when their user is deleted: recompute that request from its events.
CREATE FUNCTION request_events_timings_recompute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE request_timings t SET
    first_action_at = (SELECT min(e.at) FROM request_events e
                       WHERE e.request_id = OLD.request_id AND e.actor_user_id IS NOT NULL),
    outcome_at = (SELECT min(e.at) FROM request_events e
                  WHERE e.request_id = OLD.request_id AND request_event_is_outcome(e.type, e.data))
  WHERE t.request_id = OLD.request_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER request_events_timings_insert AFTER INSERT ON request_events FOR EACH ROW
  WHEN (NEW.actor_user_id IS NOT NULL OR request_event_is_outcome(NEW.type, NEW.data))
  EXECUTE FUNCTION request_events_timings_insert();
CREATE TRIGGER request_events_timings_recompute AFTER UPDATE OF actor_user_id, at, type, data OR DELETE ON request_events
  FOR EACH ROW
  EXECUTE FUNCTION request_events_timings_recompute();

INSERT INTO request_timings (request_id, first_action_at, outcome_at)
SELECT request_id, min(at) FILTER (WHERE actor_user_id IS NOT NULL),
  min(at) FILTER (WHERE request_event_is_outcome(type, data))
FROM request_events
WHERE actor_user_id IS NOT NULL OR request_event_is_outcome(type, data)
GROUP BY request_id;

-- The backlog sums every move into or out of done before an instant.
CREATE INDEX request_events_done_moves ON request_events (at)
  WHERE type = 'status_changed' AND coalesce(data->>'to' = 'done', false) <> coalesce(data->>'from' = 'done', false);
