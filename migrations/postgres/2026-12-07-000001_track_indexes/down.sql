CREATE INDEX tracks_user_running ON tracks(user_id) WHERE ended_at IS NULL;
DROP INDEX tracks_user_end;
