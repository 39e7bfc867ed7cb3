DROP INDEX tracks_running;
