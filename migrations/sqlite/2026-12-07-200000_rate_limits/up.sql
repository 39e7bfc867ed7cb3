-- Request rate limits shared by every instance on one database (issue 12).
-- Used on PostgreSQL only: one `teetrack serve` on a SQLite file keeps its
-- limits in memory (a row write per request would cost a durable commit).
-- The table exists on both engines so that the schema is one.
-- GCRA: one number per key, the theoretical arrival time of the next
-- request in milliseconds since the epoch.
CREATE TABLE rate_limits (
    -- SHA-256 (hex) of what is limited: a token, a client address, a flow
    key TEXT PRIMARY KEY NOT NULL,
    tat BIGINT NOT NULL
);
