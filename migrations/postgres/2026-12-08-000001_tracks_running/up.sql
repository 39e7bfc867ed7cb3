-- The running timers (what every timer call and `get_context` reads first):
-- an index of the running tracks alone. On a history where many tracks end
-- at one instant (an import's, a benchmark's), the statistics say
-- `ended_at` tells tracks apart no better than by half, and SQLite's planner
-- read the whole row of every one of the user's tracks (a scan: 50 µs a
-- call at 800 tracks) rather than look up `ended_at IS NULL` in
-- `tracks_user_end`. With this index, whose condition is that term, the
-- planner knows it picks out few rows, and looks them up. A stopped track
-- never enters it; a running one leaves it when it stops.
CREATE INDEX tracks_running ON tracks(user_id) WHERE ended_at IS NULL;
