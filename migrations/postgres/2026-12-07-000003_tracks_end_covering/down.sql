DROP INDEX tracks_user_end;
CREATE INDEX tracks_user_end ON tracks(user_id, ended_at);
