-- A timesheet review reads every track that reaches into its range by
-- `ended_at > ?` on this index (issue 11: a month of a busy account is
-- ~28,000 tracks). With the columns it checks in the index, that read never
-- visits the table; descriptions and tags are read only for the tracks the
-- review lists. Still a plain portable index.
DROP INDEX tracks_user_end;
CREATE INDEX tracks_user_end ON tracks(user_id, ended_at, started_at, project_id, billable);
