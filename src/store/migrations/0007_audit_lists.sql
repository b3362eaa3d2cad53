-- The worklist's views are audited as one entry per list shown (action 'requests.listed', details.requestIds). This
-- index lets "every view of this request" find the lists it appeared in, as well as its own entries.
CREATE INDEX audit_log_listed_requests ON audit_log USING gin ((details -> 'requestIds'))
  WHERE action = 'requests.listed';
