-- Per-tag totals of stopped tracks (issue 11): `list_tags` and the tags page
-- show each tag's track count and time; summed from the links, that read
-- every tagged track of the user's whole history on each call. Kept in the
-- same transaction as each write to `tracks` or their tags; running timers
-- are added at read time. Raw seconds depend on no setting, so, unlike
-- `day_totals`, these never need a rebuild.
CREATE TABLE tag_totals (
    tag_id INTEGER PRIMARY KEY NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    tracks BIGINT NOT NULL,
    seconds BIGINT NOT NULL
);

INSERT INTO tag_totals (tag_id, tracks, seconds)
SELECT track_tags.tag_id,
       COUNT(*),
       SUM(CASE WHEN tracks.ended_at > tracks.started_at
                THEN tracks.ended_at - tracks.started_at ELSE 0 END)
FROM track_tags
JOIN tracks ON tracks.id = track_tags.track_id
WHERE tracks.ended_at IS NOT NULL
GROUP BY track_tags.tag_id;
