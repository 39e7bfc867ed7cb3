-- Running timers and overlap checks cost what their answer needs, not the
-- user's whole history (issue 11): running = (user_id, ended_at IS NULL), an
-- equality lookup; overlapping stopped tracks = ended_at > start, a range
-- that ends at the newest track. Portable: plain CREATE INDEX (SQLite and
-- PostgreSQL), no partial or expression index. It supersedes the partial
-- running-timer index, which the planner passed over for
-- (user_id, started_at) anyway.
CREATE INDEX tracks_user_end ON tracks(user_id, ended_at);
DROP INDEX tracks_user_running;
