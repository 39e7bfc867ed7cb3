-- Per-day totals of stopped tracks (issue 11): reports over a year or three
-- read a few thousand of these rows instead of every track. One row per
-- user, calendar day in the user's zone (the day a track starts), project,
-- billable, currency and rate; kept in the same transaction as each write to
-- `tracks`. The figures that depend on settings (the day in the user's zone,
-- per-track rounding) were computed under `day_totals_basis.basis`; when the
-- settings change, the next report rebuilds the user's rows.
-- Portable: no partial or expression index; "none" is 0 / '' so the key can
-- be a plain primary key on both backends.
CREATE TABLE day_totals (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- YYYY-MM-DD in the user's zone
    day TEXT COLLATE "C" NOT NULL,
    -- 0: no project (a grouping key, not a reference: no foreign key)
    project_id INTEGER NOT NULL,
    billable BOOLEAN NOT NULL,
    currency TEXT COLLATE "C" NOT NULL,
    -- the tracks' rate as stored; '': no rate
    hourly_rate TEXT COLLATE "C" NOT NULL,
    tracks BIGINT NOT NULL,
    seconds BIGINT NOT NULL,
    -- each track rounded by the basis's rounding, then summed
    rounded_seconds BIGINT NOT NULL,
    -- what the billable tracks with a rate are worth, each from its rounded
    -- time and rounded to the minor unit, then summed: an exact whole number
    -- of the currency's minor unit (cents), so SQL can add rows up
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (user_id, day, project_id, billable, currency, hourly_rate)
);

CREATE TABLE day_totals_basis (
    user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- time zone, rounding mode and minutes the rows were computed with
    basis TEXT COLLATE "C" NOT NULL
);
