-- Finding requests (docs/web-app.md, "Search"): names match without accents ("Wisniewski" finds "Wiśniewski"), the
-- trust's appointment id matches by its prefix, and a specialty by the start of its name. PostgreSQL's unaccent
-- extension (a trusted extension: the database owner may create it; PGlite ships it) folds the accents; rebook_fold
-- pins its dictionary so that it is immutable and can be indexed. Each search stays an index range scan.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE FUNCTION rebook_fold(text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

-- Name search is by word prefix ("wisn" finds Wiśniewski), without accents and case.
DROP INDEX patients_last_name_prefix;
DROP INDEX patients_first_name_prefix;
CREATE INDEX patients_last_name_fold ON patients (rebook_fold(last_name) text_pattern_ops);
CREATE INDEX patients_first_name_fold ON patients (rebook_fold(first_name) text_pattern_ops);

-- The trust's appointment id by its prefix, any case ("apt-77" finds APT-7731).
CREATE INDEX appointment_requests_external_id_prefix ON appointment_requests
  (lower(appointment_external_id) text_pattern_ops);

-- A specialty by the start of its name ("cardio" finds Cardiology).
CREATE INDEX appointment_requests_specialty_name ON appointment_requests
  (rebook_fold(appointment_specialty_display) text_pattern_ops);
